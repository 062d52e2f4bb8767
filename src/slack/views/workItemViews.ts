import type { App, BlockAction, UsersSelectAction } from '@slack/bolt';
import { decodeModalMetadata, VIEW } from '../../blocks/actions';
import { FORWARD_FIELDS, readAccountSelection, renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import { WORK_ITEM_VIEW } from '../actions/workItemActions';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import { handOverTarget, performFromModal, readHandOver } from './formSubmit';

const EXPIRED = 'This form has expired; open it again from the work item.';

export function registerWorkItemViews(app: App, ctx: BotContext): void {
  const presenter = new Presenter(ctx);

  // Picking a forward (or reassign) target warms the identity cache, so the submit can answer inside Slack's 3 s with no ISC call.
  app.action<BlockAction<UsersSelectAction>>(FORWARD_FIELDS.targetAction, async ({ ack, action }) => {
    await ack();
    if (action.selected_user) await ctx.directory.identityFor(action.selected_user).catch(() => undefined);
  });

  app.view(VIEW.forward, async ({ ack, view, body, client }) => {
    const title = 'Forward work item';
    const metadata = decodeModalMetadata(view.private_metadata);
    const actor = body.user.id;
    const form = readHandOver(ctx, view, actor, { verb: 'forward', commentRequired: true, alreadyYours: 'You already own this work item' });
    if ('errors' in form) return void (await ack({ response_action: 'errors', errors: form.errors }));
    if (!metadata?.w) return void (await ack({ response_action: 'update', view: renderModalMessage(title, EXPIRED) }));
    const workItemId = metadata.w;
    await ack({ response_action: 'update', view: renderLoadingModal(title, 'Forwarding…') });
    const identity = await handOverTarget(ctx, client, view.id, title, form, 'forward');
    if (!identity) return;
    const notify = (view.state.values[FORWARD_FIELDS.notifyBlock]?.[FORWARD_FIELDS.notifyAction]?.selected_options?.length ?? 0) > 0;
    await performFromModal(
      ctx,
      presenter,
      { client, viewId: view.id, actor, title, metadata },
      () => ctx.service.perform(actor, { kind: 'forward', workItemId, target: identity, targetSlackUserId: form.target, comment: form.comment, notify }),
      WORK_ITEM_VIEW,
      `Forwarded to <@${form.target}>.`,
    );
  });

  app.view(VIEW.selectAccounts, async ({ ack, view, body, client }) => {
    const title = 'Select accounts';
    const metadata = decodeModalMetadata(view.private_metadata);
    const selection = readAccountSelection(view.state.values);
    if (!metadata?.w) return void (await ack({ response_action: 'update', view: renderModalMessage(title, EXPIRED) }));
    const workItemId = metadata.w;
    await ack({ response_action: 'update', view: renderLoadingModal(title, 'Submitting…') });
    const actor = body.user.id;
    await performFromModal(ctx, presenter, { client, viewId: view.id, actor, title, metadata }, () => ctx.service.perform(actor, { kind: 'selectAccounts', workItemId, selection }), WORK_ITEM_VIEW, 'Accounts submitted.');
  });
}
