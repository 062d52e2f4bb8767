// "Decided today" on the Home tab: who decided what through the bot, per UTC day, as a set in the
// state store. A set member per decision (its time and item part), so a decision recorded twice counts
// once, every replica adds to the same set, and the count needs no read-modify-write.
import { TZDate } from '@date-fns/tz';
import { knownTimeZone } from '../timeZone';
import type { StateStore } from '../store/store';

/** Kept two days past its UTC day: long enough for every time zone's "today". */
const TTL_MS = 3 * 86_400_000;

export const decidedKey = (slackUserId: string, utcDay: string) => `decided:${slackUserId}:${utcDay}`;

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** Records that the person decided `itemKey` at `at` (an ISO time). */
export async function recordDecided(store: StateStore, slackUserId: string, itemKey: string, at: string): Promise<void> {
  await store.addMember(decidedKey(slackUserId, utcDay(new Date(at))), `${at}|${itemKey}`, TTL_MS);
}

const localDay = (at: Date, zone: string) => {
  const d = new TZDate(at.getTime(), knownTimeZone(zone));
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** How many items the person decided through the bot on their own calendar day (in `zone`) of `now`. */
export async function decidedToday(store: StateStore, slackUserId: string, now: Date, zone: string): Promise<number> {
  // Their day spans at most the UTC days before and after.
  const days = [-1, 0, 1].map((d) => utcDay(new Date(now.getTime() + d * 86_400_000)));
  const today = localDay(now, zone);
  const members = (await Promise.all(days.map((d) => store.members(decidedKey(slackUserId, d))))).flat();
  const items = new Set<string>();
  for (const m of members) {
    const [at, item] = [m.slice(0, m.indexOf('|')), m.slice(m.indexOf('|') + 1)];
    const t = new Date(at);
    if (!Number.isNaN(t.getTime()) && localDay(t, zone) === today) items.add(item);
  }
  return items.size;
}
