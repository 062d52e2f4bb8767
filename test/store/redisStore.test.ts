import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/log';
import { RedisStateStore } from '../../src/store/redisStore';
import { StoreUnavailableError } from '../../src/store/store';
import { deleteKeys, openTestStore, startRedisServer, TEST_REDIS_DB, TEST_REDIS_URL, testPrefix, untilHealthy, type RedisServer } from '../support/redis';
import { freePort } from '../support/slackStandIn';

const prefix = testPrefix('redisStore');
afterAll(() => deleteKeys(prefix));

// These start (and kill) a redis-server of their own: .ci/run installs one; with REDIS_URL pointing at a
// Redis elsewhere and no redis-server here they are skipped, and the cut-link tests still run.
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

(hasRedisServer ? describe : describe.skip)('RedisStateStore when Redis is in trouble (a redis-server of the test’s own)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  it('fails at once with StoreUnavailableError while Redis is down, says so on /healthz, and reconnects by itself', async () => {
    const lines: string[] = [];
    const store = await openTestStore(prefix, { url: server.url, logger: createLogger('info', (l) => lines.push(l)) });
    await store.set('k', 1);
    await server.kill();
    const started = Date.now();
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.setIfAbsent('claim', true)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await store.health()).toEqual({ ok: false, kind: 'redis', detail: "Redis does not answer; the bot's log says why." });
    expect(lines.some((l) => / WARN Lost the connection to Redis; reconnecting/.test(l))).toBe(true);

    await server.restart();
    await untilHealthy(store);
    expect(await store.setIfAbsent('claim', true)).toBe(true);
    expect(lines.filter((l) => /Connected to Redis/.test(l))).toHaveLength(2);
    await store.close();
  });

  it('gives up on a command Redis does not answer in time', async () => {
    const store = await openTestStore(prefix, { url: server.url, commandTimeoutMs: 100 });
    const admin = new Redis(server.url, { protocol: 2 });
    try {
      await store.set('slow', 1);
      // Redis holds every client's commands for 400 ms, as a stalled server would.
      await admin.call('CLIENT', 'PAUSE', '400');
      await expect(store.get('slow')).rejects.toThrow(StoreUnavailableError);
      await new Promise((r) => setTimeout(r, 400));
      expect(await store.get('slow')).toBe(1);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });
});

describe('RedisStateStore', () => {
  it('names REDIS_URL without its password when Redis cannot be reached at start', async () => {
    const url = `redis://:s3cret-pass@127.0.0.1:${await freePort()}`;
    const connecting = RedisStateStore.connect({ url, keyPrefix: prefix, logger: createLogger('error', () => undefined), startTimeoutMs: 300 });
    await expect(connecting).rejects.toThrow(/^Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\): .*ECONNREFUSED/);
    await expect(connecting).rejects.not.toThrow(/s3cret/);
  });

  it.each([
    ['refuses connections', async () => ({ port: await freePort(), close: async () => undefined })],
    [
      'accepts connections but never answers',
      async () => {
        const sockets = new Set<net.Socket>();
        const server = net.createServer((s) => sockets.add(s));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const close = () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve())));
        return { port: (server.address() as net.AddressInfo).port, close };
      },
    ],
  ])('stops the start within 3 s, by default, when the Redis at REDIS_URL %s', async (_what, listen) => {
    const { port, close } = await listen();
    const started = Date.now();
    try {
      await expect(RedisStateStore.connect({ url: `redis://127.0.0.1:${port}`, keyPrefix: prefix, logger: createLogger('error', () => undefined) })).rejects.toThrow(/REDIS_URL/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await close();
    }
  });

  it('keeps a bug a bug: a command on the wrong kind of key is not "Redis unavailable"', async () => {
    const store = await openTestStore(prefix);
    await store.set('plain', 'text');
    const error = await store.getFields('plain').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect(String(error)).toMatch(/WRONGTYPE/);
    await store.close();
  });

  it('puts every key under its prefix', async () => {
    const store = await openTestStore(`${prefix}p:`);
    await store.set('k', 1);
    await store.setField('m', 'f', 1);
    await store.addMember('s', 'x');
    const raw = new Redis(TEST_REDIS_URL, { protocol: 2 });
    expect((await raw.keys(`${prefix}p:*`)).sort()).toEqual([`${prefix}p:k`, `${prefix}p:m`, `${prefix}p:s`]);
    raw.disconnect();
    await store.close();
  });

  (process.env.REDIS_URL ? it.skip : it)(`keeps the tests' keys in database ${TEST_REDIS_DB} of the local Redis, never in database 0`, async () => {
    const store = await openTestStore(`${prefix}db:`);
    await store.set('k', 1);
    const db = (n: number) => new Redis(`redis://127.0.0.1:6379/${n}`, { protocol: 2 });
    const [zero, own] = [db(0), db(TEST_REDIS_DB)];
    try {
      expect(await zero.exists(`${prefix}db:k`)).toBe(0);
      expect(await own.exists(`${prefix}db:k`)).toBe(1);
    } finally {
      zero.disconnect();
      own.disconnect();
      await store.close();
    }
  });
});
