import { createdAt, INBOX_KINDS, isPendingFor, parseInboxKey, type InboxItem, type InboxKind } from '../inbox/items';
import { isIscError } from '../isc/errors';
import { RateLimiter } from '../rateLimit/rateLimiter';
import { isStoreUnavailable } from '../store/store';
import type { IscIdentityRef } from '../workitems/identityDirectory';
import type { NotifyDeps } from './deps';
import { keyed, type DmCards, type KeyedItem } from './dmCards';
import type { Announcement, Ledger } from './ledger';
import { isQuietTime } from '../quietHours';
import { reminderDue } from './reminders';
import { readPrefs, reminderAllowed } from './preferences';
import type { Sleep } from './slackSender';
import type { Subscriber, Subscriptions } from './subscriptions';
import { Cadence } from './cadence';
import { diffSweep, ownersOf, readWhole, SEEN_TTL_MS, seenKey, SWEPT_AT_TTL_MS, sweptAtKey, SWEPT_KINDS, type SeenRecord, type SweepChange, type SweptKind } from './sweep';

const WINDOW_MS = 10_000;
/** One list per kind of item: the fewest ISC calls a subscriber's poll takes. */
export const CALLS_PER_POLL = INBOX_KINDS.length;
/** A kind ISC refuses to list (403, say, when the credentials lack its scope) is not asked again for this long. */
const KIND_BACKOFF_MS = 15 * 60_000;
/** A sweep ISC refused (no ORG_ADMIN) is tried again after this; meanwhile the kind is read per subscriber. */
const SWEEP_RETRY_MS = 60 * 60_000;
/** When each subscriber last had work items pending (ISO), field = Slack user id: a new leader keeps the cadence. */
const ACTIVE_KEY = 'notify:wi-active';
/** How stale the stored activity of an owner may get before a poll writes it again. */
const ACTIVE_WRITE_EVERY_MS = 3600_000;
const primedKey = (userId: string) => `notify:primed:${userId}`;
const SWEEP_ADVICE: Record<SweptKind, string> = {
  accessRequest:
    'give the identity of SAIL_CLIENT_ID the ORG_ADMIN level (and the client the idn:access-request-approvals:read scope) to read the whole queue in one sweep',
  generic: 'give the identity of SAIL_CLIENT_ID an admin level that may list every approval (mine=false; the client needs idn:access-request-approvals:read)',
};

export interface PollPlan {
  /** ISC calls the poller may make in any 10 s. */
  callsPer10s: number;
  /** From the start of one cycle to the next. */
  intervalMs: number;
  /** Between two subscribers' polls. */
  spacingMs: number;
  /** The configured interval was too short for this many subscribers. */
  stretched: boolean;
}

/**
 * The poller may use `share` of the bot's ISC rate limit. A subscriber's poll takes at least
 * `callsPerPoll` ISC calls (one list per kind of item), so polls start at least that many times
 * 10 s / callsPer10s apart: N subscribers need N times that, and the interval stretches to it when the
 * configured one is shorter. Polls that take more calls (more pages, items that left the queue, an
 * identity lookup) wait for the poller's own limiter.
 */
export function pollPlan(subscribers: number, opts: { intervalMs: number; rateLimitPer10s: number; share: number; callsPerPoll?: number }): PollPlan {
  const callsPer10s = Math.max(1, Math.floor(opts.rateLimitPer10s * opts.share));
  const perPoll = Math.ceil((WINDOW_MS * (opts.callsPerPoll ?? CALLS_PER_POLL)) / callsPer10s);
  const spacingMs = subscribers ? Math.max(perPoll, Math.floor(opts.intervalMs / subscribers)) : opts.intervalMs;
  const intervalMs = Math.max(opts.intervalMs, spacingMs * subscribers);
  return { callsPer10s, intervalMs, spacingMs, stretched: intervalMs > opts.intervalMs };
}

/** ISC (or the state store) is down or overloaded, not a problem with one subscriber: the rest of the cycle would fail too. */
function isOutage(e: unknown): boolean {
  if (isStoreUnavailable(e)) return true;
  return isIscError(e) && (e.kind !== 'http' || e.status === undefined || e.status >= 500 || e.status === 429 || e.status === 401);
}

const isGone = (e: unknown) => isIscError(e) && e.status === 404;
/** The notifier was stopped while this waited. */
export const isAbort = (e: unknown) => (e as { name?: unknown } | undefined)?.name === 'AbortError';
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The last sweep: the kinds it read whole, their items by owner identity id, and the subscribers' identities it knew. */
interface Swept {
  kinds: ReadonlySet<InboxKind>;
  byOwner: Map<string, KeyedItem[]>;
  /** A subscriber whose identity the sweep did not know yet (resolved since) is read in full once. */
  owners: ReadonlySet<string>;
}

interface Waiting {
  item: KeyedItem;
  record: Announcement;
}

/** A subscriber's pending items of every kind ISC let the poller read, and the kinds it could not. */
interface Pending {
  items: KeyedItem[];
  unread: Set<InboxKind>;
}

/** The notification DMs the poll owed and could not send yet, since when: for the oldest-unsent gauge. */
class UnsentDms {
  private readonly since = new Map<string, number>();

  owed(userId: string, itemKeys: readonly string[], now: number): void {
    for (const key of itemKeys) if (!this.since.has(`${userId} ${key}`)) this.since.set(`${userId} ${key}`, now);
  }

  sent(userId: string, itemKeys: readonly string[]): void {
    for (const key of itemKeys) this.since.delete(`${userId} ${key}`);
  }

  /** Forgets the user's items that are no longer pending: nothing is owed for them any more. */
  keepOnly(userId: string, pending: ReadonlySet<string>): void {
    for (const id of this.since.keys()) {
      const [user, key] = [id.slice(0, id.indexOf(' ')), id.slice(id.indexOf(' ') + 1)];
      if (user === userId && !pending.has(key)) this.since.delete(id);
    }
  }

  oldest(): number | undefined {
    return this.since.size ? Math.min(...this.since.values()) : undefined;
  }
}

export interface PollerOptions {
  ctx: NotifyDeps;
  subscriptions: Subscriptions;
  ledger: Ledger;
  cards: DmCards;
  /** Rejects once the poller is stopped. */
  sleep: Sleep;
}

/**
 * Polls each subscriber's pending work items, spread over the interval and within the poller's share
 * of the ISC rate limit, and turns what changed into DMs, DM updates and reminders.
 */
export class Poller {
  private readonly gate: RateLimiter;
  private readonly plan: (subscribers: number) => PollPlan;
  private queue: Promise<unknown> = Promise.resolve();
  /** The interval is stretched (and the log said so). */
  private stretched = false;
  /** What is not answering, while it does not. */
  private outage: string | undefined;
  /** Kinds ISC refused to list, until when they are left alone. */
  private readonly refusedUntil = new Map<InboxKind, number>();
  private readonly unsent = new UnsentDms();
  /** When a cycle last went through every subscriber. */
  private lastCycleAt: number | undefined;
  /** Swept kinds ISC refused to list whole, until when they are read per subscriber instead. */
  private readonly sweepRefusedUntil = new Map<SweptKind, number>();
  private readonly cadence: Cadence;
  /** The last sweep: the kinds it read whole and their items by owner identity id (the owner polls read these kinds from it). */
  private swept: Swept = { kinds: new Set(), byOwner: new Map(), owners: new Set() };
  /**
   * Each subscriber's identity as their last poll resolved it, for the sweep: the directory's cache
   * expires (IDENTITY_CACHE_TTL_SECONDS), and an owner the sweep cannot place would wait for their own poll.
   */
  private readonly identities = new Map<string, string>();
  /** The longest wait past the ceiling is logged once, until the poller catches up. */
  private behind = false;

  constructor(private readonly opts: PollerOptions) {
    const { isc, notify } = opts.ctx.config;
    const share = { intervalMs: notify.pollIntervalMs, rateLimitPer10s: isc.rateLimitPer10s, share: notify.pollRateShare, callsPerPoll: CALLS_PER_POLL };
    this.plan = (n) => pollPlan(n, share);
    this.gate = new RateLimiter({ requests: pollPlan(0, share).callsPer10s, perMs: WINDOW_MS, sleep: opts.sleep, now: () => opts.ctx.now().getTime() });
    this.cadence = new Cadence({ minMs: notify.pollIntervalMs, ceilingMs: notify.workItemCeilingMs });
  }

  private get sweeping(): boolean {
    return this.opts.ctx.config.notify.sweep;
  }

  private now(): number {
    return this.opts.ctx.now().getTime();
  }

  /** For the gauges: the end of the last complete cycle, and since when the oldest DM not yet sent is owed. */
  status(): { lastCycleAt?: number; oldestUnsentSince?: number } {
    return { lastCycleAt: this.lastCycleAt, oldestUnsentSince: this.unsent.oldest() };
  }

  /** One ISC call of the poller, within its share. */
  private async isc<T>(call: () => Promise<T>): Promise<T> {
    await this.gate.acquire();
    return call();
  }

  /** Runs the poll loop until `sleep` rejects (the notifier stopped). */
  async run(): Promise<void> {
    if (this.sweeping) return this.runAdaptive();
    for (;;) {
      const started = this.now();
      let intervalMs = this.opts.ctx.config.notify.pollIntervalMs;
      try {
        ({ intervalMs } = await this.runCycle());
      } catch (e) {
        if (isAbort(e)) throw e;
        this.opts.ctx.logger.error('Notifications: a poll cycle failed', { error: message(e) });
      }
      await this.opts.sleep(Math.max(0, started + intervalMs - this.now()));
    }
  }

  /**
   * The sweep every SWEEP_INTERVAL_SECONDS, and between sweeps the subscribers' work items as the
   * cadence has them due, all within the poller's share.
   */
  private async runAdaptive(): Promise<void> {
    try {
      this.cadence.restore(await this.opts.ctx.store.getFields<string>(ACTIVE_KEY));
    } catch (e) {
      if (!isStoreUnavailable(e)) throw e;
    }
    for (;;) {
      const until = this.now() + this.opts.ctx.config.notify.sweepIntervalMs;
      const subscribers = await this.serial(() => this.guarded(() => this.sweepRound()));
      if (!subscribers) {
        await this.opts.sleep(Math.max(0, until - this.now()));
        continue;
      }
      this.cadence.prune(subscribers);
      this.checkCeiling(subscribers);
      for (;;) {
        const next = this.cadence.next(subscribers, this.now());
        const at = next ? Math.max(next.at, this.now()) : until;
        if (at >= until) break;
        if (at > this.now()) {
          await this.opts.sleep(at - this.now());
          continue;
        }
        await this.serial(() => this.guarded(() => this.pollOwner(next!.subscriber)));
        if (this.outage) break;
      }
      await this.opts.sleep(Math.max(0, until - this.now()));
    }
  }

  /** Logs once when someone has waited past the ceiling (the share is too small for the fleet), and once when caught up. */
  private checkCeiling(subscribers: readonly Subscriber[]): void {
    const now = this.now();
    const { workItemCeilingMs } = this.opts.ctx.config.notify;
    const longest = subscribers.reduce((most, s) => Math.max(most, this.cadence.waited(s.userId, now) ?? 0), 0);
    const behind = longest > workItemCeilingMs;
    if (behind === this.behind) return;
    this.behind = behind;
    const share = pollPlan(0, { intervalMs: 0, rateLimitPer10s: this.opts.ctx.config.isc.rateLimitPer10s, share: this.opts.ctx.config.notify.pollRateShare }).callsPer10s;
    if (behind) {
      this.opts.ctx.logger.warn(
        `Notifications: ${subscribers.length} subscribers' work items do not fit in ${share} ISC calls per 10 s (POLL_RATE_SHARE of SAIL_RATE_LIMIT_PER_10S): the longest wait is ${Math.round(longest / 60_000)} minutes, past WORK_ITEM_POLL_CEILING_SECONDS=${workItemCeilingMs / 1000}; owners with recent work items still come first`,
      );
    } else this.opts.ctx.logger.info("Notifications: every subscriber's work items are read within WORK_ITEM_POLL_CEILING_SECONDS again");
  }

  /** Runs after any cycle under way; cycles never overlap. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The work's result, or undefined after an outage (logged once) or another failure (logged). */
  private async guarded<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await work();
      if (this.outage) this.opts.ctx.logger.info(`Notifications: ${this.outage} answers again; polling resumed`);
      this.outage = undefined;
      return result;
    } catch (e) {
      if (isAbort(e)) throw e;
      if (isOutage(e)) {
        if (!this.outage) {
          this.outage = isStoreUnavailable(e) ? 'the state store' : 'ISC';
          this.opts.ctx.logger.warn(`Notifications: ${this.outage} is not answering; polling resumes next cycle`, { error: message(e) });
        }
      } else this.opts.ctx.logger.error('Notifications: a poll failed', { error: message(e) });
      return undefined;
    }
  }

  /** One cycle over every subscriber, after any cycle under way; it never overlaps another. With the sweep on: a sweep, then every subscriber's work items. */
  runCycle(): Promise<PollPlan> {
    return this.serial(() => (this.sweeping ? this.fullRound() : this.cycle()));
  }

  private async fullRound(): Promise<PollPlan> {
    const subscribers =
      (await this.guarded(async () => {
        // Identities first, so that the sweep knows whom its items are for and no subscriber's lists are read one by one.
        for (const { userId } of await this.opts.subscriptions.active()) {
          await this.identityOf(userId).catch((e: unknown) => {
            // Any other failure is the subscriber's poll's to report.
            if (isAbort(e) || isOutage(e)) throw e;
          });
        }
        const all = await this.sweepRound();
        for (const subscriber of all) {
          try {
            await this.pollOwner(subscriber);
          } catch (e) {
            if (isAbort(e) || isOutage(e)) throw e;
            this.opts.ctx.logger.error('Notifications: polling a subscriber failed', { userId: subscriber.userId, error: message(e) });
          }
        }
        return all;
      })) ?? [];
    return this.plan(subscribers.length);
  }

  /** The subscribers, and a sweep of every kind ISC lets the bot read whole, DMing what is new to those who know the bot. */
  private async sweepRound(): Promise<Subscriber[]> {
    const { subscriptions, ctx } = this.opts;
    await subscriptions.enrolConfigured();
    const subscribers = await subscriptions.active();
    // Nobody to tell: ISC is not asked.
    if (!subscribers.length) {
      this.swept = { kinds: new Set(), byOwner: new Map(), owners: new Set() };
      return subscribers;
    }
    const userOf = new Map<string, Subscriber>();
    for (const s of subscribers) {
      const identityId = ctx.directory.peekIdentity(s.userId)?.id ?? this.identities.get(s.userId);
      if (identityId) userOf.set(identityId, s);
    }
    const subscribed = new Set(subscribers.map((s) => s.userId));
    for (const userId of this.identities.keys()) if (!subscribed.has(userId)) this.identities.delete(userId);
    const kinds = new Set<InboxKind>();
    const byOwner = new Map<string, KeyedItem[]>();
    for (const kind of SWEPT_KINDS) {
      if ((this.sweepRefusedUntil.get(kind) ?? 0) > this.now()) continue;
      let items: KeyedItem[];
      try {
        items = await readWhole(ctx.isc, kind, (request) => this.isc(request));
      } catch (e) {
        if (isAbort(e) || isOutage(e) || !isIscError(e)) throw e;
        if (!this.sweepRefusedUntil.has(kind)) {
          ctx.logger.warn(`Notifications: ISC refused to list every pending ${kind} item (${e.status ?? e.kind}); reading each subscriber's instead, which takes more of the rate limit. To sweep: ${SWEEP_ADVICE[kind]}`, {
            error: message(e),
          });
        }
        this.sweepRefusedUntil.set(kind, this.now() + SWEEP_RETRY_MS);
        continue;
      }
      if (this.sweepRefusedUntil.delete(kind)) ctx.logger.info(`Notifications: ISC lists every pending ${kind} item now; sweeping them`);
      kinds.add(kind);
      for (const entry of items) {
        for (const owner of new Set(ownersOf(entry))) byOwner.set(owner, [...(byOwner.get(owner) ?? []), entry]);
      }
      await this.reconcile(kind, items, userOf);
      await ctx.store.set(sweptAtKey(kind), ctx.now().toISOString(), SWEPT_AT_TTL_MS);
    }
    this.swept = { kinds, byOwner, owners: new Set(userOf.keys()) };
    return subscribers;
  }

  /** Compares a kind's sweep with what the last one saw: DMs the new owners who are subscribers, follows the DMs of items that left. */
  private async reconcile(kind: SweptKind, items: KeyedItem[], userOf: Map<string, Subscriber>): Promise<void> {
    const { store } = this.opts.ctx;
    const { changed, gone } = diffSweep(await store.getFields<SeenRecord>(seenKey(kind)), items);
    await this.restoreAdded(changed, userOf);
    for (const change of changed) {
      let delivered = true;
      for (const owner of change.added) {
        const subscriber = userOf.get(owner);
        if (subscriber) delivered = (await this.announceSwept(subscriber, change.entry)) && delivered;
      }
      for (const owner of change.removed) {
        const subscriber = userOf.get(owner);
        if (subscriber) await this.leftOwner(subscriber.userId, change);
      }
      // Not recorded until every DM went out: a failed one is tried again by the next sweep.
      if (delivered) await store.setField<SeenRecord>(seenKey(kind), change.entry.key, { o: change.owners, f: change.firstSeen ?? this.opts.ctx.now().toISOString() }, SEEN_TTL_MS);
    }
    for (const key of gone) {
      await this.settleGone(key);
      await store.deleteField(seenKey(kind), key);
    }
  }

  /**
   * Items new to subscribers that the ledger has no record of may have been announced before the store
   * lost its state: restored from their receipts (one lookup per subscriber), so announceSwept skips them.
   */
  private async restoreAdded(changed: SweepChange[], userOf: Map<string, Subscriber>): Promise<void> {
    const { ledger, cards } = this.opts;
    if (!cards.keepsReceipts) return;
    const added = new Map<string, string[]>();
    for (const change of changed) {
      for (const owner of change.added) {
        const subscriber = userOf.get(owner);
        if (subscriber) added.set(subscriber.userId, [...(added.get(subscriber.userId) ?? []), change.entry.key]);
      }
    }
    for (const [userId, keys] of added) {
      const records = await Promise.all(keys.map((key) => ledger.get(userId, key)));
      await cards.restore(userId, keys.filter((_, i) => !records[i]));
    }
  }

  /** A new item for a subscriber: its DM, claimed in the ledger so that it goes once across polls and replicas. False when Slack failed. */
  private async announceSwept({ userId, period }: Subscriber, entry: KeyedItem): Promise<boolean> {
    const { ctx, ledger, cards } = this.opts;
    // Not summarised yet: the subscriber's first poll lists it with the rest.
    if ((await ctx.store.get(primedKey(userId))) !== period) return true;
    const previous = await ledger.get(userId, entry.key);
    if (!ledger.needsAnnouncement(previous)) return true;
    try {
      await cards.announce(userId, entry, previous);
      return true;
    } catch (e) {
      this.sendFailed(userId, e, entry.key);
      return false;
    }
  }

  /** Forwarded or reassigned away from a subscriber: their DM says so, from the sweep's copy. */
  private async leftOwner(userId: string, { entry }: SweepChange): Promise<void> {
    const record = await this.opts.ledger.get(userId, entry.key);
    if (record?.status !== 'posted') return;
    await this.opts.cards.follow(userId, entry.key, entry, await this.opts.ctx.inbox.decisionsOf(entry), true, 'poll');
  }

  /** An item left the queue (decided, or deleted): the DMs about it show how it ended, read once from ISC. */
  private async settleGone(key: string): Promise<void> {
    const { ledger, ctx, cards } = this.opts;
    const holders: string[] = [];
    for (const userId of await ledger.holdersOf(key)) if ((await ledger.get(userId, key))?.status === 'posted') holders.push(userId);
    if (!holders.length) return;
    const { kind, id } = parseInboxKey(key);
    let entry: InboxItem | undefined;
    try {
      entry = await this.isc(() => ctx.inbox.read(kind, id));
    } catch (e) {
      if (!isGone(e)) throw e;
    }
    const decisions = entry ? await ctx.inbox.decisionsOf(entry) : {};
    for (const userId of holders) {
      const identity = ctx.directory.peekIdentity(userId);
      if (entry && identity && isPendingFor(entry, identity.id)) continue;
      await cards.follow(userId, key, entry, decisions, true, 'poll');
    }
  }

  /** A subscriber's poll between sweeps: their work items (and any kind not swept), and what the sweep read for them. */
  private async pollOwner(subscriber: Subscriber): Promise<void> {
    let hadWorkItems = false;
    try {
      hadWorkItems = await this.pollSubscriber(subscriber, this.swept);
    } finally {
      // Read or failed, the subscriber waits its turn again: a failing one does not hold up the rest.
      const now = this.now();
      const before = this.cadence.lastActive(subscriber.userId);
      this.cadence.record(subscriber, now, hadWorkItems);
      if (hadWorkItems && (before === undefined || now - before >= ACTIVE_WRITE_EVERY_MS)) {
        await this.opts.ctx.store.setField(ACTIVE_KEY, subscriber.userId, new Date(now).toISOString());
      }
    }
  }

  private async cycle(): Promise<PollPlan> {
    const { subscriptions, ctx } = this.opts;
    await subscriptions.enrolConfigured();
    const subscribers = await subscriptions.active();
    const plan = this.plan(subscribers.length);
    if (plan.stretched !== this.stretched) {
      this.stretched = plan.stretched;
      if (plan.stretched) {
        const seconds = Math.ceil(plan.intervalMs / 1000);
        ctx.logger.warn(
          `Notifications: ${subscribers.length} subscribers, ${CALLS_PER_POLL} ISC lists each (work items, access requests, generic approvals), at ${plan.callsPer10s} ISC calls per 10 s (POLL_RATE_SHARE of SAIL_RATE_LIMIT_PER_10S) need ${seconds} s; polling every ${seconds} s instead of POLL_INTERVAL_SECONDS=${ctx.config.notify.pollIntervalMs / 1000}`,
        );
      }
    }
    const start = this.now();
    for (const [i, subscriber] of subscribers.entries()) {
      await this.opts.sleep(Math.max(0, start + i * plan.spacingMs - this.now()));
      try {
        await this.pollSubscriber(subscriber);
      } catch (e) {
        if (isAbort(e)) throw e;
        if (isOutage(e)) {
          if (!this.outage) {
            this.outage = isStoreUnavailable(e) ? 'the state store' : 'ISC';
            ctx.logger.warn(`Notifications: ${this.outage} is not answering; polling resumes next cycle`, { error: message(e) });
          }
          return plan;
        }
        ctx.logger.error('Notifications: polling a subscriber failed', { userId: subscriber.userId, error: message(e) });
      }
    }
    if (this.outage) ctx.logger.info(`Notifications: ${this.outage} answers again; polling resumed`);
    this.outage = undefined;
    this.lastCycleAt = this.now();
    return plan;
  }

  /**
   * Every pending item of every kind for the owner, within the poller's share. A kind ISC refuses
   * (403: the credentials lack its scope, say) is skipped, and left alone for a while, without
   * stopping the other kinds; an outage (5xx, 429, timeouts) ends the cycle as before.
   */
  private async pendingOf(ownerId: string, swept?: Swept): Promise<Pending> {
    const { service, accessRequests, genericApprovals, inbox } = this.opts.ctx;
    const gated = <T>(request: () => Promise<T>) => this.isc(request);
    const readers: Record<InboxKind, () => Promise<InboxItem[]>> = {
      workItem: async () => (await service.allPending(ownerId, gated)).map((item) => ({ kind: 'workItem', item })),
      accessRequest: async () => (await accessRequests.allPending(ownerId, gated)).map((item) => ({ kind: 'accessRequest', item })),
      generic: async () => (await genericApprovals.allPending(ownerId, gated)).map((item) => ({ kind: 'generic', item })),
    };
    const items: KeyedItem[] = [];
    const unread = new Set<InboxKind>();
    const fromSweep = swept?.owners.has(ownerId) ? swept.kinds : new Set<InboxKind>();
    for (const kind of INBOX_KINDS) {
      if (fromSweep.has(kind)) {
        for (const entry of swept!.byOwner.get(ownerId) ?? []) if (entry.kind === kind) items.push(entry);
        continue;
      }
      if ((this.refusedUntil.get(kind) ?? 0) > this.now()) {
        unread.add(kind);
        continue;
      }
      const started = inbox.readStarted(kind);
      let read: InboxItem[];
      try {
        read = await readers[kind]();
      } catch (e) {
        if (isAbort(e) || isOutage(e) || !isIscError(e)) throw e;
        this.refusedUntil.set(kind, this.now() + KIND_BACKOFF_MS);
        this.opts.ctx.logger.warn(`Notifications: ISC refused to list ${kind} items; not polling them for ${KIND_BACKOFF_MS / 60_000} minutes`, { error: message(e) });
        unread.add(kind);
        continue;
      }
      // What the poll read keeps the inbox's view of this owner warm (unless the bot acted on the kind meanwhile).
      inbox.prime(kind, ownerId, read.map((entry) => entry.item), started);
      for (const entry of read.map(keyed)) if (entry) items.push(entry);
    }
    return { items, unread };
  }

  private async identityOf(userId: string): Promise<IscIdentityRef | null> {
    const identity = await this.lookUpIdentity(userId);
    if (identity) this.identities.set(userId, identity.id);
    else this.identities.delete(userId);
    return identity;
  }

  private async lookUpIdentity(userId: string): Promise<IscIdentityRef | null> {
    const { directory } = this.opts.ctx;
    if (directory.peekIdentity(userId) !== undefined) return directory.identityFor(userId);
    // A lookup that is not cached costs one ISC call. The Slack profile comes first, outside the ISC
    // slot, so the slot's ISC request goes out when the slot is granted.
    await directory.slackUser(userId);
    return this.isc(() => directory.identityFor(userId));
  }

  /**
   * Announces what is new for the subscriber, follows and reminds; true when they have work items
   * pending. `swept`: kinds read by the sweep, taken from it (and whose departures the sweep follows).
   */
  private async pollSubscriber({ userId, period }: Subscriber, swept?: Swept): Promise<boolean> {
    const { ctx, ledger, cards } = this.opts;
    const identity = await this.identityOf(userId);
    if (!identity) return false;
    // Records first, then the queue: an item settled by a click in between is seen as settled, never as new.
    const records = await ledger.ofUser(userId);
    const { items: pending, unread } = await this.pendingOf(identity.id, swept);
    // The sweep follows the departures of what it reads.
    for (const kind of swept?.owners.has(identity.id) ? swept.kinds : []) unread.add(kind);
    const hadWorkItems = pending.some((entry) => entry.kind === 'workItem');
    const primed = primedKey(userId);
    // Items the ledger has no record of (new ones, or every one after the store lost its state): those
    // announced before, as their receipts show, are restored as posted instead of announced again.
    const unrecorded = pending.filter((entry) => !records.has(entry.key)).map((entry) => entry.key);
    for (const [key, record] of await cards.restore(userId, unrecorded)) records.set(key, record);
    const fresh = pending.filter((entry) => ledger.needsAnnouncement(records.get(entry.key))).map((entry) => ({ entry, previous: records.get(entry.key) }));

    const pendingKeys = new Set(pending.map((entry) => entry.key));
    this.unsent.keepOnly(userId, pendingKeys);
    if ((await ctx.store.get(primed)) !== period) {
      const keys = fresh.map(({ entry }) => entry.key);
      try {
        if (fresh.length) await cards.summarise(userId, fresh);
      } catch (e) {
        // Not primed: the next poll summarises again.
        this.unsent.owed(userId, keys, this.now());
        this.sendFailed(userId, e);
        return hadWorkItems;
      }
      this.unsent.sent(userId, keys);
      await ctx.store.set(primed, period);
    } else {
      for (const { entry, previous } of fresh) {
        await cards.announce(userId, entry, previous).then(
          () => this.unsent.sent(userId, [entry.key]),
          (e) => {
            this.unsent.owed(userId, [entry.key], this.now());
            this.sendFailed(userId, e, entry.key);
          },
        );
      }
    }

    const waiting: Waiting[] = [];
    for (const entry of pending) {
      const record = records.get(entry.key);
      if (record?.status !== 'posted') continue;
      if (record.stale) await cards.follow(userId, entry.key, entry, await ctx.inbox.decisionsOf(entry), false, 'poll');
      waiting.push({ item: entry, record });
    }
    await this.remind(userId, waiting);
    for (const [key, record] of records) {
      if (record.status === 'posted' && !pendingKeys.has(key) && !unread.has(parseInboxKey(key).kind)) await this.followGone(userId, identity, key);
    }
    return hadWorkItems;
  }

  /** An announced item left the queue: decided or reassigned (in the bot or in ISC), or deleted. */
  private async followGone(userId: string, identity: IscIdentityRef, key: string): Promise<void> {
    const { kind, id } = parseInboxKey(key);
    let entry: InboxItem | undefined;
    try {
      entry = await this.isc(() => this.opts.ctx.inbox.read(kind, id));
    } catch (e) {
      if (!isGone(e)) throw e;
    }
    if (entry && isPendingFor(entry, identity.id)) return;
    const decisions = entry ? await this.opts.ctx.inbox.decisionsOf(entry) : {};
    await this.opts.cards.follow(userId, key, entry, decisions, true, 'poll');
  }

  /** Reminders for the items that waited long enough: one reply per thread (the items of a summary share one). */
  private async remind(userId: string, waiting: Waiting[]): Promise<void> {
    const { ctx, cards } = this.opts;
    const now = ctx.now();
    const { remindAfterMs, quietHours } = ctx.config.notify;
    const due = waiting.filter(({ item, record }) => reminderDue({ announcedAt: record.at, remindedAt: record.remindedAt, created: createdAt(item) }, now, remindAfterMs));
    if (!due.length) return;
    let tz: string;
    try {
      tz = (await ctx.directory.slackUser(userId)).tz;
    } catch (e) {
      ctx.logger.warn('Notifications: no time zone for a reminder; trying next poll', { userId, error: message(e) });
      return;
    }
    if (isQuietTime(now, tz, quietHours)) return;
    // Their own choice on the Home tab: reminders off, or only within their working hours.
    if (!reminderAllowed(await readPrefs(ctx.store, userId), now, tz)) return;
    const threads = new Map<string | undefined, Waiting[]>();
    for (const w of due) threads.set(w.record.ts, [...(threads.get(w.record.ts) ?? []), w]);
    for (const group of threads.values()) {
      const items = group.map((w) => w.item);
      await cards.remind(userId, group[0].record, items, { tz, now }).catch((e) => this.sendFailed(userId, e, items[0].key));
    }
  }

  private sendFailed(userId: string, e: unknown, itemKey?: string): void {
    if (isAbort(e)) throw e;
    this.opts.ctx.logger.warn('Notifications: could not send to Slack; trying again next poll', { userId, itemKey, error: message(e) });
  }
}
