import type { StateStore } from './store';

export interface Entry {
  v: unknown;
  /** Expiry, epoch ms. */
  e?: number;
}

/** StateStore in memory (one process, nothing survives a restart); FileStateStore adds persistence. */
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

  async get<T>(key: string): Promise<T | undefined> {
    return this.live(key)?.v as T | undefined;
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    this.entries.set(key, { v: value, ...(ttlMs ? { e: this.now() + ttlMs } : {}) });
    return this.changed();
  }

  async delete(key: string): Promise<void> {
    if (!this.entries.delete(key)) return;
    return this.changed();
  }

  async setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k));
  }

  /** Called after every change; resolves once the change is durable. */
  protected changed(): Promise<void> {
    return Promise.resolve();
  }
}
