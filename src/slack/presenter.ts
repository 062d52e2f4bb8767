import type { KnownBlock, View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { ListPosition } from '../blocks/actions';
import { renderHomeError } from '../blocks/home';
import { renderInboxItemDetail, renderInboxItemModal, renderInboxList, renderInboxPage } from '../blocks/inboxList';
import { MESSAGE_BUDGET } from '../blocks/limits';
import { renderNotice } from '../blocks/messages';
import { renderModalMessage } from '../blocks/modals';
import { escapeMrkdwn } from '../blocks/mrkdwn';
import type { CardOptions, Viewer } from '../blocks/types';
import { LIST_PAGE_SIZE, renderWorkItemList } from '../blocks/workItemList';
import type { Decisions } from '../decisions/decision';
import { emptyInboxPage, pinItem, type InboxItem, type InboxPosition } from '../inbox/inbox';
import { isIscError } from '../isc/errors';
import { isStoreUnavailable, STORE_UNAVAILABLE_MESSAGE } from '../store/store';
import type { BotContext } from './context';
import { buildHomeView } from './homeView';

export interface Message {
  text: string;
  blocks: KnownBlock[];
}

/** Where a card lives, so it can be redrawn after an action: a message (via its response_url) or the Home tab. */
export type Surface =
  | { kind: 'message'; respond: (msg: Message & { replace_original?: boolean; response_type?: 'ephemeral' }) => Promise<unknown>; list?: ListPosition }
  | { kind: 'home'; userId: string; start?: InboxPosition }
  /** An item opened in a modal: no response_url there; notices are pushed on top with the click's trigger_id. */
  | { kind: 'modal'; viewId: string; triggerId: string };

const START: InboxPosition = { offset: 0 };

/** The inbox position a list position names: an index into the one queue (a section an old button may name is ignored). */
export const inboxStart = (list: ListPosition | undefined): InboxPosition => ({ offset: list?.offset ?? 0 });

/** Renders with the pure builders and delivers to Slack. Knows the viewer's time zone and locale, and the ISC UI link. */
export class Presenter {
  constructor(private readonly ctx: BotContext) {}

  /**
   * Whose items a card redraw shows: the user a card's value names (`u`) only for an admin. An old card
   * or a forged payload must not show a non-admin someone else's list.
   */
  subjectFor(actorSlackUserId: string, named: string | undefined): string {
    return named && this.ctx.service.isAdmin(actorSlackUserId) ? named : actorSlackUserId;
  }

  async viewer(slackUserId: string): Promise<Viewer> {
    const [tz, locale] = await Promise.all([this.ctx.directory.timeZone(slackUserId), this.ctx.directory.locale(slackUserId)]);
    return { tz, now: this.ctx.now(), ...(locale ? { locale } : {}) };
  }

  async cardOptions(viewerSlackUserId: string, subjectSlackUserId: string): Promise<CardOptions> {
    // Cached after the first lookup; without it a forward simply settles no card.
    const [viewer, subjectIdentity, actingAs] = await Promise.all([
      this.viewer(viewerSlackUserId),
      this.ctx.directory.identityFor(subjectSlackUserId).catch(() => null),
      this.actingAs(viewerSlackUserId),
    ]);
    return {
      viewer,
      viewerSlackUserId,
      actingAs,
      iscUiBaseUrl: this.ctx.config.isc.uiBaseUrl,
      subjectSlackUserId: subjectSlackUserId === viewerSlackUserId ? undefined : subjectSlackUserId,
      ...(subjectIdentity ? { subjectIdentityId: subjectIdentity.id } : {}),
    };
  }

  /** How the viewer's decisions reach ISC; `connect` too when their link cannot be read now (the click says more). */
  private async actingAs(slackUserId: string): Promise<'own' | 'service' | 'connect'> {
    const { linking } = this.ctx;
    if (!linking) return 'service';
    const status = await linking.status(slackUserId).catch(() => undefined);
    return status?.state === 'linked' ? 'own' : 'connect';
  }

  /** The decisions taken through the bot on any item. */
  decisionsOf(entry: InboxItem): Promise<Decisions> {
    return this.ctx.inbox.decisionsOf(entry);
  }

  /**
   * A page of someone's pending inbox (every kind) or completed work items as a message, or a notice
   * saying why it can't be shown. `fresh`: a new look (`/workitems`, Refresh), every kind read from ISC.
   */
  async listMessage(viewerSlackUserId: string, subjectSlackUserId: string, list: ListPosition, { pinned, fresh = false }: { pinned?: InboxItem; fresh?: boolean } = {}): Promise<Message> {
    try {
      const subject = await this.ctx.service.subjectIdentity(subjectSlackUserId);
      if ('message' in subject) {
        return renderNotice(subjectSlackUserId === viewerSlackUserId ? subject.message : `<@${subjectSlackUserId}> has no ISC identity the bot can find.`, 'warning');
      }
      const opts = this.cardOptions(viewerSlackUserId, subjectSlackUserId);
      if (list.kind === 'completed') {
        const [page, options] = await Promise.all([this.ctx.service.completedPage(subject.identity.id, list.offset, LIST_PAGE_SIZE), opts]);
        return renderWorkItemList(page, options);
      }
      const [page, options] = await Promise.all([this.ctx.inbox.page(subject.identity.id, inboxStart(list), LIST_PAGE_SIZE, { fresh }), opts]);
      // The item just acted on stays in view (first in its section) with its new state, even if it left the list.
      if (pinned && !pinItem(page, pinned, await this.decisionsOf(pinned))) {
        const failure = page.sections.find((s) => s.kind === pinned.kind)?.failure;
        return this.pinnedOnly(viewerSlackUserId, subjectSlackUserId, list, pinned, failure && escapeMrkdwn(failure.message));
      }
      return renderInboxList(page, options);
    } catch (e) {
      if (pinned?.item.id) return this.pinnedOnly(viewerSlackUserId, subjectSlackUserId, list, pinned, this.errorText(e, 'refresh the list'));
      return this.errorMessage(e, 'list your work items and approvals');
    }
  }

  /**
   * After an action, when the list cannot be read again: the item acted on as it now is (no ISC call
   * needed), and why the rest of the list is not shown (`why`, mrkdwn-safe). An error in place of the
   * card would tell the user to try again an action that went through.
   */
  private async pinnedOnly(viewerSlackUserId: string, subjectSlackUserId: string, list: ListPosition, pinned: InboxItem, why: string | undefined): Promise<Message> {
    const [opts, decisions] = await Promise.all([this.cardOptions(viewerSlackUserId, subjectSlackUserId), this.decisionsOf(pinned)]);
    const notice = renderNotice(`The list could not be read again after this; ↻ Refresh shows it. ${why ?? ''}`, 'warning');
    const budget = { blocks: MESSAGE_BUDGET.blocks - notice.blocks.length, chars: MESSAGE_BUDGET.chars - JSON.stringify(notice.blocks).length };
    const page = emptyInboxPage(inboxStart(list), LIST_PAGE_SIZE);
    const section = page.sections.find((s) => s.kind === pinned.kind)!;
    section.total = 1;
    pinItem(page, pinned, decisions);
    const rendered = renderInboxPage(page, opts, budget);
    return { text: rendered.text, blocks: [...notice.blocks, ...rendered.blocks] };
  }

  /** One item of any kind in full, as a message. */
  async detailMessage(viewerSlackUserId: string, entry: InboxItem, decisions: Decisions, subjectSlackUserId = viewerSlackUserId): Promise<Message> {
    return renderInboxItemDetail(entry, { ...(await this.cardOptions(viewerSlackUserId, subjectSlackUserId)), decisions });
  }

  /** The Home tab (a dashboard without paging: `start` is kept for callers); `fresh` reads every kind from ISC. */
  async homeView(userId: string, _start: InboxPosition = START, notice?: string, fresh = false): Promise<View> {
    return buildHomeView(this.ctx, this, userId, { notice, fresh });
  }

  async publishHome(client: WebClient, userId: string, start: InboxPosition = START, notice?: string, fresh = false): Promise<void> {
    let view: View;
    try {
      view = await this.homeView(userId, start, notice, fresh);
    } catch (e) {
      view = renderHomeError(this.errorText(e, 'load your work items and approvals'));
    }
    await client.views.publish({ user_id: userId, view });
  }

  /** Redraws a card after an action on it, where it lives. */
  async redraw(surface: Surface, client: WebClient, actorSlackUserId: string, subjectSlackUserId: string, entry: InboxItem, decisions: Decisions, notice?: string): Promise<void> {
    if (surface.kind === 'home') return this.publishHome(client, surface.userId, surface.start, notice);
    if (surface.kind === 'modal') {
      const opts = await this.cardOptions(actorSlackUserId, subjectSlackUserId);
      await client.views.update({ view_id: surface.viewId, view: renderInboxItemModal(entry, { ...opts, decisions }) });
      return;
    }
    const message = surface.list
      ? await this.listMessage(actorSlackUserId, subjectSlackUserId, surface.list, { pinned: entry })
      : await this.detailMessage(actorSlackUserId, entry, decisions, subjectSlackUserId);
    await surface.respond({ ...message, replace_original: true });
    // Why the card changed without the click doing anything, under it (the card keeps its own room).
    if (notice) await surface.respond({ ...renderNotice(notice, 'info'), replace_original: false, response_type: 'ephemeral' });
  }

  /** A notice that does not replace the card (so it stays live): ephemeral in a message, on top of the Home tab. */
  async notify(surface: Surface, client: WebClient, text: string, kind: 'error' | 'info' | 'warning'): Promise<void> {
    if (surface.kind === 'home') return this.publishHome(client, surface.userId, surface.start, text);
    if (surface.kind === 'modal') {
      await client.views.push({ trigger_id: surface.triggerId, view: renderModalMessage('ISC', text) });
      return;
    }
    await surface.respond({ ...renderNotice(text, kind), replace_original: false, response_type: 'ephemeral' });
  }

  errorText(error: unknown, doing: string): string {
    if (isIscError(error)) return escapeMrkdwn(error.userMessage());
    if (isStoreUnavailable(error)) {
      this.ctx.logger.warn(`Could not ${doing}: the state store is unavailable`, { error: error.message });
      return STORE_UNAVAILABLE_MESSAGE;
    }
    this.ctx.logger.error(`Failed to ${doing}`, { error: error instanceof Error ? error.message : String(error) });
    return `Sorry, the bot could not ${doing} because of an internal error. Try again; if it persists, tell your admin.`;
  }

  errorMessage(error: unknown, doing: string): Message {
    return renderNotice(this.errorText(error, doing), 'error');
  }
}
