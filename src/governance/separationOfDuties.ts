import { capitalise, escapeMrkdwn } from '../blocks/mrkdwn';

/**
 * Who stands where around one decision, by ISC identity id. Kind-neutral: a work item, an
 * access-request approval or a generic approval fills in what it knows.
 */
export interface DecisionParties {
  /** The ISC identity of the Slack user deciding; null or undefined when they map to none. */
  actorIdentityId: string | null | undefined;
  /** The item's current owner (its approver). */
  ownerId: string | null | undefined;
  requesterId?: string | null;
  /** Whom the access is for, where the item says. */
  requestedForId?: string | null;
  /** Whom a forward or reassignment hands the item to. */
  target?: { identityId: string; name?: string };
}

/**
 * Separation of duties for decisions taken from Slack: nobody decides, forwards or reassigns an item
 * they requested or that is requested for them, whether as its owner or for another owner (bot admins
 * included), and nobody hands an item to the person who requested it or whom it is for. The bot checks
 * this itself because ISC may see only the service identity act. An actor with no ISC identity acting
 * for someone cannot be checked, so is refused too. Returns why a decision is refused (mrkdwn-safe), or undefined.
 */
export function selfDecisionRefusal(parties: DecisionParties, noun: string): string | undefined {
  const { actorIdentityId: actor, ownerId, requesterId, requestedForId, target } = parties;
  const unchanged = 'Nothing was changed in ISC.';
  if (!actor) {
    return `Your Slack user maps to no ISC identity, so the bot cannot check that you did not request this ${noun}, and does not let you decide it for its owner. ${unchanged}`;
  }
  const own = actor === ownerId;
  const why = actor === requesterId ? `You requested this ${noun}` : actor === requestedForId ? `This ${noun} is requested for you` : undefined;
  if (why) {
    return own
      ? `${why}, so you may not decide, forward or reassign it yourself (separation of duties). ${unchanged} Ask an ISC admin to give it to another approver.`
      : `${why}, so you may not decide it for its owner (separation of duties). ${unchanged} Its owner or another approver has to decide it.`;
  }
  if (target) {
    const name = target.name ? escapeMrkdwn(target.name) : 'that person';
    const whose = target.identityId === requesterId ? `${capitalise(name)} requested this ${noun}` : target.identityId === requestedForId ? `This ${noun} is for ${name}` : undefined;
    if (whose) return `${whose}, so it cannot be handed to them (separation of duties). ${unchanged} Pick someone else.`;
  }
  return undefined;
}
