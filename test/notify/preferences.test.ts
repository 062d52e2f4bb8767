import { readPrefs, reminderAllowed, updatePrefs } from '../../src/notify/preferences';
import { MemoryStateStore } from '../../src/store/memoryStore';

describe('notification preferences', () => {
  it('are kept per person, a change keeping the others; an unknown working-hours value is dropped', async () => {
    const store = new MemoryStateStore();
    expect(await readPrefs(store, 'U1')).toEqual({});
    await updatePrefs(store, 'U1', { reminders: false });
    await updatePrefs(store, 'U1', { workingHours: '09:00-17:00' });
    expect(await readPrefs(store, 'U1')).toEqual({ reminders: false, workingHours: '09:00-17:00' });
    expect(await readPrefs(store, 'U2')).toEqual({});
    await updatePrefs(store, 'U1', { workingHours: 'nonsense' });
    expect(await readPrefs(store, 'U1')).toEqual({ reminders: false });
  });

  it('a reminder goes only with reminders on and within the working hours, in the person\'s zone', () => {
    const at = new Date('2026-11-23T07:30:00Z'); // 08:30 in Paris, 02:30 in New York
    expect(reminderAllowed({}, at, 'Europe/Paris')).toBe(true);
    expect(reminderAllowed({ reminders: false }, at, 'Europe/Paris')).toBe(false);
    expect(reminderAllowed({ workingHours: '08:00-17:00' }, at, 'Europe/Paris')).toBe(true);
    expect(reminderAllowed({ workingHours: '09:00-17:00' }, at, 'Europe/Paris')).toBe(false);
    expect(reminderAllowed({ workingHours: '08:00-17:00' }, at, 'America/New_York')).toBe(false);
    expect(reminderAllowed({ workingHours: '08:00-17:00' }, new Date('2026-11-23T16:59:00Z'), 'UTC')).toBe(true);
    expect(reminderAllowed({ workingHours: '08:00-17:00' }, new Date('2026-11-23T17:00:00Z'), 'UTC')).toBe(false);
  });
});
