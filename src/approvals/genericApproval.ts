// Generic approvals as the bot sees them: pure facts about one approval, shared by the service and
// the card that draws it.
import { localizedText } from '../isc/genericApprovals';
import type { Approval, ApprovalIdentity } from '../isc/types';

/** The identities an approval waits on now: `assignedTo`, governance groups by their members. */
export function assignedIdentityIds(a: Approval): string[] {
  const ids = (a.assignedTo ?? []).flatMap((i: ApprovalIdentity) => [i.identityID, ...(i.members ?? []).map((m) => m.id)]);
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
}

/**
 * Whose approval it is for the permission check: while pending, those it waits on; once complete,
 * everyone who had a part in it (its approvers, those who decided, those it was taken from), so that
 * they see it decided rather than "not yours".
 */
export function ownerIdentityIds(a: Approval): string[] {
  if (!a.completedDate) return assignedIdentityIds(a);
  const ids = [
    ...(a.approvers ?? []).flatMap((i) => [i.identityID, ...(i.members ?? []).map((m) => m.id)]),
    ...[...(a.approvedBy ?? []), ...(a.rejectedBy ?? [])].map((r) => r.identityID),
    ...(a.reassignmentHistory ?? []).map((r) => r.reassignedFrom?.identityID),
  ];
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
}

/** Pending: an Approval has no status field; it is pending until ISC sets its completedDate. */
export const isPendingApproval = (a: Approval): boolean => !a.completedDate;

/** Whether ISC refuses this decision without a comment (approvalConfig.requiresComment). */
export function commentRequired(a: Approval, verdict: 'approve' | 'reject'): boolean {
  const needs = a.approvalConfig?.requiresComment;
  return needs === 'ALL' || needs === (verdict === 'approve' ? 'APPROVAL' : 'REJECTION');
}

/** The approval's name in the viewer's locale (or the first), for logs, the audit trail and plain text. */
export const approvalName = (a: Approval, locale?: string): string | undefined => localizedText(a.name, locale);

