import type { App, BlockAction, ButtonAction, SlackActionMiddlewareArgs, AllMiddlewareArgs } from '@slack/bolt';
import { ACTION, decodeItemValue, decodePageValue, type ItemActionValue, type ModalMetadata } from '../../blocks/actions';
import { renderAccountSelectionModal, renderForwardModal, renderLoadingModal, renderModalMessage, renderWorkItemModal } from '../../blocks/modals';
import type { BotContext } from '../context';
import { Presenter, type Surface } from '../presenter';
import type { WorkItemAction } from '../../workitems/workItemService';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** The card's surface: the Home tab, or a message redrawn through this click's response_url. */
function surfaceOf({ body, respond }: ButtonArgs, value?: { k?: 'pending' | 'completed'; o?: number }): Surface {
  if (body.view?.type === 'home') return { kind: 'home', userId: body.user.id };
  if (body.view?.type === 'modal') return { kind: 'modal', viewId: body.view.id, triggerId: body.trigger_id };
  return { kind: 'message', respond, list: value?.k !== undefined ? { kind: value.k, offset: value.o ?? 0 } : undefined };
}

type DirectAction = 'approve' | 'reject' | 'approveAll' | 'rejectAll' | 'complete';

function toAction(kind: DirectAction, value: ItemActionValue): WorkItemAction | undefined {
  if (kind === 'approve' || kind === 'reject') return value.a ? { kind, workItemId: value.w, approvalItemId: value.a } : undefined;
  return { kind, workItemId: value.w };
}

export function registerWorkItemActions(app: App, ctx: BotContext): void {
  const presenter = new Presenter(ctx);

  const direct: Array<[string, DirectAction]> = [
    [ACTION.approve, 'approve'],
    [ACTION.reject, 'reject'],
    [ACTION.approveAll, 'approveAll'],
    [ACTION.rejectAll, 'rejectAll'],
    [ACTION.complete, 'complete'],
  ];
  for (const [actionId, kind] of direct) {
    app.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const value = decodeItemValue(args.action.value);
      const action = value && toAction(kind, value);
      const surface = surfaceOf(args, value);
      if (!value || !action) return presenter.notify(surface, args.client, 'That button carried no valid work item; press Refresh and try again.', 'error');
      const actor = args.body.user.id;
      const outcome = await ctx.service.perform(actor, action);
      const subject = presenter.subjectFor(actor, value.u);
      switch (outcome.status) {
        case 'done':
          return presenter.redraw(surface, args.client, actor, subject, outcome.item, outcome.decisions);
        case 'already_decided': {
          const notice = outcome.unconfirmed
            ? "ISC's answer was lost, but ISC now shows that work item decided: most likely your click went through. Here it is as it is now."
            : 'That work item was already decided; here it is as it is now.';
          return presenter.redraw(surface, args.client, actor, subject, outcome.item, outcome.decisions, notice);
        }
        case 'duplicate':
          return presenter.notify(surface, args.client, 'That click is already being processed; it will be applied once.', 'info');
        case 'refused':
          return presenter.notify(surface, args.client, outcome.message, 'warning');
        case 'failed':
          return presenter.notify(surface, args.client, outcome.message, 'error');
      }
    });
  }

  // Forward and Select accounts open a modal. trigger_id lives 3 s, so the modal opens first with a
  // loading view, and is filled in once ISC has answered the permission check.
  const modalOpeners: Array<[string, 'forward' | 'selectAccounts']> = [
    [ACTION.forward, 'forward'],
    [ACTION.selectAccounts, 'selectAccounts'],
  ];
  for (const [actionId, kind] of modalOpeners) {
    app.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const { body, client } = args;
      const value = decodeItemValue(args.action.value);
      if (!value) return presenter.notify(surfaceOf(args), client, 'That button carried no valid work item; press Refresh and try again.', 'error');
      const title = kind === 'forward' ? 'Forward work item' : 'Select accounts';
      const opened = await client.views.open({ trigger_id: body.trigger_id, view: renderLoadingModal(title) });
      const viewId = opened.view?.id;
      if (!viewId) return;
      const subject = presenter.subjectFor(body.user.id, value.u);
      const metadata: ModalMetadata = {
        w: value.w,
        ...(subject !== body.user.id ? { u: subject } : {}),
        ...(body.view?.type === 'home' ? { h: true } : { r: body.response_url }),
        ...(value.k ? { k: value.k, o: value.o ?? 0 } : {}),
      };
      let view;
      try {
        const auth = await ctx.service.authorize(body.user.id, value.w);
        if (!auth.ok) view = renderModalMessage(title, auth.message);
        else if (auth.item.state !== 'Pending') view = renderModalMessage(title, 'This work item is no longer pending; nothing to do.');
        else view = kind === 'forward' ? renderForwardModal(auth.item, metadata) : renderAccountSelectionModal(auth.item, metadata);
      } catch (e) {
        view = renderModalMessage(title, presenter.errorText(e, 'open that work item'));
      }
      await client.views.update({ view_id: viewId, view });
    });
  }

  app.action<BlockAction<ButtonAction>>(ACTION.details, async (args) => {
    await args.ack();
    const value = decodeItemValue(args.action.value);
    const actor = args.body.user.id;
    const surface = surfaceOf(args);
    if (!value) return presenter.notify(surface, args.client, 'That button carried no valid work item.', 'error');
    try {
      const auth = await ctx.service.authorize(actor, value.w, 'view');
      if (!auth.ok) return presenter.notify(surface, args.client, auth.message, 'warning');
      const decisions = await ctx.service.decisionsFor(value.w);
      const subject = presenter.subjectFor(actor, value.u);
      if (surface.kind === 'message') {
        const message = await presenter.detailMessage(actor, auth.item, decisions, subject);
        await surface.respond({ ...message, replace_original: false, response_type: 'ephemeral' });
      } else {
        const opts = await presenter.cardOptions(actor, subject);
        await args.client.views.open({ trigger_id: args.body.trigger_id, view: renderWorkItemModal(auth.item, { ...opts, decisions }) });
      }
    } catch (e) {
      await presenter.notify(surface, args.client, presenter.errorText(e, 'get that work item'), 'error');
    }
  });

  for (const actionId of [ACTION.pageNext, ACTION.pagePrev, ACTION.refresh]) {
    app.action<BlockAction<ButtonAction>>(actionId, async (args) => {
      await args.ack();
      const value = decodePageValue(args.action.value);
      const actor = args.body.user.id;
      if (!value) return;
      const subject = value.u ?? actor;
      if (subject !== presenter.subjectFor(actor, value.u)) return;
      if (args.body.view?.type === 'home') return presenter.publishHome(args.client, actor, value.o);
      await args.respond({ ...(await presenter.listMessage(actor, subject, value.k, value.o)), replace_original: true });
    });
  }

  // A link button still sends an action; it only needs its ack.
  app.action(ACTION.openInIsc, async ({ ack }) => {
    await ack();
  });
}
