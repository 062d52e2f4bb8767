import { migrateLegacyKeys } from './legacyKeys';
import type { StateStore, StoreHealth } from './store';

/** One key: a value, a map of fields (`t: 'map'`) or a set of strings (`t: 'set'`). */
export interface Entry {
  v: unknown;
  /** Expiry, epoch ms. */
  e?: number;
  t?: 'map' | 'set';
}

/** JSON in, JSON out: a stored value never shares objects with its caller (as with Redis). */
const copy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * StateStore in memory (one process, nothing survives a restart); FileStateStore adds persistence.
 * Every method does its whole work before its first await, so each is atomic within the process.
 */
export class MemoryStateStore implements StateStore {
  protected entries = new Map<string, Entry>();

  constructor(protected readonly now: () => number = Date.now) {}

  protected live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.e !== undefined && entry.e <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(ttlMs: number | undefined, keep?: Entry): number | undefined {
    return ttlMs ? this.now() + ttlMs : keep?.e;
  }

  private put(key: string, entry: Entry): Promise<void> {
    if (entry.e === undefined) delete entry.e;
    this.entries.set(key, entry);
    return this.changed(key);
  }

  private value(key: string): unknown {
    const entry = this.live(key);
    return entry && !entry.t ? entry.v : undefined;
  }

  private map(key: string): Record<string, unknown> | undefined {
    const entry = this.live(key);
    return entry?.t === 'map' ? (entry.v as Record<string, unknown>) : undefined;
  }

  private setOf(key: string): string[] | undefined {
    const entry = this.live(key);
    return entry?.t === 'set' ? (entry.v as string[]) : undefined;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return copy(this.value(key)) as T | undefined;
  }

  async getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return keys.map((k) => copy(this.value(k)) as T | undefined);
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    return this.put(key, { v: copy(value), e: this.expiry(ttlMs) });
  }

  async delete(key: string): Promise<void> {
    if (!this.entries.delete(key)) return;
    return this.changed(key);
  }

  async setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async compareAndSet<T>(key: string, expected: T | undefined, next: T | undefined, ttlMs?: number): Promise<boolean> {
    if (!same(this.value(key), expected)) return false;
    if (next === undefined) await this.delete(key);
    else await this.set(key, next, ttlMs);
    return true;
  }

  async getFields<T>(key: string): Promise<Record<string, T>> {
    return copy(this.map(key) ?? {}) as Record<string, T>;
  }

  async getField<T>(key: string, field: string): Promise<T | undefined> {
    return copy(this.map(key)?.[field]) as T | undefined;
  }

  async setField<T>(key: string, field: string, value: T, ttlMs?: number): Promise<void> {
    const entry = this.live(key);
    const fields = entry?.t === 'map' ? (entry.v as Record<string, unknown>) : {};
    fields[field] = copy(value);
    return this.put(key, { t: 'map', v: fields, e: this.expiry(ttlMs, entry) });
  }

  async setFieldIfAbsent<T>(key: string, field: string, value: T): Promise<boolean> {
    if (this.map(key)?.[field] !== undefined) return false;
    await this.setField(key, field, value);
    return true;
  }

  async deleteField(key: string, field: string): Promise<void> {
    const fields = this.map(key);
    if (!fields || !(field in fields)) return;
    delete fields[field];
    if (!Object.keys(fields).length) this.entries.delete(key);
    return this.changed(key);
  }

  async addMember(key: string, member: string, ttlMs?: number): Promise<void> {
    const entry = this.live(key);
    const members = entry?.t === 'set' ? (entry.v as string[]) : [];
    if (!members.includes(member)) members.push(member);
    return this.put(key, { t: 'set', v: members, e: this.expiry(ttlMs, entry) });
  }

  async removeMember(key: string, member: string): Promise<void> {
    const members = this.setOf(key);
    const at = members?.indexOf(member) ?? -1;
    if (!members || at < 0) return;
    members.splice(at, 1);
    if (!members.length) this.entries.delete(key);
    return this.changed(key);
  }

  async members(key: string): Promise<string[]> {
    return [...(this.setOf(key) ?? [])];
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix) && this.live(key));
  }

  /** Takes over entries read from a state file, in the keys of today; true when old keys were moved. */
  restore(entries: Map<string, Entry>): boolean {
    this.entries = entries;
    return migrateLegacyKeys(entries);
  }

  async health(): Promise<StoreHealth> {
    return { ok: true, kind: 'memory', detail: 'In memory (one process; nothing survives a restart).' };
  }

  async close(): Promise<void> {}

  /** Called after every change of `key` (set or deleted); resolves once the change is durable. */
  protected changed(_key: string): Promise<void> {
    return Promise.resolve();
  }
}
