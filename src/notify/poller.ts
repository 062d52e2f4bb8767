import { createdAt, INBOX_KINDS, isPendingFor, parseInboxKey, type InboxItem, type InboxKind } from '../inbox/items';
import { isIscError } from '../isc/errors';
import { RateLimiter } from '../isc/rateLimiter';
import { isStoreUnavailable } from '../store/store';
import type { IscIdentityRef } from '../workitems/identityDirectory';
import type { NotifyDeps } from './deps';
import { keyed, type DmCards, type KeyedItem } from './dmCards';
import type { Announcement, Ledger } from './ledger';
import { isQuietTime } from '../quietHours';
import { reminderDue } from './reminders';
import type { Sleep } from './slackSender';
import type { Subscriber, Subscriptions } from './subscriptions';

const WINDOW_MS = 10_000;
/** One list per kind of item: the fewest ISC calls a subscriber's poll takes. */
export const CALLS_PER_POLL = INBOX_KINDS.length;
/** A kind ISC refuses to list (403, say, when the credentials lack its scope) is not asked again for this long. */
const KIND_BACKOFF_MS = 15 * 60_000;
/** The cards the inbox keeps per kind from a poll's read (the list page size). */
const PRIMED_PAGE = 5;

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

  constructor(private readonly opts: PollerOptions) {
    const { isc, notify } = opts.ctx.config;
    const share = { intervalMs: notify.pollIntervalMs, rateLimitPer10s: isc.rateLimitPer10s, share: notify.pollRateShare, callsPerPoll: CALLS_PER_POLL };
    this.plan = (n) => pollPlan(n, share);
    this.gate = new RateLimiter({ requests: pollPlan(0, share).callsPer10s, perMs: WINDOW_MS, sleep: opts.sleep, now: () => opts.ctx.now().getTime() });
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

  /** One cycle over every subscriber, after any cycle under way; it never overlaps another. */
  runCycle(): Promise<PollPlan> {
    const cycle = this.queue.then(() => this.cycle());
    this.queue = cycle.catch(() => undefined);
    return cycle;
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
  private async pendingOf(ownerId: string): Promise<Pending> {
    const { service, accessRequests, genericApprovals, inbox } = this.opts.ctx;
    const gated = <T>(request: () => Promise<T>) => this.isc(request);
    const readers: Record<InboxKind, () => Promise<InboxItem[]>> = {
      workItem: async () => (await service.allPending(ownerId, gated)).map((item) => ({ kind: 'workItem', item })),
      accessRequest: async () => (await accessRequests.allPending(ownerId, gated)).map((item) => ({ kind: 'accessRequest', item })),
      generic: async () => (await genericApprovals.allPending(ownerId, gated)).map((item) => ({ kind: 'generic', item })),
    };
    const items: KeyedItem[] = [];
    const unread = new Set<InboxKind>();
    for (const kind of INBOX_KINDS) {
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
      inbox.prime(kind, ownerId, read.map((entry) => entry.item), started, PRIMED_PAGE);
      for (const entry of read.map(keyed)) if (entry) items.push(entry);
    }
    return { items, unread };
  }

  private async identityOf(userId: string): Promise<IscIdentityRef | null> {
    const { directory } = this.opts.ctx;
    if (directory.peekIdentity(userId) !== undefined) return directory.identityFor(userId);
    // A lookup that is not cached costs one ISC call. The Slack profile comes first, outside the ISC
    // slot, so the slot's ISC request goes out when the slot is granted.
    await directory.slackUser(userId);
    return this.isc(() => directory.identityFor(userId));
  }

  private async pollSubscriber({ userId, period }: Subscriber): Promise<void> {
    const { ctx, ledger, cards } = this.opts;
    const identity = await this.identityOf(userId);
    if (!identity) return;
    // Records first, then the queue: an item settled by a click in between is seen as settled, never as new.
    const records = await ledger.ofUser(userId);
    const { items: pending, unread } = await this.pendingOf(identity.id);
    const primedKey = `notify:primed:${userId}`;
    const fresh = pending.filter((entry) => ledger.needsAnnouncement(records.get(entry.key))).map((entry) => ({ entry, previous: records.get(entry.key) }));

    const pendingKeys = new Set(pending.map((entry) => entry.key));
    this.unsent.keepOnly(userId, pendingKeys);
    if ((await ctx.store.get(primedKey)) !== period) {
      const keys = fresh.map(({ entry }) => entry.key);
      try {
        if (fresh.length) await cards.summarise(userId, fresh);
      } catch (e) {
        // Not primed: the next poll summarises again.
        this.unsent.owed(userId, keys, this.now());
        return this.sendFailed(userId, e);
      }
      this.unsent.sent(userId, keys);
      await ctx.store.set(primedKey, period);
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
