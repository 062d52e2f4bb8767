// How a decision taken in the bot reads on a card, for any kind of item (work items, access-request
// and generic approvals): the line "✅ Approved by @ada · when", and whether it settles the card.
import { type Decision, type DecisionKind, isHandOver } from '../decisions/decision';
import { escapeTruncate, userMention } from './mrkdwn';
import { slackDate } from './time';
import type { Viewer } from './types';

export const DECISION_LABELS: Record<DecisionKind, string> = {
  approved: '✅ Approved',
  rejected: '❌ Rejected',
  forwarded: 'Forwarded',
  reassigned: 'Reassigned',
  completed: '✅ Completed',
  accounts_submitted: '✅ Accounts submitted',
};

/**
 * e.g. "✅ Approved by <@U1> · <!date^…>" or "Forwarded to <@U9> by <@U1> · …"; "by you" when `me`
 * (the Slack user looking at the card) took it.
 */
export function decisionLine(decision: Decision, viewer: Viewer, me?: string): string {
  const target = decision.forwardedTo;
  const to =
    isHandOver(decision) && target
      ? ` to ${target.slackUserId ? userMention(target.slackUserId) : escapeTruncate(target.name, 200, 'someone')}`
      : '';
  const by = me !== undefined && me === decision.bySlackUserId ? 'you' : userMention(decision.bySlackUserId);
  return `${DECISION_LABELS[decision.kind]}${to} by ${by} · ${slackDate(decision.at, viewer)}`;
}

/**
 * The decision on a whole item that leaves nothing to do on this card, if any. A forward (or a
 * reassign) is not a final decision: it settles the item only on the cards of someone who no longer
 * owns it (the old owner's list, DM, detail view), while its new owner (whose queue the card is in) acts at once.
 * `subjectIdentityId`: the ISC identity whose items the card is shown among; when unknown, a forward
 * settles nothing and the click's own permission check decides.
 */
export function settlingDecision(whole: Decision | undefined, ownerId: string | null | undefined, subjectIdentityId: string | undefined): Decision | undefined {
  if (!whole || !isHandOver(whole)) return whole;
  return subjectIdentityId !== undefined && subjectIdentityId !== ownerId ? whole : undefined;
}
