import { MemoryStateStore } from '../../src/store/memoryStore';
import { tryRenewingLock } from '../../src/store/renewingLock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KEY = 'token-refresh:U1';

describe('tryRenewingLock', () => {
  it('keeps the lock for as long as the work runs, well past its ttl; nobody else gets it meanwhile', async () => {
    const store = new MemoryStateStore();
    const lock = (await tryRenewingLock(store, KEY, 150))!;
    expect(lock).toBeDefined();
    await sleep(400);
    expect(await tryRenewingLock(store, KEY, 150)).toBeUndefined();
    expect(await lock.stillHeld()).toBe(true);
    await lock.release();
    const next = await tryRenewingLock(store, KEY, 150);
    expect(next).toBeDefined();
    await next!.release();
  });

  it('without renewal (the holder’s timer never runs: a paused process) the lock ends with its ttl', async () => {
    const store = new MemoryStateStore();
    const lock = (await tryRenewingLock(store, KEY, 100, 60_000))!;
    await sleep(150);
    const other = await tryRenewingLock(store, KEY, 100, 60_000);
    expect(other).toBeDefined();
    // The first holder learns it lost the lock, and its release leaves the new holder's alone.
    expect(await lock.stillHeld()).toBe(false);
    await lock.release();
    expect(await store.get(KEY)).toBeDefined();
    expect(await other!.stillHeld()).toBe(true);
    await other!.release();
    expect(await store.get(KEY)).toBeUndefined();
  });

  it('a holder that lost its lock stays lost: it does not take it back by renewing, even when the key is free again', async () => {
    const store = new MemoryStateStore();
    const lock = (await tryRenewingLock(store, KEY, 1_000, 50))!;
    await store.set(KEY, { token: 'someone else' }, 1_000);
    await sleep(120);
    await store.delete(KEY);
    await sleep(120);
    expect(await store.get(KEY)).toBeUndefined();
    // Once lost it stops renewing, and asking costs no round trip to the store.
    const cas = jest.spyOn(store, 'compareAndSet');
    await sleep(150);
    expect(await lock.stillHeld()).toBe(false);
    expect(cas).not.toHaveBeenCalled();
    await lock.release();
  });

  it('a renewal the store fails is tried again at the next round; the lock is kept', async () => {
    const store = new MemoryStateStore();
    const lock = (await tryRenewingLock(store, KEY, 200, 50))!;
    const cas = jest.spyOn(store, 'compareAndSet').mockRejectedValueOnce(new Error('store down'));
    await sleep(400);
    expect(cas.mock.calls.length).toBeGreaterThan(2);
    expect(await lock.stillHeld()).toBe(true);
    await lock.release();
    expect(await store.get(KEY)).toBeUndefined();
  });
});

it('a lost lock leaves no timer behind', async () => {
  jest.useFakeTimers();
  try {
    const store = new MemoryStateStore();
    const lock = (await tryRenewingLock(store, KEY, 1_000, 50))!;
    expect(jest.getTimerCount()).toBe(1);
    await store.set(KEY, { token: 'someone else' });
    await jest.advanceTimersByTimeAsync(60);
    expect(jest.getTimerCount()).toBe(0);
    await lock.release();
  } finally {
    jest.useRealTimers();
  }
});
