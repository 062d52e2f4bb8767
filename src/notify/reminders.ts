export const REMINDER_GAP_MS = 24 * 3600_000;

export interface ReminderState {
  /** When the item was announced to this user (its DM, or the summary that listed it). */
  announcedAt: string;
  remindedAt?: string;
  /** The work item's creation time in ISC. */
  created?: string | null;
}

/**
 * Whether an item still pending has waited long enough for a reminder (quiet hours aside). The wait
 * counts from the later of its creation and its announcement, so an old item just forwarded to
 * someone, or listed in their first summary, is not nagged about at once; then once a day at most.
 */
export function reminderDue(state: ReminderState, now: Date, remindAfterMs: number): boolean {
  const since = Math.max(Date.parse(state.announcedAt), Date.parse(state.created ?? '') || 0);
  if (now.getTime() - since < remindAfterMs) return false;
  return !state.remindedAt || now.getTime() - Date.parse(state.remindedAt) >= REMINDER_GAP_MS;
}
