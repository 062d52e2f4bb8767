import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import {
  SLOW_OPTION_VALUE,
  readRequestFormMetadata,
  renderCancelModal,
  renderRequestModal,
  REQUEST_ACTION,
  REQUEST_SHORTCUT,
  REQUEST_TERM_MAX,
  requestableOptions,
  slowOptions,
} from '../../blocks/requestAccess';
import { renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import { LIMITS, plain } from '../../blocks/limits';
import type { BotContext } from '../context';
import type { SlackRouter } from '../router';
import type { ButtonArgs } from './itemHandlers';

/**
 * Opens the Request access form: at once with the 3-second trigger, then with its fields once the bot
 * knows whether the person acts in ISC as themselves (who may then request for others).
 */
export async function openRequestForm(ctx: BotContext, client: WebClient, triggerId: string, slackUserId: string, term?: string): Promise<void> {
  const opened = await client.views.open({ trigger_id: triggerId, view: renderLoadingModal('Request access') });
  const viewId = opened.view?.id;
  if (!viewId) return;
  const forOthers = await ctx.requests.actsAsThemselves(slackUserId);
  await client.views.update({ view_id: viewId, view: renderRequestModal({ requesterSlackUserId: slackUserId, term: term?.slice(0, REQUEST_TERM_MAX), forOthers }) });
}

export function registerRequestActions(router: SlackRouter, ctx: BotContext): void {
  // Options for the Access select: answered within Slack's 3 s, "ISC is slow" rather than nothing.
  router.options(REQUEST_ACTION.access, async ({ ack, body }) => {
    const typed = body.value?.trim() ?? '';
    const term = typed || readRequestFormMetadata(body.view?.private_metadata).t || '';
    const found = await ctx.requests.search(body.user.id, term);
    if ('objects' in found) {
      const options = requestableOptions(found.objects);
      return void (await ack({ options: options.length ? options : [{ text: plain(`Nothing you can request matches “${term}”`, LIMITS.optionText), value: SLOW_OPTION_VALUE }] }));
    }
    if ('slow' in found) return void (await ack({ options: slowOptions() }));
    await ack({ options: [{ text: plain(found.message, LIMITS.optionText), value: SLOW_OPTION_VALUE }] });
  });

  router.shortcut(REQUEST_SHORTCUT, async ({ ack, shortcut, client }) => {
    await ack();
    await openRequestForm(ctx, client, shortcut.trigger_id, shortcut.user.id).catch((e: unknown) => ctx.logger.warn('Could not open the Request access form', { error: String(e) }));
  });

  router.action<BlockAction<ButtonAction>>(REQUEST_ACTION.open, async ({ ack, body, client }) => {
    await ack();
    await openRequestForm(ctx, client, body.trigger_id, body.user.id).catch((e: unknown) => ctx.logger.warn('Could not open the Request access form', { error: String(e) }));
  });

  // Cancel: the form opens only for a request of the caller's that ISC still lets them cancel.
  router.action<BlockAction<ButtonAction>>(REQUEST_ACTION.cancel, async (args: ButtonArgs) => {
    const { ack, body, action, client } = args;
    await ack();
    const accessRequestId = action.value ?? '';
    const title = 'Cancel request';
    const opened = await client.views.open({ trigger_id: body.trigger_id, view: renderLoadingModal(title) });
    const viewId = opened.view?.id;
    if (!viewId) return;
    let found;
    try {
      found = await ctx.requests.findOwn(body.user.id, accessRequestId);
    } catch (e) {
      ctx.logger.warn('Could not read an access request to cancel', { error: e instanceof Error ? e.message : String(e) });
      return void (await client.views.update({ view_id: viewId, view: renderModalMessage(title, 'Could not read that request from ISC; try again in a moment. Nothing was changed.') }));
    }
    if ('message' in found) return void (await client.views.update({ view_id: viewId, view: renderModalMessage(title, found.message) }));
    await client.views.update({ view_id: viewId, view: renderCancelModal(found.status) });
  });
}
