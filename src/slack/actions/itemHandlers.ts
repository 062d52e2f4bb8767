// What the button listeners of every kind of item share: where the card lives, how an action's
// outcome is shown, opening a form on an item, and its details.
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { listValue, type ListPosition, type ModalMetadata } from '../../blocks/actions';
import { renderInboxItemModal } from '../../blocks/inboxList';
import { renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import type { ActionOutcome, Authorization } from '../../decisions/actionPipeline';
import type { Decisions } from '../../decisions/decision';
import type { InboxItem } from '../../inbox/inbox';
import { inboxStart, type Presenter, type Surface } from '../presenter';
import type { ActionArgs } from '../router';
import { TtlCache } from '../../cache';

export type ButtonArgs = ActionArgs<BlockAction<ButtonAction>>;

/** The card's surface: the Home tab (on the page it was shown), a modal, or a message redrawn through this click's response_url. */
export function surfaceOf({ body, respond }: ButtonArgs, list?: ListPosition): Surface {
  if (body.view?.type === 'home') return { kind: 'home', userId: body.user.id, start: inboxStart(list) };
  if (body.view?.type === 'modal') return { kind: 'modal', viewId: body.view.id, triggerId: body.trigger_id };
  return { kind: 'message', respond, ...(list ? { list } : {}) };
}

/** The card's item, of whichever kind, and what users call it ("work item", "access request", "approval"). */
export interface ItemView<I> {
  entry(item: I): InboxItem;
  noun: string;
}

/** How long a person's repeats of one action on one item share a single "already" notice. */
export const REPEAT_NOTICE_MS = 10_000;

/**
 * Which repeats (a duplicate outcome) have been told lately, by person and action on an item: the
 * first is told; the ones after it within REPEAT_NOTICE_MS are not, as each would be another
 * identical ephemeral message (or, on the Home tab, a republish with its ISC reads) for clicks that
 * changed nothing. In this process only: with replicas, a person is told at most once by each.
 */
export class RepeatNotices {
  private readonly told: TtlCache<string, true>;

  constructor(now: () => number = Date.now) {
    this.told = new TtlCache(10_000, now);
  }

  /** True (and noted) when this repeat is the first of `key` within REPEAT_NOTICE_MS. */
  first(key: string): boolean {
    if (this.told.peek(key)) return false;
    this.told.set(key, true, REPEAT_NOTICE_MS);
    return true;
  }
}

/**
 * Redraws the card after an action, or tells the user why nothing happened. `who.repeatKey` names the
 * action on the item (e.g. `approve:w1:a1`): with `notices`, repeats of it are told once per REPEAT_NOTICE_MS.
 */
export async function showOutcome<I>(
  presenter: Presenter,
  surface: Surface,
  args: Pick<ButtonArgs, 'client'>,
  who: { actor: string; subject: string; repeatKey?: string },
  outcome: ActionOutcome<I>,
  view: ItemView<I>,
  notices?: RepeatNotices,
): Promise<void> {
  const { client } = args;
  switch (outcome.status) {
    case 'done':
      return presenter.redraw(surface, client, who.actor, who.subject, view.entry(outcome.item), outcome.decisions);
    case 'already_decided': {
      const notice = outcome.unconfirmed
        ? `ISC's answer was lost, but ISC now shows that ${view.noun} decided: most likely your click went through. Here it is as it is now.`
        : `That ${view.noun} was already decided; here it is as it is now.`;
      return presenter.redraw(surface, client, who.actor, who.subject, view.entry(outcome.item), outcome.decisions, notice);
    }
    case 'duplicate':
      if (notices && who.repeatKey && !notices.first(`${who.actor}:${who.repeatKey}`)) return;
      return presenter.notify(surface, client, outcome.done ? 'You already did that; it went through once in ISC.' : 'That click is already being processed; it will be applied once.', 'info');
    case 'refused':
      return presenter.notify(surface, client, outcome.message, 'warning');
    case 'failed':
      return presenter.notify(surface, client, outcome.message, 'error');
  }
}

/** private_metadata of a form opened from a card: the item, whose list it was, and where to redraw the card. */
export function formMetadata(args: ButtonArgs, presenter: Presenter, item: { w: string } | { i: string }, named: { u?: string; list?: ListPosition }): ModalMetadata {
  const { body } = args;
  const subject = presenter.subjectFor(body.user.id, named.u);
  return {
    ...item,
    ...(subject !== body.user.id ? { u: subject } : {}),
    ...(body.view?.type === 'home' ? { h: true } : { r: body.response_url }),
    ...listValue(named.list),
  };
}

export interface FormSpec<I> {
  /** The modal's title while it loads and when it only says why not (≤ 24 characters). */
  title: string;
  authorize(): Promise<Authorization<I>>;
  /** Why the item can no longer take the form (decided, say), or undefined. */
  closed(item: I): string | undefined;
  render(item: I): ModalView | Promise<ModalView>;
}

/**
 * Opens a form on an item. trigger_id lives 3 s, so the modal opens first with a loading view and is
 * filled in once ISC has answered the permission check (the live read of the item).
 */
export async function openForm<I>(args: ButtonArgs, presenter: Presenter, spec: FormSpec<I>): Promise<void> {
  const { body, client } = args;
  const opened = await client.views.open({ trigger_id: body.trigger_id, view: renderLoadingModal(spec.title) });
  const viewId = opened.view?.id;
  if (!viewId) return;
  let view: ModalView;
  try {
    const auth = await spec.authorize();
    const closed = auth.ok ? spec.closed(auth.item) : undefined;
    view = !auth.ok ? renderModalMessage(spec.title, auth.message) : closed ? renderModalMessage(spec.title, closed) : await spec.render(auth.item);
  } catch (e) {
    view = renderModalMessage(spec.title, presenter.errorText(e, 'open that item'));
  }
  await client.views.update({ view_id: viewId, view });
}

/** Details: the item in full, to its owner or an admin; ephemeral under a message, a modal over the Home tab. */
export async function showDetails<I>(
  args: ButtonArgs,
  presenter: Presenter,
  named: { u?: string },
  read: { authorize(): Promise<Authorization<I>>; decisions(): Promise<Decisions> },
  view: ItemView<I>,
): Promise<void> {
  const actor = args.body.user.id;
  const surface = surfaceOf(args);
  try {
    const auth = await read.authorize();
    if (!auth.ok) return presenter.notify(surface, args.client, auth.message, 'warning');
    const decisions = await read.decisions();
    const subject = presenter.subjectFor(actor, named.u);
    const entry = view.entry(auth.item);
    if (surface.kind === 'message') {
      const message = await presenter.detailMessage(actor, entry, decisions, subject);
      await surface.respond({ ...message, replace_original: false, response_type: 'ephemeral' });
    } else {
      const opts = await presenter.cardOptions(actor, subject);
      await args.client.views.open({ trigger_id: args.body.trigger_id, view: renderInboxItemModal(entry, { ...opts, decisions }) });
    }
  } catch (e) {
    await presenter.notify(surface, args.client, presenter.errorText(e, `get that ${view.noun}`), 'error');
  }
}
