// The tenant-wide sweep: the two kinds of item ISC lets a privileged identity read whole
// (access-request approvals without `owner-id`, generic approvals with `mine=false`), read a page of
// 250 at a time, and compared with what the previous sweep saw (kept in the state store, small).
import { assignedIdentityIds } from '../approvals/genericApproval';
import { isOpen, type InboxItem, type InboxKind } from '../inbox/items';
import type { IscClient } from '../isc/api';
import { PENDING_FILTER } from '../isc/genericApprovals';
import { readAllPages } from '../isc/http';
import type { StateStore } from '../store/store';
import { keyed, type KeyedItem } from './dmCards';

export const SWEPT_KINDS = ['accessRequest', 'generic'] as const satisfies readonly InboxKind[];
export type SweptKind = (typeof SWEPT_KINDS)[number];

/** What the sweep keeps of an item while it is in the queue: whom it waits on, and when the sweep first saw it. */
export interface SeenRecord {
  /** Owner identity ids (approvers, for a generic approval). */
  o: string[];
  /** First seen (ISO). */
  f: string;
}

/** One map per kind, field = the item's inbox key; a field goes when its item leaves the queue. */
export const seenKey = (kind: SweptKind) => `notify:sweep:${kind}`;
/** The whole map is dropped if no sweep has refreshed it for this long (the bot stopped, or the sweep is refused). */
export const SEEN_TTL_MS = 7 * 24 * 3600_000;

/** Set by each sweep that read the kind whole; while it lives, the kind's map is the queue as it is. */
export const sweptAtKey = (kind: SweptKind) => `notify:swept-at:${kind}`;
/** Long enough to outlive a few sweeps (SWEEP_INTERVAL_SECONDS is at most an hour), short enough that a stopped sweep is noticed. */
export const SWEPT_AT_TTL_MS = 2 * 3600_000;

/** Pending items per owner identity id, of each kind the sweep reads whole now (a kind it does not is left out). */
export type SweptCounts = Partial<Record<SweptKind, Map<string, number>>>;

/** What the last sweeps saw, counted per owner: the digest's approval counts without an ISC call per owner. */
export async function sweptCounts(store: StateStore): Promise<SweptCounts> {
  const counts: SweptCounts = {};
  for (const kind of SWEPT_KINDS) {
    if ((await store.get<string>(sweptAtKey(kind))) === undefined) continue;
    const byOwner = new Map<string, number>();
    for (const record of Object.values(await store.getFields<SeenRecord>(seenKey(kind)))) for (const owner of record.o) byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
    counts[kind] = byOwner;
  }
  return counts;
}

/** The identities an item waits on now; none once it is decided (or a decision is under way). */
export function ownersOf(entry: InboxItem): string[] {
  if (!isOpen(entry)) return [];
  switch (entry.kind) {
    case 'workItem':
      return entry.item.ownerId ? [entry.item.ownerId] : [];
    case 'accessRequest':
      return entry.item.owner?.id ? [entry.item.owner.id] : [];
    case 'generic':
      return assignedIdentityIds(entry.item);
  }
}

/** Every pending item of the kind in the tenant; `call` wraps each page's request (the poller's share). */
export async function readWhole(isc: IscClient, kind: SweptKind, call: <T>(request: () => Promise<T>) => Promise<T>): Promise<KeyedItem[]> {
  const entries: InboxItem[] =
    kind === 'accessRequest'
      ? (await readAllPages((page) => call(() => isc.accessRequestApprovals.listPendingApprovals(page)))).map((item) => ({ kind, item }))
      : (await readAllPages((page) => call(() => isc.genericApprovals.getApprovals({ mine: false, filters: PENDING_FILTER, includeComments: true, ...page })))).map((item) => ({ kind, item }));
  return entries.map(keyed).filter((e): e is KeyedItem => e !== undefined);
}

export interface SweepChange {
  entry: KeyedItem;
  owners: string[];
  /** Owners it did not wait on at the last sweep. */
  added: string[];
  /** Owners it no longer waits on. */
  removed: string[];
  firstSeen?: string;
}

/** What changed since the last sweep: items whose owners changed (new items among them), and keys no longer in the queue. */
export function diffSweep(seen: Record<string, SeenRecord>, items: readonly KeyedItem[]): { changed: SweepChange[]; gone: string[] } {
  const changed: SweepChange[] = [];
  const present = new Set<string>();
  for (const entry of items) {
    present.add(entry.key);
    const owners = ownersOf(entry);
    const before = seen[entry.key];
    const added = owners.filter((o) => !before?.o.includes(o));
    const removed = before ? before.o.filter((o) => !owners.includes(o)) : [];
    if (!before || added.length || removed.length) changed.push({ entry, owners, added, removed, firstSeen: before?.f });
  }
  return { changed, gone: Object.keys(seen).filter((key) => !present.has(key)) };
}
