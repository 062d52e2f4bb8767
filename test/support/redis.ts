import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../../src/log';
import { RedisStateStore } from '../../src/store/redisStore';
import { freePort } from './slackStandIn';

/** The database the tests use on a local Redis: not 0, where a developer's own bot or tools keep their keys. */
export const TEST_REDIS_DB = 15;

/** The Redis the tests use: 127.0.0.1:6379, database 15 (.ci/run starts one when none answers), or REDIS_URL. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? `redis://127.0.0.1:6379/${TEST_REDIS_DB}`;

/** A key prefix of its own for each test file (and run), so parallel jest workers never share a key. */
export function testPrefix(file: string): string {
  return `test:${file}:${process.pid}:${randomUUID().slice(0, 8)}:`;
}

export function openTestStore(keyPrefix: string, opts: { url?: string; logger?: Logger; commandTimeoutMs?: number } = {}): Promise<RedisStateStore> {
  return RedisStateStore.connect({ url: opts.url ?? TEST_REDIS_URL, keyPrefix, logger: opts.logger ?? silentLogger, commandTimeoutMs: opts.commandTimeoutMs });
}

/** Deletes every key under the prefix (the test's own keys only). */
export async function deleteKeys(keyPrefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { protocol: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface RedisServer {
  url: string;
  /** SIGKILL: Redis dies mid-whatever, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing). */
  restart(): Promise<void>;
  /** Kills it if it runs (the test's clean-up). */
  stop(): Promise<void>;
}

/** A redis-server of the test's own, on a free loopback port, that the test may kill. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, protocol: 2, retryStrategy: () => 20, maxRetriesPerRequest: null });
    await probe.connect().catch(() => undefined);
    await probe.ping();
    probe.disconnect();
  };
  await start();
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child?.kill('SIGKILL');
      await exited;
    },
    restart: start,
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) await server.kill();
    },
  };
  return server;
}

export interface CuttableLink {
  /** A redis:// URL that reaches Redis through the link. */
  url: string;
  /** Drops every connection and refuses new ones: Redis seems gone, its data stays. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP pass-through to a Redis that the test can cut and restore, as a network failure would. */
export async function cuttableLink(target = TEST_REDIS_URL): Promise<CuttableLink> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = net.connect(Number(port || 6379), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Waits until the predicate holds (checked every 10 ms), or throws after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('Timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the store answers again (the client reconnects by itself). */
export const untilHealthy = (store: RedisStateStore) => until(async () => (await store.health()).ok);

export interface RedisFixture {
  prefix: string;
  /** A link to the test Redis that the test may cut (set in beforeAll). */
  link: CuttableLink;
  /** A store (a replica's connection) under the file's prefix, or `keyPrefix`; closed after the file. */
  open(opts?: { keyPrefix?: string; url?: string }): Promise<RedisStateStore>;
}

/** A test file's Redis: a key prefix of its own, a cuttable link, and everything closed and deleted after the file. */
export function redisFixture(file: string): RedisFixture {
  const stores: RedisStateStore[] = [];
  const fixture: RedisFixture = {
    prefix: testPrefix(file),
    link: undefined as unknown as CuttableLink,
    async open(opts = {}) {
      const store = await openTestStore(opts.keyPrefix ?? fixture.prefix, { url: opts.url });
      stores.push(store);
      return store;
    },
  };
  beforeAll(async () => {
    fixture.link = await cuttableLink();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await fixture.link.close();
    await deleteKeys(fixture.prefix);
  });
  return fixture;
}
