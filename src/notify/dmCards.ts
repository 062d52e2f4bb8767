import { renderInboxItemDetail } from '../blocks/inboxList';
import { renderFirstPollSummary, renderGoneDm, renderNewItemDm, renderReminder, renderSettledElsewhereDm } from '../blocks/notifications';
import type { CardOptions, RenderedMessage, Viewer } from '../blocks/types';
import { isHandOver, type Decisions } from '../decisions/decision';
import { inboxKey, isOpen, isPendingFor, parseInboxKey, type InboxItem } from '../inbox/items';
import type { HeldLock } from '../store/store';
import type { NotifyDeps } from './deps';
import type { DmPort, DmRef } from './dmPort';
import type { Announcement, Ledger } from './ledger';
import { noReceipts, type AnnouncementReceipts, type Receipt, type ReceiptClaim, type ReminderClaim } from './receipts';

/** An item of any kind with the key its notification records go by (inboxKey). */
export type KeyedItem = InboxItem & { key: string };

export function keyed(entry: InboxItem): KeyedItem | undefined {
  const key = inboxKey(entry);
  return key ? { ...entry, key } : undefined;
}

/** Whether the bot's own records say who settled the item (otherwise it was settled in ISC). */
function settledInSlack(entry: InboxItem, decisions: Decisions): boolean {
  const taken = Object.values(decisions);
  return isOpen(entry) ? taken.some(isHandOver) : taken.length > 0;
}

export interface DmCardsOptions {
  ctx: NotifyDeps;
  ledger: Ledger;
  dms: DmPort;
  /** What was announced, kept outside the store (PostgreSQL); default: nothing kept. */
  receipts?: AnnouncementReceipts;
}

/** A ledger claim of an item; `replaces`: the ledger had settled the item's earlier arrival. */
interface Claimed {
  entry: KeyedItem;
  claim: Announcement;
  replaces: boolean;
}

/** The date (YYYY-MM-DD) in a time zone. */
const localDay = (at: Date, tz: string): string => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/**
 * The Slack side of notifications: posts the DMs, summaries and reminders, and keeps each DM true to
 * its item, of whichever kind. One item's Slack work runs in order, so a slower, older update never lands last.
 */
export class DmCards {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly receipts: AnnouncementReceipts;

  constructor(private readonly opts: DmCardsOptions) {
    this.receipts = opts.receipts ?? noReceipts;
  }

  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(key) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => this.chains.get(key) === tail && this.chains.delete(key));
    return run;
  }

  private async viewer(userId: string): Promise<Viewer> {
    const { directory } = this.opts.ctx;
    const [tz, locale] = await Promise.all([directory.timeZone(userId), directory.locale(userId)]);
    return { tz, now: this.opts.ctx.now(), ...(locale ? { locale } : {}) };
  }

  /** The user's own card options, as `/workitems` gives them to the user. */
  private async cardOptions(userId: string): Promise<CardOptions> {
    const identity = this.opts.ctx.directory.peekIdentity(userId);
    return {
      viewer: await this.viewer(userId),
      viewerSlackUserId: userId,
      iscUiBaseUrl: this.opts.ctx.config.isc.uiBaseUrl,
      ...(identity ? { subjectIdentityId: identity.id } : {}),
    };
  }

  /** Waits for the Slack work under way (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all(this.chains.values());
  }

  /** One DM for a new item, with the card and buttons of `/workitems <id>`. */
  announce(userId: string, entry: KeyedItem, previous?: Announcement): Promise<void> {
    return this.serial(entry.key, () =>
      this.claimAndPost(userId, [{ entry, previous }], 'dm', async ([first]) => {
        const opts = await this.cardOptions(userId);
        return renderNewItemDm(first, { ...opts, decisions: await this.opts.ctx.inbox.decisionsOf(first) });
      }),
    );
  }

  /** A new subscriber's first poll: the items already waiting, in one message. */
  async summarise(userId: string, entries: Array<{ entry: KeyedItem; previous?: Announcement }>): Promise<void> {
    await this.claimAndPost(userId, entries, 'summary', async (items) => renderFirstPollSummary(items, await this.viewer(userId)));
  }

  private async claimAndPost(
    userId: string,
    entries: Array<{ entry: KeyedItem; previous?: Announcement }>,
    kind: Announcement['kind'],
    render: (items: KeyedItem[]) => Promise<RenderedMessage>,
  ): Promise<void> {
    const { ledger, dms, ctx } = this.opts;
    const inLedger: Claimed[] = [];
    for (const { entry, previous } of entries) {
      const claim = await ledger.claim(userId, entry.key, kind, previous);
      if (claim) inLedger.push({ entry, claim, replaces: previous?.status === 'settled' });
    }
    if (!inLedger.length) return;
    const at = ctx.now().toISOString();
    const claimed = await this.claimDurably(userId, inLedger, kind, at);
    if (!claimed.length) return;
    const keys = claimed.map(({ entry }) => entry.key);
    let where: DmRef;
    try {
      where = await dms.postDm(userId, await render(claimed.map((c) => c.entry)));
    } catch (e) {
      await Promise.all(claimed.map(({ entry, claim }) => ledger.release(userId, entry.key, claim)));
      await this.receipts.release(userId, keys, at).catch((error: unknown) => this.receiptFailed('Could not give back the claims of a notification that failed (PostgreSQL); they are taken over once abandoned', userId, keys.length, error));
      throw e;
    }
    // The receipt first: should the store fail now, the next poll finds the DM there and does not post it again.
    await this.receipts.record(userId, keys, { ...where, kind, announcedAt: ctx.now().toISOString() }).catch((e: unknown) => this.receiptFailed('Could not write the receipts of a notification (PostgreSQL); the DM went out, but a loss of the state store now would announce it again', userId, keys.length, e));
    let recorded: boolean[];
    try {
      recorded = await Promise.all(claimed.map(({ entry, claim }) => ledger.posted(userId, entry.key, claim, where)));
    } catch (e) {
      ctx.logger.warn('A notification went out but the state store could not record it', { userId, items: keys.length, receipts: this.receipts.durable, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (recorded.includes(false)) ctx.logger.warn('A notification was posted after its claim had been taken over; the other record is kept', { userId });
  }

  /**
   * The ledger's claims that the receipts let through: a claim in the store alone is lost with the
   * store, so it is made in PostgreSQL too. A key announced already (by a replica that claimed it
   * before the store lost its state) is restored over this claim instead; one being announced
   * elsewhere is given back. When PostgreSQL fails, the store's claims decide alone: a duplicate after
   * a loss is better than no DM.
   */
  private async claimDurably(userId: string, claimed: Claimed[], kind: Announcement['kind'], at: string): Promise<Claimed[]> {
    if (!this.receipts.durable) return claimed;
    const { ledger } = this.opts;
    const keys = claimed.map(({ entry }) => entry.key);
    let outcome: ReceiptClaim;
    try {
      outcome = await this.receipts.claim(userId, keys, { kind, at, replacing: claimed.filter((c) => c.replaces).map((c) => c.entry.key) });
    } catch (e) {
      this.receiptFailed('Could not claim a notification in PostgreSQL; posting on the state store’s claim alone', userId, keys.length, e);
      return claimed;
    }
    const won = new Set(outcome.won);
    for (const { entry, claim } of claimed) {
      if (won.has(entry.key)) continue;
      const receipt = outcome.announced.get(entry.key);
      if (receipt) await ledger.restore(userId, entry.key, receipt, claim);
      else await ledger.release(userId, entry.key, claim);
    }
    if (won.size < claimed.length) this.opts.ctx.logger.info('Notifications: items announced, or being announced, by another claim that the state store lost; not posted again', { userId, items: claimed.length - won.size });
    return claimed.filter(({ entry }) => won.has(entry.key));
  }

  private receiptFailed(message: string, userId: string, items: number, e: unknown): void {
    this.opts.ctx.logger.warn(message, { userId, items, error: e instanceof Error ? e.message : String(e) });
  }

  /** Whether announcements leave receipts outside the store (PostgreSQL), worth looking up. */
  get keepsReceipts(): boolean {
    return this.receipts.durable;
  }

  /**
   * Of `keys` (pending for the user, with no record in the ledger), those announced before by a DM the
   * ledger forgot (the state store lost its state): restored into the ledger as posted at that DM, by
   * key. One query for all of them. A failed lookup restores nothing: the items are announced again
   * rather than not at all.
   */
  async restore(userId: string, keys: readonly string[]): Promise<Map<string, Announcement>> {
    const restored = new Map<string, Announcement>();
    if (!this.receipts.durable || !keys.length) return restored;
    const { ledger, ctx } = this.opts;
    let found: Map<string, Receipt>;
    try {
      found = await this.receipts.find(userId, keys);
    } catch (e) {
      ctx.logger.warn('Could not read the notification receipts (PostgreSQL); announcing the items the state store has no record of', { userId, items: keys.length, error: e instanceof Error ? e.message : String(e) });
      return restored;
    }
    for (const [key, receipt] of found) {
      const record = await ledger.restore(userId, key, receipt);
      if (record) restored.set(key, record);
    }
    if (restored.size) ctx.logger.info('Notifications: items announced before the state store lost its record of them, restored from their receipts (not announced again)', { userId, items: restored.size });
    return restored;
  }

  /** A reminder as a reply in the thread of the items' DM, or of the summary that listed them. */
  remind(userId: string, record: Announcement, items: KeyedItem[], viewer: Viewer): Promise<void> {
    const { dms, ledger, ctx } = this.opts;
    const send = async () => {
      if (!record.channel || !record.ts) return;
      const day = localDay(viewer.now, viewer.tz);
      const claims = await Promise.all(items.map(async (entry) => ({ entry, claim: await ledger.claimReminder(userId, entry.key, day) })));
      const inLedger = claims.filter((c): c is { entry: KeyedItem; claim: HeldLock } => c.claim !== undefined);
      if (!inLedger.length) return;
      // The day's claims in the store are lost with it: the receipts claim the reminder too.
      const at = ctx.now().toISOString();
      let durable: ReminderClaim = { won: new Map(), refused: [] };
      try {
        durable = await this.receipts.claimReminder(userId, inLedger.map(({ entry }) => entry.key), { day, tz: viewer.tz, at });
      } catch (e) {
        this.receiptFailed('Could not claim a reminder in PostgreSQL; sending on the state store’s claim alone', userId, inLedger.length, e);
      }
      // Refused: reminded today by a claim the store lost. Its claim here is kept as today's.
      const claimed = inLedger.filter(({ entry }) => !durable.refused.includes(entry.key));
      if (!claimed.length) return;
      try {
        await dms.postDm(userId, renderReminder(claimed.map((c) => c.entry), viewer, record.kind), { channel: record.channel, ts: record.ts });
      } catch (e) {
        await Promise.all(claimed.map((c) => c.claim.release()));
        await this.receipts.releaseReminder(userId, durable, at).catch((error: unknown) => this.receiptFailed('Could not give back the reminder claims of a reminder that failed (PostgreSQL)', userId, durable.won.size, error));
        throw e;
      }
      await Promise.all(claimed.map(({ entry }) => ledger.update(userId, entry.key, { remindedAt: at })));
    };
    return record.kind === 'dm' ? this.serial(items[0].key, send) : send();
  }

  /**
   * Redraws an item's DM as the item now is; `left`: it left the user's queue, so the DM is final.
   * After an action in the bot (`origin` action) the DM is drawn exactly like the card the click
   * redraws, so the two updates agree; a poll that finds the item settled in ISC says so instead.
   * `entry` undefined: ISC no longer has it. A failed update marks the DM stale for the next poll.
   */
  follow(userId: string, key: string, entry: InboxItem | undefined, decisions: Decisions, left: boolean, origin: 'action' | 'poll'): Promise<void> {
    const { ledger, dms, ctx } = this.opts;
    return this.serial(key, async () => {
      const record = await ledger.get(userId, key);
      if (record?.status !== 'posted') return;
      if (record.kind === 'dm' && record.channel && record.ts) {
        let message: RenderedMessage;
        if (!entry) message = renderGoneDm(parseInboxKey(key).kind);
        else if (origin === 'poll' && left && !settledInSlack(entry, decisions)) message = renderSettledElsewhereDm(entry, await this.cardOptions(userId));
        else message = renderInboxItemDetail(entry, { ...(await this.cardOptions(userId)), decisions });
        try {
          await dms.updateDm({ channel: record.channel, ts: record.ts }, message);
        } catch (e) {
          ctx.logger.warn('Could not update a notification DM; the next poll tries again', { userId, itemKey: key, error: e instanceof Error ? e.message : String(e) });
          await ledger.update(userId, key, { stale: true });
          return;
        }
      }
      if (left || record.stale) await ledger.update(userId, key, left ? { status: 'settled', stale: false } : { stale: false });
      if (left) {
        await this.receipts.forget(userId, key).catch((e: unknown) => {
          ctx.logger.warn('Could not delete the receipt of a settled notification (PostgreSQL); it is pruned later', { userId, itemKey: key, error: e instanceof Error ? e.message : String(e) });
        });
      }
    });
  }

  /** An action in the bot changed the item: every DM about it follows. */
  async itemChanged(entry: InboxItem, decisions: Decisions): Promise<void> {
    const key = inboxKey(entry);
    if (!key) return;
    const holders = await this.opts.ledger.holdersOf(key);
    await Promise.all(
      holders.map(async (userId) => {
        const identity = await this.opts.ctx.directory.identityFor(userId).catch(() => null);
        // Unknown identity: only a closed item has left the queue for sure.
        const left = identity === null ? !isOpen(entry) : !isPendingFor(entry, identity.id);
        await this.follow(userId, key, entry, decisions, left, 'action');
      }),
    );
  }
}
