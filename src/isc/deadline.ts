import { AsyncLocalStorage } from 'node:async_hooks';
import type { Priority } from '../rateLimit/slotQueue';

/** What bounds the ISC requests of the work under way. */
interface RequestBounds {
  /** Epoch ms by which a request must have had its turn at the rate limiter. */
  deadline?: number;
  /** Aborts the work's waits for the limiter and its requests in flight. */
  signal?: AbortSignal;
  /** Whose turn at the rate limiter comes first; `read` when unset. */
  priority?: Priority;
  /** Runs after a write (not a read) had its turn at the rate limiter, right before it is sent; throwing stops it. */
  beforeWrite?: () => Promise<void>;
}

const bounds = new AsyncLocalStorage<RequestBounds>();

/**
 * Runs `work` with a deadline (epoch ms) for starting ISC requests: a request that cannot get its turn
 * at the rate limiter by then is not sent and fails with an IscError of kind `deadline`. An action
 * holding a lock sets one, so it never reaches ISC after its lock has expired and a second click
 * could have started the same action.
 */
export function withRequestDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  return bounds.run({ ...bounds.getStore(), deadline }, work);
}

/**
 * Runs `work` so that, once `signal` aborts, its ISC requests stop waiting for the rate limiter and
 * those in flight are cut off, each failing with the signal's reason: background work (the poller)
 * that must stop at once when this replica hands it to another.
 */
export function withRequestSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return bounds.run({ ...bounds.getStore(), signal }, work);
}

/**
 * Runs `work` so that each of its ISC writes, once it had its turn at the rate limiter, first awaits
 * `check`: an action re-checks there what it read before it waited (who owns the item now). A check
 * that throws stops the write, which is then not sent.
 */
export function withWriteCheck<T>(check: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  return bounds.run({ ...bounds.getStore(), beforeWrite: check }, work);
}

/** The check the work under way set for its writes, if any. */
export function writeCheck(): (() => Promise<void>) | undefined {
  return bounds.getStore()?.beforeWrite;
}

/**
 * Runs `work` with its ISC requests served at `priority` by the rate limiter: a click's ahead of reads,
 * background polling after both.
 */
export function withRequestPriority<T>(priority: Priority, work: () => Promise<T>): Promise<T> {
  return bounds.run({ ...bounds.getStore(), priority }, work);
}

/**
 * Runs `work` free of the bounds of the work that started it, at its priority: a load shared by every
 * caller (a token, an identity lookup) must not fail for all of them because the one that happened to
 * start it gave up.
 */
export function withoutRequestBounds<T>(work: () => Promise<T>): Promise<T> {
  const priority = bounds.getStore()?.priority;
  return priority ? bounds.run({ priority }, work) : bounds.exit(work);
}

/** The deadline of the work under way, if it set one. */
export function requestDeadline(): number | undefined {
  return bounds.getStore()?.deadline;
}

/** The abort signal of the work under way, if it set one. */
export function requestSignal(): AbortSignal | undefined {
  return bounds.getStore()?.signal;
}

/** The rate-limit priority of the work under way, if it set one. */
export function requestPriority(): Priority | undefined {
  return bounds.getStore()?.priority;
}
