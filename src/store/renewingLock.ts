import { randomUUID } from 'node:crypto';
import type { HeldLock, StateStore } from './store';

/** A lock renewed for as long as its work runs. */
export interface RenewingLock extends HeldLock {
  /** Whether this holder still has it (and renews it now); false once it expired or someone else took it. */
  stillHeld(): Promise<boolean>;
}

/**
 * Takes a lock for `ttlMs` and renews it (compare-and-set by its holder only) every `renewEveryMs`,
 * a third of the ttl by default, until release(): work that may outlast the ttl (a token refresh
 * waiting on a slow ISC) keeps it, while a holder that dies or stops (SIGSTOP) loses it within the ttl.
 * Undefined when someone holds it.
 */
export async function tryRenewingLock(store: StateStore, key: string, ttlMs: number, renewEveryMs = Math.floor(ttlMs / 3)): Promise<RenewingLock | undefined> {
  const value = { token: randomUUID() };
  if (!(await store.setIfAbsent(key, value, ttlMs))) return undefined;
  let lost = false;
  let renewal: Promise<void> = Promise.resolve();
  const renew = async (): Promise<boolean> => {
    if (lost) return false;
    lost = !(await store.compareAndSet(key, value, value, ttlMs));
    return !lost;
  };
  const timer = setInterval(() => {
    // A store that does not answer now may at the next round; the ttl bounds the lock meanwhile.
    renewal = renew().then(
      (held) => (held ? undefined : clearInterval(timer)),
      () => undefined,
    );
  }, renewEveryMs);
  timer.unref();
  return {
    stillHeld: renew,
    async release() {
      clearInterval(timer);
      await renewal;
      await store.compareAndSet(key, value, undefined);
    },
  };
}
