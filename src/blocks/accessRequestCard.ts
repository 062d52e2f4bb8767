import type { Button, KnownBlock } from '@slack/types';
import { awaitsDecision, isCompletedApproval, sodViolations, type AccessRequestApproval } from '../approvals/accessRequestApproval';
import { type Decision, WHOLE_ITEM } from '../decisions/decision';
import type { ApprovalForwardHistory, CommentDto, PendingApproval, SodExemptCriteria, SodViolationContext } from '../isc/types';
import { ACTION, AR_ACTION, encodeValue, isValidId, listValue } from './actions';
import { COMPACT_TEXT_CHARS, ISC_UI_PAGES, VALUE_CHARS, cardBlockId, commentLine, fitFullCard, iscUiUrl, listText, personName } from './cardParts';
import { decisionLine, settlingDecision } from './decisions';
import { LIMITS, MESSAGE_BUDGET, actionsBlock, button, contextBlock, field, header, section } from './limits';
import { escapeTruncate, plural } from './mrkdwn';
import { age, slackDate } from './time';
import type { RenderCardOptions } from './types';

/** The most blocks a compact access-request card takes: SoD, head, status, buttons. */
export const COMPACT_AR_CARD_MAX_BLOCKS = 4;
const COMPACT_VIOLATIONS = 2;

const OBJECT_TYPES: Record<string, string> = { ROLE: 'Role', ACCESS_PROFILE: 'Access profile', ENTITLEMENT: 'Entitlement' };
const REQUEST_TYPES: Record<string, string> = { GRANT_ACCESS: '➕ Grant access', REVOKE_ACCESS: '➖ Revoke access', MODIFY_ACCESS: '✏️ Modify access' };
const IN_PROCESS: Record<string, string> = {
  APPROVED: 'an approval',
  REJECTED: 'a rejection',
  FORWARDED: 'a forward',
};

/** The requested object's name, or the approval's (plain text, not escaped). */
export function accessRequestTitle(a: AccessRequestApproval): string {
  return a.requestedObject?.name?.trim() || a.name?.trim() || 'Access request';
}

interface Model {
  a: AccessRequestApproval;
  opts: RenderCardOptions;
  key: string;
  title: string;
  whole?: Decision;
  live: boolean;
  violations: SodViolationContext[];
  sodFailed: boolean;
}

function model(a: AccessRequestApproval, opts: RenderCardOptions): Model {
  const whole = opts.decisions?.[WHOLE_ITEM];
  const live = awaitsDecision(a) && !settlingDecision(whole, a.owner?.id, opts.subjectIdentityId) && isValidId(a.id);
  return { a, opts, key: `ar.${a.id ?? 'item'}`, title: accessRequestTitle(a), whole, live, violations: sodViolations(a), sodFailed: a.sodViolationContext?.state === 'ERROR' };
}

function value(m: Model): string {
  const { subjectSlackUserId: u, list } = m.opts;
  return encodeValue({ i: m.a.id!, ...(u ? { u } : {}), ...listValue(list) });
}

const criteria = (list: SodExemptCriteria[] | undefined) => (list ?? []).map((c) => escapeTruncate(c.name ?? c.id, 100, 'unknown')).join(', ');

/** "*Create and approve payments*: has AP Invoice Entry · would get AP Payment Approval". */
function violationLine(v: SodViolationContext): string {
  const policy = `*${escapeTruncate(v.policy?.name ?? v.policy?.id, VALUE_CHARS, 'an SoD policy')}*`;
  const sides = [v.conflictingAccessCriteria?.leftCriteria?.criteriaList, v.conflictingAccessCriteria?.rightCriteria?.criteriaList];
  const has = sides.flatMap((l) => (l ?? []).filter((c) => c.existing));
  const gets = sides.flatMap((l) => (l ?? []).filter((c) => !c.existing));
  const parts = [has.length ? `has ${criteria(has)}` : '', gets.length ? `would get ${criteria(gets)}` : ''].filter(Boolean);
  return `${policy}${parts.length ? `: ${parts.join(' · ')}` : ''}`;
}

/** The SoD call-out, first on the card: where the eye goes. */
function sodBlocks(m: Model, compact: boolean): KnownBlock[] {
  if (m.sodFailed) return [section('⚠️ *The SoD check of this request failed in ISC*: check for violations there before approving.', cardBlockId(m.key, 'sod'))];
  return m.violations.length ? [section(sodText(m.violations, compact), cardBlockId(m.key, 'sod'))] : [];
}

/** The violations as the call-out says them (mrkdwn); compact lists the first few. */
function sodText(violations: SodViolationContext[], compact: boolean): string {
  const n = violations.length;
  const title = `🚨 *Separation-of-duties violation* — approving breaks ${n === 1 ? 'an SoD policy' : `${n} SoD policies`}`;
  const lines = violations.map(violationLine);
  return compact
    ? [title, ...lines.slice(0, COMPACT_VIOLATIONS).map((l) => `• ${l}`), ...(n > COMPACT_VIOLATIONS ? [`… and ${n - COMPACT_VIOLATIONS} more: press *Details*`] : [])].join('\n')
    : listText(title, lines.map((l) => `• ${l}`), 'more violation');
}

/** The SoD call-out of an approval with violations (for the approve form), or undefined. */
export function accessRequestSodText(a: AccessRequestApproval): string | undefined {
  const violations = sodViolations(a);
  return violations.length ? sodText(violations, false) : undefined;
}

const objectType = (a: AccessRequestApproval) => OBJECT_TYPES[a.requestedObject?.type ?? ''] ?? escapeTruncate(a.requestedObject?.type, 50, 'Access');
const requestType = (a: AccessRequestApproval) => REQUEST_TYPES[a.requestType ?? ''] ?? '➕ Grant access';

/** "For Ben · requested by Maya" (or "Requested by Ben for themselves"). */
function whoLine(a: AccessRequestApproval): string {
  const forWhom = personName(a.requestedFor?.name, a.requestedFor?.id);
  if (a.requester?.id && a.requester.id === a.requestedFor?.id) return `Requested by *${forWhom}* for themselves`;
  return `For *${forWhom}* · requested by ${personName(a.requester?.name, a.requester?.id)}`;
}

function datesLine(m: Model): string[] {
  const { a, opts } = m;
  const pending = a as PendingApproval;
  return [
    a.privilegeLevel ? `Privilege level: *${escapeTruncate(a.privilegeLevel, 50)}*` : '',
    a.startDate ? `Starts ${slackDate(a.startDate, opts.viewer, 'date')}` : '',
    pending.removeDate ? `Removed ${slackDate(pending.removeDate, opts.viewer, 'date')}` : '',
  ].filter(Boolean);
}

function requesterComment(c: CommentDto | undefined, max: number): string | undefined {
  if (!c?.comment?.trim()) return undefined;
  return `💬 “${escapeTruncate(c.comment, max)}” — ${personName(c.author?.name, c.author?.id)}`;
}

/** What happened to the approval, when it is no longer waiting on a decision. */
function statusLine(m: Model): string | undefined {
  const { a, whole, opts } = m;
  if (whole) {
    const line = decisionLine(whole, opts.viewer);
    return awaitsDecision(a) || isCompletedApproval(a) ? line : `${line} — sent to ISC, which carries it out shortly`;
  }
  if (isCompletedApproval(a)) {
    const verdict = a.state === 'APPROVED' ? '✅ Approved' : '❌ Rejected';
    const by = a.reviewedBy?.name || a.reviewedBy?.id ? ` by ${personName(a.reviewedBy?.name, a.reviewedBy?.id)}` : '';
    return `${verdict}${by} in ISC · ${slackDate(a.modified, opts.viewer)}`;
  }
  const pending = a as PendingApproval;
  if (pending.actionInProcess) return `⏳ ISC is carrying out ${IN_PROCESS[pending.actionInProcess] ?? 'a decision'} on this request`;
  return undefined;
}

function buttons(m: Model): Button[] {
  const out: Button[] = [];
  if (m.live) {
    // With an SoD violation the one approve path is the form that shows it and takes a justification.
    const approve = m.violations.length
      ? [button({ actionId: AR_ACTION.approveWithComment, text: 'Approve…', style: 'primary', value: value(m) })]
      : [button({ actionId: AR_ACTION.approve, text: 'Approve', style: 'primary', value: value(m) }), button({ actionId: AR_ACTION.approveWithComment, text: 'Approve with comment', value: value(m) })];
    out.push(
      ...approve,
      button({ actionId: AR_ACTION.reject, text: 'Reject', style: 'danger', value: value(m) }),
      button({ actionId: AR_ACTION.forward, text: 'Forward', value: value(m) }),
    );
  }
  if (m.opts.mode === 'compact' && isValidId(m.a.id)) out.push(button({ actionId: AR_ACTION.details, text: 'Details', value: value(m) }));
  if (m.opts.iscUiBaseUrl) out.push(button({ actionId: ACTION.openInIsc, text: 'Open in ISC', url: iscUiUrl(m.opts.iscUiBaseUrl, ISC_UI_PAGES.accessRequestApprovals) }));
  return out;
}

function compactCard(m: Model): KnownBlock[] {
  const { a, opts } = m;
  const extra = [
    (a.previousReviewersComments?.length ?? 0) > 0 ? `📝 ${plural(a.previousReviewersComments!.length, 'earlier comment')}` : '',
    (a.forwardHistory?.length ?? 0) > 0 ? `➡️ forwarded ${plural(a.forwardHistory!.length, 'time')}` : '',
  ].filter(Boolean);
  const head = [
    `🔑 *${escapeTruncate(m.title, VALUE_CHARS)}* — ${objectType(a)} · ${requestType(a)}`,
    `${whoLine(a)} · ${age(a.created, opts.viewer)} ago`,
    datesLine(m).join(' · '),
    escapeTruncate(a.requestedObject?.description, COMPACT_TEXT_CHARS),
    requesterComment(a.requesterComment, COMPACT_TEXT_CHARS),
    extra.length ? `${extra.join(' · ')} — press *Details*` : '',
    statusLine(m),
  ];
  const blocks: KnownBlock[] = [...sodBlocks(m, true), section(head.filter(Boolean).join('\n'), cardBlockId(m.key, 'head'))];
  const b = buttons(m);
  if (b.length) blocks.push(actionsBlock(b, cardBlockId(m.key, 'actions')));
  return blocks;
}

function historyLine(h: ApprovalForwardHistory, m: Model): string {
  const hop = `${personName(h.oldApproverName)} → ${personName(h.newApproverName)}`;
  const by = h.forwarderName ? ` by ${personName(h.forwarderName)}` : h.reassignmentType && h.reassignmentType !== 'MANUAL_REASSIGNMENT' ? ` (${escapeTruncate(h.reassignmentType.toLowerCase().replace(/_/g, ' '), 50)})` : '';
  const when = h.modified ? ` · ${slackDate(h.modified, m.opts.viewer)}` : '';
  return `• ${hop}${by}${when}${h.comment?.trim() ? `: “${escapeTruncate(h.comment, 300)}”` : ''}`;
}

function fullCard(m: Model): KnownBlock[] {
  const { a, opts } = m;
  const viewer = opts.viewer;
  const pending = a as PendingApproval;
  const accounts = (a.requestedAccounts ?? []).map((r) => escapeTruncate(`${r.name ?? r.accountId ?? '?'}${r.sourceName ? ` (${r.sourceName})` : ''}`, 100));
  const duration = a.maxPermittedAccessDuration?.value ? `${a.maxPermittedAccessDuration.value} ${escapeTruncate(a.maxPermittedAccessDuration.timeUnit?.toLowerCase(), 20, 'units')}` : '';
  const fields = [
    field('Access', `${objectType(a)} · ${requestType(a)}`),
    field('Requested for', personName(a.requestedFor?.name, a.requestedFor?.id)),
    field('Requested by', personName(a.requester?.name, a.requester?.id)),
    field('Approver', personName(a.owner?.name, a.owner?.id)),
    field('Requested', `${slackDate(a.created, viewer)} (${age(a.created, viewer)} ago)`),
    ...(a.privilegeLevel ? [field('Privilege level', escapeTruncate(a.privilegeLevel, 50))] : []),
    ...(a.startDate ? [field('Start date', slackDate(a.startDate, viewer, 'date'))] : []),
    ...(pending.removeDate ? [field('Remove date', slackDate(pending.removeDate, viewer, 'date'))] : []),
    ...(duration ? [field('Longest allowed', duration)] : []),
    ...(accounts.length ? [field('Accounts', accounts.slice(0, 5).join(', ') + (accounts.length > 5 ? ` and ${accounts.length - 5} more` : ''))] : []),
  ].slice(0, LIMITS.fields);
  const head: KnownBlock[] = [
    header(m.title, cardBlockId(m.key, 'title')),
    ...sodBlocks(m, false),
    { type: 'section', block_id: cardBlockId(m.key, 'fields'), fields },
  ];
  const status = m.live && a.commentRequiredWhenRejected ? '✍️ ISC requires a reason to reject this request.' : statusLine(m);
  const b = buttons(m);
  const tail: KnownBlock[] = [...(status ? [contextBlock(status, cardBlockId(m.key, 'status'))] : []), ...(b.length ? [actionsBlock(b, cardBlockId(m.key, 'actions'))] : [])];
  const reviewers = (a.previousReviewersComments ?? []).map((c) => commentLine(personName(c.author?.name, c.author?.id), c.created, c.comment, viewer));
  const history = (a.forwardHistory ?? []).map((h) => historyLine(h, m));
  const parts: KnownBlock[][] = [
    a.requestedObject?.description?.trim() ? [section(escapeTruncate(a.requestedObject.description, 1500), cardBlockId(m.key, 'desc'))] : [],
    a.requesterComment?.comment?.trim() ? [section(requesterComment(a.requesterComment, 1000)!, cardBlockId(m.key, 'reason'))] : [],
    reviewers.length ? [section(listText("*Earlier reviewers' comments*", reviewers, 'more comment'), cardBlockId(m.key, 'reviews'))] : [],
    history.length ? [section(listText('*Forward history*', history, 'more forward'), cardBlockId(m.key, 'history'))] : [],
  ].filter((p) => p.length);
  return fitFullCard(head, parts, tail, opts.budget ?? MESSAGE_BUDGET);
}

/**
 * An access-request approval as blocks: compact for lists (at most COMPACT_AR_CARD_MAX_BLOCKS), full
 * with every detail. SoD violations come first; buttons only while ISC waits on a decision.
 */
export function renderAccessRequestCard(a: AccessRequestApproval, opts: RenderCardOptions): KnownBlock[] {
  const m = model(a, opts);
  return opts.mode === 'compact' ? compactCard(m) : fullCard(m);
}

