import { decidedToday, recordDecided } from '../../src/decisions/decidedToday';
import { MemoryStateStore } from '../../src/store/memoryStore';
import { deleteKeys, openTestStore, testPrefix } from '../support/redis';

describe('decided today', () => {
  it("counts the person's decisions of their own calendar day, each item once", async () => {
    const store = new MemoryStateStore();
    await recordDecided(store, 'U1', 'wi:a:*', '2026-11-23T08:00:00Z');
    await recordDecided(store, 'U1', 'ar:b:*', '2026-11-23T22:30:00Z'); // 23:30 in Paris, the same day there
    await recordDecided(store, 'U1', 'ga:c:U1', '2026-11-22T23:30:00Z'); // 00:30 on the 23rd in Paris, still the 22nd in UTC
    await recordDecided(store, 'U1', 'wi:a:*', '2026-11-23T08:00:00Z'); // recorded twice: once
    await recordDecided(store, 'U2', 'wi:d:*', '2026-11-23T09:00:00Z');
    const now = new Date('2026-11-23T12:00:00Z');
    expect(await decidedToday(store, 'U1', now, 'Europe/Paris')).toBe(3);
    expect(await decidedToday(store, 'U1', now, 'UTC')).toBe(2);
    // Los Angeles: 08:00 UTC is 00:00 on the 23rd there (counted), 23:30 UTC on the 22nd is 15:30 on the 22nd (not).
    expect(await decidedToday(store, 'U1', now, 'America/Los_Angeles')).toBe(2);
    expect(await decidedToday(store, 'U2', now, 'UTC')).toBe(1);
    expect(await decidedToday(store, 'U3', now, 'UTC')).toBe(0);
  });

  it('two replicas sharing Redis add to one count', async () => {
    const prefix = testPrefix('decidedToday');
    const [a, b] = await Promise.all([openTestStore(prefix), openTestStore(prefix)]);
    try {
      await Promise.all([recordDecided(a, 'U1', 'wi:x:*', '2026-11-23T10:00:00Z'), recordDecided(b, 'U1', 'ar:y:*', '2026-11-23T10:00:01Z'), recordDecided(b, 'U1', 'wi:x:*', '2026-11-23T10:00:00Z')]);
      const now = new Date('2026-11-23T12:00:00Z');
      expect(await decidedToday(a, 'U1', now, 'UTC')).toBe(2);
      expect(await decidedToday(b, 'U1', now, 'UTC')).toBe(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deleteKeys(prefix);
    }
  });
});
