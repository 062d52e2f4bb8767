// The items of the inbox, whatever their kind: pure facts the services, the notifications and the
// card builders share.
import { awaitsDecision, type AccessRequestApproval } from '../approvals/accessRequestApproval';
import { assignedIdentityIds, isPendingApproval } from '../approvals/genericApproval';
import type { Approval, WorkItem } from '../isc/types';

export type InboxKind = 'workItem' | 'accessRequest' | 'generic';

/** The order of the sections, on every surface. */
export const INBOX_KINDS: readonly InboxKind[] = ['workItem', 'accessRequest', 'generic'];

export type InboxItem =
  | { kind: 'workItem'; item: WorkItem }
  | { kind: 'accessRequest'; item: AccessRequestApproval }
  | { kind: 'generic'; item: Approval };

export type ItemOf<K extends InboxKind> = Extract<InboxItem, { kind: K }>['item'];

/** The key of an item among all kinds (notification records, card redraws): its id, prefixed for the approval kinds. */
export function inboxKey(entry: InboxItem): string | undefined {
  const id = entry.item.id;
  if (!id) return undefined;
  return entry.kind === 'workItem' ? id : `${entry.kind === 'accessRequest' ? 'ar' : 'ga'}:${id}`;
}

/** The kind and id an inbox key names. */
export function parseInboxKey(key: string): { kind: InboxKind; id: string } {
  if (key.startsWith('ar:')) return { kind: 'accessRequest', id: key.slice(3) };
  if (key.startsWith('ga:')) return { kind: 'generic', id: key.slice(3) };
  return { kind: 'workItem', id: key };
}

/** Whether ISC still waits on a decision on the item at all (from anyone). */
export function isOpen(entry: InboxItem): boolean {
  switch (entry.kind) {
    case 'workItem':
      return entry.item.state === 'Pending';
    case 'accessRequest':
      return awaitsDecision(entry.item);
    case 'generic':
      return isPendingApproval(entry.item);
  }
}

/** Whether ISC waits on this identity for the item now: it is open and theirs (one of its approvers, for a generic approval). */
export function isPendingFor(entry: InboxItem, identityId: string): boolean {
  if (!isOpen(entry)) return false;
  switch (entry.kind) {
    case 'workItem':
      return entry.item.ownerId === identityId;
    case 'accessRequest':
      return entry.item.owner?.id === identityId;
    case 'generic':
      return assignedIdentityIds(entry.item).includes(identityId);
  }
}

/** When ISC created the item (ISO), for ages and reminders. */
export function createdAt(entry: InboxItem): string | undefined {
  return (entry.kind === 'generic' ? entry.item.createdDate : entry.item.created) ?? undefined;
}
