// Which of a person's items the Home tab's filters show, and in what order: pure facts of the items.
import { sodViolations } from '../approvals/accessRequestApproval';
import { createdAt, type InboxItem } from '../inbox/items';

export type HomeFilter = 'all' | 'risky' | 'overdue';
export const HOME_FILTERS: readonly HomeFilter[] = ['all', 'risky', 'overdue'];

export const isHomeFilter = (v: unknown): v is HomeFilter => typeof v === 'string' && (HOME_FILTERS as readonly string[]).includes(v);

/** An access request with an SoD violation or for high-privilege access. */
export function isRisky(entry: InboxItem): boolean {
  if (entry.kind !== 'accessRequest') return false;
  return sodViolations(entry.item).length > 0 || entry.item.privilegeLevel?.toUpperCase() === 'HIGH';
}

/**
 * Past its due date (workflow approvals have one), or, for the kinds ISC gives no due date, waiting
 * longer than `staleAfterDays` (the digest's "stale").
 */
export function isOverdue(entry: InboxItem, now: Date, staleAfterDays: number): boolean {
  if (entry.kind === 'generic' && entry.item.dueDate) {
    const due = Date.parse(entry.item.dueDate);
    if (!Number.isNaN(due)) return due < now.getTime();
  }
  const created = Date.parse(createdAt(entry) ?? '');
  return !Number.isNaN(created) && now.getTime() - created > staleAfterDays * 86_400_000;
}

/** Most urgent first: overdue, then risky, then the oldest. */
export function byUrgency(now: Date, staleAfterDays: number): (a: InboxItem, b: InboxItem) => number {
  const rank = (e: InboxItem) => (isOverdue(e, now, staleAfterDays) ? 0 : isRisky(e) ? 1 : 2);
  const created = (e: InboxItem) => {
    const t = Date.parse(createdAt(e) ?? '');
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  return (a, b) => rank(a) - rank(b) || created(a) - created(b);
}

export function applyFilter(items: InboxItem[], filter: HomeFilter, now: Date, staleAfterDays: number): InboxItem[] {
  const kept = filter === 'risky' ? items.filter(isRisky) : filter === 'overdue' ? items.filter((e) => isOverdue(e, now, staleAfterDays)) : items;
  return [...kept].sort(byUrgency(now, staleAfterDays));
}
