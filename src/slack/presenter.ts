import type { KnownBlock, View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { describeAuthMode } from '../auth/accountLinking';
import type { CardOptions, Decisions, ListKind, Viewer } from '../blocks/types';
import { renderHome } from '../blocks/home';
import { renderNotice } from '../blocks/messages';
import { renderModalMessage, renderWorkItemModal } from '../blocks/modals';
import { escapeMrkdwn } from '../blocks/mrkdwn';
import { MESSAGE_BUDGET } from '../blocks/limits';
import { LIST_PAGE_SIZE, renderPage, renderWorkItemDetail, renderWorkItemList } from '../blocks/workItemList';
import { isIscError } from '../isc/errors';
import type { WorkItem } from '../isc/types';
import { isStoreUnavailable, STORE_UNAVAILABLE_MESSAGE } from '../store/store';
import type { BotContext } from './context';

export interface Message {
  text: string;
  blocks: KnownBlock[];
}

/** Where a card lives, so it can be redrawn after an action: a message (via its response_url) or the Home tab. */
export type Surface =
  | { kind: 'message'; respond: (msg: Message & { replace_original?: boolean; response_type?: 'ephemeral' }) => Promise<unknown>; list?: { kind: ListKind; offset: number } }
  | { kind: 'home'; userId: string }
  /** A work item opened in a modal: no response_url there; notices are pushed on top with the click's trigger_id. */
  | { kind: 'modal'; viewId: string; triggerId: string };

/** Renders with the pure builders and delivers to Slack. Knows the viewer's time zone and the ISC UI link. */
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
    return { tz: await this.ctx.directory.timeZone(slackUserId), now: this.ctx.now() };
  }

  async cardOptions(viewerSlackUserId: string, subjectSlackUserId: string): Promise<CardOptions> {
    // Cached after the first lookup; without it a forward simply settles no card.
    const [viewer, subjectIdentity] = await Promise.all([this.viewer(viewerSlackUserId), this.ctx.directory.identityFor(subjectSlackUserId).catch(() => null)]);
    return {
      viewer,
      iscUiBaseUrl: this.ctx.config.isc.uiBaseUrl,
      subjectSlackUserId: subjectSlackUserId === viewerSlackUserId ? undefined : subjectSlackUserId,
      ...(subjectIdentity ? { subjectIdentityId: subjectIdentity.id } : {}),
    };
  }

  /** A page of someone's work items as a message, or a notice saying why it can't be shown. */
  async listMessage(viewerSlackUserId: string, subjectSlackUserId: string, kind: ListKind, offset: number, pinned?: WorkItem): Promise<Message> {
    try {
      const subject = await this.ctx.service.subjectIdentity(subjectSlackUserId);
      if ('message' in subject) {
        return renderNotice(subjectSlackUserId === viewerSlackUserId ? subject.message : `<@${subjectSlackUserId}> has no ISC identity the bot can find.`, 'warning');
      }
      const [page, opts] = await Promise.all([
        this.ctx.service.listPage(subject.identity.id, kind, offset, LIST_PAGE_SIZE),
        this.cardOptions(viewerSlackUserId, subjectSlackUserId),
      ]);
      if (pinned?.id) {
        // The item just acted on stays in view (at the top) with its new state, even if it left this list.
        page.items = [pinned, ...page.items.filter((i) => i.id !== pinned.id)];
        page.decisions = { ...page.decisions, [pinned.id]: await this.ctx.service.decisionsFor(pinned.id) };
      }
      return renderWorkItemList(page, opts);
    } catch (e) {
      if (pinned?.id) return this.pinnedOnly(viewerSlackUserId, subjectSlackUserId, kind, offset, pinned, pinned.id, e);
      return this.errorMessage(e, 'list your work items');
    }
  }

  /**
   * After an action, when the list cannot be read again: the item acted on as it now is (no ISC call
   * needed), and why the rest of the list is not shown. An error in place of the card would tell the
   * user to try again an action that went through.
   */
  private async pinnedOnly(viewerSlackUserId: string, subjectSlackUserId: string, kind: ListKind, offset: number, pinned: WorkItem, id: string, error: unknown): Promise<Message> {
    const [opts, decisions] = await Promise.all([this.cardOptions(viewerSlackUserId, subjectSlackUserId), this.ctx.service.decisionsFor(id)]);
    const notice = renderNotice(`The list could not be read again after this; ↻ Refresh shows it. ${this.errorText(error, 'refresh the list')}`, 'warning');
    const budget = { blocks: MESSAGE_BUDGET.blocks - notice.blocks.length, chars: MESSAGE_BUDGET.chars - JSON.stringify(notice.blocks).length };
    const page = renderPage({ kind, items: [pinned], offset, pageSize: LIST_PAGE_SIZE, decisions: { [id]: decisions } }, opts, budget);
    return { text: page.text, blocks: [...notice.blocks, ...page.blocks] };
  }

  async detailMessage(viewerSlackUserId: string, item: WorkItem, decisions: Decisions, subjectSlackUserId = viewerSlackUserId): Promise<Message> {
    return renderWorkItemDetail(item, { ...(await this.cardOptions(viewerSlackUserId, subjectSlackUserId)), decisions });
  }

  async homeView(userId: string, offset = 0, notice?: string): Promise<View> {
    const opts = await this.cardOptions(userId, userId);
    const authModeLine = await describeAuthMode(this.ctx.linking, userId);
    const subject = await this.ctx.service.subjectIdentity(userId);
    if ('message' in subject) {
      return renderHome({ page: { kind: 'pending', items: [], offset: 0, pageSize: LIST_PAGE_SIZE }, opts, notice: subject.message, authModeLine });
    }
    const [summary, page] = await Promise.all([
      this.ctx.isc.workItems.getWorkItemsSummary({ ownerId: subject.identity.id }),
      this.ctx.service.listPage(subject.identity.id, 'pending', offset, LIST_PAGE_SIZE),
    ]);
    return renderHome({ summary, page, opts, notice, authModeLine });
  }

  async publishHome(client: WebClient, userId: string, offset = 0, notice?: string): Promise<void> {
    let view: View;
    try {
      view = await this.homeView(userId, offset, notice);
    } catch (e) {
      view = renderHome({
        page: { kind: 'pending', items: [], offset: 0, pageSize: LIST_PAGE_SIZE },
        opts: await this.cardOptions(userId, userId),
        notice: this.errorText(e, 'load your work items'),
      });
    }
    await client.views.publish({ user_id: userId, view });
  }

  /** Redraws a card after an action on it, where it lives. */
  async redraw(surface: Surface, client: WebClient, actorSlackUserId: string, subjectSlackUserId: string, item: WorkItem, decisions: Decisions, notice?: string): Promise<void> {
    if (surface.kind === 'home') return this.publishHome(client, surface.userId, 0, notice);
    if (surface.kind === 'modal') {
      const opts = await this.cardOptions(actorSlackUserId, subjectSlackUserId);
      await client.views.update({ view_id: surface.viewId, view: renderWorkItemModal(item, { ...opts, decisions }) });
      return;
    }
    const message = surface.list
      ? await this.listMessage(actorSlackUserId, subjectSlackUserId, surface.list.kind, surface.list.offset, item)
      : await this.detailMessage(actorSlackUserId, item, decisions, subjectSlackUserId);
    await surface.respond({ ...message, replace_original: true });
  }

  /** A notice that does not replace the card (so it stays live): ephemeral in a message, on top of the Home tab. */
  async notify(surface: Surface, client: WebClient, text: string, kind: 'error' | 'info' | 'warning'): Promise<void> {
    if (surface.kind === 'home') return this.publishHome(client, surface.userId, 0, text);
    if (surface.kind === 'modal') {
      await client.views.push({ trigger_id: surface.triggerId, view: renderModalMessage('Work item', text) });
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
