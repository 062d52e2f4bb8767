import { createLogger } from '../../src/log';
import { Leadership } from '../../src/store/leadership';
import { MemoryStateStore } from '../../src/store/memoryStore';
import { redisFixture, until } from '../support/redis';

const redis = redisFixture('leadership');
const TTL_MS = 600;
const ROUND_MS = 100;

/** A replica with its own connection (through `url` when given) and a record of when it led. */
async function replica(name: string, keyPrefix: string, url?: string) {
  const store = await redis.open({ keyPrefix, url });
  const log: string[] = [];
  const events: Array<{ what: 'gain' | 'lose'; at: number }> = [];
  const leadership = new Leadership({
    store,
    ttlMs: TTL_MS,
    renewEveryMs: ROUND_MS,
    holder: name,
    logger: createLogger('info', (l) => log.push(l)),
    onGain: () => events.push({ what: 'gain', at: Date.now() }),
    onLose: async () => void events.push({ what: 'lose', at: Date.now() }),
  });
  return { name, leadership, events, log };
}

it('one leader among three; on a graceful stop another takes over at its next round', async () => {
  const keys = `${redis.prefix}graceful:`;
  const replicas = await Promise.all(['r1', 'r2', 'r3'].map((n) => replica(n, keys)));
  replicas.forEach((r) => r.leadership.start());
  await until(() => replicas.some((r) => r.leadership.isLeader));
  await new Promise((r) => setTimeout(r, 3 * ROUND_MS));
  const leaders = replicas.filter((r) => r.leadership.isLeader);
  expect(leaders).toHaveLength(1);
  const [leader] = leaders;
  expect(leader.log.join('\n')).toMatch(/INFO This replica now runs the background work/);

  const stoppedAt = Date.now();
  await leader.leadership.stop();
  expect(leader.events.map((e) => e.what)).toEqual(['gain', 'lose']);
  await until(() => replicas.some((r) => r !== leader && r.leadership.isLeader));
  expect(Date.now() - stoppedAt).toBeLessThanOrEqual(ROUND_MS + 100);
  await Promise.all(replicas.map((r) => r.leadership.stop()));
  expect(replicas.flatMap((r) => r.events).filter((e) => e.what === 'gain')).toHaveLength(2);
});

it('a leader that cannot reach Redis stops its work at once; another takes over when the lease expires', async () => {
  const keys = `${redis.prefix}lost:`;
  const cutOff = await replica('cut-off', keys, redis.link.url);
  cutOff.leadership.start();
  await until(() => cutOff.leadership.isLeader);
  const other = await replica('other', keys);
  other.leadership.start();
  await new Promise((r) => setTimeout(r, 2 * ROUND_MS));
  expect(other.leadership.isLeader).toBe(false);

  const cutAt = Date.now();
  redis.link.cut();
  await until(() => !cutOff.leadership.isLeader);
  expect(cutOff.events.at(-1)!.at - cutAt).toBeLessThanOrEqual(ROUND_MS + 100);
  expect(cutOff.log.join('\n')).toMatch(/WARN Background work stopped on this replica: the state store did not answer/);
  await until(() => other.leadership.isLeader);
  const takeover = other.events[0].at - cutAt;
  // Not before the lease expired (no two leaders), and within one round after.
  expect(takeover).toBeGreaterThanOrEqual(TTL_MS - ROUND_MS - 50);
  expect(takeover).toBeLessThanOrEqual(TTL_MS + ROUND_MS + 100);

  // Back on the network, the old leader stays a follower: the lease is the other's now.
  redis.link.restore();
  await new Promise((r) => setTimeout(r, 3 * ROUND_MS));
  expect(cutOff.leadership.isLeader).toBe(false);
  expect(other.leadership.isLeader).toBe(true);
  await Promise.all([cutOff.leadership.stop(), other.leadership.stop()]);
});

describe('on one store in memory', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  function member(store: MemoryStateStore, holder: string, opts: { renewEveryMs?: number } = { renewEveryMs: 50 }) {
    const events: string[] = [];
    const log: string[] = [];
    const leadership = new Leadership({
      store,
      ttlMs: 300,
      ...opts,
      holder,
      logger: createLogger('debug', (l) => log.push(l)),
      onGain: () => events.push('gain'),
      onLose: async () => void events.push('lose'),
    });
    return { leadership, events, log };
  }

  it('a leader keeps its lease well past the ttl by renewing it; the other never leads meanwhile', async () => {
    const store = new MemoryStateStore();
    const a = member(store, 'a');
    const b = member(store, 'b');
    a.leadership.start();
    await until(() => a.leadership.isLeader);
    b.leadership.start();
    await wait(700);
    expect(a.leadership.isLeader).toBe(true);
    expect(b.events).toEqual([]);
    // Renewing a lease that is there says nothing.
    expect(a.log.join('\n')).not.toMatch(/was gone from the state store/);
    expect(await store.get('leader')).toMatchObject({ holder: 'a' });
    await Promise.all([a.leadership.stop(), b.leadership.stop()]);
  });

  it('a stopped replica does not take the lease back: the lease stays free after it handed it back', async () => {
    const store = new MemoryStateStore();
    const a = member(store, 'a');
    a.leadership.start();
    await until(() => a.leadership.isLeader);
    await a.leadership.stop();
    expect(a.events).toEqual(['gain', 'lose']);
    expect(await store.get('leader')).toMatchObject({ holder: 'a', released: true });
    await wait(200);
    expect(a.leadership.isLeader).toBe(false);
    expect(await store.get('leader')).toMatchObject({ holder: 'a', released: true });
    expect(a.events).toEqual(['gain', 'lose']);
  });

  it('a replica stopped while its round is under way does not come back: it hands the lease back and never takes it again', async () => {
    const store = new MemoryStateStore();
    const setIfAbsent = store.setIfAbsent.bind(store);
    jest.spyOn(store, 'setIfAbsent').mockImplementation(async (...args) => {
      await wait(100);
      return setIfAbsent(...args);
    });
    const a = member(store, 'a');
    a.leadership.start();
    await wait(20);
    await a.leadership.stop();
    expect(a.events).toEqual(['gain', 'lose']);
    const timers = jest.spyOn(global, 'setTimeout');
    await wait(300);
    expect(timers.mock.calls.filter(([, ms]) => ms === 50)).toEqual([]);
    expect(a.leadership.isLeader).toBe(false);
    expect(await store.get('leader')).toBeUndefined();
    expect(a.events).toEqual(['gain', 'lose']);
    jest.restoreAllMocks();
  });

  it('renews every third of the ttl by default: often enough to keep the lease, not in a busy loop', async () => {
    const store = new MemoryStateStore();
    const a = member(store, 'a', {});
    const b = member(store, 'b', {});
    a.leadership.start();
    await until(() => a.leadership.isLeader);
    b.leadership.start();
    const renewals = jest.spyOn(store, 'compareAndSet');
    await wait(650);
    expect(a.leadership.isLeader).toBe(true);
    expect(b.events).toEqual([]);
    expect(renewals.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(renewals.mock.calls.length).toBeLessThanOrEqual(10);
    jest.restoreAllMocks();
    await Promise.all([a.leadership.stop(), b.leadership.stop()]);
  });

  it('a store that fails the attempt to take the lease: no leading, a debug line says why', async () => {
    const store = new MemoryStateStore();
    jest.spyOn(store, 'setIfAbsent').mockRejectedValue(new Error('store down'));
    const a = member(store, 'a');
    a.leadership.start();
    await wait(150);
    expect(a.leadership.isLeader).toBe(false);
    expect(a.events).toEqual([]);
    expect(a.log.join('\n')).toMatch(/DEBUG Could not try the leader lease.*store down/);
    jest.restoreAllMocks();
    await a.leadership.stop();
  });

  it('says which replica leads; a lease that cannot be handed back on stop is left to expire, with a warning', async () => {
    const store = new MemoryStateStore();
    const a = member(store, 'a');
    a.leadership.start();
    await until(() => a.leadership.isLeader);
    expect(a.log.join('\n')).toMatch(/INFO This replica now runs the background work .*"holder":"a"/);
    jest.spyOn(store, 'compareAndSet').mockRejectedValue(new Error('store down'));
    await a.leadership.stop();
    expect(a.events).toEqual(['gain', 'lose']);
    expect(a.log.join('\n')).toMatch(/WARN Could not hand back the leader lease; it expires by itself.*store down/);
    jest.restoreAllMocks();
  });

  it('a replica stopped before it ever led never leads, even with the lease free', async () => {
    const store = new MemoryStateStore();
    const b = member(store, 'b');
    b.leadership.start();
    await b.leadership.stop();
    await wait(300);
    expect(b.events).toEqual([]);
    expect(await store.get('leader')).toBeUndefined();
  });

  it('a replica started twice by mistake and then stopped never leads: its second round, already scheduled, gives up too', async () => {
    const store = new MemoryStateStore();
    const b = member(store, 'b');
    b.leadership.start();
    b.leadership.start();
    await b.leadership.stop();
    await wait(300);
    expect(b.leadership.isLeader).toBe(false);
    expect(b.events).toEqual([]);
    expect(await store.get('leader')).toBeUndefined();
  });

  it('a leader whose lease was taken over stops its work at once and says why', async () => {
    const store = new MemoryStateStore();
    const a = member(store, 'a');
    a.leadership.start();
    await until(() => a.leadership.isLeader);
    await store.set('leader', { holder: 'intruder', id: 'x', since: 'now' }, 300);
    await until(() => !a.leadership.isLeader);
    expect(a.events).toEqual(['gain', 'lose']);
    expect(a.log.join('\n')).toMatch(/WARN Background work stopped on this replica: another replica holds the lease/);
    // Stopping now hands nothing back: the lease is the intruder's.
    await a.leadership.stop();
    expect(await store.get('leader')).toMatchObject({ holder: 'intruder' });
    expect(a.events).toEqual(['gain', 'lose']);
  });

  it('a lease lost with the store’s state (a flush) goes back to its holder: the others wait until it could have expired, so there are never two leaders', async () => {
    const store = new MemoryStateStore();
    const a = member(store, 'a', { renewEveryMs: 100 });
    a.leadership.start();
    await until(() => a.leadership.isLeader);
    const { id } = (await store.get<{ id: string }>('leader'))!;
    // The standby looks five times as often as the leader renews: it would find the lease gone first.
    const b = member(store, 'b', { renewEveryMs: 20 });
    b.leadership.start();
    await wait(60);
    let bothLed = false;
    const watching = setInterval(() => (bothLed ||= a.leadership.isLeader && b.leadership.isLeader), 5);
    try {
      for (let flush = 0; flush < 3; flush++) {
        await store.delete('leader');
        await until(async () => (await store.get('leader')) !== undefined);
        await wait(150);
      }
    } finally {
      clearInterval(watching);
    }
    expect(bothLed).toBe(false);
    expect(a.events).toEqual(['gain']);
    expect(b.events).toEqual([]);
    expect(await store.get('leader')).toMatchObject({ holder: 'a', id });
    expect(a.log.filter((l) => /WARN The leader lease was gone from the state store before it could expire.*"holder":"a"/.test(l))).toHaveLength(3);
    await Promise.all([a.leadership.stop(), b.leadership.stop()]);
  });

  it('a lease that vanished and was not taken back (its holder died as the store lost its state) is taken once it could have expired', async () => {
    const store = new MemoryStateStore();
    let dead = false;
    // a's own view of the store, which stops answering when a dies (it hands nothing back).
    const seenByA = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (...args: unknown[]) => (dead ? Promise.reject(new Error('gone')) : value.apply(target, args)) : value;
      },
    });
    const a = member(seenByA, 'a', { renewEveryMs: 100 });
    a.leadership.start();
    await until(() => a.leadership.isLeader);
    const b = member(store, 'b', { renewEveryMs: 20 });
    b.leadership.start();
    await wait(60);
    dead = true;
    await wait(5);
    const { renewedAt } = (await store.get<{ renewedAt: string }>('leader'))!;
    await store.delete('leader');
    await until(() => b.leadership.isLeader, 2000);
    const tookAt = Date.now();
    // b waits from the renewal it last saw (at most one of its rounds before a's last) until the lease could have expired.
    expect(tookAt).toBeGreaterThanOrEqual(Date.parse(renewedAt) + 300 - 25);
    expect(tookAt).toBeLessThanOrEqual(Date.parse(renewedAt) + 300 + 20 + 150);
    await Promise.all([a.leadership.stop(), b.leadership.stop()]);
  });

  it('a leader that loses the race for its lease between reading and writing it stops its work (changed, or taken after it vanished)', async () => {
    for (const race of ['changed', 'taken'] as const) {
      const store = new MemoryStateStore();
      const a = member(store, 'a');
      a.leadership.start();
      await until(() => a.leadership.isLeader);
      const get = store.get.bind(store);
      const intruder = { holder: 'intruder', id: 'x', since: 'now', renewedAt: new Date().toISOString() };
      // The next renewal reads its own lease (or none), and another replica writes between the read and the write.
      const reads = jest.spyOn(store, 'get').mockImplementationOnce(async (key: string) => {
        const read = race === 'changed' ? await get(key) : undefined;
        await store.set('leader', intruder, 300);
        return read as never;
      });
      while (a.leadership.isLeader) await wait(1);
      // At that very renewal, not the next one.
      expect(reads).toHaveBeenCalledTimes(1);
      jest.restoreAllMocks();
      expect(a.events).toEqual(['gain', 'lose']);
      expect(await store.get('leader')).toMatchObject({ holder: 'intruder' });
      await a.leadership.stop();
    }
  });

  it('a store that fails the renewal: the leader stops its work and says the store did not answer', async () => {
    const store = new MemoryStateStore();
    const a = member(store, 'a');
    a.leadership.start();
    await until(() => a.leadership.isLeader);
    jest.spyOn(store, 'compareAndSet').mockRejectedValue(new Error('boom'));
    await until(() => !a.leadership.isLeader);
    expect(a.log.join('\n')).toMatch(/the state store did not answer \(boom\)/);
    jest.restoreAllMocks();
    await a.leadership.stop();
  });
});
