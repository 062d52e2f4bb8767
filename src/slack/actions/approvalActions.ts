import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { awaitsDecision, type AccessRequestApproval } from '../../approvals/accessRequestApproval';
import { isPendingApproval } from '../../approvals/genericApproval';
import { AR_ACTION, decodeApprovalValue, GA_ACTION, type ModalMetadata } from '../../blocks/actions';
import {
  renderAccessRequestDecisionModal,
  renderAccessRequestForwardModal,
  renderGenericCommentModal,
  renderGenericDecisionModal,
  renderGenericReassignModal,
} from '../../blocks/approvalModals';
import type { ActionOutcome, Authorization, Purpose } from '../../decisions/actionPipeline';
import type { Decisions } from '../../decisions/decision';
import type { Approval } from '../../isc/types';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import type { SlackRouter } from '../router';
import { formMetadata, openForm, RepeatNotices, showDetails, showOutcome, surfaceOf, type ButtonArgs, type ItemView } from './itemHandlers';

export const ACCESS_REQUEST_VIEW: ItemView<AccessRequestApproval> = { entry: (item) => ({ kind: 'accessRequest', item }), noun: 'access request' };
export const GENERIC_APPROVAL_VIEW: ItemView<Approval> = { entry: (item) => ({ kind: 'generic', item }), noun: 'approval' };

/** What the listeners of one approval kind need from its service. */
interface KindListeners<I> {
  view: ItemView<I>;
  authorize(actor: string, id: string, purpose?: Purpose): Promise<Authorization<I>>;
  decisionsFor(id: string): Promise<Decisions>;
  approve(actor: string, id: string): Promise<ActionOutcome<I>>;
  /** Why the item takes no form any more, or undefined. */
  closed(item: I): string | undefined;
}

/** Access-request and generic approval buttons: the same pipeline as work items, through each kind's service. */
export function registerApprovalActions(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  const notices = new RepeatNotices();
  const invalid = (args: ButtonArgs) => presenter.notify(surfaceOf(args), args.client, 'That button carried no valid approval; press Refresh and try again.', 'error');

  const accessRequests: KindListeners<AccessRequestApproval> = {
    view: ACCESS_REQUEST_VIEW,
    authorize: (actor, id, purpose) => ctx.accessRequests.authorize(actor, id, purpose),
    decisionsFor: (id) => ctx.accessRequests.decisionsFor(id),
    approve: (actor, id) => ctx.accessRequests.perform(actor, { kind: 'approve', approvalId: id }),
    closed: (a) => (awaitsDecision(a) ? undefined : 'This access request no longer waits on a decision; nothing to do.'),
  };
  const generic: KindListeners<Approval> = {
    view: GENERIC_APPROVAL_VIEW,
    authorize: (actor, id, purpose) => ctx.genericApprovals.authorize(actor, id, purpose),
    decisionsFor: (id) => ctx.genericApprovals.decisionsFor(id),
    approve: (actor, id) => ctx.genericApprovals.perform(actor, { kind: 'approve', approvalId: id }),
    closed: (a) => (isPendingApproval(a) ? undefined : 'This approval is complete; nothing to do.'),
  };

  /** Approve: one click, no form. */
  function onApprove<I>(actionId: string, kind: KindListeners<I>): void {
    router.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const value = decodeApprovalValue(args.action.value);
      if (!value) return invalid(args);
      const actor = args.body.user.id;
      const outcome = await kind.approve(actor, value.i);
      await showOutcome(presenter, surfaceOf(args, value.list), args, { actor, subject: presenter.subjectFor(actor, value.u), repeatKey: `${actionId}:${value.i}` }, outcome, kind.view, notices);
    });
  }

  /** A button that opens a form on the approval, filled in once the live check has passed. */
  function onForm<I>(actionId: string, title: string, kind: KindListeners<I>, render: (item: I, metadata: ModalMetadata, locale?: string) => ModalView, purpose: Purpose = 'act'): void {
    router.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const value = decodeApprovalValue(args.action.value);
      if (!value) return invalid(args);
      const actor = args.body.user.id;
      const metadata = formMetadata(args, presenter, { i: value.i }, value);
      await openForm(args, presenter, {
        title,
        authorize: () => kind.authorize(actor, value.i, purpose),
        closed: kind.closed,
        render: async (item) => render(item, metadata, (await presenter.viewer(actor)).locale),
      });
    });
  }

  function onDetails<I>(actionId: string, kind: KindListeners<I>): void {
    router.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const value = decodeApprovalValue(args.action.value);
      if (!value) return invalid(args);
      const actor = args.body.user.id;
      await showDetails(args, presenter, value, { authorize: () => kind.authorize(actor, value.i, 'view'), decisions: () => kind.decisionsFor(value.i) }, kind.view);
    }, 'read');
  }

  onApprove(AR_ACTION.approve, accessRequests);
  onForm(AR_ACTION.approveWithComment, 'Approve access request', accessRequests, (a, m) => renderAccessRequestDecisionModal(a, 'approve', m));
  onForm(AR_ACTION.reject, 'Reject access request', accessRequests, (a, m) => renderAccessRequestDecisionModal(a, 'reject', m));
  onForm(AR_ACTION.forward, 'Forward access request', accessRequests, renderAccessRequestForwardModal);
  onDetails(AR_ACTION.details, accessRequests);

  onApprove(GA_ACTION.approve, generic);
  onForm(GA_ACTION.approveWithComment, 'Approve', generic, (a, m, locale) => renderGenericDecisionModal(a, 'approve', m, locale));
  onForm(GA_ACTION.reject, 'Reject', generic, (a, m, locale) => renderGenericDecisionModal(a, 'reject', m, locale));
  onForm(GA_ACTION.reassign, 'Reassign', generic, renderGenericReassignModal);
  onForm(GA_ACTION.comment, 'Add a comment', generic, renderGenericCommentModal, 'note');
  onDetails(GA_ACTION.details, generic);
}
