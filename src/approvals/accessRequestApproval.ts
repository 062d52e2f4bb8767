// Access-request approvals as the bot sees them: pure facts about one approval, shared by the
// service and the card that draws it.
import type { CompletedApproval, PendingApproval, SodViolationContext } from '../isc/types';

/** An access-request approval as the bot shows it: pending (possibly with a decision in process) or completed. */
export type AccessRequestApproval = PendingApproval | CompletedApproval;

/** ISC's bounds on a forward's comment (ForwardApprovalDto). */
export const FORWARD_COMMENT_MAX = 255;

export function isCompletedApproval(a: AccessRequestApproval): a is CompletedApproval {
  const state = (a as CompletedApproval).state;
  return state === 'APPROVED' || state === 'REJECTED';
}

/**
 * Still waiting on its approver: not completed, and no decision under way. ISC answers a decision
 * with 202 and carries it out shortly after; meanwhile the pending list shows `actionInProcess`.
 */
export function awaitsDecision(a: AccessRequestApproval): a is PendingApproval {
  return !isCompletedApproval(a) && !(a as PendingApproval).actionInProcess;
}


/** The SoD policies approving would break, as ISC's check found them (a policy named without its context still is one). */
export function sodViolations(a: AccessRequestApproval): SodViolationContext[] {
  const result = a.sodViolationContext?.violationCheckResult;
  const contexts = result?.violationContexts ?? [];
  return contexts.length ? contexts : (result?.violatedPolicies ?? []).map((policy) => ({ policy }));
}

/** Approving despite an SoD violation takes a justification, on every path (card, form, DM, forged click). */
export function needsSodJustification(a: AccessRequestApproval): boolean {
  return sodViolations(a).length > 0;
}
