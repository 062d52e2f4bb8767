import type { BlockAction, UsersSelectAction } from '@slack/bolt';
import { decodeModalMetadata, VIEW } from '../../blocks/actions';
import { FORWARD_FIELDS, readAccountSelection, renderModalMessage } from '../../blocks/modals';
import { WORK_ITEM_VIEW } from '../actions/workItemActions';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import type { SlackRouter } from '../router';
import { handOverSubmit, performFromModal } from './formSubmit';

const EXPIRED = 'This form has expired; open it again from the work item.';

export function registerWorkItemViews(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);

  // Picking a forward (or reassign) target warms the identity cache, so the submit can answer inside Slack's 3 s with no ISC call.
  router.action<BlockAction<UsersSelectAction>>(FORWARD_FIELDS.targetAction, async ({ ack, action }) => {
    await ack();
    if (action.selected_user) await ctx.directory.identityFor(action.selected_user).catch(() => undefined);
  });

  router.view(
    VIEW.forward,
    handOverSubmit(ctx, presenter, {
      title: 'Forward work item',
      verb: 'forward',
      progress: 'Forwarding…',
      commentRequired: true,
      alreadyYours: 'You already own this work item',
      itemField: 'w',
      view: WORK_ITEM_VIEW,
      done: (target) => `Forwarded to <@${target}>.`,
      action: async ({ actor, id, target, targetSlackUserId, comment, values }) => {
        const notify = (values[FORWARD_FIELDS.notifyBlock]?.[FORWARD_FIELDS.notifyAction]?.selected_options?.length ?? 0) > 0;
        return () => ctx.service.perform(actor, { kind: 'forward', workItemId: id, target, targetSlackUserId, comment, notify });
      },
    }),
  );

  router.view(VIEW.selectAccounts, async ({ ack, view, body, client }) => {
    const title = 'Select accounts';
    const metadata = decodeModalMetadata(view.private_metadata);
    const selection = readAccountSelection(view.state.values);
    if (!metadata?.w) return void (await ack({ response_action: 'update', view: renderModalMessage(title, EXPIRED) }));
    const workItemId = metadata.w;
    await ack();
    const actor = body.user.id;
    await performFromModal(ctx, presenter, { client, actor, metadata }, () => ctx.service.perform(actor, { kind: 'selectAccounts', workItemId, selection }), WORK_ITEM_VIEW, 'Accounts submitted.');
  });
}
