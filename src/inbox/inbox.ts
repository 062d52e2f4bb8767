// One inbox for everything ISC waits on a person for: work items, access-request approvals and
// workflow approvals, as one queue, most urgent first, paged over; counted and reported per kind.
import { TtlCache } from '../cache';
import type { AccessRequestApprovalService } from '../approvals/accessRequestApprovalService';
import type { GenericApprovalService } from '../approvals/genericApprovalService';
import type { Decisions } from '../decisions/decision';
import type { PendingSlice } from '../decisions/itemService';
import { byUrgency } from '../home/filters';
import { failureOf, type SectionFailure } from '../isc/errors';
import type { Logger } from '../log';
import type { WorkItemService } from '../workitems/workItemService';
import { INBOX_KINDS, type InboxItem, type InboxKind, type ItemOf } from './items';

export * from './items';

/** One kind's part of an inbox page. */
export interface InboxSection<K extends InboxKind = InboxKind> {
  kind: K;
  /** The page's items of this kind, in the queue's order. */
  items: Array<ItemOf<K>>;
  /** Where each item (by id) stands in the whole queue (0-based); the pinned item has none. */
  positions: Record<string, number>;
  /** Decisions taken through the bot, by item id. */
  decisions: Record<string, Decisions>;
  /** How many the owner has of this kind; undefined when it could not be read. */
  total?: number;
  failure?: SectionFailure;
  /** The item just acted on, shown first whatever its state, and not counted for paging. */
  pinnedId?: string;
}

export type AnyInboxSection = { [K in InboxKind]: InboxSection<K> }[InboxKind];

/** Where a page starts: an index into the owner's one queue (most urgent first). */
export interface InboxPosition {
  offset: number;
}

export interface InboxPage {
  start: InboxPosition;
  pageSize: number;
  /** How long the whole queue is (every kind that could be read). */
  length: number;
  /** One per kind, in INBOX_KINDS order (for the counts and the failures); the page's order is in `positions`. */
  sections: AnyInboxSection[];
}

/** How many items of each kind wait on someone; a kind that could not be read has a failure instead. */
export type InboxCounts = Record<InboxKind, { count: number } | { failure: SectionFailure }>;

/** What the inbox reads each kind with: its service. */
export interface InboxSources {
  workItem: WorkItemService;
  accessRequest: AccessRequestApprovalService;
  generic: GenericApprovalService;
}

/** What the inbox remembers per owner and kind: the first `cap` items (the part the queue sorts) and the total. */
interface Cached {
  total: number;
  items: unknown[];
}

export interface InboxOptions {
  logger: Logger;
  /** How long a kind's first items and total are reused; default 60 s. Acting on a kind through the bot forgets it at once. */
  cacheTtlMs?: number;
  now?: () => number;
  /** Items of each kind read and sorted into the queue (one ISC call each); default 250, the most ISC gives in one. */
  queueCap?: number;
  /** When an item without a due date counts as overdue (the digest's "stale"); default 3 days. */
  staleAfterDays?: number;
}

const DEFAULT_CACHE_TTL_MS = 60_000;
/** ISC's largest page (`limit`). */
export const QUEUE_CAP = 250;
const DEFAULT_STALE_AFTER_DAYS = 3;

/**
 * The combined list as one queue, most urgent first (overdue, then SoD / high privilege, then the
 * oldest: the Home tab's order): the first `queueCap` items of every kind sorted together, then, for an
 * owner with more of a kind, the rest in kind order. A page is a stretch of that queue. A short
 * per-owner cache of each kind's first items means a page turn, or an action on one kind, does not
 * read the other kinds from ISC again.
 */
export class Inbox {
  private readonly cache: TtlCache<string, Cached>;
  /** Bumped when the bot acts on a kind: a read begun before must not fill the cache after. */
  private readonly generation: Record<InboxKind, number> = { workItem: 0, accessRequest: 0, generic: 0 };
  private readonly ttlMs: number;
  private readonly cap: number;
  /** The cache keys of each kind, so that invalidate() forgets a kind for every owner. */
  private readonly ownerKeys = new Map<InboxKind, Set<string>>();

  constructor(
    private readonly sources: InboxSources,
    private readonly opts: InboxOptions,
  ) {
    this.cache = new TtlCache(10_000, opts.now);
    this.ttlMs = opts.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.cap = opts.queueCap ?? QUEUE_CAP;
  }

  /** The bot acted on an item of this kind: every owner's cached items and total of it are stale. */
  invalidate(kind: InboxKind): void {
    this.generation[kind]++;
    for (const ownerKey of this.ownerKeys.get(kind) ?? []) this.cache.delete(ownerKey);
    this.ownerKeys.get(kind)?.clear();
  }

  private remember(kind: InboxKind, ownerId: string, value: Cached, generation: number): void {
    if (this.generation[kind] !== generation) return;
    const key = `${kind}:${ownerId}`;
    this.cache.set(key, value, this.ttlMs);
    let keys = this.ownerKeys.get(kind);
    if (!keys) this.ownerKeys.set(kind, (keys = new Set()));
    // Bounded like the cache: the oldest keys go first.
    keys.delete(key);
    keys.add(key);
    while (keys.size > 10_000) keys.delete(keys.values().next().value as string);
  }

  /**
   * What a poll read of an owner's pending items of a kind (all of them), kept unless the bot acted on
   * that kind since `startedAt` (a generation from readStarted).
   */
  prime(kind: InboxKind, ownerId: string, items: ReadonlyArray<InboxItem['item']>, startedAt: number): void {
    this.remember(kind, ownerId, { total: items.length, items: items.slice(0, this.cap) }, startedAt);
  }

  /** The generation a read of `kind` starts at, for prime(). */
  readStarted(kind: InboxKind): number {
    return this.generation[kind];
  }

  private forget(ownerId: string): void {
    for (const kind of INBOX_KINDS) this.cache.delete(`${kind}:${ownerId}`);
  }

  /**
   * A page of the owner's queue from `start`. `fresh` (a new `/workitems`, Refresh): every kind is
   * read from ISC; otherwise each kind's first items come from the cache when it has them. A kind
   * that cannot be read is reported in its section; when none can, the first error is thrown.
   */
  async page(ownerId: string, start: InboxPosition, pageSize: number, { fresh = false }: { fresh?: boolean } = {}): Promise<InboxPage> {
    if (fresh) this.forget(ownerId);
    const heads = await Promise.all(INBOX_KINDS.map((kind) => this.head(kind, ownerId)));
    if (heads.every((h) => h.failure)) throw heads.find((h) => h.error)?.error;
    const now = new Date(this.opts.now?.() ?? Date.now());
    // The sorted part: every kind's first `cap` items together (a stable sort: ties keep kind order).
    const sorted = heads.flatMap((h) => h.items.map((item) => ({ kind: h.kind, item }) as InboxItem)).sort(byUrgency(now, this.opts.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS));
    // Then what lies past the first `cap` of a kind, kind after kind, read only when a page reaches it.
    let at = sorted.length;
    const tails = heads.map((h) => {
      const count = h.failure || h.items.length < this.cap ? 0 : Math.max(0, (h.total ?? 0) - h.items.length);
      const tail = { kind: h.kind, from: at, count };
      at += count;
      return tail;
    });
    const length = at;
    const from = Math.max(0, start.offset);
    const to = Math.min(length, from + pageSize);
    const entries: Array<{ entry: InboxItem; at: number }> = sorted.slice(from, Math.max(from, to)).map((entry, i) => ({ entry, at: from + i }));
    const tailFailures = new Map<InboxKind, Loaded>();
    await Promise.all(
      tails.map(async (t) => {
        const a = Math.max(from, t.from);
        const b = Math.min(to, t.from + t.count);
        if (a >= b) return;
        try {
          const slice: PendingSlice<unknown> = await this.sources[t.kind].pendingSlice(ownerId, this.cap + (a - t.from), b - a);
          slice.items.forEach((item, i) => entries.push({ entry: { kind: t.kind, item } as InboxItem, at: a + i }));
        } catch (e) {
          tailFailures.set(t.kind, this.failed(t.kind, e));
        }
      }),
    );
    entries.sort((x, y) => x.at - y.at);
    const sections = heads.map((h): Loaded => {
      const failed = tailFailures.get(h.kind);
      if (h.failure) return { kind: h.kind, items: [], positions: {}, failure: h.failure, error: h.error } as Loaded;
      const mine = entries.filter((e) => e.entry.kind === h.kind);
      const positions = Object.fromEntries(mine.flatMap((e) => (e.entry.item.id ? [[e.entry.item.id, e.at]] : [])));
      return { kind: h.kind, items: mine.map((e) => e.entry.item), positions, total: h.total, ...(failed ? { failure: failed.failure } : {}) } as Loaded;
    });
    const withDecisions = await Promise.all(sections.map((s) => this.withDecisions(s)));
    return { start: { offset: from }, pageSize, length, sections: withDecisions };
  }

  private async withDecisions(section: Loaded): Promise<AnyInboxSection> {
    const { error: _error, ...rest } = section;
    if (!rest.items.length) return { ...rest, decisions: {} } as AnyInboxSection;
    const service = this.sources[rest.kind] as { decisionsForItems(items: unknown[]): Promise<Record<string, Decisions>> };
    return { ...rest, decisions: await service.decisionsForItems(rest.items) } as AnyInboxSection;
  }

  /** A kind's first `cap` items and its total: from the cache when it holds them, else one ISC call. */
  private async head(kind: InboxKind, ownerId: string): Promise<{ kind: InboxKind; items: unknown[]; total?: number; failure?: SectionFailure; error?: unknown }> {
    const cached = this.cache.peek(`${kind}:${ownerId}`);
    if (cached) return { kind, items: cached.items, total: cached.total };
    const generation = this.generation[kind];
    try {
      const slice: PendingSlice<unknown> = await this.sources[kind].pendingSlice(ownerId, 0, this.cap);
      this.remember(kind, ownerId, { total: slice.total, items: slice.items }, generation);
      return { kind, items: slice.items, total: slice.total };
    } catch (e) {
      const { failure, error } = this.failed(kind, e);
      return { kind, items: [], failure, error };
    }
  }

  private failed(kind: InboxKind, e: unknown): Loaded {
    this.opts.logger.warn('Inbox: a kind of item could not be read', { kind, error: e instanceof Error ? e.message : String(e) });
    return { kind, items: [], positions: {}, failure: failureOf(e), error: e } as Loaded;
  }

/** The decisions taken through the bot on an item of any kind. */
  decisionsOf(entry: InboxItem): Promise<Decisions> {
    const id = entry.item.id;
    return id ? this.sources[entry.kind].decisionsFor(id) : Promise.resolve({});
  }

  /** One item of any kind as ISC has it now (read with the service identity). */
  async read(kind: InboxKind, id: string): Promise<InboxItem> {
    switch (kind) {
      case 'workItem':
        return { kind, item: await this.sources.workItem.kind.read(id) };
      case 'accessRequest':
        return { kind, item: await this.sources.accessRequest.kind.read(id) };
      case 'generic':
        return { kind, item: await this.sources.generic.kind.read(id) };
    }
  }

  /**
   * How many items of each kind wait on the owner, read from ISC (`/workitems summary`), and the
   * work items' completed count; a kind that fails is reported alone.
   */
  async counts(ownerId: string): Promise<{ pending: InboxCounts; workItemsCompleted?: number; accessRequestsDecided?: { approved?: number; rejected?: number } }> {
    const { workItem, accessRequest, generic } = this.sources;
    const settle = async <T>(read: () => Promise<T>): Promise<{ value: T } | { failure: SectionFailure }> => {
      try {
        return { value: await read() };
      } catch (e) {
        this.opts.logger.warn('Inbox: a count could not be read', { error: e instanceof Error ? e.message : String(e) });
        return { failure: failureOf(e) };
      }
    };
    const [w, a, g] = await Promise.all([settle(() => workItem.summary(ownerId)), settle(() => accessRequest.summary(ownerId)), settle(() => generic.pendingCount(ownerId))]);
    const count = <T>(r: { value: T } | { failure: SectionFailure }, pick: (v: T) => number | undefined) => ('value' in r ? { count: pick(r.value) ?? 0 } : r);
    return {
      pending: { workItem: count(w, (s) => s.open), accessRequest: count(a, (s) => s.pending), generic: count(g, (n) => n) },
      ...('value' in w ? { workItemsCompleted: w.value.completed } : {}),
      ...('value' in a ? { accessRequestsDecided: { approved: a.value.approved, rejected: a.value.rejected } } : {}),
    };
  }
}

/** A page with nothing on it (no identity, or ISC could not be read): every kind empty. */
export function emptyInboxPage(start: InboxPosition, pageSize: number): InboxPage {
  return { start, pageSize, length: 0, sections: INBOX_KINDS.map((kind) => ({ kind, items: [], positions: {}, decisions: {}, total: 0 }) as AnyInboxSection) };
}

/**
 * The page with the item just acted on first, as it now is, even if it left the list
 * (decided, forwarded); false when its kind could not be read (the caller shows it alone).
 */
export function pinItem(page: InboxPage, entry: InboxItem, decisions: Decisions): boolean {
  const id = entry.item.id;
  const section = page.sections.find((s) => s.kind === entry.kind);
  if (!id || !section || section.failure) return false;
  const items = section.items as Array<{ id?: string }>;
  section.items = [entry.item, ...items.filter((i) => i.id !== id)] as typeof section.items;
  section.decisions = { ...section.decisions, [id]: decisions };
  // Not counted for paging: its place in the queue (if it is still in it) is left to the pages.
  section.positions = Object.fromEntries(Object.entries(section.positions).filter(([k]) => k !== id));
  section.pinnedId = id;
  return true;
}

/** A section as read, before decisions, with the error a failure came from. */
type Loaded = Omit<AnyInboxSection, 'decisions'> & { error?: unknown };
