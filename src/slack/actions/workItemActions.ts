import type { BlockAction, ButtonAction } from '@slack/bolt';
import { ACTION, decodeItemValue, decodePageValue, type ItemActionValue } from '../../blocks/actions';
import { renderAccountSelectionModal, renderForwardModal } from '../../blocks/modals';
import type { WorkItem } from '../../isc/types';
import type { WorkItemAction } from '../../workitems/workItemService';
import type { BotContext } from '../context';
import { inboxStart, Presenter } from '../presenter';
import type { SlackRouter } from '../router';
import { formMetadata, openForm, RepeatNotices, showDetails, showOutcome, surfaceOf, type ItemView } from './itemHandlers';

type DirectAction = 'approve' | 'reject' | 'approveAll' | 'rejectAll' | 'complete';

function toAction(kind: DirectAction, value: ItemActionValue): WorkItemAction | undefined {
  if (kind === 'approve' || kind === 'reject') return value.a ? { kind, workItemId: value.w, approvalItemId: value.a } : undefined;
  return { kind, workItemId: value.w };
}

export const WORK_ITEM_VIEW: ItemView<WorkItem> = { entry: (item) => ({ kind: 'workItem', item }), noun: 'work item' };

export function registerWorkItemActions(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  const notices = new RepeatNotices();

  const direct: Array<[string, DirectAction]> = [
    [ACTION.approve, 'approve'],
    [ACTION.reject, 'reject'],
    [ACTION.approveAll, 'approveAll'],
    [ACTION.rejectAll, 'rejectAll'],
    [ACTION.complete, 'complete'],
  ];
  for (const [actionId, kind] of direct) {
    router.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const value = decodeItemValue(args.action.value);
      const action = value && toAction(kind, value);
      const surface = surfaceOf(args, value?.list);
      if (!value || !action) return presenter.notify(surface, args.client, 'That button carried no valid work item; press Refresh and try again.', 'error');
      const actor = args.body.user.id;
      const outcome = await ctx.service.perform(actor, action);
      await showOutcome(presenter, surface, args, { actor, subject: presenter.subjectFor(actor, value.u), repeatKey: `${kind}:${value.w}:${value.a ?? ''}` }, outcome, WORK_ITEM_VIEW, notices);
    });
  }

  // Forward and Select accounts open a form on the item.
  const forms: Array<[string, 'forward' | 'selectAccounts']> = [
    [ACTION.forward, 'forward'],
    [ACTION.selectAccounts, 'selectAccounts'],
  ];
  for (const [actionId, kind] of forms) {
    router.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const value = decodeItemValue(args.action.value);
      if (!value) return presenter.notify(surfaceOf(args), args.client, 'That button carried no valid work item; press Refresh and try again.', 'error');
      const metadata = formMetadata(args, presenter, { w: value.w }, value);
      await openForm(args, presenter, {
        title: kind === 'forward' ? 'Forward work item' : 'Select accounts',
        authorize: () => ctx.service.authorize(args.body.user.id, value.w),
        closed: (item) => (item.state !== 'Pending' ? 'This work item is no longer pending; nothing to do.' : undefined),
        render: (item) => (kind === 'forward' ? renderForwardModal(item, metadata) : renderAccountSelectionModal(item, metadata)),
      });
    });
  }

  router.action<BlockAction<ButtonAction>>(ACTION.details, async (args) => {
    await args.ack();
    const value = decodeItemValue(args.action.value);
    if (!value) return presenter.notify(surfaceOf(args), args.client, 'That button carried no valid work item.', 'error');
    const actor = args.body.user.id;
    await showDetails(args, presenter, value, { authorize: () => ctx.service.authorize(actor, value.w, 'view'), decisions: () => ctx.service.decisionsFor(value.w) }, WORK_ITEM_VIEW);
  }, 'read');

  // Paging across the inbox's kinds: Next and Previous read the page they name (the kinds the page
  // does not show come from the inbox's short cache); Refresh, and Retry of a kind that failed to
  // load, read every kind again.
  for (const actionId of [ACTION.pageNext, ACTION.pagePrev, ACTION.refresh, ACTION.retry]) {
    router.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const value = decodePageValue(args.action.value);
      const actor = args.body.user.id;
      if (!value) return;
      const subject = value.u ?? actor;
      if (subject !== presenter.subjectFor(actor, value.u)) return;
      const fresh = actionId === ACTION.refresh || actionId === ACTION.retry;
      if (args.body.view?.type === 'home') return presenter.publishHome(args.client, actor, inboxStart(value.list), undefined, fresh);
      await args.respond({ ...(await presenter.listMessage(actor, subject, value.list, { fresh })), replace_original: true });
    }, 'read');
  }

  // A link button still sends an action; it only needs its ack.
  router.action(ACTION.openInIsc, async ({ ack }) => {
    await ack();
  });
}
