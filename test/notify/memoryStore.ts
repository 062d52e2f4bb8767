import type { StateStore } from '../../src/store/store';

/** A StateStore in memory on an injected clock, for tests with thousands of writes. */
export class MemoryStore implements StateStore {
  readonly entries = new Map<string, { v: unknown; e?: number }>();

  constructor(private readonly now: () => number) {}

  private live(key: string) {
    const entry = this.entries.get(key);
    if (entry?.e !== undefined && entry.e <= this.now()) this.entries.delete(key);
    return this.entries.get(key);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.live(key)?.v as T | undefined;
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    this.entries.set(key, { v: value, ...(ttlMs ? { e: this.now() + ttlMs } : {}) });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k));
  }
}
