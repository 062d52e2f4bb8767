// Generic approvals as the bot sees them: pure facts about one approval, shared by the service and
// the card that draws it.
import type { Approval, ApprovalDescription, ApprovalIdentity, ApprovalName } from '../isc/types';

/**
 * The text of a localized `name[]` / `description[]` for a locale: the exact locale, else the same
 * language, else English, else the first; undefined when there is none.
 */
export function localizedText(values: Array<ApprovalName | ApprovalDescription> | undefined, locale = 'en-US'): string | undefined {
  const usable = (values ?? []).filter((v): v is { value: string; locale?: string } => typeof v?.value === 'string' && v.value !== '');
  // ISC writes both `en-US` and `en_US`.
  const norm = (l: string | undefined) => l?.toLowerCase().replace(/_/g, '-');
  const lang = (l: string | undefined) => norm(l)?.split('-')[0];
  return (
    usable.find((v) => norm(v.locale) === norm(locale)) ??
    usable.find((v) => lang(v.locale) === lang(locale)) ??
    usable.find((v) => lang(v.locale) === 'en') ??
    usable[0]
  )?.value;
}

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


/** How many approvers' places (seats) the approval has: its approvers, else those it waits on. A governance group is one. */
export function approverSeats(a: Approval): number {
  return (a.approvers?.length ? a.approvers : (a.assignedTo ?? [])).length;
}

/**
 * Why the bot cannot decide the approval for the person who clicks, or undefined when it can. With
 * several seats, ISC records a decision by someone who is not an approver (the bot's service
 * identity, an admin) in one approver's seat, which may not be the clicker's and may complete a quorum
 * without the others: such an approval is decided from Slack only by an approver, as themselves.
 * `how`: how the decision would reach ISC. mrkdwn-safe.
 */
export function quorumRefusal(a: Approval, how: 'own' | 'service' | 'connect' | 'for-another'): string | undefined {
  const seats = approverSeats(a);
  if (seats <= 1 || how === 'own') return undefined;
  const why = `This approval has ${seats} approvers, and ISC would record a decision by ${how === 'for-another' ? 'you' : "the bot's own account"} in one of their places, possibly not yours, which could complete it without the others.`;
  const instead =
    how === 'service'
      ? 'Decide it in ISC instead.'
      : how === 'connect'
        ? 'Run `/workitems connect` to connect your ISC account, so that it is decided as you, or decide it in ISC.'
        : 'Only its approvers decide it here, each as themselves.';
  return `${why} ${instead} Nothing was changed in ISC.`;
}
