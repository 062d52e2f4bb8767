// Access reviews as the bot sees them: pure facts about a certification and its items, shared by
// the service and the builders.
import type { AccessReviewItem, CertificationDecision, IdentityCertificationDto } from '../isc/types';

export const isSigned = (c: IdentityCertificationDto): boolean => c.phase === 'SIGNED' || Boolean(c.signed);
export const decidedCount = (c: IdentityCertificationDto): number => c.decisionsMade ?? 0;
export const undecidedCount = (c: IdentityCertificationDto): number => Math.max((c.decisionsTotal ?? 0) - (c.decisionsMade ?? 0), 0);

/**
 * A reviewer behind on a certification: items still undecided, and either overdue or with a smaller
 * share decided than the share of its time (from creation to due date) already gone.
 */
export function isBehind(c: IdentityCertificationDto, now: Date): boolean {
  if (isSigned(c) || c.completed || undecidedCount(c) === 0) return false;
  const due = Date.parse(c.due ?? '');
  const created = Date.parse(c.created ?? '');
  if (Number.isNaN(due)) return false;
  if (now.getTime() >= due) return true;
  if (Number.isNaN(created) || created >= due) return false;
  return decidedCount(c) / (c.decisionsTotal ?? 1) < (now.getTime() - created) / (due - created);
}

/** Whether the campaign asks for a comment on this decision (mandatoryCommentRequirement). */
export function commentRequired(c: IdentityCertificationDto, decision: CertificationDecision): boolean {
  const need = c.campaign?.mandatoryCommentRequirement;
  return need === 'ALL_DECISIONS' || (need === 'REVOKE_ONLY_DECISIONS' && decision === 'REVOKE');
}

/** ISC's rule: nobody certifies their own access (the reviewer's, or an admin's acting for them). */
export function isOwnAccess(item: AccessReviewItem, c: IdentityCertificationDto, actorIdentityId?: string): boolean {
  const whose = item.identitySummary?.identityId;
  return Boolean(whose) && (whose === c.reviewer?.id || whose === actorIdentityId);
}

/** The access an item reviews: its name, what kind, and its source. */
export function accessOf(item: AccessReviewItem): { name?: string; type?: string; source?: string; privileged: boolean; usageDays?: number } {
  const s = item.accessSummary;
  const ent = s?.entitlement ?? s?.accessProfile?.entitlements?.[0];
  const privileged = Boolean(s?.entitlement?.privileged || s?.accessProfile?.privileged || s?.role?.privileged);
  const usage = s?.entitlement?.account?.activityInsights;
  return {
    name: s?.access?.name ?? s?.entitlement?.name ?? s?.accessProfile?.name ?? s?.role?.name,
    type: s?.access?.type,
    source: ent?.sourceName,
    privileged,
    ...(usage?.usageDaysState === 'COMPLETE' && typeof usage.usageDays === 'number' ? { usageDays: usage.usageDays } : {}),
  };
}

/** Who decided one review item through the bot. */
export interface ItemDecision {
  decision: CertificationDecision;
  bySlackUserId: string;
  at: string;
  /** Claimed, the request to ISC still under way (or its answer lost). */
  pending?: true;
}

/** One page of a review: the certification, the items shown, and where the page starts in "undecided first" order. */
export interface ReviewPage {
  certification: IdentityCertificationDto;
  items: AccessReviewItem[];
  offset: number;
  decisions: Record<string, ItemDecision>;
}

/** ISC's longest comment the bot sends (the audit trail keeps 2000 too). */
export const MAX_COMMENT = 2000;
