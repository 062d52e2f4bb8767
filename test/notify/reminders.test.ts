import { reminderDue, REMINDER_GAP_MS } from '../../src/notify/reminders';

describe('reminderDue', () => {
  const DAY = 24 * 3600_000;
  const at = (iso: string) => new Date(iso);

  it('waits REMIND_AFTER_HOURS from the later of creation and announcement', () => {
    const state = { announcedAt: '2030-01-07T10:00:00Z', created: '2030-01-01T10:00:00Z' };
    expect(reminderDue(state, at('2030-01-08T09:59:00Z'), DAY)).toBe(false);
    expect(reminderDue(state, at('2030-01-08T10:00:00Z'), DAY)).toBe(true);
    expect(reminderDue({ announcedAt: '2030-01-07T10:00:00Z', created: '2030-01-07T20:00:00Z' }, at('2030-01-08T10:00:00Z'), DAY)).toBe(false);
    expect(reminderDue({ announcedAt: '2030-01-07T10:00:00Z', created: null }, at('2030-01-07T12:00:00Z'), 2 * 3600_000)).toBe(true);
  });

  it('then once a day at most', () => {
    const state = { announcedAt: '2030-01-01T10:00:00Z', remindedAt: '2030-01-07T10:00:00Z' };
    expect(reminderDue(state, new Date(Date.parse(state.remindedAt) + REMINDER_GAP_MS - 1), DAY)).toBe(false);
    expect(reminderDue(state, new Date(Date.parse(state.remindedAt) + REMINDER_GAP_MS), DAY)).toBe(true);
  });
});
