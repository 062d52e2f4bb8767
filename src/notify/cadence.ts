import type { Subscriber } from './subscriptions';

const DAY_MS = 24 * 3600_000;

export interface CadenceOptions {
  /** The most often an owner's work items are read (POLL_INTERVAL_SECONDS). */
  minMs: number;
  /** The longest an owner waits between two reads (WORK_ITEM_POLL_CEILING_SECONDS). */
  ceilingMs: number;
}

/**
 * When each subscriber's work items are read next. An owner with work items pending now is read
 * every `minMs`; each day without any doubles the interval, up to `ceilingMs` (reached after about
 * log2(ceiling / min) days: six days for 60 s and 1 h); an owner the poller has never seen with
 * work items waits the ceiling. When nobody is due the poller may read ahead whoever is closest to
 * due, if last read at least `minMs` ago, so a small fleet is read as often as before; a fleet larger
 * than the rate share allows is late in proportion to each owner's interval.
 */
export class Cadence {
  /** When each subscriber was last read, and for which subscription period. */
  private readonly polled = new Map<string, { at: number; period: string }>();
  /** When each subscriber last had work items pending. */
  private readonly active = new Map<string, number>();

  constructor(private readonly opts: CadenceOptions) {}

  intervalOf(userId: string, now: number): number {
    const last = this.active.get(userId);
    if (last === undefined) return this.opts.ceilingMs;
    const idleDays = Math.max(0, now - last) / DAY_MS;
    return Math.min(this.opts.ceilingMs, this.opts.minMs * 2 ** idleDays);
  }

  /** When the subscriber is due; a subscriber never read (or with a new period: to be summarised) is due at once, the recently active first. */
  dueAt(s: Subscriber, now: number): number {
    const polled = this.polled.get(s.userId);
    if (!polled || polled.period !== s.period) return this.active.has(s.userId) ? 0 : 1;
    return polled.at + this.intervalOf(s.userId, now);
  }

  /** How late the subscriber is, relative to their interval: 1 when due now, 2 when a whole interval late; never read: first of all. */
  private urgency(s: Subscriber, now: number): number {
    const polled = this.polled.get(s.userId);
    if (!polled || polled.period !== s.period) return this.active.has(s.userId) ? Infinity : Number.MAX_VALUE;
    return (now - polled.at) / this.intervalOf(s.userId, now);
  }

  /**
   * The subscriber to read next and from when; undefined with nobody subscribed. The most late
   * relative to their interval goes first, so when the share is short an owner with work items a
   * minute late still comes before an idle one a minute late.
   */
  next(subscribers: readonly Subscriber[], now: number): { subscriber: Subscriber; at: number } | undefined {
    let best: { subscriber: Subscriber; urgency: number } | undefined;
    for (const subscriber of subscribers) {
      const urgency = this.urgency(subscriber, now);
      if (!best || urgency > best.urgency) best = { subscriber, urgency };
    }
    if (!best) return undefined;
    if (best.urgency >= 1) return { subscriber: best.subscriber, at: now };
    const polled = this.polled.get(best.subscriber.userId)!;
    return { subscriber: best.subscriber, at: Math.max(now, Math.min(this.dueAt(best.subscriber, now), polled.at + this.opts.minMs)) };
  }

  /** A read finished; `hadWorkItems`: the owner had work items pending. */
  record(s: Subscriber, now: number, hadWorkItems: boolean): void {
    this.polled.set(s.userId, { at: now, period: s.period });
    if (hadWorkItems) this.active.set(s.userId, now);
  }

  /** What the store remembered of when owners last had work items (another replica polled before). */
  restore(lastActive: Record<string, string>): void {
    for (const [userId, at] of Object.entries(lastActive)) {
      const ms = Date.parse(at);
      if (!Number.isNaN(ms) && ms > (this.active.get(userId) ?? -Infinity)) this.active.set(userId, ms);
    }
  }

  /** How long since the subscriber was last read; undefined when never. */
  waited(userId: string, now: number): number | undefined {
    const polled = this.polled.get(userId);
    return polled && now - polled.at;
  }

  lastActive(userId: string): number | undefined {
    return this.active.get(userId);
  }

  /** Forgets whoever is no longer subscribed. */
  prune(subscribers: readonly Subscriber[]): void {
    const keep = new Set(subscribers.map((s) => s.userId));
    for (const map of [this.polled, this.active]) for (const userId of map.keys()) if (!keep.has(userId)) map.delete(userId);
  }
}
