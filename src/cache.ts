/**
 * A bounded in-memory cache with per-entry TTL and single-flight loading: concurrent misses for one
 * key share one load, so a burst of clicks costs one Slack or ISC lookup.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  peek(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V, ttlMs: number): void {
    this.entries.delete(key);
    if (ttlMs <= 0) return;
    this.entries.set(key, { value, expires: this.now() + ttlMs });
    // Map keeps insertion order: the first key is the least recently set.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** The cached value (`null` is a value: a cached "not found"), or the result of one shared `load()` cached for `ttlFor(value)` ms. */
  async getOrLoad(key: K, load: () => Promise<V>, ttlFor: (value: V) => number): Promise<V> {
    const hit = this.peek(key);
    if (hit !== undefined) return hit;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const promise = load()
      .then((value) => {
        this.set(key, value, ttlFor(value));
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, promise);
    return promise;
  }
}
