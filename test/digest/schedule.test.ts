import { DigestSchedule, DigestScheduler, cronProblem } from '../../src/digest/schedule';
import { silentLogger } from '../../src/log';

const WEEKDAYS_AT_9 = '0 9 * * 1-5';
const iso = (d: Date | undefined) => d?.toISOString();

/** The next `n` slots after `from`. */
function slots(schedule: DigestSchedule, from: string, n: number): string[] {
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i++) {
    at = schedule.nextSlot(at)!;
    out.push(at.toISOString());
  }
  return out;
}

describe('DigestSchedule', () => {
  it('keeps 09:00 local in New York across the March switch to daylight time', () => {
    // Fri 6 March is EST (UTC-5); Mon 9 March, after the switch on Sunday the 8th, is EDT (UTC-4).
    const ny = new DigestSchedule(WEEKDAYS_AT_9, 'America/New_York');
    expect(slots(ny, '2026-03-05T15:00:00Z', 3)).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-10T13:00:00.000Z']);
  });

  it('keeps 09:00 local in New York across the November switch back', () => {
    expect(slots(new DigestSchedule(WEEKDAYS_AT_9, 'America/New_York'), '2026-10-29T15:00:00Z', 3)).toEqual([
      '2026-10-30T13:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
      '2026-11-03T14:00:00.000Z',
    ]);
  });

  it('keeps 09:00 local in Berlin across both switches (29 March, 25 October 2026)', () => {
    const berlin = new DigestSchedule(WEEKDAYS_AT_9, 'Europe/Berlin');
    expect(slots(berlin, '2026-03-26T12:00:00Z', 2)).toEqual(['2026-03-27T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    expect(slots(berlin, '2026-10-22T12:00:00Z', 2)).toEqual(['2026-10-23T07:00:00.000Z', '2026-10-26T08:00:00.000Z']);
  });

  it('posts a slot that falls in the spring gap once, right after it, and a repeated hour once', () => {
    // 02:30 does not exist in New York on 8 March; 01:30 happens twice on 1 November.
    expect(slots(new DigestSchedule('30 2 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', 2)).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
    expect(slots(new DigestSchedule('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('defaults to UTC semantics when the zone is UTC', () => {
    expect(slots(new DigestSchedule(WEEKDAYS_AT_9, 'UTC'), '2026-11-20T10:00:00Z', 1)).toEqual(['2026-11-23T09:00:00.000Z']);
  });

  it('previousSlot includes the moment itself and looks back over the weekend', () => {
    const ny = new DigestSchedule(WEEKDAYS_AT_9, 'America/New_York');
    expect(iso(ny.previousSlot(new Date('2026-03-09T13:00:00Z')))).toBe('2026-03-09T13:00:00.000Z');
    expect(iso(ny.previousSlot(new Date('2026-03-09T12:59:59Z')))).toBe('2026-03-06T14:00:00.000Z');
  });
});

describe('cronProblem', () => {
  it('accepts 5-field patterns and names what is wrong with others', () => {
    expect(cronProblem(WEEKDAYS_AT_9, 'Europe/Berlin')).toBeUndefined();
    expect(cronProblem('0 25 * * *', 'UTC')).toMatch(/hour/);
    expect(cronProblem('* * * * * *', 'UTC')).toMatch(/5 parts/);
    expect(cronProblem('every day', 'UTC')).toBeDefined();
    expect(cronProblem('0 0 30 2 *', 'UTC')).toBe('it never fires');
  });
});

describe('DigestScheduler', () => {
  const ny = () => new DigestSchedule(WEEKDAYS_AT_9, 'America/New_York');

  afterEach(() => jest.useRealTimers());

  it('fires at each slot with croner, DST included, marked on time', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-06T13:59:00Z') });
    const runSlot = jest.fn(async (_slot: Date, _late: boolean) => undefined);
    const scheduler = new DigestScheduler({ schedule: ny(), graceMs: 2 * 3600_000, runSlot, logger: silentLogger });
    await scheduler.start();
    // Started a minute before Friday's slot; the previous one (Thursday) is beyond the grace period.
    expect(runSlot).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(2 * 60_000);
    expect(runSlot.mock.calls).toEqual([[new Date('2026-03-06T14:00:00Z'), false]]);
    await jest.advanceTimersByTimeAsync(3 * 24 * 3600_000);
    expect(runSlot.mock.calls.map(([slot]) => iso(slot))).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    await scheduler.stop();
    await jest.advanceTimersByTimeAsync(24 * 3600_000);
    expect(runSlot).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['a start 30 minutes after the slot posts it, marked late', 30, [[new Date('2026-03-09T13:00:00Z'), true]]],
    ['a start 20 seconds after the slot posts it on time', 1 / 3, [[new Date('2026-03-09T13:00:00Z'), false]]],
    ['a start 119 minutes after the slot still catches up', 119, [[new Date('2026-03-09T13:00:00Z'), true]]],
    ['a start beyond the grace period leaves the slot', 121, []],
  ])('%s', async (_, minutesLate, expected) => {
    const now = new Date(Date.parse('2026-03-09T13:00:00Z') + minutesLate * 60_000);
    const runSlot = jest.fn(async (_slot: Date, _late: boolean) => undefined);
    const scheduler = new DigestScheduler({ schedule: ny(), graceMs: 120 * 60_000, runSlot, logger: silentLogger, now: () => now });
    await scheduler.start();
    await scheduler.stop();
    expect(runSlot.mock.calls).toEqual(expected);
  });

  it('logs a failed catch-up instead of throwing', async () => {
    const runSlot = jest.fn(async () => {
      throw new Error('boom');
    });
    const error = jest.fn();
    const now = () => new Date('2026-03-09T13:05:00Z');
    const scheduler = new DigestScheduler({ schedule: ny(), graceMs: 3600_000, runSlot, logger: { ...silentLogger, error }, now });
    await expect(scheduler.start()).resolves.toBeUndefined();
    await scheduler.stop();
    expect(error).toHaveBeenCalledWith('Digest catch-up failed', expect.objectContaining({ error: 'boom' }));
  });
});
