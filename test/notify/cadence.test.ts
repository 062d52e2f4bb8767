import { Cadence } from '../../src/notify/cadence';
import type { Subscriber } from '../../src/notify/subscriptions';

const MIN = 60_000;
const CEILING = 3600_000;
const DAY = 24 * 3600_000;

/**
 * Runs the cadence as the poller does for `hours`, at `perSecond` reads a second at most (the share
 * left after the sweep), and returns the longest gap between two reads of each subscriber.
 */
function simulate(subscribers: Subscriber[], hasWorkItems: (userId: string) => boolean, perSecond: number, hours: number, cadence = new Cadence({ minMs: MIN, ceilingMs: CEILING })) {
  const lastRead = new Map<string, number>();
  const longest = new Map<string, number>();
  let now = 0;
  while (now < hours * 3600_000) {
    const next = cadence.next(subscribers, now)!;
    now = Math.max(now, next.at);
    const { userId } = next.subscriber;
    // From the second hour: the first reads everyone once, in turn.
    if (lastRead.has(userId) && now > 3600_000) longest.set(userId, Math.max(longest.get(userId) ?? 0, now - lastRead.get(userId)!));
    lastRead.set(userId, now);
    cadence.record(next.subscriber, now, hasWorkItems(userId));
    now += 1000 / perSecond;
  }
  return { longest: (userId: string) => longest.get(userId) ?? Infinity, reads: lastRead };
}

const fleet = (n: number) => Array.from({ length: n }, (_, i) => ({ userId: `U${i}`, period: 'p' }));

it('reads owners with work items every POLL_INTERVAL, idle owners at the ceiling, nobody later, within the budget', () => {
  // 1,000 subscribers, 50 of them with work items; 2 reads a second: 50/60 s + 950/3,600 s = 1.1 a second needed.
  const subscribers = fleet(1000);
  const busy = (userId: string) => Number(userId.slice(1)) < 50;
  const { longest } = simulate(subscribers, busy, 2, 3);
  for (const { userId } of subscribers) {
    if (busy(userId)) expect(longest(userId)).toBeLessThanOrEqual(MIN + 1000);
    else expect(longest(userId)).toBeLessThanOrEqual(CEILING);
  }
});

it('with room to spare reads everyone as often as POLL_INTERVAL allows, never more often', () => {
  const subscribers = fleet(20);
  const { longest } = simulate(subscribers, () => false, 2, 2);
  for (const { userId } of subscribers) expect(longest(userId)).toBeGreaterThanOrEqual(MIN);
  for (const { userId } of subscribers) expect(longest(userId)).toBeLessThanOrEqual(MIN + 1000);
});

it('doubles the interval for each idle day, up to the ceiling', () => {
  const cadence = new Cadence({ minMs: MIN, ceilingMs: CEILING });
  const s = { userId: 'U1', period: 'p' };
  expect(cadence.intervalOf(s.userId, 0)).toBe(CEILING);
  cadence.record(s, 0, true);
  expect(cadence.intervalOf(s.userId, 0)).toBe(MIN);
  expect(cadence.intervalOf(s.userId, 2 * DAY)).toBe(4 * MIN);
  expect(cadence.intervalOf(s.userId, 30 * DAY)).toBe(CEILING);
  // A new subscription period (notifications turned on again) is due at once, for its summary.
  expect(cadence.dueAt({ ...s, period: 'q' }, 1000)).toBeLessThanOrEqual(1000);
});
