import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<number>();

/**
 * Runs `work` with a deadline (epoch ms) for starting ISC requests: a request that cannot get its turn
 * at the rate limiter by then is not sent and fails with an IscError of kind `deadline`. An action
 * holding a lock sets one, so it never reaches ISC after its lock has expired and a second click
 * could have started the same action.
 */
export function withRequestDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  return deadlines.run(deadline, work);
}

/** The deadline of the work under way, if it set one. */
export function requestDeadline(): number | undefined {
  return deadlines.getStore();
}
