// One inbox for everything ISC waits on a person for: work items, access-request approvals and
// generic approvals, a section per kind, paged across the kinds as if they were one list.
import { TtlCache } from '../cache';
import type { AccessRequestApprovalService } from '../approvals/accessRequestApprovalService';
import type { GenericApprovalService } from '../approvals/genericApprovalService';
import type { Decisions } from '../decisions/decision';
import type { PendingSlice } from '../decisions/itemService';
import { failureOf, type SectionFailure } from '../isc/errors';
import type { Logger } from '../log';
import type { WorkItemService } from '../workitems/workItemService';
import { INBOX_KINDS, type InboxItem, type InboxKind, type ItemOf } from './items';

export * from './items';

/** One kind's part of an inbox page. */
export interface InboxSection<K extends InboxKind = InboxKind> {
  kind: K;
  /** Where `items` start within the kind. */
  offset: number;
  items: Array<ItemOf<K>>;
  /** Decisions taken through the bot, by item id. */
  decisions: Record<string, Decisions>;
  /** How many the owner has of this kind; undefined when it could not be read. */
  total?: number;
  failure?: SectionFailure;
  /** The item just acted on, shown first whatever its state, and not counted for paging. */
  pinnedId?: string;
}

export type AnyInboxSection = { [K in InboxKind]: InboxSection<K> }[InboxKind];

/** Where a page starts: a kind and an offset within it. */
export interface InboxPosition {
  section: InboxKind;
  offset: number;
}

export interface InboxPage {
  start: InboxPosition;
  pageSize: number;
  /** One per kind, in INBOX_KINDS order; only the kinds the page reaches have items. */
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

/**
 * What the inbox remembers per owner and kind: the total, and for the approval kinds the first page.
 * Work items are never served from it (they are read whenever a page shows them, as before the
 * inbox), only their total when a page starts past them.
 */
interface Cached {
  total: number;
  first?: { items: unknown[]; limit: number };
}

export interface InboxOptions {
  logger: Logger;
  /** How long a kind's first page and total are reused; default 60 s. Acting on a kind through the bot forgets it at once. */
  cacheTtlMs?: number;
  now?: () => number;
}

const DEFAULT_CACHE_TTL_MS = 60_000;

/**
 * The combined list: a page of up to `pageSize` cards that may span the end of one kind and the
 * start of the next, the totals of every kind, and a short per-owner cache so that an interaction
 * with one kind (a work item's approve, a page turn) does not read the other kinds from ISC each time.
 */
export class Inbox {
  private readonly cache: TtlCache<string, Cached>;
  /** Bumped when the bot acts on a kind: a read begun before must not fill the cache after. */
  private readonly generation: Record<InboxKind, number> = { workItem: 0, accessRequest: 0, generic: 0 };
  private readonly ttlMs: number;
  /** The cache keys of each kind, so that invalidate() forgets a kind for every owner. */
  private readonly ownerKeys = new Map<InboxKind, Set<string>>();

  constructor(
    private readonly sources: InboxSources,
    private readonly opts: InboxOptions,
  ) {
    this.cache = new TtlCache(10_000, opts.now);
    this.ttlMs = opts.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  }

  /** The bot acted on an item of this kind: every owner's cached first page and total of it are stale. */
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
  prime(kind: InboxKind, ownerId: string, items: ReadonlyArray<InboxItem['item']>, startedAt: number, pageSize: number): void {
    this.remember(kind, ownerId, { total: items.length, ...(kind === 'workItem' ? {} : { first: { items: items.slice(0, pageSize), limit: pageSize } }) }, startedAt);
  }

  /** The generation a read of `kind` starts at, for prime(). */
  readStarted(kind: InboxKind): number {
    return this.generation[kind];
  }

  private forget(ownerId: string): void {
    for (const kind of INBOX_KINDS) this.cache.delete(`${kind}:${ownerId}`);
  }

  /**
   * A page of the owner's inbox from `start`. `fresh` (a new `/workitems`, Refresh): every kind is
   * read from ISC; otherwise the approval kinds' first pages and the totals come from the cache when
   * it has them. A kind that cannot be read is reported in its section; when none can, the first
   * error is thrown.
   */
  async page(ownerId: string, start: InboxPosition, pageSize: number, { fresh = false }: { fresh?: boolean } = {}): Promise<InboxPage> {
    if (fresh) this.forget(ownerId);
    const startIndex = INBOX_KINDS.indexOf(start.section);
    // Each kind from the start on gives up to a page (the start kind from its offset, the later ones
    // from their first item, which the cache keeps); the page then takes what it needs in order.
    const sections = await Promise.all(
      INBOX_KINDS.map((kind, i) => (i < startIndex ? this.totalOnly(kind, ownerId, pageSize) : this.slice(kind, ownerId, i === startIndex ? start.offset : 0, pageSize))),
    );
    if (sections.every((s) => s.failure)) throw sections.find((s) => s.error)?.error;
    let room = pageSize;
    for (const section of sections) {
      section.items = section.items.slice(0, Math.max(room, 0));
      room -= section.items.length;
    }
    const withDecisions = await Promise.all(sections.map((s) => this.withDecisions(s)));
    return { start, pageSize, sections: withDecisions };
  }

  private async withDecisions(section: Loaded): Promise<AnyInboxSection> {
    const { error: _error, ...rest } = section;
    if (!rest.items.length) return { ...rest, decisions: {} } as AnyInboxSection;
    const service = this.sources[rest.kind] as { decisionsForItems(items: unknown[]): Promise<Record<string, Decisions>> };
    return { ...rest, decisions: await service.decisionsForItems(rest.items) } as AnyInboxSection;
  }

  /** One kind's slice, from the cache when it holds it (never work items). */
  private async slice(kind: InboxKind, ownerId: string, offset: number, limit: number): Promise<Loaded> {
    const cached = kind === 'workItem' || offset !== 0 ? undefined : this.cache.peek(`${kind}:${ownerId}`);
    if (cached?.first && (limit <= cached.first.limit || cached.first.items.length >= cached.total)) {
      return { kind, offset, items: cached.first.items.slice(0, limit), total: cached.total } as Loaded;
    }
    const generation = this.generation[kind];
    try {
      const slice: PendingSlice<unknown> = await this.sources[kind].pendingSlice(ownerId, offset, limit);
      this.remember(kind, ownerId, { total: slice.total, ...(kind !== 'workItem' && offset === 0 ? { first: { items: slice.items, limit } } : {}) }, generation);
      return { kind, offset, items: slice.items, total: slice.total } as Loaded;
    } catch (e) {
      return this.failed(kind, offset, e);
    }
  }

  /** A kind the page starts past: only its total, for the page's range and the counts. */
  private async totalOnly(kind: InboxKind, ownerId: string, pageSize: number): Promise<Loaded> {
    const cached = this.cache.peek(`${kind}:${ownerId}`);
    if (cached) return { kind, offset: 0, items: [], total: cached.total } as Loaded;
    // An approval kind's first page costs the same request as its count, and a page back will show it.
    if (kind !== 'workItem') return { ...(await this.slice(kind, ownerId, 0, pageSize)), items: [] };
    const generation = this.generation[kind];
    try {
      const total = await this.sources.workItem.pendingCount(ownerId);
      this.remember(kind, ownerId, { total }, generation);
      return { kind, offset: 0, items: [], total } as Loaded;
    } catch (e) {
      return this.failed(kind, 0, e);
    }
  }

  private failed(kind: InboxKind, offset: number, e: unknown): Loaded {
    this.opts.logger.warn('Inbox: a kind of item could not be read', { kind, error: e instanceof Error ? e.message : String(e) });
    return { kind, offset, items: [], failure: failureOf(e), error: e } as Loaded;
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
  return { start, pageSize, sections: INBOX_KINDS.map((kind) => ({ kind, offset: 0, items: [], decisions: {}, total: 0 }) as AnyInboxSection) };
}

/**
 * The page with the item just acted on first in its section, as it now is, even if it left the list
 * (decided, forwarded); false when its kind could not be read (the caller shows it alone).
 */
export function pinItem(page: InboxPage, entry: InboxItem, decisions: Decisions): boolean {
  const id = entry.item.id;
  const section = page.sections.find((s) => s.kind === entry.kind);
  if (!id || !section || section.failure) return false;
  const items = section.items as Array<{ id?: string }>;
  section.items = [entry.item, ...items.filter((i) => i.id !== id)] as typeof section.items;
  section.decisions = { ...section.decisions, [id]: decisions };
  section.pinnedId = id;
  return true;
}

/** A section as read, before decisions, with the error a failure came from. */
type Loaded = Omit<AnyInboxSection, 'decisions'> & { error?: unknown };
