// The forms of an access review's items: Revoke (comment, end date) and Reassign (person, scope,
// reason). Bad input goes back into the form before ISC is called; the page behind it is redrawn.
import { renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import { decodeReviewFormMetadata, readReassignForm, readRevokeForm, type ReviewFormMetadata } from '../../blocks/reviewModals';
import { RV_VIEW } from '../../blocks/reviews';
import type { ReviewAction } from '../../reviews/reviewService';
import { ReviewViews, type ReviewSurface } from '../actions/reviewActions';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import type { SlackRouter, ViewSubmitArgs } from '../router';
import { surfaceFromMetadata } from './formSubmit';

const EXPIRED = 'This form has expired; open it again from the review.';

export function registerReviewViews(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  const views = new ReviewViews(ctx, presenter);

  /** The page behind the form: its message (response_url), or a new DM when the form came from the Home tab. */
  function surfaceOf(args: ViewSubmitArgs, m: ReviewFormMetadata): ReviewSurface | undefined {
    if (m.h) return { kind: 'dm', userId: args.body.user.id, client: args.client };
    const message = surfaceFromMetadata(ctx, args.body.user.id, m.r ? { r: m.r } : {});
    return message?.kind === 'message' ? { kind: 'message', respond: message.respond } : undefined;
  }

  /** Runs the action with the form showing progress, then says how it ended in the form and redraws the page. */
  async function run(args: ViewSubmitArgs, title: string, m: ReviewFormMetadata, action: ReviewAction, doneText: string): Promise<void> {
    const actor = args.body.user.id;
    const outcome = await ctx.reviews.perform(actor, action);
    const surface = surfaceOf(args, m);
    if (surface && (outcome.status === 'done' || outcome.status === 'already_decided')) await views.showOutcome(surface, actor, m, action, outcome);
    const text =
      outcome.status === 'done'
        ? doneText
        : outcome.status === 'already_decided'
          ? 'This access review is signed off already; nothing was changed.'
          : outcome.status === 'duplicate'
            ? 'This is already being processed; it will be applied once.'
            : outcome.message;
    await args.client.views.update({ view_id: args.view.id, view: renderModalMessage(title, text) });
  }

  router.view(RV_VIEW.revoke, async (args) => {
    const m = decodeReviewFormMetadata(args.view.private_metadata);
    if (!m) return void (await args.ack({ response_action: 'update', view: renderModalMessage('Revoke access', EXPIRED) }));
    const form = readRevokeForm(args.view.state.values, Boolean(m.q), ctx.now());
    if ('problems' in form) return void (await args.ack({ response_action: 'errors', errors: form.problems }));
    await args.ack({ response_action: 'update', view: renderLoadingModal('Revoke access', 'Sending to ISC…') });
    await run(args, 'Revoke access', m, { kind: 'decide', certificationId: m.c, itemId: m.t, decision: 'REVOKE', ...form }, 'Revoked: the decision is saved in ISC until the review is signed off.');
  });

  router.view(RV_VIEW.reassign, async (args) => {
    const m = decodeReviewFormMetadata(args.view.private_metadata);
    if (!m) return void (await args.ack({ response_action: 'update', view: renderModalMessage('Reassign review item', EXPIRED) }));
    const form = readReassignForm(args.view.state.values);
    if ('problems' in form) return void (await args.ack({ response_action: 'errors', errors: form.problems }));
    if (form.targetSlackUserId === args.body.user.id) return void (await args.ack({ response_action: 'errors', errors: { rv_target: 'Pick someone other than yourself.' } }));
    await args.ack({ response_action: 'update', view: renderLoadingModal('Reassign review item', 'Reassigning…') });
    const target = await ctx.directory.identityFor(form.targetSlackUserId).catch(() => null);
    if (!target) {
      await args.client.views.update({ view_id: args.view.id, view: renderModalMessage('Reassign review item', `<@${form.targetSlackUserId}> has no ISC identity the bot can find, so nothing was reassigned.`) });
      return;
    }
    const ref = form.type === 'IDENTITY_SUMMARY' && m.s ? { id: m.s, type: 'IDENTITY_SUMMARY' as const } : { id: m.t, type: 'ITEM' as const };
    await run(args, 'Reassign review item', m, { kind: 'reassign', certificationId: m.c, refs: [ref], target, targetSlackUserId: form.targetSlackUserId, reason: form.reason }, `Reassigned to <@${form.targetSlackUserId}>.`);
  });
}
