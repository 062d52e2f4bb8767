// A person's own notification preferences beyond DMs on/off (Subscriptions): reminders on/off and the
// working hours reminders keep to, set from the Home tab and read by the poller before a reminder.
import { isQuietTime, parseQuietHours, type QuietHours } from '../quietHours';
import type { StateStore } from '../store/store';

export interface NotificationPrefs {
  /** Reminders of items still waiting; on unless turned off. */
  reminders?: boolean;
  /** "09:00-17:00": reminders come only within these local hours; absent for any time (QUIET_HOURS still applies). */
  workingHours?: string;
}

/** Every person's preferences in one map, field = Slack user id. */
export const PREFS_KEY = 'notify:prefs';

export async function readPrefs(store: StateStore, slackUserId: string): Promise<NotificationPrefs> {
  return (await store.getField<NotificationPrefs>(PREFS_KEY, slackUserId)) ?? {};
}

/** Changes some of a person's preferences, keeping the others (compare-and-set on the whole map is not needed: a field per person). */
export async function updatePrefs(store: StateStore, slackUserId: string, change: NotificationPrefs): Promise<NotificationPrefs> {
  const next: NotificationPrefs = { ...(await readPrefs(store, slackUserId)), ...change };
  if (next.workingHours === undefined || !parseQuietHours(next.workingHours)) delete next.workingHours;
  await store.setField(PREFS_KEY, slackUserId, next);
  return next;
}

/** Whether a reminder may go to the person now: reminders on, and within their working hours when they set some. */
export function reminderAllowed(prefs: NotificationPrefs, at: Date, zone: string): boolean {
  if (prefs.reminders === false) return false;
  const hours = prefs.workingHours ? parseQuietHours(prefs.workingHours) : null;
  if (!hours) return true;
  // Outside working hours is the quiet time: from their end to their start.
  const outside: QuietHours = { start: hours.end, end: hours.start };
  return !isQuietTime(at, zone, outside);
}
