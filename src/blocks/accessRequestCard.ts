import type { Button, KnownBlock } from '@slack/types';
import { awaitsDecision, isCompletedApproval, sodViolations, type AccessRequestApproval } from '../approvals/accessRequestApproval';
import { type Decision, WHOLE_ITEM } from '../decisions/decision';
import type { ApprovalForwardHistory, CommentDto, PendingApproval, SodExemptCriteria, SodViolationContext } from '../isc/types';
import { ACTION, AR_ACTION, encodeValue, isValidId, listValue } from './actions';
import { COMPACT_TEXT_CHARS, ISC_UI_PAGES, VALUE_CHARS, cardBlockId, commentLine, COMPACT_CARD_BLOCKS, compactCardBlocks, fitFullCard, iscUiUrl, listText, outcomeHeadline, personName, typeWords, waitingText, type MoreOption } from './cardParts';
import { decisionLine, settlingDecision } from './decisions';
import { LIMITS, MESSAGE_BUDGET, actionsBlock, button, contextBlock, field, header, section } from './limits';
import { escapeTruncate } from './mrkdwn';
import { age, slackDate } from './time';
import type { RenderCardOptions, Viewer } from './types';

/** The most blocks a compact access-request card takes: its text, its context line, its buttons. */
export const COMPACT_AR_CARD_MAX_BLOCKS = COMPACT_CARD_BLOCKS;

const REQUEST_TYPES: Record<string, string> = { GRANT_ACCESS: 'grant access', REVOKE_ACCESS: 'revoke access', MODIFY_ACCESS: 'modify access' };
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
function sodBlocks(m: Model): KnownBlock[] {
  if (m.sodFailed) return [section('🚨 *The SoD check of this request failed in ISC*: check for violations there before approving.', cardBlockId(m.key, 'sod'))];
  return m.violations.length ? [section(sodText(m.violations), cardBlockId(m.key, 'sod'))] : [];
}

/** The violations as the call-out says them (mrkdwn); compact lists the first few. */
function sodText(violations: SodViolationContext[]): string {
  const n = violations.length;
  const title = `🚨 *Separation-of-duties violation* — approving breaks ${n === 1 ? 'an SoD policy' : `${n} SoD policies`}`;
  const lines = violations.map(violationLine);
  return listText(title, lines.map((l) => `• ${l}`), 'more violation');
}

/** The SoD call-out of an approval with violations (for the approve form), or undefined. */
export function accessRequestSodText(a: AccessRequestApproval): string | undefined {
  const violations = sodViolations(a);
  return violations.length ? sodText(violations) : undefined;
}

const objectType = (a: AccessRequestApproval) => typeWords(a.requestedObject?.type);
const requestType = (a: AccessRequestApproval) => REQUEST_TYPES[a.requestType ?? ''] ?? 'grant access';

function requesterComment(c: CommentDto | undefined, max: number): string | undefined {
  if (!c?.comment?.trim()) return undefined;
  return `“${escapeTruncate(c.comment, max)}” — ${personName(c.author?.name, c.author?.id)}`;
}

/** What happened to the approval, when it is no longer waiting on a decision. */
function statusLine(m: Model): string | undefined {
  const { a, whole, opts } = m;
  if (whole) {
    const line = decisionLine(whole, opts.viewer, opts.viewerSlackUserId);
    return awaitsDecision(a) || isCompletedApproval(a) ? line : `${line} — sent to ISC, which carries it out shortly`;
  }
  if (isCompletedApproval(a)) {
    const verdict = a.state === 'APPROVED' ? '✅ Approved' : '❌ Rejected';
    const by = a.reviewedBy?.name || a.reviewedBy?.id ? ` by ${personName(a.reviewedBy?.name, a.reviewedBy?.id)}` : '';
    return `${verdict}${by} in ISC · ${slackDate(a.modified, opts.viewer)}`;
  }
  const pending = a as PendingApproval;
  if (pending.actionInProcess) return `ISC is carrying out ${IN_PROCESS[pending.actionInProcess] ?? 'a decision'} on this request`;
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

/** The approver's decision, or ISC's, as the card's headline; undefined while it waits. */
function outcome(m: Model): string | undefined {
  const { whole, a, opts } = m;
  if (m.live) return undefined;
  if (whole) {
    const line = outcomeHeadline(decisionLine(whole, opts.viewer, opts.viewerSlackUserId), whole.kind === 'approved' && m.violations.length > 0);
    return awaitsDecision(a) || isCompletedApproval(a) ? line : `${line} — sent to ISC, which carries it out shortly`;
  }
  const status = statusLine(m);
  return status ? `*${status}*` : undefined;
}

/**
 * "*Ben* wants *AP Payment Approval* (entitlement · high privilege) · waiting 1 day": the decision in
 * one sentence (mrkdwn, escaped), the lead of every access-request card and DM.
 */
export function accessRequestLead(a: AccessRequestApproval, viewer: Viewer): string {
  const forWhom = personName(a.requestedFor?.name, a.requestedFor?.id);
  const what = `*${escapeTruncate(accessRequestTitle(a), VALUE_CHARS)}*`;
  const verb = a.requestType === 'REVOKE_ACCESS' ? 'wants to remove' : a.requestType === 'MODIFY_ACCESS' ? 'wants to change' : 'wants';
  const self = !a.requester?.id || a.requester.id === a.requestedFor?.id;
  const who = self ? `*${forWhom}* ${verb} ${what}` : `*${personName(a.requester?.name, a.requester?.id)}* ${verb} ${what} for *${forWhom}*`;
  const level = a.privilegeLevel?.trim() ? `${escapeTruncate(a.privilegeLevel.toLowerCase(), 30)} privilege` : '';
  const tags = [typeWords(a.requestedObject?.type), level].filter(Boolean).join(' · ');
  return `${who} (${tags}) · ${waitingText(a.created, viewer)}`;
}

/** "🚨 SoD conflict: *Create and approve payments*: has … · would get …", one line (and how many more). */
function sodLine(m: Model): string | undefined {
  if (m.sodFailed) return '🚨 *The SoD check of this request failed in ISC*: check for violations there before approving.';
  const [first, ...rest] = m.violations;
  if (!first) return undefined;
  return `🚨 *SoD conflict*: ${violationLine(first)}${rest.length ? ` (and ${rest.length} more ${rest.length === 1 ? 'policy' : 'policies'})` : ''}`;
}

function moreOptions(m: Model): MoreOption[] {
  const out: MoreOption[] = [];
  if (m.live) {
    if (!m.violations.length) out.push({ text: 'Approve with comment', actionId: AR_ACTION.approveWithComment, value: value(m) });
    out.push({ text: 'Forward', actionId: AR_ACTION.forward, value: value(m) });
  }
  // Details opens a message of its own: its value needs no list position.
  // The card's own value (Details ignores the list): the options share it, so it travels once (compactCardBlocks).
  if (isValidId(m.a.id)) out.push({ text: 'Details', actionId: AR_ACTION.details, value: value(m) });
  if (m.opts.iscUiBaseUrl) out.push({ text: 'Open in ISC', actionId: ACTION.openInIsc, url: iscUiUrl(m.opts.iscUiBaseUrl, ISC_UI_PAGES.accessRequestApprovals) });
  return out;
}

function compactCard(m: Model): KnownBlock[] {
  const { a, opts } = m;
  const ownerShown = a.owner?.id && a.owner.id !== opts.subjectIdentityId;
  const primary: Button[] = m.live
    ? [
        m.violations.length
          ? button({ actionId: AR_ACTION.approveWithComment, text: 'Approve…', style: 'primary', value: value(m) })
          : button({ actionId: AR_ACTION.approve, text: 'Approve', style: 'primary', value: value(m) }),
        button({ actionId: AR_ACTION.reject, text: 'Reject…', value: value(m) }),
      ]
    : [];
  return compactCardBlocks({
    outcome: outcome(m),
    lead: accessRequestLead(a, opts.viewer),
    body: [m.whole ? decisionLine(m.whole, opts.viewer, opts.viewerSlackUserId) : undefined, requesterComment(a.requesterComment, COMPACT_TEXT_CHARS), sodLine(m)],
    meta: [
      ownerShown ? `approver ${personName(a.owner?.name, a.owner?.id)}` : undefined,
      a.startDate ? `starts ${slackDate(a.startDate, opts.viewer, 'date')}` : undefined,
      (a as PendingApproval).removeDate ? `removed ${slackDate((a as PendingApproval).removeDate, opts.viewer, 'date')}` : undefined,
    ],
    primary,
    overflowActionId: AR_ACTION.more,
    more: moreOptions(m),
  });
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
  const decided = outcome(m);
  const lead = section([decided, accessRequestLead(a, viewer)].filter(Boolean).join('\n'), cardBlockId(m.key, 'lead'));
  const b = buttons(m);
  if (decided) {
    // Decided: the outcome is the headline and the body collapses; only the link to ISC stays.
    const meta = `Approver ${personName(a.owner?.name, a.owner?.id)} · requested ${slackDate(a.created, viewer)}${a.id ? ` · id \`${escapeTruncate(a.id, 100)}\`` : ''}`;
    return [header(m.title, cardBlockId(m.key, 'title')), lead, contextBlock(meta, cardBlockId(m.key, 'meta')), ...(b.length ? [actionsBlock(b, cardBlockId(m.key, 'actions'))] : [])];
  }
  const head: KnownBlock[] = [
    header(m.title, cardBlockId(m.key, 'title')),
    lead,
    ...(a.requesterComment?.comment?.trim() ? [section(requesterComment(a.requesterComment, 1000)!, cardBlockId(m.key, 'reason'))] : []),
    ...sodBlocks(m),
    { type: 'section', block_id: cardBlockId(m.key, 'fields'), fields },
  ];
  const status = [m.whole ? decisionLine(m.whole, viewer, opts.viewerSlackUserId) : '', m.live && a.commentRequiredWhenRejected ? 'ISC requires a reason to reject this request.' : ''].filter(Boolean).join('\n');
  const tail: KnownBlock[] = [...(status ? [contextBlock(status, cardBlockId(m.key, 'status'))] : []), ...(b.length ? [actionsBlock(b, cardBlockId(m.key, 'actions'))] : [])];
  const reviewers = (a.previousReviewersComments ?? []).map((c) => commentLine(personName(c.author?.name, c.author?.id), c.created, c.comment, viewer));
  const history = (a.forwardHistory ?? []).map((h) => historyLine(h, m));
  const parts: KnownBlock[][] = [
    a.requestedObject?.description?.trim() ? [section(escapeTruncate(a.requestedObject.description, 1500), cardBlockId(m.key, 'desc'))] : [],
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

