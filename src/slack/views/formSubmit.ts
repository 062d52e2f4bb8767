// What the form submissions of every kind of item share: the card behind the form, running the action
// with the outcome shown in the form, and reading a hand-over (forward, reassign) form.
import type { ViewOutput } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { decodeModalMetadata, type FormMetadata } from '../../blocks/actions';
import { FORWARD_FIELDS, renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import type { ActionOutcome } from '../../decisions/actionPipeline';
import type { IscIdentityRef } from '../../workitems/identityDirectory';
import type { ItemView } from '../actions/itemHandlers';
import type { BotContext } from '../context';
import { inboxStart, type Presenter, type Surface } from '../presenter';
import type { ViewSubmitArgs } from '../router';
import { responseUrlGuard } from '../responseUrl';
import { countingFetch } from '../slackMetrics';

/** The card behind a form: redrawn through the response_url of the click that opened it, or on the Home tab. */
export function surfaceFromMetadata(ctx: BotContext, userId: string, m: FormMetadata): Surface | undefined {
  if (m.h) return { kind: 'home', userId, start: inboxStart(m.list) };
  if (!m.r || !responseUrlGuard(ctx.config.slack.responseUrlHosts, ctx.logger)(m.r)) return undefined;
  const responseUrl = m.r;
  const post = ctx.metrics ? countingFetch(ctx.metrics, ctx.config.slack.apiUrl) : fetch;
  return {
    kind: 'message',
    ...(m.list ? { list: m.list } : {}),
    respond: async (msg) => {
      // response_url accepts five uses in 30 minutes; after that the modal still shows the result.
      const res = await post(responseUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(msg) }).catch((e: Error) => e);
      if (res instanceof Error || !res.ok) ctx.logger.warn('Could not update the card through its response_url', { userId });
    },
  };
}

/** Runs the action after the form was switched to a progress view, then shows the outcome in the form and redraws the card. */
export async function performFromModal<I>(
  ctx: BotContext,
  presenter: Presenter,
  form: { client: WebClient; viewId: string; actor: string; title: string; metadata: FormMetadata },
  perform: () => Promise<ActionOutcome<I>>,
  view: ItemView<I>,
  doneText: string,
): Promise<void> {
  const { client, viewId, actor, title, metadata } = form;
  const outcome = await perform();
  const surface = surfaceFromMetadata(ctx, actor, metadata);
  const subject = presenter.subjectFor(actor, metadata.u);
  let text: string;
  switch (outcome.status) {
    case 'done':
      text = doneText;
      if (surface) await presenter.redraw(surface, client, actor, subject, view.entry(outcome.item), outcome.decisions);
      break;
    case 'already_decided':
      text = outcome.unconfirmed
        ? `ISC's answer was lost, but ISC now shows this ${view.noun} decided: most likely this went through. Check the card before trying again.`
        : `This ${view.noun} was already decided; nothing was changed.`;
      if (surface) await presenter.redraw(surface, client, actor, subject, view.entry(outcome.item), outcome.decisions);
      break;
    case 'duplicate':
      text = outcome.done ? 'You already did this; it went through once in ISC.' : 'This is already being processed; it will be applied once.';
      break;
    default:
      text = outcome.message;
  }
  await client.views.update({ view_id: viewId, view: renderModalMessage(title, text) });
}

export type HandOver =
  | { errors: Record<string, string> }
  /** `identity`: the target's ISC identity when the lookup is cached already (picking the person warmed it). */
  | { target: string; comment: string; identity?: IscIdentityRef };

/**
 * Reads a hand-over form (work-item forward, access-request forward, generic reassign). Errors go back
 * into the form (Slack's `response_action: errors`) before anything is sent to ISC; the person picked
 * must map to an ISC identity, which the cache knows by then when they were picked in the form.
 */
export function readHandOver(ctx: BotContext, view: ViewOutput, actor: string, opts: { verb: 'forward' | 'reassign'; commentRequired: boolean; alreadyYours: string }): HandOver {
  const values = view.state.values;
  const target = values[FORWARD_FIELDS.targetBlock]?.[FORWARD_FIELDS.targetAction]?.selected_user ?? undefined;
  const comment = values[FORWARD_FIELDS.commentBlock]?.[FORWARD_FIELDS.commentAction]?.value?.trim() ?? '';
  const errors: Record<string, string> = {};
  if (!target) errors[FORWARD_FIELDS.targetBlock] = `Pick the person to ${opts.verb} it to.`;
  else if (target === actor) errors[FORWARD_FIELDS.targetBlock] = `${opts.alreadyYours}; pick someone else.`;
  if (!comment && opts.commentRequired) errors[FORWARD_FIELDS.commentBlock] = `ISC requires a comment when ${opts.verb}ing.`;
  const cached = target ? ctx.directory.peekIdentity(target) : undefined;
  if (cached === null) errors[FORWARD_FIELDS.targetBlock] = `<@${target}> has no ISC identity the bot can find (no identity has their Slack email). Pick someone else, or ask an admin to map them.`;
  if (Object.keys(errors).length || !target) return { errors };
  return { target, comment, ...(cached ? { identity: cached } : {}) };
}

/**
 * After a valid hand-over form: the form shows progress, and the target's ISC identity is looked up
 * (cached by the time they were picked). Undefined, with the form saying why, when they have none.
 */
async function handOverTarget(ctx: BotContext, client: WebClient, viewId: string, title: string, form: Extract<HandOver, { target: string }>, verb: 'forward' | 'reassign'): Promise<IscIdentityRef | undefined> {
  const identity = form.identity ?? (await ctx.directory.identityFor(form.target).catch(() => null));
  if (identity) return identity;
  const again = verb === 'forward' ? 'Forward' : 'Reassign';
  const text = `<@${form.target}> has no ISC identity the bot can find, so nothing was ${verb}ed. Open ${again} again and pick someone else.`;
  await client.views.update({ view_id: viewId, view: renderModalMessage(title, text) });
  return undefined;
}


export interface HandOverForm<I> {
  title: string;
  verb: 'forward' | 'reassign';
  /** Shown while ISC is called, e.g. "Forwarding…". */
  progress: string;
  commentRequired: boolean;
  /** The form's error when the person picked already has it. */
  alreadyYours: string;
  /** The metadata field that names the item: `w` (work item) or `i` (approval). */
  itemField: 'w' | 'i';
  view: ItemView<I>;
  done(targetSlackUserId: string): string;
  /**
   * The action to run, once the form is valid and the target has an identity; undefined when it
   * cannot run (after telling the form why).
   */
  action(form: { actor: string; id: string; target: IscIdentityRef; targetSlackUserId: string; comment: string; metadata: FormMetadata; values: ViewOutput['state']['values']; client: WebClient; viewId: string }): Promise<(() => Promise<ActionOutcome<I>>) | undefined>;
}

/**
 * A hand-over form's submit (work-item forward, access-request forward, generic reassign): errors go
 * back into the form before anything is sent to ISC; then the form shows progress, the target's
 * identity is looked up, the action runs, and the form and the card show the outcome.
 */
export function handOverSubmit<I>(ctx: BotContext, presenter: Presenter, spec: HandOverForm<I>): (args: ViewSubmitArgs) => Promise<void> {
  return async ({ ack, view, body, client }) => {
    const actor = body.user.id;
    const metadata = decodeModalMetadata(view.private_metadata);
    const form = readHandOver(ctx, view, actor, spec);
    if ('errors' in form) return void (await ack({ response_action: 'errors', errors: form.errors }));
    const id = metadata?.[spec.itemField];
    if (!metadata || !id) return void (await ack({ response_action: 'update', view: renderModalMessage(spec.title, 'This form has expired; open it again from the card.') }));
    await ack({ response_action: 'update', view: renderLoadingModal(spec.title, spec.progress) });
    const target = await handOverTarget(ctx, client, view.id, spec.title, form, spec.verb);
    if (!target) return;
    const run = await spec.action({ actor, id, target, targetSlackUserId: form.target, comment: form.comment, metadata, values: view.state.values, client, viewId: view.id });
    if (run) await performFromModal(ctx, presenter, { client, viewId: view.id, actor, title: spec.title, metadata }, run, spec.view, spec.done(form.target));
  };
}
