/**
 * Who waits for a slot, most urgent first: a decision (a click or form submit, and the reads it needs),
 * a read someone is waiting to see (a list, a page, details, a summary, the Home tab), and background
 * work (polling), which only ever gets what the other two leave.
 */
export type Priority = 'decision' | 'read' | 'background';

const RANK: Record<Priority, number> = { decision: 0, read: 1, background: 2 };
const LANES = 3;

export interface SlotRequest {
  /** Epoch ms (on the gate's clock) by which the slot must be granted, or the caller is refused. */
  deadline?: number;
  /** Once it aborts, the wait rejects with its reason and takes no slot. */
  signal?: AbortSignal;
  /** Default `read`. */
  priority?: Priority;
}

/** What paces requests: one process's RateLimiter, or one shared by every replica (RedisRateLimiter). */
export interface RequestGate {
  /**
   * Resolves when the caller may send one request. It rejects, taking no slot, with SlotDeadlineError
   * as soon as it is clear there will be no slot by the `deadline` (at once when that is already clear
   * on arrival), with SlotQueueFullError when the queue is full of callers as urgent, and with the
   * signal's reason once `signal` aborts.
   */
  acquire(request?: SlotRequest): Promise<void>;
  /** Holds every caller for `ms` from now (a 429's Retry-After). */
  pause(ms: number): void;
}

/**
 * Where the slots come from: a sliding window of this process, or one in Redis. `reserve`: slots of
 * the window the caller may not take (they are kept for more urgent callers).
 */
export interface SlotSource {
  /** Takes a slot if one beyond `reserve` is free now and returns 0; else how many ms until one may be (taking none). */
  take(reserve: number): Promise<number>;
  /**
   * At the soonest, in how many ms a slot beyond `reserve` could be granted to a caller with `ahead`
   * callers served before it (a lower bound: it takes none).
   */
  earliest(ahead: number, reserve: number): Promise<number>;
}

/** The slots of a window of `requests` that only decisions may take: a tenth. */
export function decisionReserve(requests: number): number {
  return Math.floor(requests / 10);
}

/** The caller could not get a slot before its deadline. It took none. */
export class SlotDeadlineError extends Error {
  constructor() {
    super('No rate-limit slot before the deadline');
    this.name = 'SlotDeadlineError';
  }
}

/** The queue held as many callers as it may, all at least as urgent. The caller took no slot. */
export class SlotQueueFullError extends Error {
  constructor(max: number) {
    super(`The rate-limit queue is full (${max} waiting)`);
    this.name = 'SlotQueueFullError';
  }
}

export type Timer = (fire: () => void, ms: number) => () => void;

function realTimer(fire: () => void, ms: number): () => void {
  const t = setTimeout(fire, ms);
  t.unref();
  return () => clearTimeout(t);
}

interface Waiter {
  rank: number;
  deadline: number;
  grant(): void;
  refuse(error: unknown): void;
}

export interface SlotQueueOptions {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How many callers may wait at once; default unbounded. */
  maxWaiting?: number;
  /**
   * Slots of each window only decisions may take (default none): however many reads a flood brings,
   * a click finds a slot at once instead of waiting for the window to pass.
   */
  reserve?: number;
  /** Calls `fire` after `ms` unless cancelled (a waiter's deadline); injectable for tests. */
  timer?: Timer;
}

/**
 * Callers waiting for a slot: each slot goes to the most urgent caller waiting when it frees up, in
 * arrival order within a priority, so a burst drains evenly and a click never waits behind reads. The
 * queue is bounded: when full, a caller displaces the newest of a less urgent one, or is refused. A
 * caller that cannot be served by its deadline is refused as soon as that is known, and leaves the
 * queue at once, holding nothing. Part of each window can be kept for decisions (`reserve`).
 */
export class SlotQueue {
  private readonly lanes: Waiter[][] = Array.from({ length: LANES }, () => []);
  private waiting = 0;
  private pumping = false;
  /** Ends the pump's wait early: a caller more urgent than the one it waits for has come. */
  private wake?: { rank: number; now: () => void };
  private readonly maxWaiting: number;
  private readonly timer: Timer;

  constructor(
    private readonly source: SlotSource,
    private readonly opts: SlotQueueOptions,
  ) {
    this.maxWaiting = opts.maxWaiting ?? Number.POSITIVE_INFINITY;
    this.timer = opts.timer ?? realTimer;
  }

  /** How many callers wait now. */
  get size(): number {
    return this.waiting;
  }

  async acquire({ deadline, signal, priority = 'read' }: SlotRequest = {}): Promise<void> {
    signal?.throwIfAborted();
    const rank = RANK[priority];
    if (deadline !== undefined) {
      if (this.opts.now() >= deadline) throw new SlotDeadlineError();
      const ahead = this.ahead(rank);
      // With nobody ahead the first take tells; otherwise the source says whether the turn can come in time.
      if (ahead > 0 && this.opts.now() + (await this.source.earliest(ahead, this.reserveFor(rank))) > deadline) throw new SlotDeadlineError();
      signal?.throwIfAborted();
    }
    if (this.waiting >= this.maxWaiting && !this.displaceFor(rank)) throw new SlotQueueFullError(this.maxWaiting);
    return new Promise<void>((resolve, reject) => {
      const lane = this.lanes[rank];
      const leave = () => {
        const i = lane.indexOf(waiter);
        if (i < 0) return false;
        lane.splice(i, 1);
        this.waiting--;
        cancel();
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const waiter: Waiter = {
        rank,
        deadline: deadline ?? Number.POSITIVE_INFINITY,
        grant: () => leave() && resolve(),
        refuse: (e) => leave() && reject(e),
      };
      const onAbort = () => waiter.refuse(signal?.reason);
      const cancel = deadline === undefined ? () => undefined : this.timer(() => waiter.refuse(new SlotDeadlineError()), deadline - this.opts.now());
      signal?.addEventListener('abort', onAbort, { once: true });
      lane.push(waiter);
      this.waiting++;
      if (this.wake && rank < this.wake.rank) this.wake.now();
      void this.pump();
    });
  }

  private reserveFor(rank: number): number {
    return rank === RANK.decision ? 0 : (this.opts.reserve ?? 0);
  }

  /** Callers that would be served before one of this rank that arrives now. */
  private ahead(rank: number): number {
    let n = 0;
    for (let r = 0; r <= rank; r++) n += this.lanes[r].length;
    return n;
  }

  /** Refuses the newest caller of the least urgent lane less urgent than `rank`; false when there is none. */
  private displaceFor(rank: number): boolean {
    for (let r = LANES - 1; r > rank; r--) {
      const lane = this.lanes[r];
      if (lane.length) {
        lane[lane.length - 1].refuse(new SlotQueueFullError(this.maxWaiting));
        return true;
      }
    }
    return false;
  }

  private next(): Waiter | undefined {
    return this.lanes.find((lane) => lane.length > 0)?.[0];
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting > 0) {
        const rank = this.next()!.rank;
        let wait: number;
        try {
          wait = await this.source.take(this.reserveFor(rank));
        } catch (e) {
          // The source cannot say (Redis is down): the caller it was for is told, the next tries again.
          this.next()?.refuse(e);
          continue;
        }
        // A slot taken for a caller that gave up meanwhile goes to the next; with none, it is unused.
        if (wait <= 0) {
          this.next()?.grant();
          continue;
        }
        // Nobody waiting is more urgent than the first, so none can have a slot sooner.
        const freeAt = this.opts.now() + wait;
        for (const lane of this.lanes) for (const w of [...lane]) if (w.deadline < freeAt) w.refuse(new SlotDeadlineError());
        if (this.waiting > 0) await this.sleep(wait, this.next()!.rank);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Sleeps `ms`, or less when a caller more urgent than `rank` comes (a slot kept for it may be free). */
  private async sleep(ms: number, rank: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = { rank, now: resolve };
      this.opts.sleep(ms).then(resolve, resolve);
    });
    this.wake = undefined;
  }
}
