// Access-review buttons: open a review, page through it, approve one item, open the Revoke and
// Reassign forms, approve all (or all recommended), sign off. Every action goes through the review
// service (live reviewer check, audit trail, one claim per item); the page is redrawn in place.
import { randomBytes } from 'node:crypto';
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { renderNotice } from '../../blocks/messages';
import { renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import { plural, userMention } from '../../blocks/mrkdwn';
import { renderReassignModal, renderRevokeModal, type ReviewFormMetadata } from '../../blocks/reviewModals';
import { decodeReviewValue, renderReviewList, renderReviewPage, RV_ACTION, type ReviewRef } from '../../blocks/reviews';
import type { ActionOutcome } from '../../decisions/actionPipeline';
import type { IdentityCertificationDto } from '../../isc/types';
import { isOwnAccess, isSigned } from '../../reviews/review';
import type { ReviewAction, ReviewState } from '../../reviews/reviewService';
import type { BotContext } from '../context';
import { Presenter, type Message } from '../presenter';
import type { Lane, SlackRouter } from '../router';
import type { ButtonArgs } from './itemHandlers';

/** Where a review page is shown: a message redrawn through a response_url, or (from the Home tab) a new DM. */
export type ReviewSurface =
  | { kind: 'message'; respond: (msg: Message & { replace_original?: boolean; response_type?: 'ephemeral' }) => Promise<unknown> }
  | { kind: 'dm'; userId: string; client: WebClient };

const newToken = () => randomBytes(9).toString('base64url');

/** Renders review lists and pages and delivers them; shared by the command, the Home tab, the buttons and the forms. */
export class ReviewViews {
  constructor(
    private readonly ctx: BotContext,
    private readonly presenter: Presenter,
  ) {}

  /** `/workitems reviews`: the caller's open certifications. */
  async listMessage(slackUserId: string): Promise<Message> {
    try {
      const subject = await this.ctx.reviews.subjectIdentity(slackUserId);
      if ('message' in subject) return renderNotice(subject.message, 'warning');
      const [certs, viewer] = await Promise.all([this.ctx.reviews.openCertifications(slackUserId, subject.identity.id), this.presenter.viewer(slackUserId)]);
      return renderReviewList(certs, viewer);
    } catch (e) {
      return this.presenter.errorMessage(e, 'list your access reviews');
    }
  }

  /**
   * A page of a review as a message: two ISC requests (the certification, one slice of its items).
   * `token`: the page shown before, whose items are drawn again in place (after a decision on it).
   */
  async pageMessage(slackUserId: string, ref: ReviewRef, notice?: string, keep?: string, known?: IdentityCertificationDto): Promise<Message> {
    try {
      const shown = keep ? await this.ctx.reviews.shownPage(keep) : undefined;
      const pinned = shown?.certificationId === ref.c ? shown.itemIds : undefined;
      const [page, viewer] = await Promise.all([this.ctx.reviews.page(slackUserId, ref.c, ref.o, pinned, known), this.presenter.viewer(slackUserId)]);
      if ('refused' in page) return renderNotice(page.refused, 'warning');
      const token = pinned ? keep! : newToken();
      const rendered = renderReviewPage(page, viewer, token, notice);
      if (!pinned) await this.ctx.reviews.rememberPage(token, { certificationId: ref.c, offset: ref.o, itemIds: rendered.shownIds });
      return { text: rendered.text, blocks: rendered.blocks };
    } catch (e) {
      return this.presenter.errorMessage(e, 'open that access review');
    }
  }

  async show(surface: ReviewSurface, message: Message): Promise<void> {
    if (surface.kind === 'message') {
      await surface.respond({ ...message, replace_original: true });
      return;
    }
    const dm = await surface.client.conversations.open({ users: surface.userId });
    if (dm.channel?.id) await surface.client.chat.postMessage({ channel: dm.channel.id, text: message.text, blocks: message.blocks });
  }

  /** A notice beside the page (ephemeral under a message; in the DM when the click came from the Home tab). */
  async notify(surface: ReviewSurface, text: string, kind: 'error' | 'info' | 'warning'): Promise<void> {
    const notice = renderNotice(text, kind);
    if (surface.kind === 'message') {
      await surface.respond({ ...notice, replace_original: false, response_type: 'ephemeral' });
      return;
    }
    await this.show(surface, notice);
  }

  /** After an action: the page redrawn in place with what became of it, or (nothing done) a notice beside it. */
  async showOutcome(surface: ReviewSurface, actor: string, value: ReviewRef, action: ReviewAction, outcome: ActionOutcome<ReviewState>): Promise<void> {
    switch (outcome.status) {
      case 'done':
        return this.show(surface, await this.pageMessage(actor, value, doneNotice(action, outcome.item), value.p, outcome.item.certification));
      case 'already_decided':
        return this.show(surface, await this.pageMessage(actor, value, 'This access review is signed off already; nothing was changed.', value.p, outcome.item.certification));
      case 'duplicate':
        return this.notify(surface, 'That click is already being processed; it will be applied once.', 'info');
      case 'refused':
        return this.notify(surface, outcome.message, 'warning');
      case 'failed':
        return this.notify(surface, outcome.message, 'error');
    }
  }
}

/** What the page says on top after an action went through (mrkdwn; ISC values are not in it). */
function doneNotice(action: ReviewAction, state: ReviewState): string {
  const notes: string[] = [];
  const decided = state.decided?.length ?? 0;
  switch (action.kind) {
    case 'decide':
      if (state.missing?.length) return '⚠️ That item is not in this access review (any more); nothing was decided.';
      if (state.own?.length) return "🚫 That is the reviewer's own access: ISC does not let a reviewer certify it, so nothing was decided. Reassign it instead.";
      if (state.skipped?.length) {
        return "ℹ️ That item was decided meanwhile in ISC, or is being decided by another click, or ISC's answer to it was lost: it is shown as it is now and not sent again.";
      }
      notes.push(action.decision === 'APPROVE' ? '✅ Approved.' : '❌ Revoked.');
      break;
    case 'approveAll':
      notes.push(decided ? `✅ Approved ${plural(decided, 'item')}.` : 'ℹ️ Nothing left to approve.');
      if (state.skipped?.length) notes.push(`${plural(state.skipped.length, 'item')} were being decided by another click and were left to it.`);
      if (state.own?.length) notes.push(`${plural(state.own.length, 'item')} on your own access stay undecided (ISC does not let a reviewer certify their own access): reassign them.`);
      break;
    case 'signOff':
      notes.push('✍️ Signed off: ISC now carries out the revocations.');
      break;
    case 'reassign':
      notes.push(state.taskId ? `➡️ ISC is reassigning to ${action.targetSlackUserId ? userMention(action.targetSlackUserId) : 'the new reviewer'} (task ${state.taskId}).` : `➡️ Reassigned to ${action.targetSlackUserId ? userMention(action.targetSlackUserId) : 'the new reviewer'}.`);
      break;
  }
  return notes.join(' ');
}

/** Where a button's page lives: its message, or a DM when it was clicked on the Home tab. */
export function reviewSurfaceOf(args: ButtonArgs): ReviewSurface {
  if (args.body.view?.type === 'home') return { kind: 'dm', userId: args.body.user.id, client: args.client };
  return { kind: 'message', respond: args.respond };
}

export function registerReviewActions(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  const views = new ReviewViews(ctx, presenter);

  /**
   * A button whose value names a certification (or for an item's buttons, a page the bot gave out and
   * an item); anything else is refused before ISC is called.
   */
  function onButton(actionId: string, needsItem: boolean, run: (args: ButtonArgs, value: ReviewRef, surface: ReviewSurface, actor: string) => Promise<void>, lane: Lane = 'decision'): void {
    router.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const surface = reviewSurfaceOf(args);
      const decoded = decodeReviewValue(args.action.value);
      if (!decoded || needsItem !== 't' in decoded) return views.notify(surface, 'That button carried no valid access review; run `/workitems reviews` and try again.', 'error');
      let value: ReviewRef = decoded as ReviewRef;
      if ('t' in decoded) {
        let page;
        try {
          page = await ctx.reviews.shownPage(decoded.p);
        } catch (e) {
          return views.notify(surface, presenter.errorText(e, 'read that page of the review'), 'error');
        }
        if (!page) return views.notify(surface, 'This page of the review has expired; open the review again with `/workitems reviews`.', 'warning');
        value = { c: page.certificationId, o: page.offset, p: decoded.p, t: decoded.t };
      }
      await run(args, value, surface, args.body.user.id);
    }, lane);
  }

  for (const id of [RV_ACTION.open, RV_ACTION.next, RV_ACTION.prev, RV_ACTION.refresh]) {
    onButton(id, false, async (_args, value, surface, actor) => views.show(surface, await views.pageMessage(actor, { c: value.c, o: value.o })), 'read');
  }

  onButton(RV_ACTION.approve, true, async (_args, value, surface, actor) => {
    const action: ReviewAction = { kind: 'decide', certificationId: value.c, itemId: value.t!, decision: 'APPROVE' };
    await views.showOutcome(surface, actor, value, action, await ctx.reviews.perform(actor, action));
  });

  for (const [id, recommendedOnly] of [[RV_ACTION.approveAll, false], [RV_ACTION.approveRecommended, true]] as const) {
    onButton(id, false, async (_args, value, surface, actor) => {
      const action: ReviewAction = { kind: 'approveAll', certificationId: value.c, recommendedOnly };
      await views.showOutcome(surface, actor, value, action, await ctx.reviews.perform(actor, action));
    });
  }

  onButton(RV_ACTION.signOff, false, async (_args, value, surface, actor) => {
    const action: ReviewAction = { kind: 'signOff', certificationId: value.c };
    await views.showOutcome(surface, actor, value, action, await ctx.reviews.perform(actor, action));
  });

  /** Revoke… and Reassign…: a form on the item, filled in once the reviewer check and a read of the item have passed. */
  for (const [id, title] of [[RV_ACTION.revoke, 'Revoke access'], [RV_ACTION.reassign, 'Reassign review item']] as const) {
    onButton(id, true, async (args, value, _surface, actor) => {
      const opened = await args.client.views.open({ trigger_id: args.body.trigger_id, view: renderLoadingModal(title) });
      const viewId = opened.view?.id;
      if (!viewId) return;
      let view;
      try {
        const [auth, items] = await Promise.all([
          ctx.reviews.authorize(actor, value.c),
          ctx.isc.certifications.listIdentityAccessReviewItems(value.c, { filters: `id eq ${JSON.stringify(value.t)}`, limit: 1 }),
        ]);
        const [item] = items.items;
        const metadata: ReviewFormMetadata = {
          c: value.c,
          o: value.o,
          t: value.t!,
          ...(value.p ? { p: value.p } : {}),
          ...(args.body.view?.type === 'home' ? { h: true } : { r: args.body.response_url }),
          ...(item?.identitySummary?.id ? { s: item.identitySummary.id } : {}),
        };
        const cert = auth.item.certification;
        if (!auth.ok) view = renderModalMessage(title, auth.message);
        else if (!item) view = renderModalMessage(title, 'That item is not in this access review (any more).');
        else if (isSigned(cert) || item.completed) view = renderModalMessage(title, 'That item is decided already; nothing to do.');
        else if (id === RV_ACTION.revoke && isOwnAccess(item, cert, auth.actorIdentity?.id)) {
          view = renderModalMessage(title, "That is the reviewer's own access: ISC does not let a reviewer certify it. Reassign it instead.");
        } else view = id === RV_ACTION.revoke ? renderRevokeModal(cert, item, metadata) : renderReassignModal(item, metadata);
      } catch (e) {
        view = renderModalMessage(title, presenter.errorText(e, 'open that review item'));
      }
      await args.client.views.update({ view_id: viewId, view });
    });
  }
}
