// What the form submissions of every kind of item share: the card behind the form, running the action
// with the outcome shown in the form, and reading a hand-over (forward, reassign) form.
import type { ViewOutput } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { decodeModalMetadata, type FormMetadata } from '../../blocks/actions';
import { renderNotice } from '../../blocks/messages';
import { FORWARD_FIELDS, renderModalMessage } from '../../blocks/modals';
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

/**
 * Runs the action of a form that has closed (its submit was acked with nothing, so nothing typed is
 * lost to a progress view and no "done" view is left open), then shows the outcome where the card
 * lives: the redrawn card says it on success; anything else is a notice under it (or on the Home
 * tab), or a direct message when the card cannot be reached.
 */
export async function performFromModal<I>(
  ctx: BotContext,
  presenter: Presenter,
  form: { client: WebClient; actor: string; metadata: FormMetadata },
  perform: () => Promise<ActionOutcome<I>>,
  view: ItemView<I>,
  doneText: string,
): Promise<void> {
  const { client, actor, metadata } = form;
  const outcome = await perform();
  const surface = surfaceFromMetadata(ctx, actor, metadata);
  const subject = presenter.subjectFor(actor, metadata.u);
  let text: string;
  let kind: 'info' | 'warning' | 'error' = 'warning';
  switch (outcome.status) {
    case 'done':
      if (surface) {
        // On the Home tab the notice on top confirms it; in a message the redrawn card does.
        await presenter.redraw(surface, client, actor, subject, view.entry(outcome.item), outcome.decisions, surface.kind === 'home' ? doneText : undefined);
        return;
      }
      text = doneText;
      kind = 'info';
      break;
    case 'already_decided':
      text = outcome.unconfirmed
        ? `ISC's answer was lost, but ISC now shows this ${view.noun} decided: most likely this went through. Check the card before trying again.`
        : `This ${view.noun} was already decided; nothing was changed.`;
      if (surface) await presenter.redraw(surface, client, actor, subject, view.entry(outcome.item), outcome.decisions);
      break;
    case 'duplicate':
      text = outcome.done ? 'You already did this; it went through once in ISC.' : 'This is already being processed; it will be applied once.';
      kind = 'info';
      break;
    default:
      text = outcome.message;
      kind = 'error';
  }
  await tellUser(ctx, presenter, client, actor, surface, text, kind);
}

/** A form's outcome where its card lives, or in a direct message when it cannot be reached. */
export async function tellUser(ctx: BotContext, presenter: Presenter, client: WebClient, actor: string, surface: Surface | undefined, text: string, kind: 'info' | 'warning' | 'error'): Promise<void> {
  try {
    if (surface) return await presenter.notify(surface, client, text, kind);
    const notice = renderNotice(text, kind);
    await client.chat.postMessage({ channel: actor, text: notice.text, blocks: notice.blocks });
  } catch (e) {
    ctx.logger.warn("Could not tell the user a form's outcome", { userId: actor, error: e instanceof Error ? e.message : String(e) });
  }
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
  if (cached === null) errors[FORWARD_FIELDS.targetBlock] = noIdentityError(target!);
  if (Object.keys(errors).length || !target) return { errors };
  return { target, comment, ...(cached ? { identity: cached } : {}) };
}

/** The inline error of a person picked in a hand-over form whom ISC does not know. */
export const noIdentityError = (target: string) => `<@${target}> isn't connected to SailPoint: no ISC identity has their Slack email. Pick someone else.`;

/** How long a submit waits for the picked person's ISC identity before it must ack (Slack allows 3 s). */
const TARGET_LOOKUP_MS = 1500;

/** The target's ISC identity: null when they have none, undefined when the lookup did not answer in time. */
async function lookUpTarget(ctx: BotContext, target: string): Promise<IscIdentityRef | null | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), TARGET_LOOKUP_MS)));
  try {
    return await Promise.race([ctx.directory.identityFor(target).catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
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
    // Someone ISC does not know is an error on the field, with the comment kept (picking them warmed the cache).
    const identity = form.identity ?? (await lookUpTarget(ctx, form.target));
    if (identity === null) return void (await ack({ response_action: 'errors', errors: { [FORWARD_FIELDS.targetBlock]: noIdentityError(form.target) } }));
    await ack();
    const target = identity ?? (await ctx.directory.identityFor(form.target).catch(() => null));
    if (!target) return tellUser(ctx, presenter, client, actor, surfaceFromMetadata(ctx, actor, metadata), `${noIdentityError(form.target).replace(' Pick someone else.', '')}, so nothing was ${spec.verb}ed. ${spec.verb === 'forward' ? 'Forward' : 'Reassign'} again and pick someone else.`, 'warning');
    const run = await spec.action({ actor, id, target, targetSlackUserId: form.target, comment: form.comment, metadata, values: view.state.values, client, viewId: view.id });
    if (run) await performFromModal(ctx, presenter, { client, actor, metadata }, run, spec.view, spec.done(form.target));
  };
}
