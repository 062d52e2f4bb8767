/** What paces ISC requests: this process's RateLimiter, or one shared by every replica (RedisRateLimiter). */
export interface RequestGate {
  /**
   * Resolves when the caller may send one request. With a `deadline` (epoch ms) it rejects with
   * SlotDeadlineError as soon as it is clear there will be no slot by then, and takes none; once
   * `signal` aborts, it rejects with the signal's reason and takes none.
   */
  acquire(deadline?: number, signal?: AbortSignal): Promise<void>;
  /** Holds every caller for `ms` from now (a 429's Retry-After). */
  pause(ms: number): void;
}

export interface RateLimiterOptions {
  /** At most this many grants… */
  requests: number;
  /** …in any window of this many milliseconds. */
  perMs: number;
  sleep: (ms: number) => Promise<void>;
  now?: () => number;
  /** Calls `fire` after `ms` unless cancelled (the deadline of a queued caller); injectable for tests. */
  timer?: Timer;
}

/** A caller gave up: it could not get a slot before its deadline. It took none. */
export class SlotDeadlineError extends Error {
  constructor() {
    super('No rate-limit slot before the deadline');
    this.name = 'SlotDeadlineError';
  }
}

export type Timer = (fire: () => void, ms: number) => () => void;

function realTimer(fire: () => void, ms: number): () => void {
  const t = setTimeout(fire, ms);
  t.unref();
  return () => clearTimeout(t);
}

/** Tells a queued wait that its caller gave up (its deadline passed, or it was aborted): it must take no slot. */
export interface Ticket {
  abandoned: boolean;
}

/**
 * Callers waiting for a slot, served one after another in arrival order, so a burst drains evenly. A
 * caller with a deadline gets SlotDeadlineError as soon as it passes (at once, when it has passed), an
 * aborted one its signal's reason, and its ticket makes its wait leave its place to the next without
 * taking a slot.
 */
export class SlotQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly waitForSlot: (deadline: number, ticket: Ticket) => Promise<void>,
    private readonly now: () => number,
    private readonly timer: Timer = realTimer,
  ) {}

  acquire(deadline?: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (deadline === undefined && !signal) return this.enqueue(Number.POSITIVE_INFINITY, { abandoned: false });
    const now = this.now();
    if (deadline !== undefined && now >= deadline) return Promise.reject(new SlotDeadlineError());
    const ticket: Ticket = { abandoned: false };
    const turn = this.enqueue(deadline ?? Number.POSITIVE_INFINITY, ticket);
    return new Promise<void>((resolve, reject) => {
      const giveUp = (e: unknown) => {
        ticket.abandoned = true;
        reject(e);
      };
      const cancel = deadline === undefined ? () => undefined : this.timer(() => giveUp(new SlotDeadlineError()), deadline - now);
      const onAbort = () => giveUp(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        cancel();
        signal?.removeEventListener('abort', onAbort);
      };
      turn.then(
        () => {
          settle();
          resolve();
        },
        (e: unknown) => {
          settle();
          reject(e);
        },
      );
    });
  }

  private enqueue(deadline: number, ticket: Ticket): Promise<void> {
    const turn = this.tail.then(() => this.waitForSlot(deadline, ticket));
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}

/**
 * Sliding-window limiter shared by every caller of one ISC client id. Callers are served in arrival
 * order, so a burst drains evenly; `pause()` (a 429's Retry-After) holds all of them.
 */
export class RateLimiter implements RequestGate {
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
    this.queue = new SlotQueue((deadline, ticket) => this.waitForSlot(deadline, ticket), () => this.now(), options.timer);
  }

  /**
   * Resolves when the caller may send one request. With a `deadline` (epoch ms on this limiter's
   * clock) it rejects with SlotDeadlineError as soon as it is clear there will be no slot by then,
   * whether still queued behind others or waiting for the window, and it leaves its place to the next.
   */
  acquire(deadline?: number, signal?: AbortSignal): Promise<void> {
    return this.queue.acquire(deadline, signal);
  }

  /** Holds every caller for `ms` from now (never shortens an earlier pause). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  // Time never goes back behind what was already waited for: a timer may fire a little early, and an
  // injected sleep (tests) may not move the clock at all.
  private now(): number {
    return Math.max(this.clock(), this.sleptUntil);
  }

  private async waitForSlot(deadline: number, ticket: Ticket): Promise<void> {
    const { requests, perMs, sleep } = this.options;
    for (;;) {
      if (ticket.abandoned) return;
      const now = this.now();
      while (this.grants.length > 0 && this.grants[0] <= now - perMs) this.grants.shift();
      const windowOpensAt = this.grants.length < requests ? now : this.grants[0] + perMs;
      const at = Math.max(windowOpensAt, this.pausedUntil);
      if (at > deadline) throw new SlotDeadlineError();
      if (at <= now) {
        this.grants.push(now);
        return;
      }
      await sleep(at - now);
      this.sleptUntil = Math.max(this.sleptUntil, at);
    }
  }
}
