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
}

/**
 * Separation of duties for decisions taken from Slack: nobody decides, for another owner, an item they
 * requested or that is requested for them (bot admins included). An owner deciding their own item is
 * left to ISC's own rules. An actor with no ISC identity acting for someone cannot be checked, so is
 * refused too. Returns why a decision is refused (mrkdwn-safe), or undefined.
 */
export function selfDecisionRefusal(parties: DecisionParties, noun: string): string | undefined {
  const { actorIdentityId: actor, ownerId } = parties;
  if (actor && actor === ownerId) return undefined;
  const unchanged = 'Nothing was changed in ISC.';
  if (!actor) {
    return `Your Slack user maps to no ISC identity, so the bot cannot check that you did not request this ${noun}, and does not let you decide it for its owner. ${unchanged}`;
  }
  if (actor === parties.requesterId) {
    return `You requested this ${noun}, so you may not decide it for its owner (separation of duties). ${unchanged} Its owner or another approver has to decide it.`;
  }
  if (actor === parties.requestedForId) {
    return `This ${noun} is requested for you, so you may not decide it for its owner (separation of duties). ${unchanged} Its owner or another approver has to decide it.`;
  }
  return undefined;
}
