import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../src/log';
import { SlotDeadlineError, SlotQueueFullError } from '../../src/rateLimit/slotQueue';
import { RedisRateLimiter } from '../../src/store/redisRateLimiter';
import { StoreUnavailableError } from '../../src/store/store';
import { redisFixture, startRedisServer, until, type RedisServer } from '../support/redis';

const redis = redisFixture('redisRateLimiter');

/** A replica's limiter: its own connection to Redis, the same client id ('client-1' unless given). */
async function replica(opts: { requests: number; perMs: number; url?: string; reserve?: number; maxWaiting?: number; clientId?: string }) {
  const store = await redis.open({ url: opts.url });
  const { requests, perMs, reserve, maxWaiting, clientId = 'client-1' } = opts;
  return new RedisRateLimiter(store.client, { clientId, requests, perMs, reserve, maxWaiting, guardMs: 40, logger: silentLogger });
}

/** The most grants in any window of `ms`. */
function busiest(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j] <= sorted[i] - ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

it('keeps two replicas together within one limit per window, and serves both', async () => {
  const limit = { requests: 10, perMs: 300 };
  const [a, b] = await Promise.all([replica(limit), replica(limit)]);
  const grants: Array<{ at: number; who: string }> = [];
  const started = Date.now();
  await Promise.all([
    ...Array.from({ length: 25 }, () => a.acquire().then(() => grants.push({ at: Date.now(), who: 'a' }))),
    ...Array.from({ length: 25 }, () => b.acquire().then(() => grants.push({ at: Date.now(), who: 'b' }))),
  ]);
  // 50 grants, 10 per 300 ms: the last ones wait at least four windows.
  expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 300 - 50);
  // Counted as ISC would, when the grants arrive here: the guard absorbs their delay.
  expect(busiest(grants.map((g) => g.at), 300)).toBeLessThanOrEqual(10);
  expect(grants.filter((g) => g.who === 'a')).toHaveLength(25);
  expect(grants.filter((g) => g.who === 'b')).toHaveLength(25);
});

it("shares a 429's Retry-After: a pause on one replica holds the other", async () => {
  const [a, b] = await Promise.all([replica({ requests: 100, perMs: 1000 }), replica({ requests: 100, perMs: 1000 })]);
  await Promise.all([a.acquire(), b.acquire()]);
  a.pause(300);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  await b.acquire();
  expect(Date.now() - started).toBeGreaterThanOrEqual(280);
});

it('sends nothing unpaced while Redis is unreachable: acquire() fails with StoreUnavailableError', async () => {
  const limiter = await replica({ requests: 100, perMs: 1000, url: redis.link.url });
  redis.link.cut();
  await expect(limiter.acquire()).rejects.toBeInstanceOf(StoreUnavailableError);
  redis.link.restore();
});

it("across replicas: reads leave the reserve to decisions, a read that could only be answered late is refused at once, and the queue is bounded", async () => {
  const [a, b] = await Promise.all([replica({ requests: 4, perMs: 3_000, reserve: 1, maxWaiting: 2 }), replica({ requests: 4, perMs: 3_000, reserve: 1 })]);
  await Promise.all([a.acquire({ priority: 'read' }), b.acquire({ priority: 'read' }), b.acquire({ priority: 'read' })]);
  const waiting = a.acquire({ priority: 'read' });
  waiting.catch(() => undefined);
  // The fleet's window has one slot left, kept for decisions: a click on either replica gets it at once.
  const started = Date.now();
  await b.acquire({ priority: 'decision' });
  expect(Date.now() - started).toBeLessThan(500);
  // One read waits on this replica and the window is full for 3 s: a read due in 1 s is told at once.
  const refused = Date.now();
  await expect(a.acquire({ priority: 'read', deadline: Date.now() + 1_000 })).rejects.toBeInstanceOf(SlotDeadlineError);
  expect(Date.now() - refused).toBeLessThan(200);
  a.acquire({ priority: 'background' }).catch(() => undefined);
  await expect(a.acquire({ priority: 'background' })).rejects.toBeInstanceOf(SlotQueueFullError);
  await waiting;
});

let ownRedis: RedisServer;
beforeAll(async () => {
  ownRedis = await startRedisServer();
});
afterAll(() => ownRedis.stop());

const losses: Array<[string, { url: () => string | undefined; lose: (clientId: string) => Promise<void> }]> = [
  // For this client id's window only: the shared Redis holds other tests' keys.
  ['its key is deleted, as by a FLUSHALL', { url: () => undefined, lose: async (clientId) => void (await (await redis.open()).client.del(`isc-rate:${clientId}:grants`)) }],
  ['it restarts empty', { url: () => ownRedis.url, lose: async () => { await ownRedis.kill(); await ownRedis.restart(); } }],
];

it.each(losses)('keeps the fleet within its limit when Redis loses the window (%s): each replica puts its own grants back', async (_, loss) => {
  const clientId = `lost-window-${randomUUID()}`;
  const limit = { requests: 100, perMs: 2_000, clientId, url: loss.url() };
  const [a, b] = await Promise.all([replica(limit), replica(limit)]);
  const grants: number[] = [];
  const take = (limiter: RedisRateLimiter, n: number) => Promise.all(Array.from({ length: n }, () => limiter.acquire().then(() => grants.push(Date.now()))));
  await take(b, 40);
  await new Promise((r) => setTimeout(r, 300));
  await take(a, 60);
  await loss.lose(clientId);
  await until(() => Promise.all([a.earliest(0), b.earliest(0)]).then(() => true, () => false));
  // The window is still full: a holds it and puts its 60 back; b then puts its 40 back in place of the
  // rest, so the next slot frees when b's first grant leaves the window, at least 300 ms before a's.
  const aWait = await a.take();
  const bWait = await b.take();
  expect(aWait).toBeGreaterThan(0);
  expect(bWait).toBeGreaterThan(0);
  expect(bWait).toBeLessThanOrEqual(aWait - 300);
  await Promise.all([take(a, 50), take(b, 50)]);
  expect(busiest(grants, limit.perMs)).toBeLessThanOrEqual(100);
});
