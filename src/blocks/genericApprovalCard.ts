import type { Button, KnownBlock } from '@slack/types';
import { approvalName, assignedIdentityIds, commentRequired, isPendingApproval, localizedText, quorumRefusal } from '../approvals/genericApproval';
import type { Decision } from '../decisions/decision';
import type { Approval, ApprovalIdentityRecord } from '../isc/types';
import { ACTION, GA_ACTION, encodeValue, isValidId, listValue } from './actions';
import { COMPACT_CARD_BLOCKS, COMPACT_TEXT_CHARS, ISC_UI_PAGES, VALUE_CHARS, cardBlockId, commentLine, compactCardBlocks, fitFullCard, iscUiUrl, listText, outcomeHeadline, personName, waitingText, type MoreOption } from './cardParts';
import { decisionLine, settlingDecision } from './decisions';
import { LIMITS, MESSAGE_BUDGET, actionsBlock, button, contextBlock, field, header, section } from './limits';
import { escapeTruncate } from './mrkdwn';
import { age, slackDate } from './time';
import type { RenderCardOptions, Viewer } from './types';

/** The most blocks a compact workflow-approval card takes: its text, its context line, its buttons. */
export const COMPACT_GA_CARD_MAX_BLOCKS = COMPACT_CARD_BLOCKS;

const PRIORITIES: Record<string, string> = { HIGH: 'High', MEDIUM: 'Medium', LOW: 'Low' };
const PRIORITY_WORDS: Record<string, string> = { HIGH: 'high priority', MEDIUM: 'medium priority', LOW: 'low priority' };

/** The approval's name in the viewer's language (or the first one ISC gives), plain text. */
export function genericApprovalTitle(a: Approval, locale?: string): string {
  return approvalName(a, locale)?.trim() || 'Approval';
}

interface Model {
  a: Approval;
  opts: RenderCardOptions;
  key: string;
  title: string;
  assigned: string[];
  /** The decisions taken through the bot, oldest first. */
  decisions: Decision[];
  live: boolean;
  /** Why the viewer cannot approve or reject it here (several approvers, not acting as themselves). */
  notDecidable?: string;
  overdue: boolean;
}

function model(a: Approval, opts: RenderCardOptions): Model {
  const assigned = assignedIdentityIds(a);
  const subject = opts.subjectIdentityId;
  const subjectAssigned = subject === undefined || assigned.includes(subject);
  // Several approvers decide one approval, each their own part: a decision settles the card of whoever took it.
  const me = opts.subjectSlackUserId ?? opts.viewerSlackUserId;
  const mine = me ? opts.decisions?.[me] : undefined;
  const settled = settlingDecision(mine, subjectAssigned ? subject : undefined, subject);
  const pending = isPendingApproval(a);
  const due = a.dueDate ? Date.parse(a.dueDate) : NaN;
  return {
    a,
    opts,
    key: `ga.${a.id ?? 'item'}`,
    title: genericApprovalTitle(a, opts.viewer.locale),
    assigned,
    decisions: Object.values(opts.decisions ?? {}).sort((x, y) => x.at.localeCompare(y.at)),
    live: pending && subjectAssigned && !settled && isValidId(a.id),
    notDecidable: quorumRefusal(a, opts.subjectSlackUserId ? 'for-another' : (opts.actingAs ?? 'service'))?.replace(' Nothing was changed in ISC.', ''),
    overdue: pending && due < opts.viewer.now.getTime(),
  };
}

function value(m: Model): string {
  const { subjectSlackUserId: u, list } = m.opts;
  return encodeValue({ i: m.a.id!, ...(u ? { u } : {}), ...listValue(list) });
}

function dueText(m: Model): string {
  const { a, opts } = m;
  if (!a.dueDate) return '';
  if (m.overdue) return `⏰ *Overdue*: was due ${slackDate(a.dueDate, opts.viewer)} (${age(a.dueDate, opts.viewer)} ago)`;
  return `Due ${slackDate(a.dueDate, opts.viewer)}`;
}

const priority = (a: Approval) => PRIORITIES[a.priority ?? ''] ?? '';

const waitingOn = (a: Approval) => (a.assignedTo ?? []).map((i) => personName(i.name, i.identityID)).join(', ');

/** The verdict of a completed approval, from its last decision. */
function completedLine(m: Model): string | undefined {
  const { a, opts } = m;
  if (isPendingApproval(a)) return undefined;
  const last = (list: ApprovalIdentityRecord[] | undefined) => [...(list ?? [])].sort((x, y) => (x.decisionDate ?? '').localeCompare(y.decisionDate ?? '')).at(-1);
  const approved = last(a.approvedBy);
  const rejected = last(a.rejectedBy);
  const rejectedLast = rejected && (!approved || (rejected.decisionDate ?? '') > (approved.decisionDate ?? ''));
  const record = rejectedLast ? rejected : approved;
  const verdict = rejectedLast ? '❌ Rejected' : approved ? '✅ Approved' : 'Completed';
  return `${verdict}${record ? ` by ${personName(record.name, record.identityID)}` : ''} in ISC · ${slackDate(a.completedDate, opts.viewer)}`;
}

function statusLines(m: Model): string[] {
  const lines = m.decisions.map((d) => decisionLine(d, m.opts.viewer, m.opts.viewerSlackUserId));
  if (m.live && m.notDecidable) lines.push(m.notDecidable);
  const done = completedLine(m);
  if (done) lines.push(done);
  else if (!m.live && m.opts.subjectIdentityId && !m.assigned.includes(m.opts.subjectIdentityId) && m.assigned.length) lines.push(`Now waiting on ${waitingOn(m.a)}`);
  return lines;
}

function buttons(m: Model): Button[] {
  const out: Button[] = [];
  if (m.live && !m.notDecidable) {
    out.push(
      commentRequired(m.a, 'approve')
        ? button({ actionId: GA_ACTION.approveWithComment, text: 'Approve…', style: 'primary', value: value(m) })
        : button({ actionId: GA_ACTION.approve, text: 'Approve', style: 'primary', value: value(m) }),
      button({ actionId: GA_ACTION.reject, text: 'Reject', style: 'danger', value: value(m) }),
    );
  }
  if (m.live) {
    out.push(button({ actionId: GA_ACTION.reassign, text: 'Reassign', value: value(m) }), button({ actionId: GA_ACTION.comment, text: 'Add comment', value: value(m) }));
  }
  if (m.opts.mode === 'compact' && isValidId(m.a.id)) out.push(button({ actionId: GA_ACTION.details, text: 'Details', value: value(m) }));
  if (m.opts.iscUiBaseUrl) out.push(button({ actionId: ACTION.openInIsc, text: 'Open in ISC', url: iscUiUrl(m.opts.iscUiBaseUrl, ISC_UI_PAGES.genericApprovals) }));
  return out;
}

function latestComment(m: Model): string {
  const comments = m.a.comments ?? [];
  const last = [...comments].sort((x, y) => (x.createdDate ?? '').localeCompare(y.createdDate ?? '')).at(-1);
  if (!last?.comment?.trim()) return '';
  const count = comments.length > 1 ? ` (latest of ${comments.length})` : '';
  return `“${escapeTruncate(last.comment, COMPACT_TEXT_CHARS)}” — ${personName(last.author?.name, last.author?.identityID)}${count}`;
}

/**
 * "*Ben* wants *Vendor onboarding* (workflow approval · high priority) · waiting 2 days": the
 * decision in one sentence (mrkdwn, escaped), the lead of every workflow-approval card and DM.
 */
export function genericApprovalLead(a: Approval, viewer: Viewer): string {
  const what = `*${escapeTruncate(genericApprovalTitle(a, viewer.locale), VALUE_CHARS)}*`;
  const forWhom = a.requestee && a.requestee.identityID !== a.requester?.identityID ? ` for *${personName(a.requestee.name, a.requestee.identityID)}*` : '';
  const who = a.requester ? `*${personName(a.requester.name, a.requester.identityID)}* wants ${what}${forWhom}` : `${what}${forWhom}`;
  const level = PRIORITY_WORDS[a.priority ?? ''];
  return `${who} (${['workflow approval', level].filter(Boolean).join(' · ')}) · ${waitingText(a.createdDate, viewer)}`;
}

/** The decisions taken through the bot (and ISC's verdict) as the card's headline; undefined while it waits on the viewer. */
function outcome(m: Model): string | undefined {
  if (m.live) return undefined;
  const me = m.opts.subjectSlackUserId ?? m.opts.viewerSlackUserId;
  const mine = me ? m.opts.decisions?.[me] : undefined;
  const line = mine ? outcomeHeadline(decisionLine(mine, m.opts.viewer, m.opts.viewerSlackUserId), false) : undefined;
  const done = completedLine(m);
  const moved = !done && m.opts.subjectIdentityId && !m.assigned.includes(m.opts.subjectIdentityId) && m.assigned.length ? `Now waiting on ${waitingOn(m.a)}` : undefined;
  const lines = [line, done ? `*${done}*` : undefined, moved].filter(Boolean);
  return lines.length ? lines.join('\n') : undefined;
}

function moreOptions(m: Model): MoreOption[] {
  const out: MoreOption[] = [];
  if (m.live && !m.notDecidable && !commentRequired(m.a, 'approve')) out.push({ text: 'Approve with comment', actionId: GA_ACTION.approveWithComment, value: value(m) });
  if (m.live) out.push({ text: 'Reassign', actionId: GA_ACTION.reassign, value: value(m) }, { text: 'Add comment', actionId: GA_ACTION.comment, value: value(m) });
  // The card's own value (Details ignores the list): the options share it, so it travels once (compactCardBlocks).
  if (isValidId(m.a.id)) out.push({ text: 'Details', actionId: GA_ACTION.details, value: value(m) });
  if (m.opts.iscUiBaseUrl) out.push({ text: 'Open in ISC', actionId: ACTION.openInIsc, url: iscUiUrl(m.opts.iscUiBaseUrl, ISC_UI_PAGES.genericApprovals) });
  return out;
}

function compactCard(m: Model): KnownBlock[] {
  const { a, opts } = m;
  const several = m.assigned.length > 1 && m.live;
  const primary: Button[] =
    m.live && !m.notDecidable
      ? [
          commentRequired(a, 'approve')
            ? button({ actionId: GA_ACTION.approveWithComment, text: 'Approve…', style: 'primary', value: value(m) })
            : button({ actionId: GA_ACTION.approve, text: 'Approve', style: 'primary', value: value(m) }),
          button({ actionId: GA_ACTION.reject, text: 'Reject…', value: value(m) }),
        ]
      : [];
  return compactCardBlocks({
    outcome: outcome(m),
    lead: genericApprovalLead(a, opts.viewer),
    body: [
      m.overdue ? dueText(m) : undefined,
      escapeTruncate(localizedText(a.description, opts.viewer.locale), COMPACT_TEXT_CHARS),
      latestComment(m),
      m.live && m.notDecidable ? m.notDecidable : undefined,
    ],
    meta: [
      !m.overdue && a.dueDate ? `due ${slackDate(a.dueDate, opts.viewer)}` : undefined,
      several ? `waiting on ${waitingOn(a)}` : undefined,
    ],
    primary,
    overflowActionId: GA_ACTION.more,
    more: moreOptions(m),
  });
}

/** What an entitlement-description approval proposes (`additionalAttributes.llm_description`), if any. */
function proposedDescription(a: Approval): string | undefined {
  try {
    const attributes: unknown = JSON.parse(a.additionalAttributes ?? '{}');
    const text = (attributes as { llm_description?: unknown } | null)?.llm_description;
    return typeof text === 'string' && text.trim() ? text : undefined;
  } catch {
    return undefined;
  }
}

function fullCard(m: Model): KnownBlock[] {
  const { a, opts } = m;
  const viewer = opts.viewer;
  const targets = (a.requestedTarget ?? []).map((t) => escapeTruncate([t.name ?? t.id, t.targetType?.toLowerCase(), t.requestType?.toLowerCase()].filter(Boolean).join(', '), 150));
  const fields = [
    ...(priority(a) ? [field('Priority', priority(a))] : []),
    ...(a.dueDate ? [field('Due', `${m.overdue ? '⏰ *Overdue* · ' : ''}${slackDate(a.dueDate, viewer)}`)] : []),
    ...(a.requester ? [field('Requested by', personName(a.requester.name, a.requester.identityID))] : []),
    ...(a.requestee ? [field('Requested for', personName(a.requestee.name, a.requestee.identityID))] : []),
    field('Created', `${slackDate(a.createdDate, viewer)} (${age(a.createdDate, viewer)} ago)`),
    ...(a.assignedTo?.length ? [field('Waiting on', waitingOn(a))] : []),
    ...(a.type ? [field('Type', a.type === 'GENERIC_APPROVAL' ? 'workflow approval' : escapeTruncate(a.type.toLowerCase().replace(/_/g, ' '), 100))] : []),
    ...(targets.length ? [field('Requested', targets.slice(0, 5).join('\n'))] : []),
  ].slice(0, LIMITS.fields);
  const decided = outcome(m);
  const lead = section([decided, genericApprovalLead(a, viewer)].filter(Boolean).join('\n'), cardBlockId(m.key, 'lead'));
  const b = buttons(m);
  if (decided) {
    // Decided: the outcome is the headline and the body collapses; only the link to ISC stays.
    const meta = `Requested ${slackDate(a.createdDate, viewer)}${a.id ? ` · id \`${escapeTruncate(a.id, 100)}\`` : ''}`;
    return [header(m.title, cardBlockId(m.key, 'title')), lead, contextBlock(meta, cardBlockId(m.key, 'meta')), ...(b.length ? [actionsBlock(b, cardBlockId(m.key, 'actions'))] : [])];
  }
  const head: KnownBlock[] = [header(m.title, cardBlockId(m.key, 'title')), lead, { type: 'section', block_id: cardBlockId(m.key, 'fields'), fields }];
  const status = statusLines(m);
  const tail: KnownBlock[] = [
    ...(status.length ? [contextBlock(status.join('\n'), cardBlockId(m.key, 'status'))] : []),
    ...(b.length ? [actionsBlock(b, cardBlockId(m.key, 'actions'))] : []),
  ];
  const description = localizedText(a.description, viewer.locale);
  const proposed = proposedDescription(a);
  const comments = [...(a.comments ?? [])]
    .sort((x, y) => (x.createdDate ?? '').localeCompare(y.createdDate ?? ''))
    .map((c) => commentLine(personName(c.author?.name, c.author?.identityID), c.createdDate, c.comment, viewer));
  const parts: KnownBlock[][] = [
    description?.trim() ? [section(escapeTruncate(description, 1500), cardBlockId(m.key, 'desc'))] : [],
    proposed ? [section(`*Proposed description*\n${escapeTruncate(proposed, 1500)}`, cardBlockId(m.key, 'proposed'))] : [],
    comments.length ? [section(listText(`*Comments* (${comments.length})`, comments, 'more comment'), cardBlockId(m.key, 'comments'))] : [],
  ].filter((p) => p.length);
  return fitFullCard(head, parts, tail, opts.budget ?? MESSAGE_BUDGET);
}

/**
 * A generic approval as blocks: compact for lists (at most COMPACT_GA_CARD_MAX_BLOCKS), full with
 * every detail. Buttons while it waits on the person whose card it is.
 */
export function renderGenericApprovalCard(a: Approval, opts: RenderCardOptions): KnownBlock[] {
  const m = model(a, opts);
  return opts.mode === 'compact' ? compactCard(m) : fullCard(m);
}
