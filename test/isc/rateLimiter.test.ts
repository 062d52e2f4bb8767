import { RateLimiter, SlotDeadlineError, type Timer } from '../../src/isc/rateLimiter';

/** A clock that only moves when the limiter sleeps. */
function fakeTime() {
  const clock = { now: 0 };
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock.now += ms;
  };
  return { clock, sleeps, sleep, now: () => clock.now };
}

function maxInAnyWindow(times: number[], windowMs: number): number {
  return Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));
}

test('a burst never exceeds N grants in any window', async () => {
  const time = fakeTime();
  const limiter = new RateLimiter({ requests: 90, perMs: 10_000, sleep: time.sleep, now: time.now });
  const grants: number[] = [];
  await Promise.all(Array.from({ length: 300 }, () => limiter.acquire().then(() => grants.push(time.clock.now))));

  expect(grants).toHaveLength(300);
  expect(maxInAnyWindow(grants, 10_000)).toBe(90);
  expect(grants.slice(0, 90).every((t) => t === 0)).toBe(true);
  expect(grants[90]).toBe(10_000);
  expect(grants[299]).toBe(30_000);
});

test('grants spread over time only wait when the window is full', async () => {
  const time = fakeTime();
  const limiter = new RateLimiter({ requests: 2, perMs: 1_000, sleep: time.sleep, now: time.now });
  await limiter.acquire();
  time.clock.now = 600;
  await limiter.acquire();
  await limiter.acquire(); // window full until the first grant is 1000 ms old
  expect(time.sleeps).toEqual([400]);
  expect(time.clock.now).toBe(1_000);
});

test('pause holds every caller and is never shortened', async () => {
  const time = fakeTime();
  const limiter = new RateLimiter({ requests: 10, perMs: 1_000, sleep: time.sleep, now: time.now });
  limiter.pause(5_000);
  limiter.pause(2_000);
  const grants: number[] = [];
  await Promise.all([1, 2, 3].map(() => limiter.acquire().then(() => grants.push(time.clock.now))));
  expect(grants).toEqual([5_000, 5_000, 5_000]);
  expect(time.sleeps).toEqual([5_000]);
});

test('an injected sleep that does not move the clock still ends the wait', async () => {
  const sleeps: number[] = [];
  const limiter = new RateLimiter({ requests: 1, perMs: 1_000, sleep: async (ms) => void sleeps.push(ms), now: () => 0 });
  await limiter.acquire();
  await limiter.acquire();
  await limiter.acquire();
  expect(sleeps).toEqual([1_000, 1_000]);
});

test('callers are served in arrival order', async () => {
  const time = fakeTime();
  const limiter = new RateLimiter({ requests: 1, perMs: 100, sleep: time.sleep, now: time.now });
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire().then(() => order.push(i))));
  expect(order).toEqual([0, 1, 2, 3]);
});

/** Timers the test fires by hand, on the fake clock. */
function manualTimers(clock: { now: number }) {
  const pending: Array<{ at: number; fire: () => void; cancelled: boolean }> = [];
  return {
    timer: (fire: () => void, ms: number) => {
      const t = { at: clock.now + ms, fire, cancelled: false };
      pending.push(t);
      return () => void (t.cancelled = true);
    },
    advanceTo(now: number) {
      clock.now = now;
      for (const t of pending) if (!t.cancelled && t.at <= now) (t.cancelled = true), t.fire();
    },
  };
}

/**
 * A limiter with one slot, taken, then paused for 60 s (a 429), and a caller `ahead` waiting out the
 * pause, whose sleep only ends when `goesOn` says so. `goesOn` checks that whoever queued behind it and
 * gave up took no slot: once `ahead` is through, the next caller is granted at once in the next window.
 */
async function queuedBehindPause(clock: { now: number }, timer?: Timer) {
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  let sleeps = 0;
  const sleep = () => (sleeps++, blocked);
  const limiter = new RateLimiter({ requests: 1, perMs: 1_000, sleep, now: () => clock.now, timer });
  await limiter.acquire();
  limiter.pause(60_000);
  const ahead = limiter.acquire();
  const goesOn = async () => {
    clock.now = 60_000;
    release();
    await ahead;
    clock.now = 61_000;
    const before = sleeps;
    await limiter.acquire();
    expect(sleeps).toBe(before);
  };
  return { limiter, goesOn };
}

describe('a deadline', () => {
  test('a caller queued behind a long wait gives up at its deadline, takes no slot, and the queue goes on', async () => {
    const clock = { now: 0 };
    const timers = manualTimers(clock);
    const { limiter, goesOn } = await queuedBehindPause(clock, timers.timer);
    const outcome = limiter.acquire(30_000).then(() => 'granted', (e: unknown) => e);
    timers.advanceTo(30_000);
    expect(await outcome).toBeInstanceOf(SlotDeadlineError);
    await goesOn();
  });

  test('fails at once when the window or a pause already reaches past the deadline', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requests: 1, perMs: 10_000, sleep: time.sleep, now: time.now, timer: () => () => undefined });
    await limiter.acquire(5_000);
    await expect(limiter.acquire(5_000)).rejects.toBeInstanceOf(SlotDeadlineError);
    expect(time.sleeps).toEqual([]);
    limiter.pause(60_000);
    await expect(limiter.acquire(20_000)).rejects.toBeInstanceOf(SlotDeadlineError);
    time.clock.now = 30_000;
    await expect(limiter.acquire(20_000)).rejects.toBeInstanceOf(SlotDeadlineError);
  });
});

describe('an abort signal', () => {
  test('a caller queued behind a long wait gives up when its signal aborts, takes no slot, and the queue goes on', async () => {
    const { limiter, goesOn } = await queuedBehindPause({ now: 0 });
    const stop = new AbortController();
    const outcome = limiter.acquire(undefined, stop.signal).then(() => 'granted', (e: unknown) => e);
    stop.abort();
    expect(await outcome).toMatchObject({ name: 'AbortError' });
    await goesOn();
  });

  test('an aborted signal is refused at once', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requests: 1, perMs: 10_000, sleep: time.sleep, now: time.now });
    await expect(limiter.acquire(undefined, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    await limiter.acquire();
    expect(time.sleeps).toEqual([]);
  });
});

test('an invalid limit is refused', () => {
  const sleep = async () => undefined;
  expect(() => new RateLimiter({ requests: 0, perMs: 1_000, sleep })).toThrow(RangeError);
  expect(() => new RateLimiter({ requests: 5, perMs: 0, sleep })).toThrow(RangeError);
});
