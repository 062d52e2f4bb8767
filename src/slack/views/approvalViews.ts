import type { ViewOutput } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { decodeModalMetadata, type FormMetadata, VIEW } from '../../blocks/actions';
import { COMMENT_FIELD } from '../../blocks/approvalModals';
import { renderModalMessage } from '../../blocks/modals';
import { ACCESS_REQUEST_VIEW, GENERIC_APPROVAL_VIEW } from '../actions/approvalActions';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import type { SlackRouter } from '../router';
import { handOverSubmit, performFromModal, surfaceFromMetadata, tellUser } from './formSubmit';

const EXPIRED = 'This form has expired; open it again from the card.';

interface CommentForm {
  actor: string;
  approvalId: string;
  comment: string;
  verb?: 'approve' | 'reject';
  viewId: string;
  client: WebClient;
  metadata: FormMetadata;
}

const commentOf = (view: ViewOutput) => view.state.values[COMMENT_FIELD.block]?.[COMMENT_FIELD.action]?.value?.trim() ?? '';

/** The forms of the access-request and generic approval cards: each submit goes through its kind's service. */
export function registerApprovalViews(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);

  /**
   * Reads a comment form: a required comment that is missing goes back into the form as an error (ISC
   * is not called); otherwise the form shows progress and `run` takes over.
   */
  function onCommentForm(callbackId: string, title: (verb?: 'approve' | 'reject') => string, missing: (verb?: 'approve' | 'reject') => string, run: (form: CommentForm) => Promise<void>): void {
    router.view(callbackId, async ({ ack, view, body, client }) => {
      const metadata = decodeModalMetadata(view.private_metadata);
      const comment = commentOf(view);
      if (metadata?.q && !comment) return void (await ack({ response_action: 'errors', errors: { [COMMENT_FIELD.block]: missing(metadata.v) } }));
      if (!metadata?.i) return void (await ack({ response_action: 'update', view: renderModalMessage(title(metadata?.v), EXPIRED) }));
      // The form closes at once: the card (or a notice) shows the outcome.
      await ack();
      await run({ actor: body.user.id, approvalId: metadata.i, comment, verb: metadata.v, viewId: view.id, client, metadata });
    });
  }

  const arTitle = (verb?: 'approve' | 'reject') => (verb === 'approve' ? 'Approve access request' : 'Reject access request');
  const arMissing = (verb?: 'approve' | 'reject') =>
    verb === 'approve' ? 'Give a justification for approving despite the separation-of-duties violation.' : 'ISC requires a reason to reject this access request.';
  onCommentForm(VIEW.arDecide, arTitle, arMissing, async ({ actor, approvalId, comment, verb = 'reject', client, metadata }) => {
    await performFromModal(
      ctx,
      presenter,
      { client, actor, metadata },
      () => ctx.accessRequests.perform(actor, { kind: verb, approvalId, ...(comment ? { comment } : {}) }),
      ACCESS_REQUEST_VIEW,
      `${verb === 'approve' ? 'Approval' : 'Rejection'} sent to ISC, which carries it out shortly.`,
    );
  });

  const gaTitle = (verb?: 'approve' | 'reject') => (verb === 'approve' ? 'Approve' : 'Reject');
  onCommentForm(VIEW.gaDecide, gaTitle, () => 'This approval requires a comment for this decision.', async ({ actor, approvalId, comment, verb = 'reject', client, metadata }) => {
    await performFromModal(
      ctx,
      presenter,
      { client, actor, metadata },
      () => ctx.genericApprovals.perform(actor, { kind: verb, approvalId, ...(comment ? { comment } : {}) }),
      GENERIC_APPROVAL_VIEW,
      verb === 'approve' ? 'Approved.' : 'Rejected.',
    );
  });

  onCommentForm(VIEW.gaComment, () => 'Add a comment', () => 'Write the comment to add.', async ({ actor, approvalId, comment, client, metadata }) => {
    await performFromModal(
      ctx,
      presenter,
      { client, actor, metadata },
      () => ctx.genericApprovals.perform(actor, { kind: 'comment', approvalId, comment }),
      GENERIC_APPROVAL_VIEW,
      'Comment added.',
    );
  });

  router.view(
    VIEW.arForward,
    handOverSubmit(ctx, presenter, {
      title: 'Forward access request',
      verb: 'forward',
      progress: 'Forwarding…',
      commentRequired: true,
      alreadyYours: 'You already have this access request',
      itemField: 'i',
      view: ACCESS_REQUEST_VIEW,
      done: (target) => `Forwarded to <@${target}>; ISC carries it out shortly.`,
      action: async ({ actor, id, target, targetSlackUserId, comment }) => () =>
        ctx.accessRequests.perform(actor, { kind: 'forward', approvalId: id, target, targetSlackUserId, comment }),
    }),
  );

  router.view(
    VIEW.gaReassign,
    handOverSubmit(ctx, presenter, {
      title: 'Reassign',
      verb: 'reassign',
      progress: 'Reassigning…',
      commentRequired: false,
      alreadyYours: 'You are already an approver of this approval',
      itemField: 'i',
      view: GENERIC_APPROVAL_VIEW,
      done: (target) => `Reassigned to <@${target}>.`,
      action: async ({ actor, id, target, targetSlackUserId, comment, metadata, client }) => {
        // The place handed over is that of the person whose card it is (an admin's subject, or the actor).
        const subject = presenter.subjectFor(actor, metadata.u);
        const from = await ctx.directory.identityFor(subject).catch(() => null);
        if (!from) {
          const text = `${subject === actor ? 'You have' : `<@${subject}> has`} no ISC identity the bot can find, so nothing was reassigned.`;
          await tellUser(ctx, presenter, client, actor, surfaceFromMetadata(ctx, actor, metadata), text, 'warning');
          return undefined;
        }
        return () => ctx.genericApprovals.perform(actor, { kind: 'reassign', approvalId: id, from: from.id, target, targetSlackUserId, ...(comment ? { comment } : {}) });
      },
    }),
  );
}
