import { parseRequestableValue, renderRequestSubmitted, REQUEST_COMMENT_MAX, REQUEST_FIELDS, REQUEST_VIEW, SLOW_OPTION_VALUE } from '../../blocks/requestAccess';
import { renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import { CANCEL_DEFAULT_COMMENT, type Submission } from '../../requests/requestService';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import type { SlackRouter, ViewSubmitArgs } from '../router';

type Values = ViewSubmitArgs['view']['state']['values'];

/**
 * The form as a submission, or the errors to show on its fields (nothing is sent then). The access
 * ends at the end of the chosen day (UTC); a day that is not after `today` is refused.
 */
export function readRequestForm(values: Values, today: string): { submission: Omit<Submission, 'submissionKey'> } | { errors: Record<string, string> } {
  const f = REQUEST_FIELDS;
  const errors: Record<string, string> = {};
  const picked = values[f.accessBlock]?.[f.accessBlock]?.selected_options ?? [];
  const items = picked.map((o) => (o.value === SLOW_OPTION_VALUE ? undefined : parseRequestableValue(o.value ?? '')));
  if (!picked.length) errors[f.accessBlock] = 'Pick at least one thing to request.';
  else if (items.some((i) => !i)) errors[f.accessBlock] = 'Pick what to request from the list (ISC did not answer in time for one of them: search again).';
  const justification = values[f.justificationBlock]?.[f.justificationAction]?.value?.trim() ?? '';
  if (!justification) errors[f.justificationBlock] = 'Say why you need it: your approver reads this.';
  else if (justification.length > REQUEST_COMMENT_MAX) errors[f.justificationBlock] = `Keep it to ${REQUEST_COMMENT_MAX} characters.`;
  const endDate = values[f.endDateBlock]?.[f.endDateAction]?.selected_date ?? undefined;
  if (endDate && endDate <= today) errors[f.endDateBlock] = 'Pick a date in the future, or leave it empty.';
  const forSlackUserId = values[f.forBlock]?.[f.forAction]?.selected_user ?? undefined;
  if (Object.keys(errors).length) return { errors };
  const removeDate = endDate ? new Date(Date.parse(`${endDate}T00:00:00Z`) + 24 * 3600_000).toISOString() : undefined;
  return { submission: { items: items as Submission['items'], justification, ...(removeDate ? { removeDate } : {}), ...(forSlackUserId ? { forSlackUserId } : {}) } };
}

export function registerRequestViews(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  const title = 'Request access';

  router.view(REQUEST_VIEW.request, async ({ ack, view, body, client }) => {
    const requester = body.user.id;
    const form = readRequestForm(view.state.values, ctx.now().toISOString().slice(0, 10));
    if ('errors' in form) return void (await ack({ response_action: 'errors', errors: form.errors }));
    await ack({ response_action: 'update', view: renderLoadingModal(title, 'Sending your request to ISC…') });
    const outcome = await ctx.requests.submit(requester, { ...form.submission, submissionKey: view.id });
    const viewer = await presenter.viewer(requester);
    let text: string;
    switch (outcome.status) {
      case 'done': {
        const message = renderRequestSubmitted({ names: outcome.names, existing: outcome.existing, forSlackUserId: form.submission.forSlackUserId, removeDate: form.submission.removeDate }, viewer);
        // The DM is what the person finds again later; the form closes on it.
        await client.chat.postMessage({ channel: requester, ...message }).catch((e: unknown) => ctx.logger.warn('Could not DM the confirmation of an access request', { error: String(e) }));
        text = `Requested: ${outcome.names.join(', ')}. It waits for approval; the bot will message you when it is decided.`;
        break;
      }
      case 'duplicate':
        text = 'This request is already being sent; it is sent once.';
        break;
      case 'invalid':
        text = `${outcome.message} Nothing was sent: open Request access again.`;
        break;
      default:
        text = outcome.message;
    }
    await client.views.update({ view_id: view.id, view: renderModalMessage(title, text) });
  });

  router.view(REQUEST_VIEW.cancel, async ({ ack, view, body, client }) => {
    let accessRequestId: string | undefined;
    try {
      accessRequestId = (JSON.parse(view.private_metadata || '{}') as { a?: string }).a;
    } catch {
      accessRequestId = undefined;
    }
    const cancelTitle = 'Cancel request';
    if (!accessRequestId) return void (await ack({ response_action: 'update', view: renderModalMessage(cancelTitle, 'This form has expired; open it again from your requests.') }));
    const comment = view.state.values[REQUEST_FIELDS.commentBlock]?.[REQUEST_FIELDS.commentAction]?.value?.trim() || CANCEL_DEFAULT_COMMENT;
    await ack({ response_action: 'update', view: renderLoadingModal(cancelTitle, 'Cancelling in ISC…') });
    const outcome = await ctx.requests.cancel(body.user.id, accessRequestId, comment);
    const text =
      outcome.status === 'done' ? `Cancelled your request for ${outcome.name}.` : outcome.status === 'duplicate' ? 'This request is already being cancelled.' : outcome.message;
    await client.views.update({ view_id: view.id, view: renderModalMessage(cancelTitle, text) });
  });
}
