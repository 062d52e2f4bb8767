/**
 * The bot's state (click de-duplication, digest slots, notification records, linked-account tokens)
 * lives behind this interface: file-backed by default, so that a shared implementation (Redis) can
 * later let several replicas use the same state.
 */
export interface StateStore {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Sets the key only if it is absent (or expired); true when this call set it. The primitive for
   * "at most once" (a double click, a redelivered action, a digest slot).
   */
  setIfAbsent<T>(key: string, value: T, ttlMs?: number): Promise<boolean>;
  /** Keys that start with the prefix (unexpired). */
  keys(prefix: string): Promise<string[]>;
}
