import { Redis, ReplyError } from 'ioredis';
import { registerSecret, type Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { StoreUnavailableError, type StateStore, type StoreHealth } from './store';

export interface RedisStoreOptions {
  /** redis:// or rediss:// (TLS); user, password and database number as the URL says. */
  url: string;
  /** Prepended to every key, so several bots (or tests) can share one Redis. */
  keyPrefix: string;
  logger: Logger;
  /** A command that takes longer fails (and the click says "try again"); default 2000. */
  commandTimeoutMs?: number;
  /** How long start-up waits for Redis to answer; default 10000. */
  startTimeoutMs?: number;
  /** Counts the commands that fail, by StateStore operation. */
  metrics?: Metrics;
}

/** The URL without its password, for logs and /healthz. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'the Redis at REDIS_URL';
  }
}

/** The password in REDIS_URL is a secret like the others: never logged. */
function registerUrlPassword(url: string): void {
  try {
    const { password } = new URL(url);
    if (password) {
      registerSecret(password);
      registerSecret(decodeURIComponent(password));
    }
  } catch {
    // Not a URL: ioredis refuses it before anything is logged.
  }
}

/** Server replies that mean "Redis cannot work right now" rather than a bug in the bot. */
const UNAVAILABLE_REPLY = /^(OOM|LOADING|READONLY|MISCONF|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|NOAUTH|WRONGPASS)\b/;

/** ioredis' errors as the store's: connection trouble and refusals to work become StoreUnavailableError. */
export function storeError(e: unknown): unknown {
  if (e instanceof StoreUnavailableError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof ReplyError && !UNAVAILABLE_REPLY.test(message)) return e;
  return new StoreUnavailableError(message);
}

// Values are JSON strings; a compare is on those strings, which JSON.stringify makes the same for the
// same value read back.
const SCRIPTS = {
  /** KEYS[1]; ARGV: expected? ('1'/'0'), expected JSON, write? ('1'/'0': delete), next JSON, ttl ms (0: none). */
  storeCompareAndSet: {
    numberOfKeys: 1,
    lua: `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] ~= '1' then
  redis.call('DEL', KEYS[1])
elseif tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
return 1`,
  },
  /** KEYS[1]; ARGV: field, value, ttl ms (0: keep the key's). */
  storeSetField: {
    numberOfKeys: 1,
    lua: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`,
  },
  /** KEYS[1]; ARGV: member, ttl ms (0: keep the key's). */
  storeAddMember: {
    numberOfKeys: 1,
    lua: `
redis.call('SADD', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`,
  },
} as const;

type ScriptCommands = {
  storeCompareAndSet(key: string, hasExpected: string, expected: string, write: string, next: string, ttlMs: number): Promise<number>;
  storeSetField(key: string, field: string, value: string, ttlMs: number): Promise<number>;
  storeAddMember(key: string, member: string, ttlMs: number): Promise<number>;
};

const encode = (value: unknown) => JSON.stringify(value);
const decode = <T>(raw: string | null | undefined): T | undefined => (raw === null || raw === undefined ? undefined : (JSON.parse(raw) as T));

/**
 * StateStore on Redis, shared by every replica (ioredis: it reconnects by itself, runs the Lua scripts
 * that make compare-and-set atomic, speaks TLS for rediss://, and can reach Redis through Sentinel or
 * Cluster). Commands are not queued while the connection is down and time out after
 * `commandTimeoutMs`, so a click during a Redis outage is told at once to try again rather than held.
 */
export class RedisStateStore implements StateStore {
  readonly client: Redis;
  private readonly scripts: ScriptCommands;
  private readonly where: string;
  private connected = false;

  private readonly logger: Logger;
  private readonly metrics?: Metrics;
  /** ioredis puts it before every key, but not into a SCAN pattern. */
  private readonly keyPrefix: string;

  private constructor(opts: RedisStoreOptions) {
    this.keyPrefix = opts.keyPrefix;
    this.logger = opts.logger;
    this.metrics = opts.metrics;
    this.where = describeRedisUrl(opts.url);
    this.client = new Redis(opts.url, {
      keyPrefix: opts.keyPrefix,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      connectTimeout: 5000,
      // How long closing waits for a socket to end; a socket that never opened would hold the process that long.
      disconnectTimeout: 500,
      enableAutoPipelining: true,
      // RESP2 works with every Redis the bot may meet (managed services, Redis 5).
      protocol: 2,
      connectionName: 'isc-workitems-bot',
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
      scripts: SCRIPTS,
    });
    this.scripts = this.client as unknown as ScriptCommands;
    this.client.on('error', (e: Error) => opts.logger.debug('Redis connection error', { redis: this.where, error: e.message }));
    this.client.on('close', () => {
      if (this.connected) opts.logger.warn('Lost the connection to Redis; reconnecting (clicks are told to try again meanwhile)', { redis: this.where });
      this.connected = false;
    });
    this.client.on('ready', () => {
      if (!this.connected) opts.logger.info('Connected to Redis', { redis: this.where });
      this.connected = true;
    });
  }

  /** Connects, waiting (up to startTimeoutMs) for Redis to answer; throws a message naming REDIS_URL without its password. */
  static async connect(opts: RedisStoreOptions): Promise<RedisStateStore> {
    registerUrlPassword(opts.url);
    const store = new RedisStateStore(opts);
    const { client } = store;
    let lastError = 'no answer';
    const onError = (e: Error) => {
      lastError = e.message;
    };
    client.on('error', onError);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Cannot reach Redis at ${store.where} (REDIS_URL): ${lastError}`)), opts.startTimeoutMs ?? 10_000);
        client.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
        client.connect().catch(onError);
      });
    } catch (e) {
      client.disconnect();
      throw e;
    } finally {
      client.off('error', onError);
    }
    return store;
  }

  private async run<T>(operation: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      this.metrics?.storeError(operation);
      throw storeError(e);
    }
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.run('get', async () => decode<T>(await this.client.get(key)));
  }

  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    if (!keys.length) return Promise.resolve([]);
    return this.run('getMany', async () => (await this.client.mget(...keys)).map((raw) => decode<T>(raw)));
  }

  set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    return this.run('set', async () => {
      if (ttlMs) await this.client.set(key, encode(value), 'PX', ttlMs);
      else await this.client.set(key, encode(value));
    });
  }

  delete(key: string): Promise<void> {
    return this.run('delete', async () => void (await this.client.del(key)));
  }

  setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
    return this.run('setIfAbsent', async () => (ttlMs ? await this.client.set(key, encode(value), 'PX', ttlMs, 'NX') : await this.client.set(key, encode(value), 'NX')) === 'OK');
  }

  compareAndSet<T>(key: string, expected: T | undefined, next: T | undefined, ttlMs?: number): Promise<boolean> {
    return this.run('compareAndSet', async () => {
      const written = await this.scripts.storeCompareAndSet(
        key,
        expected === undefined ? '0' : '1',
        expected === undefined ? '' : encode(expected),
        next === undefined ? '0' : '1',
        next === undefined ? '' : encode(next),
        ttlMs ?? 0,
      );
      return written === 1;
    });
  }

  getFields<T>(key: string): Promise<Record<string, T>> {
    return this.run('getFields', async () => {
      const raw = await this.client.hgetall(key);
      return Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, JSON.parse(value) as T]));
    });
  }

  getField<T>(key: string, field: string): Promise<T | undefined> {
    return this.run('getField', async () => decode<T>(await this.client.hget(key, field)));
  }

  setField<T>(key: string, field: string, value: T, ttlMs?: number): Promise<void> {
    return this.run('setField', async () => void (await this.scripts.storeSetField(key, field, encode(value), ttlMs ?? 0)));
  }

  setFieldIfAbsent<T>(key: string, field: string, value: T): Promise<boolean> {
    return this.run('setFieldIfAbsent', async () => (await this.client.hsetnx(key, field, encode(value))) === 1);
  }

  deleteField(key: string, field: string): Promise<void> {
    return this.run('deleteField', async () => void (await this.client.hdel(key, field)));
  }

  addMember(key: string, member: string, ttlMs?: number): Promise<void> {
    return this.run('addMember', async () => void (await this.scripts.storeAddMember(key, member, ttlMs ?? 0)));
  }

  removeMember(key: string, member: string): Promise<void> {
    return this.run('removeMember', async () => void (await this.client.srem(key, member)));
  }

  members(key: string): Promise<string[]> {
    return this.run('members', () => this.client.smembers(key));
  }

  keys(prefix: string): Promise<string[]> {
    return this.run('keys', async () => {
      const pattern = `${(this.keyPrefix + prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, batch] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        for (const key of batch) found.add(key.slice(this.keyPrefix.length));
      } while (cursor !== '0');
      return [...found];
    });
  }

  /** The body of /healthz is public: it says whether Redis answers, and the log says why not. */
  async health(): Promise<StoreHealth> {
    const started = Date.now();
    try {
      await this.client.ping();
      return { ok: true, kind: 'redis', detail: `Redis answers (${Date.now() - started} ms).` };
    } catch (e) {
      this.logger.debug('Redis health check failed', { redis: this.where, error: e instanceof Error ? e.message : String(e) });
      return { ok: false, kind: 'redis', detail: "Redis does not answer; the bot's log says why." };
    }
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
