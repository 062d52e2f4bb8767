import { RateLimiter } from '../../src/rateLimit/rateLimiter';
import { SlotDeadlineError, SlotQueueFullError, type Timer } from '../../src/rateLimit/slotQueue';

/** A clock that only moves when the limiter sleeps. */
function fakeTime() {
  const clock = { now: 0 };
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    // Time passes after what is already under way, as it would.
    await new Promise((resolve) => setImmediate(resolve));
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
    const outcome = limiter.acquire({ deadline: 30_000 }).then(() => 'granted', (e: unknown) => e);
    timers.advanceTo(30_000);
    expect(await outcome).toBeInstanceOf(SlotDeadlineError);
    await goesOn();
  });

  test('fails at once when the window or a pause already reaches past the deadline', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requests: 1, perMs: 10_000, sleep: time.sleep, now: time.now, timer: () => () => undefined });
    await limiter.acquire({ deadline: 5_000 });
    await expect(limiter.acquire({ deadline: 5_000 })).rejects.toBeInstanceOf(SlotDeadlineError);
    expect(time.sleeps).toEqual([]);
    limiter.pause(60_000);
    await expect(limiter.acquire({ deadline: 20_000 })).rejects.toBeInstanceOf(SlotDeadlineError);
    time.clock.now = 30_000;
    await expect(limiter.acquire({ deadline: 20_000 })).rejects.toBeInstanceOf(SlotDeadlineError);
  });
});

describe('an abort signal', () => {
  test('a caller queued behind a long wait gives up when its signal aborts, takes no slot, and the queue goes on', async () => {
    const { limiter, goesOn } = await queuedBehindPause({ now: 0 });
    const stop = new AbortController();
    const outcome = limiter.acquire({ signal: stop.signal }).then(() => 'granted', (e: unknown) => e);
    stop.abort();
    expect(await outcome).toMatchObject({ name: 'AbortError' });
    await goesOn();
  });

  test('an aborted signal is refused at once', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requests: 1, perMs: 10_000, sleep: time.sleep, now: time.now });
    await expect(limiter.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    await limiter.acquire();
    expect(time.sleeps).toEqual([]);
  });
});

test('an invalid limit is refused', () => {
  const sleep = async () => undefined;
  expect(() => new RateLimiter({ requests: 0, perMs: 1_000, sleep })).toThrow(RangeError);
  expect(() => new RateLimiter({ requests: 5, perMs: 0, sleep })).toThrow(RangeError);
});

describe('priorities', () => {
  test('a decision queued after 50 reads gets the next slot, and background work only what is left', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requests: 1, perMs: 1_000, sleep: time.sleep, now: time.now });
    await limiter.acquire();
    const order: string[] = [];
    const waits = [
      limiter.acquire({ priority: 'background' }).then(() => order.push('poll')),
      ...Array.from({ length: 50 }, (_, i) => limiter.acquire({ priority: 'read' }).then(() => order.push(`read ${i}`))),
      limiter.acquire({ priority: 'decision' }).then(() => order.push('click')),
    ];
    await Promise.all(waits);
    expect(order[0]).toBe('click');
    expect(order.slice(1, 51)).toEqual(Array.from({ length: 50 }, (_, i) => `read ${i}`));
    expect(order[51]).toBe('poll');
  });

  test('a decision arriving while the queue waits for the window takes the slot that frees up', async () => {
    const time = fakeTime();
    let wake!: () => void;
    const sleeps: number[] = [];
    const sleep = (ms: number) => (sleeps.push(ms), new Promise<void>((r) => (wake = () => ((time.clock.now += ms), r()))));
    const limiter = new RateLimiter({ requests: 1, perMs: 1_000, sleep, now: time.now });
    await limiter.acquire();
    const order: string[] = [];
    const read = limiter.acquire({ priority: 'read' }).then(() => order.push('read'));
    await new Promise((r) => setImmediate(r));
    expect(sleeps).toEqual([1_000]);
    const click = limiter.acquire({ priority: 'decision' }).then(() => order.push('click'));
    wake();
    await new Promise((r) => setImmediate(r));
    wake();
    await Promise.all([read, click]);
    expect(order).toEqual(['click', 'read']);
  });
});

describe('a bounded queue', () => {
  function fullQueue(maxWaiting: number) {
    const time = fakeTime();
    const sleep = () => new Promise<void>(() => undefined);
    const limiter = new RateLimiter({ requests: 1, perMs: 10_000, sleep, now: time.now, maxWaiting });
    return { limiter, time };
  }

  test('refuses caller N+1 at once, holding nothing, and serves the first N', async () => {
    const { limiter } = fullQueue(3);
    await limiter.acquire();
    const queued = Array.from({ length: 3 }, () => limiter.acquire({ priority: 'read' }));
    await expect(limiter.acquire({ priority: 'read' })).rejects.toBeInstanceOf(SlotQueueFullError);
    await expect(limiter.acquire({ priority: 'background' })).rejects.toBeInstanceOf(SlotQueueFullError);
    for (const q of queued) q.catch(() => undefined);
  });

  test('a decision arriving at a full queue displaces the newest read, which is told at once; a full queue of decisions refuses one more', async () => {
    const { limiter } = fullQueue(3);
    await limiter.acquire();
    const refused: number[] = [];
    [0, 1, 2].forEach((i) => limiter.acquire({ priority: 'read' }).catch((e: unknown) => e instanceof SlotQueueFullError && refused.push(i)));
    const settle = () => new Promise((r) => setImmediate(r));
    for (const expected of [[2], [2, 1], [2, 1, 0]]) {
      limiter.acquire({ priority: 'decision' }).catch(() => undefined);
      await settle();
      expect(refused).toEqual(expected);
    }
    await expect(limiter.acquire({ priority: 'decision' })).rejects.toBeInstanceOf(SlotQueueFullError);
  });
});

describe('a read that could only be answered late', () => {
  test('is refused at once when the callers ahead of it fill the window past its deadline, without waiting', async () => {
    const time = fakeTime();
    const timers = manualTimers(time.clock);
    const sleep = () => new Promise<void>(() => undefined);
    const limiter = new RateLimiter({ requests: 10, perMs: 10_000, sleep, now: time.now, timer: timers.timer });
    for (let i = 0; i < 10; i++) await limiter.acquire();
    const queued = limiter.acquire({ priority: 'read' });
    queued.catch(() => undefined);
    // One caller is ahead and the window is full until 10 000: a slot by 2 000 is impossible.
    await expect(limiter.acquire({ priority: 'read', deadline: 2_000 })).rejects.toBeInstanceOf(SlotDeadlineError);
    expect(time.clock.now).toBe(0);
  });

  test('a read alone behind a full window is refused on the first look, not at its deadline', async () => {
    const time = fakeTime();
    const sleeps: number[] = [];
    const limiter = new RateLimiter({ requests: 1, perMs: 10_000, sleep: async (ms) => void sleeps.push(ms), now: time.now, timer: () => () => undefined });
    await limiter.acquire();
    await expect(limiter.acquire({ priority: 'read', deadline: 2_000 })).rejects.toBeInstanceOf(SlotDeadlineError);
    expect(sleeps).toEqual([]);
  });
});

describe('a reserve for decisions', () => {
  test('reads leave the reserved slots of the window free, and a decision arriving while they wait takes one at once', async () => {
    const time = fakeTime();
    const sleeps: number[] = [];
    const limiter = new RateLimiter({ requests: 10, perMs: 10_000, reserve: 2, sleep: (ms) => (sleeps.push(ms), new Promise<void>(() => undefined)), now: time.now });
    const granted: string[] = [];
    for (let i = 0; i < 9; i++) void limiter.acquire({ priority: 'read' }).then(() => granted.push(`read ${i}`));
    await new Promise((r) => setImmediate(r));
    expect(granted).toHaveLength(8);
    expect(sleeps).toEqual([10_000]);
    await limiter.acquire({ priority: 'decision' });
    await limiter.acquire({ priority: 'decision' });
    expect(granted).toHaveLength(8);
    const third = limiter.acquire({ priority: 'decision', deadline: 5_000 });
    await expect(third).rejects.toBeInstanceOf(SlotDeadlineError);
  });
});
