import { SlotQueue, type RequestGate, type SlotRequest, type SlotSource, type Timer } from './slotQueue';

export interface RateLimiterOptions {
  /** At most this many grants… */
  requests: number;
  /** …in any window of this many milliseconds. */
  perMs: number;
  sleep: (ms: number) => Promise<void>;
  now?: () => number;
  /** How many callers may wait at once; default unbounded. */
  maxWaiting?: number;
  /** Slots of each window only decisions may take; default none. */
  reserve?: number;
  /** Calls `fire` after `ms` unless cancelled (the deadline of a queued caller); injectable for tests. */
  timer?: Timer;
}

/**
 * Sliding-window limiter of this process: at most `requests` grants in any `perMs`, given most urgent
 * caller first (SlotQueue); `pause()` (a 429's Retry-After) holds all of them.
 */
export class RateLimiter implements RequestGate, SlotSource {
  private readonly grants: number[] = [];
  private pausedUntil = 0;
  private sleptUntil = 0;
  private readonly queue: SlotQueue;
  private readonly clock: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    if (!Number.isInteger(options.requests) || options.requests < 1 || !(options.perMs > 0)) {
      throw new RangeError(`Invalid rate limit: ${options.requests} requests per ${options.perMs} ms`);
    }
    this.clock = options.now ?? (() => Date.now());
    this.queue = new SlotQueue(this, {
      now: () => this.now(),
      sleep: async (ms) => {
        const until = this.now() + ms;
        await options.sleep(ms);
        this.sleptUntil = Math.max(this.sleptUntil, until);
      },
      maxWaiting: options.maxWaiting,
      reserve: options.reserve,
      timer: options.timer,
    });
  }

  /** `deadline` is epoch ms on this limiter's clock. */
  acquire(request?: SlotRequest): Promise<void> {
    return this.queue.acquire(request);
  }

  /** Holds every caller for `ms` from now (never shortens an earlier pause). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  async take(reserve = 0): Promise<number> {
    const now = this.now();
    const wait = this.earliestAt(0, reserve, now) - now;
    if (wait <= 0) this.grants.push(now);
    return wait;
  }

  async earliest(ahead: number, reserve = 0): Promise<number> {
    const now = this.now();
    return this.earliestAt(ahead, reserve, now) - now;
  }

  /** When the grant after `ahead` more, leaving `reserve` free, could be made at the soonest: the window, then any pause. */
  private earliestAt(ahead: number, reserve: number, now: number): number {
    const { perMs } = this.options;
    const limit = Math.max(1, this.options.requests - reserve);
    while (this.grants.length > 0 && this.grants[0] <= now - perMs) this.grants.shift();
    // Grant number n (from the oldest in the window) must come perMs after grant n - limit.
    const n = this.grants.length + ahead;
    const windowOpensAt = n < limit ? now : n - limit < this.grants.length ? this.grants[n - limit] + perMs : now + perMs;
    return Math.max(windowOpensAt, this.pausedUntil);
  }

  // Time never goes back behind what was already waited for: a timer may fire a little early, and an
  // injected sleep (tests) may not move the clock at all.
  private now(): number {
    return Math.max(this.clock(), this.sleptUntil);
  }
}
