import type { App, BlockAction, UsersSelectAction, ViewOutput } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { VIEW, type ModalMetadata } from '../../blocks/actions';
import { FORWARD_FIELDS, readAccountSelection, renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import type { WorkItemAction } from '../../workitems/workItemService';
import type { BotContext } from '../context';
import { Presenter, type Surface } from '../presenter';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

function readMetadata(view: ViewOutput): ModalMetadata | undefined {
  try {
    const m = JSON.parse(view.private_metadata) as ModalMetadata;
    return typeof m.w === 'string' && ID.test(m.w) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The card behind a modal: redrawn through the response_url of the click that opened it, or on the Home tab. */
function surfaceFromMetadata(ctx: BotContext, userId: string, m: ModalMetadata): Surface | undefined {
  if (m.h) return { kind: 'home', userId };
  if (!m.r) return undefined;
  const responseUrl = m.r;
  return {
    kind: 'message',
    list: m.k ? { kind: m.k, offset: m.o ?? 0 } : undefined,
    respond: async (msg) => {
      // response_url accepts five uses in 30 minutes; after that the modal still shows the result.
      const res = await fetch(responseUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(msg) }).catch((e: Error) => e);
      if (res instanceof Error || !res.ok) ctx.logger.warn('Could not update the card through its response_url', { userId });
    },
  };
}

export function registerWorkItemViews(app: App, ctx: BotContext): void {
  const presenter = new Presenter(ctx);

  /** Runs the action after the modal was switched to a progress view, then shows the outcome in the modal and redraws the card. */
  async function performFromModal(client: WebClient, viewId: string, actor: string, title: string, metadata: ModalMetadata, action: WorkItemAction, doneText: string) {
    const outcome = await ctx.service.perform(actor, action);
    const surface = surfaceFromMetadata(ctx, actor, metadata);
    const subject = presenter.subjectFor(actor, metadata.u);
    let text: string;
    switch (outcome.status) {
      case 'done':
        text = doneText;
        if (surface) await presenter.redraw(surface, client, actor, subject, outcome.item, outcome.decisions);
        break;
      case 'already_decided':
        text = outcome.unconfirmed
          ? "ISC's answer was lost, but ISC now shows this work item decided: most likely this went through. Check the card before trying again."
          : 'This work item was already decided; nothing was changed.';
        if (surface) await presenter.redraw(surface, client, actor, subject, outcome.item, outcome.decisions);
        break;
      case 'duplicate':
        text = 'This is already being processed; it will be applied once.';
        break;
      default:
        text = outcome.message;
    }
    await client.views.update({ view_id: viewId, view: renderModalMessage(title, text) });
  }

  // Picking a forward target warms the identity cache, so the submit can answer inside Slack's 3 s with no ISC call.
  app.action<BlockAction<UsersSelectAction>>(FORWARD_FIELDS.targetAction, async ({ ack, action }) => {
    await ack();
    if (action.selected_user) await ctx.directory.identityFor(action.selected_user).catch(() => undefined);
  });

  app.view(VIEW.forward, async ({ ack, view, body, client }) => {
    const metadata = readMetadata(view);
    const values = view.state.values;
    const target = values[FORWARD_FIELDS.targetBlock]?.[FORWARD_FIELDS.targetAction]?.selected_user ?? undefined;
    const comment = values[FORWARD_FIELDS.commentBlock]?.[FORWARD_FIELDS.commentAction]?.value?.trim() ?? '';
    const notify = (values[FORWARD_FIELDS.notifyBlock]?.[FORWARD_FIELDS.notifyAction]?.selected_options?.length ?? 0) > 0;
    const actor = body.user.id;
    const errors: Record<string, string> = {};
    if (!target) errors[FORWARD_FIELDS.targetBlock] = 'Pick the person to forward to.';
    else if (target === actor) errors[FORWARD_FIELDS.targetBlock] = 'You already own this work item; pick someone else.';
    if (!comment) errors[FORWARD_FIELDS.commentBlock] = 'ISC requires a comment when forwarding.';
    const cached = target ? ctx.directory.peekIdentity(target) : undefined;
    if (cached === null) errors[FORWARD_FIELDS.targetBlock] = `<@${target}> has no ISC identity the bot can find (no identity has their Slack email). Pick someone else, or ask an admin to map them.`;
    if (Object.keys(errors).length) return void (await ack({ response_action: 'errors', errors }));
    if (!metadata || !target) return void (await ack({ response_action: 'update', view: renderModalMessage('Forward work item', 'This form has expired; open it again from the work item.') }));

    await ack({ response_action: 'update', view: renderLoadingModal('Forward work item', 'Forwarding…') });
    const identity = cached ?? (await ctx.directory.identityFor(target).catch(() => null));
    if (!identity) {
      const text = `<@${target}> has no ISC identity the bot can find, so nothing was forwarded. Open Forward again and pick someone else.`;
      return void (await client.views.update({ view_id: view.id, view: renderModalMessage('Forward work item', text) }));
    }
    await performFromModal(client, view.id, actor, 'Forward work item', metadata, { kind: 'forward', workItemId: metadata.w, target: identity, targetSlackUserId: target, comment, notify }, `Forwarded to <@${target}>.`);
  });

  app.view(VIEW.selectAccounts, async ({ ack, view, body, client }) => {
    const metadata = readMetadata(view);
    const selection = readAccountSelection(view.state.values);
    if (!metadata) return void (await ack({ response_action: 'update', view: renderModalMessage('Select accounts', 'This form has expired; open it again from the work item.') }));
    await ack({ response_action: 'update', view: renderLoadingModal('Select accounts', 'Submitting…') });
    await performFromModal(client, view.id, body.user.id, 'Select accounts', metadata, { kind: 'selectAccounts', workItemId: metadata.w, selection }, 'Accounts submitted.');
  });
}
