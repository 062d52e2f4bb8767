import type { BlockAction, ButtonAction } from '@slack/bolt';
import { localDay } from '../../away/away';
import type { AwayResult } from '../../away/awayService';
import { AWAY_ACTION, AWAY_FIELDS, AWAY_VIEW, renderAwayModal, renderAwayResult } from '../../blocks/away';
import { renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import type { SlackRouter } from '../router';

const TITLE = 'Out of office';

/** The Home tab's out-of-office form: opened with what is set, submitted through the same service as `/workitems away`. */
export function registerAwayActions(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  const away = ctx.away;
  if (!away) return;
  const outcomeText = (result: AwayResult) => renderAwayResult(result).text;

  router.action<BlockAction<ButtonAction>>(AWAY_ACTION.open, async ({ ack, body, client }) => {
    await ack();
    const opened = await client.views.open({ trigger_id: body.trigger_id, view: renderLoadingModal(TITLE, 'Reading what is set in ISC…') });
    const viewId = opened.view?.id;
    if (!viewId) return;
    const user = body.user.id;
    try {
      const [shown, zone] = await Promise.all([away.status(user), ctx.directory.timeZone(user)]);
      const view = shown.kind === 'status' ? renderAwayModal(shown.status, localDay(ctx.now(), zone)) : renderModalMessage(TITLE, outcomeText(shown));
      await client.views.update({ view_id: viewId, view });
    } catch (e) {
      await client.views.update({ view_id: viewId, view: renderModalMessage(TITLE, presenter.errorText(e, 'read your out-of-office setting')) });
    }
  });

  // "End it now", inside the form.
  router.action<BlockAction<ButtonAction>>(AWAY_ACTION.off, async ({ ack, body, client }) => {
    await ack();
    const viewId = body.view?.id;
    if (!viewId) return;
    await client.views.update({ view_id: viewId, view: renderLoadingModal(TITLE, 'Ending it in ISC…') });
    const text = await away.off(body.user.id).then(outcomeText, (e: unknown) => presenter.errorText(e, 'end your out of office'));
    await client.views.update({ view_id: viewId, view: renderModalMessage(TITLE, text) });
  });

  router.view(AWAY_VIEW, async ({ ack, view, body, client }) => {
    const values = view.state.values;
    const request = {
      from: values[AWAY_FIELDS.from]?.[AWAY_FIELDS.from]?.selected_date ?? '',
      to: values[AWAY_FIELDS.to]?.[AWAY_FIELDS.to]?.selected_date ?? '',
      delegateSlackUserId: values[AWAY_FIELDS.who]?.[AWAY_FIELDS.who]?.selected_user ?? '',
    };
    const user = body.user.id;
    // What is wrong goes back onto its field, and what was picked stays.
    const checked = await away.check(user, request).catch(() => undefined);
    if (checked?.kind === 'refused' && checked.field) {
      const field = checked.field === 'dates' ? AWAY_FIELDS.to : AWAY_FIELDS.who;
      return void (await ack({ response_action: 'errors', errors: { [field]: checked.message.replace(/<@([A-Z0-9]+)>/g, 'That person') } }));
    }
    await ack({ response_action: 'update', view: renderLoadingModal(TITLE, 'Setting it in ISC…') });
    const text = await away.set(user, request).then(outcomeText, (e: unknown) => presenter.errorText(e, 'set you as away'));
    await client.views.update({ view_id: view.id, view: renderModalMessage(TITLE, text) });
  });
}
