import { randomUUID } from 'node:crypto';

/**
 * The bot's state (click de-duplication, decisions, digest slots, notification records, linked-account
 * tokens, locks and the leader lease) lives behind this interface, with three backends:
 * - MemoryStateStore: one process, nothing survives a restart (tests);
 * - FileStateStore: one process (it refuses a second one on the same DATA_DIR), one JSON file — the default;
 * - RedisStateStore (REDIS_URL): shared by every replica.
 *
 * Semantics every backend keeps (test/store/contract.test.ts runs one suite against all three):
 * - Each call is atomic on its own, also across processes sharing the store. Nothing spans two calls:
 *   what must happen once is claimed with setIfAbsent, what is updated in place uses compareAndSet.
 * - Values are JSON: what is stored is a copy, and what comes back is a fresh copy (no shared objects).
 * - `ttlMs` makes a key expire that long after the write; without it a write makes the key permanent.
 *   For fields and members the ttl covers the whole key and is renewed by each write that gives one.
 * - Nothing lists keys by prefix: what must be found again is indexed in a map (fields) or a set.
 * - A backend that cannot be reached (Redis down, timing out, out of memory) throws StoreUnavailableError,
 *   which callers turn into "try again in a moment"; any other error is a bug.
 */
export interface StateStore {
  get<T>(key: string): Promise<T | undefined>;
  /** Several keys in one round trip, in order; undefined for the missing ones. */
  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>>;
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Sets the key only if it is absent (or expired); true when this call set it. The primitive for
   * "at most once" (a double click, a redelivered action, a digest slot, a lock: see tryLock).
   */
  setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean>;
  /**
   * Writes `next` (deletes the key when `next` is undefined) only if the key still holds `expected`
   * (is absent, when `expected` is undefined), values compared as JSON; true when it wrote. The
   * primitive for records updated in place (see updateRecord) and for releasing a lock only by its holder.
   */
  compareAndSet<T>(key: string, expected: T | undefined, next: T | undefined, ttlMs?: number): Promise<boolean>;

  /** A map of fields under one key (a Redis hash): read in one call, however many fields. */
  getFields<T>(key: string): Promise<Record<string, T>>;
  getField<T>(key: string, field: string): Promise<T | undefined>;
  setField<T>(key: string, field: string, value: T, ttlMs?: number): Promise<void>;
  /** Sets the field only if the map lacks it; true when this call set it. */
  setFieldIfAbsent<T>(key: string, field: string, value: T): Promise<boolean>;
  deleteField(key: string, field: string): Promise<void>;

  /** A set of strings under one key (a Redis set), for indexes. */
  addMember(key: string, member: string, ttlMs?: number): Promise<void>;
  removeMember(key: string, member: string): Promise<void>;
  members(key: string): Promise<string[]>;

  /** Every key that starts with `prefix`, for maintenance commands (it walks the whole store: never on a request's path). */
  keys(prefix: string): Promise<string[]>;

  /** For /healthz: whether the store answers now. Never throws; `detail` holds no secret. */
  health(): Promise<StoreHealth>;
  /** Finishes pending writes and lets go of the store (the DATA_DIR lock, the Redis connection). */
  close(): Promise<void>;
}

export interface StoreHealth {
  ok: boolean;
  kind: 'memory' | 'file' | 'redis';
  detail: string;
}

export const STORE_UNAVAILABLE_MESSAGE = 'The bot cannot reach its state store right now. Nothing was changed in ISC; try again in a moment.';

/** The store did not answer (or refused to work, e.g. out of memory): nothing may be assumed done. */
export class StoreUnavailableError extends Error {
  constructor(cause: string) {
    super(`The state store is unavailable: ${cause}`);
    this.name = 'StoreUnavailableError';
  }
}

export const isStoreUnavailable = (e: unknown): e is StoreUnavailableError => e instanceof StoreUnavailableError;

/** A lock this process holds: release() deletes it only if it is still this holder's (compare-and-delete). */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Takes a lock for at most `ttlMs` (longer than the work it covers can take, so a crash never blocks
 * anyone for longer), or undefined when someone holds it. `info` is stored with it for whoever reads it.
 */
export async function tryLock(store: StateStore, key: string, ttlMs: number, info: Record<string, unknown> = {}): Promise<HeldLock | undefined> {
  const value = { ...info, token: randomUUID() };
  if (!(await store.setIfAbsent(key, value, ttlMs))) return undefined;
  return {
    release: async () => {
      await store.compareAndSet(key, value, undefined);
    },
  };
}

/** What updateRecord writes: the new value (undefined deletes the key) and its ttl. */
export interface RecordChange<T> {
  value: T | undefined;
  ttlMs?: number;
}

const CAS_ATTEMPTS = 10;

/**
 * Read, change, compare-and-set, and again if someone changed the record meanwhile. `change` returns
 * undefined to leave the record as it is. Resolves to what is stored afterwards.
 */
export async function updateRecord<T>(store: StateStore, key: string, change: (current: T | undefined) => RecordChange<T> | undefined): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get<T>(key);
    const next = change(current);
    if (!next) return current;
    if (await store.compareAndSet(key, current, next.value, next.ttlMs)) return next.value;
    if (attempt >= CAS_ATTEMPTS) throw new Error(`Could not update ${key}: it kept changing under ${CAS_ATTEMPTS} attempts`);
  }
}
