import type { Button, KnownBlock } from '@slack/types';
import type { ApprovalItemDetails, RemediationItemDetails, WorkItem } from '../isc/types';
import { ACTION, encodeValue, isValidId, listValue } from './actions';
import { COMPACT_CARD_BLOCKS, compactCardBlocks, iscUiUrl, outcomeHeadline, waitingText, type MoreOption } from './cardParts';
import { LIMITS, MESSAGE_BUDGET, actionsBlock, button, contextBlock, field, fitBlocks, header, section } from './limits';
import { decisionLine, settlingDecision } from './decisions';
import { escapeTruncate } from './mrkdwn';
import { age, slackDate } from './time';
import { type Decision, WHOLE_ITEM } from '../decisions/decision';
import type { RenderCardOptions, Viewer } from './types';


export const COMPACT_APPROVAL_ITEMS = 3;
export const COMPACT_DESCRIPTION_CHARS = 160;
/** The most blocks a compact card takes: its text, its context line and its buttons (per-line buttons are in Details). */
export const COMPACT_CARD_MAX_BLOCKS = COMPACT_CARD_BLOCKS;

/** Room for one ISC value inside a line of mrkdwn. */
const VALUE_CHARS = 200;
const FULL_LIST_LINES = 10;
const COMPACT_LIST_LINES = 2;

/** The ISC web UI page of a work item: the one place to correct if SailPoint moves it. */
export function iscWorkItemUrl(iscUiBaseUrl: string, workItemId: string): string {
  return iscUiUrl(iscUiBaseUrl, `/ui/d/work-items/${encodeURIComponent(workItemId)}`);
}

const TYPE_LABELS: Record<string, string> = {
  ViolationReview: 'Violation review',
  PolicyVioloation: 'Policy violation',
  ImpactAnalysis: 'Impact analysis',
  Signoff: 'Sign-off',
  ManualAction: 'Manual action',
};

const STATE_LABELS: Record<string, string> = {
  Pending: 'Pending',
  Finished: '✅ Finished',
  Rejected: '❌ Rejected',
  Returned: 'Returned',
  Expired: 'Expired',
  Canceled: 'Canceled',
};

const typeLabel = (type: string | undefined): string => TYPE_LABELS[type ?? ''] ?? escapeTruncate(type, 50, 'Work item');
const stateLabel = (state: string | null | undefined): string => STATE_LABELS[state ?? ''] ?? escapeTruncate(state, 50, 'unknown');

/** "Add AdministratorAccess on AWS Prod": what one approval line asks (plain text), or undefined when ISC says too little. */
export function approvalLineTitle(a: ApprovalItemDetails): string | undefined {
  const what = (a.value ?? a.name)?.trim();
  if (!what) return undefined;
  const op = a.operation?.trim();
  return `${op ? `${op} ` : ''}${what}${a.application?.trim() ? ` on ${a.application.trim()}` : ''}`;
}

/**
 * The item's title, built from its lines ("Add AdministratorAccess on AWS Prod", "… and 2 more"); its
 * name when it has no lines, its type and id when it has neither (plain text, not escaped).
 */
export function workItemTitle(item: WorkItem): string {
  const lines = item.approvalItems ?? [];
  const first = lines.length ? approvalLineTitle(lines[0]) : undefined;
  if (first) return lines.length > 1 ? `${first} and ${lines.length - 1} more` : first;
  return item.name?.trim() || `${TYPE_LABELS[item.type ?? ''] ?? item.type ?? 'Work item'} ${item.id ?? ''}`.trim();
}

const isPendingApproval = (a: ApprovalItemDetails): boolean => a.state == null || a.state === 'Pending';

/** Everything the card needs to know about the item's state, worked out once. */
interface CardModel {
  item: WorkItem;
  opts: RenderCardOptions;
  /** The id as it goes into block ids. */
  key: string;
  title: string;
  /** The decision on the whole item, shown on the card (a forward as history on the new owner's card too). */
  whole?: Decision;
  /** The item can still be acted on from Slack, on this card. */
  live: boolean;
  approvals: ApprovalItemDetails[];
  actionable: ApprovalItemDetails[];
}

function model(item: WorkItem, opts: RenderCardOptions): CardModel {
  const whole = opts.decisions?.[WHOLE_ITEM];
  const live = item.state === 'Pending' && !settlingDecision(whole, item.ownerId, opts.subjectIdentityId) && isValidId(item.id);
  const approvals = item.approvalItems ?? [];
  const actionable = live
    ? approvals.filter((a) => isPendingApproval(a) && isValidId(a.id) && !opts.decisions?.[a.id])
    : [];
  return { item, opts, key: item.id || 'item', title: workItemTitle(item), whole, live, approvals, actionable };
}

/** A block_id unique within a message: the work item id (cut to fit) and a suffix. */
function blockId(m: CardModel, suffix: string): string {
  return `${m.key.slice(0, LIMITS.blockId - suffix.length - 1)}:${suffix}`;
}

/** Only called for buttons of an item whose id passed isValidId. */
function itemValue(m: CardModel, approvalItemId?: string): string {
  const { subjectSlackUserId: u, list } = m.opts;
  return encodeValue({ w: m.item.id!, ...(approvalItemId ? { a: approvalItemId } : {}), ...(u ? { u } : {}), ...listValue(list) });
}

/** A decision on the whole item also settles the approval items it covered (bulk approve / reject). */
function approvalDecision(m: CardModel, a: ApprovalItemDetails): Decision | undefined {
  const own = a.id ? m.opts.decisions?.[a.id] : undefined;
  if (own) return own;
  const bulk = m.whole && (m.whole.kind === 'approved' || m.whole.kind === 'rejected');
  return bulk && isPendingApproval(a) ? m.whole : undefined;
}

function approvalSummary(a: ApprovalItemDetails): string {
  const v = (s: string | null | undefined) => escapeTruncate(s, VALUE_CHARS);
  const what = [v(a.operation), a.name ? `*${v(a.name)}*` : ''].filter(Boolean).join(' ');
  const first = [`*${v(a.application) || 'Unknown application'}*`, what].filter(Boolean).join(' — ');
  const details = [a.value ? `Value: ${v(a.value)}` : '', a.account ? `Account: ${v(a.account)}` : ''].filter(Boolean);
  return [first, details.join(' · ')].filter(Boolean).join('\n');
}

/** One approval item: its text with state or decision, and Approve / Reject when it can be acted on. */
function approvalGroup(m: CardModel, a: ApprovalItemDetails, index: number): KnownBlock[] {
  const decision = approvalDecision(m, a);
  const state = a.state ?? m.item.state;
  const status = decision ? decisionLine(decision, m.opts.viewer, m.opts.viewerSlackUserId) : state && state !== 'Pending' ? stateLabel(state) : '';
  const blocks: KnownBlock[] = [section([approvalSummary(a), status].filter(Boolean).join('\n'), blockId(m, `ai${index}`))];
  if (!decision && m.actionable.includes(a)) {
    const what = [a.operation, a.name, a.value].filter(Boolean).join(' ');
    blocks.push(
      actionsBlock(
        [
          button({ actionId: ACTION.approve, text: 'Approve', style: 'primary', value: itemValue(m, a.id) }),
          button({
            actionId: ACTION.reject,
            text: 'Reject',
            style: 'danger',
            value: itemValue(m, a.id),
            confirm: {
              title: 'Reject this access?',
              text: `Reject ${what || 'this approval item'}${a.application ? ` on ${a.application}` : ''} (${m.title})?`,
              confirm: 'Reject',
              style: 'danger',
            },
          }),
        ],
        blockId(m, `ai${index}.act`),
      ),
    );
  }
  return blocks;
}

function cardButtons(m: CardModel): Button[] {
  const { item, opts } = m;
  const buttons: Button[] = [];
  const n = m.actionable.length;
  if (n > 1) {
    const bulk = (actionId: string, verb: 'Approve' | 'Reject', style: 'primary' | 'danger') =>
      button({
        actionId,
        text: `${verb} all (${n})`,
        style,
        value: itemValue(m),
        confirm: {
          title: `${verb} all?`,
          text: `${verb} all ${n} pending approval items of "${m.title}"?`,
          confirm: `${verb} all`,
          ...(style === 'danger' ? { style } : {}),
        },
      });
    buttons.push(bulk(ACTION.approveAll, 'Approve', 'primary'), bulk(ACTION.rejectAll, 'Reject', 'danger'));
  }
  if (m.live && m.approvals.length === 0 && !item.form) {
    buttons.push(
      button({
        actionId: ACTION.complete,
        text: 'Complete',
        style: 'primary',
        value: itemValue(m),
        confirm: {
          title: 'Complete this work item?',
          text: `Mark "${m.title}" as complete in ISC? Do this once the work it asks for is done.`,
          confirm: 'Complete',
        },
      }),
    );
  }
  if (m.live && item.form) {
    buttons.push(button({ actionId: ACTION.selectAccounts, text: 'Select accounts', style: 'primary', value: itemValue(m) }));
  }
  if (m.live) buttons.push(button({ actionId: ACTION.forward, text: 'Forward', value: itemValue(m) }));
  if (opts.mode === 'compact' && isValidId(item.id)) {
    buttons.push(button({ actionId: ACTION.details, text: 'Details', value: itemValue(m) }));
  }
  if (opts.iscUiBaseUrl && item.id) {
    buttons.push(
      button({
        actionId: ACTION.openInIsc,
        text: 'Open in ISC',
        url: iscWorkItemUrl(opts.iscUiBaseUrl, item.id),
        ...(isValidId(item.id) ? { value: itemValue(m) } : {}),
      }),
    );
  }
  return buttons;
}

/** "• a\n• b\n… and N more" with at most `max` lines. */
function bullets(lines: string[], max: number, noun: string): string {
  const shown = lines.slice(0, max).map((l) => `• ${l}`);
  if (lines.length > max) shown.push(`… and ${lines.length - max} more ${noun}`);
  return shown.join('\n');
}

function remediationLine(r: RemediationItemDetails): string {
  const v = (s: string | undefined) => escapeTruncate(s, VALUE_CHARS);
  const change = [v(r.attributeOperation), v(r.attributeName), r.attributeValue ? `= ${v(r.attributeValue)}` : '']
    .filter(Boolean)
    .join(' ');
  const app = r.applicationName ? `*${v(r.applicationName)}*: ` : '';
  const extra = [r.nativeIdentity ? `account ${v(r.nativeIdentity)}` : '', v(r.targetDisplayName ?? r.targetName)].filter(Boolean);
  return `${app}${change || 'remediation'}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

function formText(m: CardModel): string | undefined {
  const form = m.item.form;
  if (!form) return undefined;
  const title = escapeTruncate(form.title ?? form.name, VALUE_CHARS, 'Form');
  const subtitle = escapeTruncate(form.subtitle, VALUE_CHARS * 2);
  return `*Form:* ${title}${subtitle ? `\n${subtitle}` : ''}`;
}

function remediationText(m: CardModel, max: number): string | undefined {
  const items = m.item.remediationItems ?? [];
  return items.length ? `*Remediation items*\n${bullets(items.map(remediationLine), max, 'remediation items')}` : undefined;
}

function errorsText(m: CardModel, max: number): string | undefined {
  const errors = m.item.errors ?? [];
  const lines = errors.map((e) => escapeTruncate(e, VALUE_CHARS * 2, 'unknown error'));
  return errors.length ? `*Errors reported by ISC*\n${bullets(lines, max, 'errors')}` : undefined;
}

const person = (name: string | null | undefined, id: string | null | undefined): string =>
  escapeTruncate(name ?? id, VALUE_CHARS, 'unknown');

/**
 * "*Ben* wants *Add AdministratorAccess on AWS Prod* (work item) · waiting 1 day": the decision in one
 * sentence (mrkdwn, escaped), the lead of every work-item card and DM.
 */
export function workItemLead(item: WorkItem, viewer: Viewer): string {
  const title = `*${escapeTruncate(workItemTitle(item), VALUE_CHARS)}*`;
  const from = item.requesterDisplayName ?? item.requesterId;
  const ask = item.approvalItems?.length ? `wants ${title}` : `asks you to ${title}`;
  const who = from ? `*${person(item.requesterDisplayName, item.requesterId)}* ${ask}` : title;
  const kind = item.type && TYPE_LABELS[item.type] ? TYPE_LABELS[item.type].toLowerCase() : 'work item';
  const when = item.completed ? `completed ${slackDate(item.completed, viewer)}` : waitingText(item.created, viewer);
  return `${who} (${kind}) · ${when}`;
}

/** The decision on the whole item, or its final state in ISC, as the card's headline; undefined while it waits. */
function outcome(m: CardModel): string | undefined {
  if (m.live) return undefined;
  // The latest decision taken through the bot (on the whole item or a line: a forward, then the new
  // owner's approve) says who and when.
  const latest = [m.whole, ...m.approvals.map((a) => approvalDecision(m, a))]
    .filter((d): d is Decision => d !== undefined)
    .sort((x, y) => x.at.localeCompare(y.at))
    .at(-1);
  if (latest) return outcomeHeadline(decisionLine(latest, m.opts.viewer, m.opts.viewerSlackUserId), false);
  if (m.item.state && m.item.state !== 'Pending') return `*${stateLabel(m.item.state)}*`;
  return undefined;
}

/** A work item with several lines: the decisions taken on some, and where to decide each (their buttons are in Details). */
function linesText(m: CardModel): string | undefined {
  const decided = m.approvals.flatMap((a) => {
    const d = approvalDecision(m, a);
    return d && !m.whole ? [`• ${escapeTruncate(approvalLineTitle(a) ?? a.name ?? a.id, VALUE_CHARS, 'approval item')} — ${decisionLine(d, m.opts.viewer, m.opts.viewerSlackUserId)}`] : [];
  });
  const hint = m.actionable.length > 1 ? `${m.approvals.length} lines: decide them all here, or each in *Details*` : '';
  return [...decided.slice(0, COMPACT_APPROVAL_ITEMS), hint].filter(Boolean).join('\n') || undefined;
}

function primaryButtons(m: CardModel): Button[] {
  const { item } = m;
  if (m.actionable.length === 1) {
    const a = m.actionable[0];
    const what = approvalLineTitle(a) ?? m.title;
    return [
      button({ actionId: ACTION.approve, text: 'Approve', style: 'primary', value: itemValue(m, a.id) }),
      button({
        actionId: ACTION.reject,
        text: 'Reject…',
        value: itemValue(m, a.id),
        confirm: { title: 'Reject this access?', text: `Reject ${what}?`, confirm: 'Reject', style: 'danger' },
      }),
    ];
  }
  const buttons = cardButtons(m).filter((b) => b.action_id === ACTION.approveAll || b.action_id === ACTION.rejectAll || b.action_id === ACTION.complete || b.action_id === ACTION.selectAccounts);
  if (!m.live || item.state !== 'Pending') return [];
  return buttons;
}

function moreOptions(m: CardModel): MoreOption[] {
  const out: MoreOption[] = [];
  if (m.live) out.push({ text: 'Forward', actionId: ACTION.forward, value: itemValue(m) });
  // The card's own value (Details ignores the list): the options share it, so it travels once (compactCardBlocks).
  if (isValidId(m.item.id)) out.push({ text: 'Details', actionId: ACTION.details, value: itemValue(m) });
  if (m.opts.iscUiBaseUrl && m.item.id) out.push({ text: 'Open in ISC', actionId: ACTION.openInIsc, url: iscWorkItemUrl(m.opts.iscUiBaseUrl, m.item.id) });
  return out;
}

function compactCard(m: CardModel): KnownBlock[] {
  const { item, opts } = m;
  const ownerShown = item.ownerId && item.ownerId !== opts.subjectIdentityId;
  return compactCardBlocks({
    outcome: outcome(m),
    lead: workItemLead(item, opts.viewer),
    body: [
      m.live && m.whole ? decisionLine(m.whole, opts.viewer, opts.viewerSlackUserId) : undefined,
      escapeTruncate(item.description, COMPACT_DESCRIPTION_CHARS),
      linesText(m),
      formText(m),
      remediationText(m, COMPACT_LIST_LINES),
      errorsText(m, COMPACT_LIST_LINES),
    ],
    meta: [
      ownerShown ? `owner ${person(item.ownerName, item.ownerId)}` : undefined,
    ],
    primary: primaryButtons(m),
    overflowActionId: ACTION.more,
    more: moreOptions(m),
  });
}

function fullCard(m: CardModel): KnownBlock[] {
  const { item, opts } = m;
  const viewer = opts.viewer;
  const fields = [
    field('Type', typeLabel(item.type)),
    field('State', stateLabel(item.state)),
    field('Requester', person(item.requesterDisplayName, item.requesterId)),
    field('Owner', person(item.ownerName, item.ownerId)),
    field('Created', `${slackDate(item.created, viewer)} (${age(item.created, viewer)} ago)`),
    ...(item.completed ? [field('Completed', slackDate(item.completed, viewer))] : []),
  ];
  const decided = outcome(m);
  const lead = section([decided, workItemLead(item, viewer)].filter(Boolean).join('\n'), blockId(m, 'lead'));
  if (decided) {
    // Decided: the outcome is the headline and the body collapses; only the link to ISC stays.
    const links = cardButtons(m).filter((b) => b.url);
    const meta = `Owner ${person(item.ownerName, item.ownerId)} · created ${slackDate(item.created, viewer)}${item.id ? ` · id \`${escapeTruncate(item.id, 100)}\`` : ''}`;
    return [header(m.title, blockId(m, 'title')), lead, contextBlock(meta, blockId(m, 'meta')), ...(links.length ? [actionsBlock(links, blockId(m, 'actions'))] : [])];
  }
  const head: KnownBlock[] = [header(m.title, blockId(m, 'title')), lead, { type: 'section', block_id: blockId(m, 'fields'), fields }];
  const texts: Array<[string, string | undefined]> = [
    ['desc', item.description?.trim() ? escapeTruncate(item.description, LIMITS.sectionText) : undefined],
    ['form', formText(m)],
    ['rem', remediationText(m, FULL_LIST_LINES)],
    ['err', errorsText(m, FULL_LIST_LINES)],
  ];
  for (const [suffix, text] of texts) if (text) head.push(section(text, blockId(m, suffix)));
  if (m.whole) head.push(contextBlock(decisionLine(m.whole, viewer, opts.viewerSlackUserId), blockId(m, 'decision')));

  const buttons = cardButtons(m);
  const tail: KnownBlock[] = buttons.length ? [actionsBlock(buttons, blockId(m, 'actions'))] : [];
  const budget = opts.budget ?? MESSAGE_BUDGET;
  const fixed = [...head, ...tail];
  const room = { blocks: budget.blocks - fixed.length, chars: budget.chars - JSON.stringify(fixed).length };
  const hint = m.actionable.length > 1 ? 'use *Approve all* / *Reject all*, or open the item in ISC' : 'open the item in ISC to see them';
  const approvals = fitBlocks(
    m.approvals.map((a, i) => approvalGroup(m, a, i)),
    room,
    (n) => `… and ${n} more approval items — ${hint}`,
  );
  return [...head, ...approvals.blocks, ...tail];
}

/**
 * A work item as blocks. Compact: for lists (at most COMPACT_CARD_MAX_BLOCKS blocks). Full: every
 * detail, approval items up to the budget. Buttons only where an action is still possible.
 */
export function renderWorkItemCard(item: WorkItem, opts: RenderCardOptions): KnownBlock[] {
  const m = model(item, opts);
  return opts.mode === 'compact' ? compactCard(m) : fullCard(m);
}
