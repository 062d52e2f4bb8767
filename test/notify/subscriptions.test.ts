import { silentLogger } from '../../src/log';
import { Subscriptions, SUBSCRIPTIONS_KEY } from '../../src/notify/subscriptions';
import { MemoryStateStore } from '../../src/store/memoryStore';

describe('Subscriptions.touch', () => {
  function subscriptionsAt(clock: { now: number }) {
    const store = new MemoryStateStore(() => clock.now);
    const setFieldIfAbsent = jest.spyOn(store, 'setFieldIfAbsent');
    const subscriptions = new Subscriptions({ store, configured: [], lookupByEmail: async () => undefined, logger: silentLogger, now: () => clock.now });
    return { subscriptions, setFieldIfAbsent };
  }

  it('asks the store about a user once in ten minutes, not on every request they make', async () => {
    const clock = { now: 1_000_000 };
    const { subscriptions, setFieldIfAbsent } = subscriptionsAt(clock);
    expect(await subscriptions.touch('U1')).toBe(true);
    for (let i = 0; i < 50; i++) expect(await subscriptions.touch('U1')).toBe(false);
    expect(await subscriptions.touch('U2')).toBe(true);
    expect(setFieldIfAbsent).toHaveBeenCalledTimes(2);
    clock.now += 10 * 60_000;
    expect(await subscriptions.touch('U1')).toBe(false);
    expect(setFieldIfAbsent).toHaveBeenCalledTimes(3);
    expect(await subscriptions.activeUserIds()).toEqual(['U1', 'U2']);
  });

  it('still never turns notifications back on for someone who opted out', async () => {
    const clock = { now: 1_000_000 };
    const { subscriptions } = subscriptionsAt(clock);
    await subscriptions.set('U1', false);
    expect(await subscriptions.touch('U1')).toBe(false);
    clock.now += 60 * 60_000;
    expect(await subscriptions.touch('U1')).toBe(false);
    expect((await subscriptions.get('U1'))?.on).toBe(false);
    expect(await subscriptions.activeUserIds()).toEqual([]);
  });

  it('remembers a bounded number of users', async () => {
    const clock = { now: 1_000_000 };
    const { subscriptions, setFieldIfAbsent } = subscriptionsAt(clock);
    for (let i = 0; i <= 10_000; i++) await subscriptions.touch(`U${i}`);
    setFieldIfAbsent.mockClear();
    // The first one was forgotten to make room; the latest is still remembered.
    await subscriptions.touch('U0');
    await subscriptions.touch('U10000');
    expect(setFieldIfAbsent).toHaveBeenCalledTimes(1);
  });
});

describe('Subscriptions after the state store lost its state', () => {
  it('subscribes NOTIFY_USERS again, with a new period (so the first poll summarises), and keeps an opt-out the store still has', async () => {
    const store = new MemoryStateStore();
    const subscriptions = new Subscriptions({ store, configured: ['U1', 'U2', 'u3@example.com'], lookupByEmail: async () => 'U3', logger: silentLogger });
    await subscriptions.enrolConfigured();
    expect(await subscriptions.activeUserIds()).toEqual(['U1', 'U2', 'U3']);
    const before = await subscriptions.get('U1');
    // A flushed Redis: the subscriptions are gone; U2 has since turned notifications off.
    await store.delete(SUBSCRIPTIONS_KEY);
    await subscriptions.set('U2', false);
    await subscriptions.enrolConfigured();
    expect(await subscriptions.activeUserIds()).toEqual(['U1', 'U3']);
    expect((await subscriptions.get('U1'))?.period).not.toBe(before?.period);
    expect((await subscriptions.get('U2'))?.on).toBe(false);
  });

  it('forgets whom it touched recently, so that a user who used the bot is subscribed again at once', async () => {
    const store = new MemoryStateStore();
    const subscriptions = new Subscriptions({ store, configured: [], lookupByEmail: async () => undefined, logger: silentLogger });
    expect(await subscriptions.touch('U1')).toBe(true);
    await store.delete(SUBSCRIPTIONS_KEY);
    expect(await subscriptions.touch('U1')).toBe(false);
    subscriptions.forgetTouched();
    expect(await subscriptions.touch('U1')).toBe(true);
    expect(await subscriptions.activeUserIds()).toEqual(['U1']);
  });
});
