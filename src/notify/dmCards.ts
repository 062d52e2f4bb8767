import { renderFirstPollSummary, renderGoneDm, renderNewItemDm, renderReminder, renderSettledElsewhereDm } from '../blocks/notifications';
import { type CardOptions, type Decisions, type RenderedMessage, type Viewer, WHOLE_ITEM } from '../blocks/types';
import { renderWorkItemDetail } from '../blocks/workItemList';
import type { WorkItem } from '../isc/types';
import type { NotifyDeps } from './deps';
import type { DmPort, DmRef } from './dmPort';
import type { Announcement, Ledger } from './ledger';

export type IdentifiedItem = WorkItem & { id: string };

/** Whether the bot's own records say who settled the item (otherwise it was settled in ISC). */
function settledInSlack(item: WorkItem, decisions: Decisions): boolean {
  return item.state === 'Pending' ? Boolean(decisions[WHOLE_ITEM]) : Object.keys(decisions).length > 0;
}

export interface DmCardsOptions {
  ctx: NotifyDeps;
  ledger: Ledger;
  dms: DmPort;
}

/**
 * The Slack side of notifications: posts the DMs, summaries and reminders, and keeps each DM true to
 * its item. One item's Slack work runs in order, so a slower, older update never lands last.
 */
export class DmCards {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: DmCardsOptions) {}

  private serial<T>(workItemId: string, work: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(workItemId) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    this.chains.set(workItemId, tail);
    void tail.then(() => this.chains.get(workItemId) === tail && this.chains.delete(workItemId));
    return run;
  }

  private async viewer(userId: string): Promise<Viewer> {
    return { tz: await this.opts.ctx.directory.timeZone(userId), now: this.opts.ctx.now() };
  }

  /** The user's own card options, as `/workitems` gives them to the user. */
  private async cardOptions(userId: string): Promise<CardOptions> {
    return { viewer: await this.viewer(userId), iscUiBaseUrl: this.opts.ctx.config.isc.uiBaseUrl };
  }

  /** Waits for the Slack work under way (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all(this.chains.values());
  }

  /** One DM for a new item, with the card and buttons of `/workitems <id>`. */
  announce(userId: string, item: IdentifiedItem, previous?: Announcement): Promise<void> {
    return this.serial(item.id, () =>
      this.claimAndPost(userId, [{ item, previous }], 'dm', async ([first]) => {
        const opts = await this.cardOptions(userId);
        return renderNewItemDm(first, { ...opts, decisions: await this.opts.ctx.service.decisionsFor(first.id) });
      }),
    );
  }

  /** A new subscriber's first poll: the items already waiting, in one message. */
  async summarise(userId: string, entries: Array<{ item: IdentifiedItem; previous?: Announcement }>): Promise<void> {
    await this.claimAndPost(userId, entries, 'summary', async (items) => renderFirstPollSummary(items, await this.viewer(userId)));
  }

  private async claimAndPost(
    userId: string,
    entries: Array<{ item: IdentifiedItem; previous?: Announcement }>,
    kind: Announcement['kind'],
    render: (items: IdentifiedItem[]) => Promise<RenderedMessage>,
  ): Promise<void> {
    const { ledger, dms, ctx } = this.opts;
    const claimed: Array<{ item: IdentifiedItem; claim: Announcement }> = [];
    for (const { item, previous } of entries) {
      const claim = await ledger.claim(userId, item.id, kind, previous);
      if (claim) claimed.push({ item, claim });
    }
    if (!claimed.length) return;
    let where: DmRef;
    try {
      where = await dms.postDm(userId, await render(claimed.map((c) => c.item)));
    } catch (e) {
      await Promise.all(claimed.map(({ item, claim }) => ledger.release(userId, item.id, claim)));
      throw e;
    }
    const recorded = await Promise.all(claimed.map(({ item, claim }) => ledger.posted(userId, item.id, claim, where)));
    if (recorded.includes(false)) ctx.logger.warn('A notification was posted after its claim had been taken over; the other record is kept', { userId });
  }

  /** A reminder as a reply in the thread of the items' DM, or of the summary that listed them. */
  remind(userId: string, record: Announcement, items: IdentifiedItem[], viewer: Viewer): Promise<void> {
    const { dms, ledger, ctx } = this.opts;
    const send = async () => {
      if (!record.channel || !record.ts) return;
      await dms.postDm(userId, renderReminder(items, viewer, record.kind), { channel: record.channel, ts: record.ts });
      const remindedAt = ctx.now().toISOString();
      await Promise.all(items.map((item) => ledger.update(userId, item.id, { remindedAt })));
    };
    return record.kind === 'dm' ? this.serial(items[0].id, send) : send();
  }

  /**
   * Redraws an item's DM as the item now is; `left`: it left the user's queue, so the DM is final.
   * After an action in the bot (`origin` action) the DM is drawn exactly like the card the click
   * redraws, so the two updates agree; a poll that finds the item settled in ISC says so instead.
   * `item` undefined: ISC no longer has it. A failed update marks the DM stale for the next poll.
   */
  follow(userId: string, workItemId: string, item: WorkItem | undefined, decisions: Decisions, left: boolean, origin: 'action' | 'poll'): Promise<void> {
    const { ledger, dms, ctx } = this.opts;
    return this.serial(workItemId, async () => {
      const record = await ledger.get(userId, workItemId);
      if (record?.status !== 'posted') return;
      if (record.kind === 'dm' && record.channel && record.ts) {
        let message: RenderedMessage;
        if (!item) message = renderGoneDm();
        else if (origin === 'poll' && left && !settledInSlack(item, decisions)) message = renderSettledElsewhereDm(item, await this.cardOptions(userId));
        else message = renderWorkItemDetail(item, { ...(await this.cardOptions(userId)), decisions });
        try {
          await dms.updateDm({ channel: record.channel, ts: record.ts }, message);
        } catch (e) {
          ctx.logger.warn('Could not update a notification DM; the next poll tries again', { userId, workItemId, error: e instanceof Error ? e.message : String(e) });
          await ledger.update(userId, workItemId, { stale: true });
          return;
        }
      }
      if (left || record.stale) await ledger.update(userId, workItemId, left ? { status: 'settled', stale: false } : { stale: false });
    });
  }

  /** An action in the bot changed the item: every DM about it follows. */
  async itemChanged(item: WorkItem, decisions: Decisions): Promise<void> {
    if (!item.id) return;
    const holders = await this.opts.ledger.holdersOf(item.id);
    await Promise.all(
      holders.map(async (userId) => {
        const identity = await this.opts.ctx.directory.identityFor(userId).catch(() => null);
        const left = item.state !== 'Pending' || (identity !== null && identity.id !== item.ownerId);
        await this.follow(userId, item.id!, item, decisions, left, 'action');
      }),
    );
  }
}
