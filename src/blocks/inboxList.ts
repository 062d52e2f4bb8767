import type { Button, KnownBlock, ModalView } from '@slack/types';
import type { AnyInboxSection, InboxCounts, InboxPage } from '../inbox/inbox';
import { isOpen, type InboxItem, type InboxKind } from '../inbox/items';
import { WHOLE_ITEM, isHandOver, type Decision } from '../decisions/decision';
import { DECISION_LABELS } from './decisions';
import { ACTION, pageValue } from './actions';
import { accessRequestTitle, renderAccessRequestCard } from './accessRequestCard';
import { genericApprovalTitle, renderGenericApprovalCard } from './genericApprovalCard';
import { type Budget, LIMITS, MESSAGE_BUDGET, VIEW_BUDGET, actionsBlock, button, contextBlock, divider, plain, section } from './limits';
import { unavailable } from './messages';
import { modal } from './modals';
import { escapeTruncate, formatCount, plural, userMention } from './mrkdwn';
import type { CardOptions, RenderCardOptions, RenderedMessage } from './types';
import { renderWorkItemCard, workItemTitle } from './workItemCard';
import type { ListOptions } from './workItemList';

/** The sections' names, in the order INBOX_KINDS gives them. */
export const KIND_LABELS: Record<InboxKind, { title: string; one: string }> = {
  workItem: { title: 'Work items', one: 'work item' },
  accessRequest: { title: 'Access requests', one: 'access request' },
  generic: { title: 'Workflow approvals', one: 'workflow approval' },
};

/** Any item as a card: the builder of its kind. */
export function renderInboxCard(entry: InboxItem, opts: RenderCardOptions): KnownBlock[] {
  switch (entry.kind) {
    case 'workItem':
      return renderWorkItemCard(entry.item, opts);
    case 'accessRequest':
      return renderAccessRequestCard(entry.item, opts);
    case 'generic':
      return renderGenericApprovalCard(entry.item, opts);
  }
}

/** "3 work items, 1 access request and 2 generic approvals" (kinds with none left out; "nothing" for none). */
export function countsText(counts: Partial<Record<InboxKind, number>>): string {
  const parts = (Object.keys(KIND_LABELS) as InboxKind[]).filter((k) => (counts[k] ?? 0) > 0).map((k) => plural(counts[k]!, KIND_LABELS[k].one));
  if (!parts.length) return 'nothing';
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** The kinds with their totals (0 for a kind that could not be read), for the counts and the fallback text. */
type Totals = Array<{ kind: InboxKind; total: number }>;

function totals(page: InboxPage): Totals {
  return page.sections.map((s) => ({ kind: s.kind, total: s.failure ? 0 : (s.total ?? s.items.length) }));
}

const grandTotal = (t: Totals) => t.reduce((n, k) => n + k.total, 0);

function subjectOf(opts: ListOptions): string | undefined {
  return opts.subjectSlackUserId;
}

function heading(opts: ListOptions): string {
  if (opts.title) return escapeTruncate(opts.title, 200);
  const subject = subjectOf(opts);
  return subject ? `Pending for ${userMention(subject)}` : 'Waiting on you in ISC';
}

/** The counts line under the heading: every kind that could be read. */
function countsLine(page: InboxPage): string {
  return page.sections
    .filter((s) => !s.failure)
    .map((s) => `${KIND_LABELS[s.kind].title}: ${formatCount(s.total ?? s.items.length)}`)
    .join(' · ');
}

function headBlocks(page: InboxPage, opts: ListOptions): KnownBlock[] {
  const counts = countsLine(page);
  return [section(`*${heading(opts)}*${counts ? `\n${counts}` : ''}`, 'page_head')];
}

/**
 * A kind that could not be read: said where the cards would be, with a Retry that reads the page
 * again (the reason, with ISC's tracking id, under it for support).
 */
export function failedKindBlocks(s: AnyInboxSection, retryValue: string): KnownBlock[] {
  if (!s.failure) return [];
  return [
    {
      type: 'section',
      block_id: `failed_${s.kind}`,
      text: { type: 'mrkdwn', text: `Couldn't load ${KIND_LABELS[s.kind].title.toLowerCase()} from ISC just now.`, verbatim: true },
      accessory: button({ actionId: ACTION.retry, text: 'Retry', value: retryValue }),
    },
    contextBlock(unavailable(s.failure), `failed_${s.kind}_why`),
  ];
}

/** "Showing 1–10 of 23" with Previous / Next (and Refresh); each carries only where its page starts in the queue. */
function pagingBlocks(opts: ListOptions, start: number, range: string, prev: number | undefined, next: number | undefined): KnownBlock[] {
  const value = (offset: number) => pageValue({ kind: 'pending', offset }, opts.subjectSlackUserId);
  const buttons: Button[] = [];
  if (prev !== undefined) buttons.push(button({ actionId: ACTION.pagePrev, text: 'Previous', value: value(prev) }));
  if (next !== undefined) buttons.push(button({ actionId: ACTION.pageNext, text: 'Next', value: value(next) }));
  buttons.push(button({ actionId: ACTION.refresh, text: 'Refresh', value: value(start) }));
  return [...(range ? [contextBlock(range, 'page_range')] : []), actionsBlock(buttons, 'page_paging')];
}

interface CardGroup {
  blocks: KnownBlock[];
  pinned: boolean;
  /** Where the card stands in the queue; undefined for the pinned card, which paging does not count. */
  at?: number;
}

function sectionGroups(s: AnyInboxSection, opts: ListOptions, list: RenderCardOptions['list']): CardGroup[] {
  return (s.items as Array<{ id?: string }>).map((item) => {
    const pinned = s.pinnedId !== undefined && item.id === s.pinnedId;
    const at = pinned ? undefined : s.positions[item.id ?? ''];
    const entry = { kind: s.kind, item } as InboxItem;
    const card = renderInboxCard(entry, { ...opts, mode: 'compact', decisions: s.decisions[item.id ?? ''], list });
    return { pinned, blocks: [...card, divider()], ...(at !== undefined ? { at } : {}) };
  });
}

/** The queue's order: the card just acted on first, then by place in the queue (most urgent first). */
const queueOrder = (x: CardGroup, y: CardGroup) => Number(y.pinned) - Number(x.pinned) || (x.at ?? Infinity) - (y.at ?? Infinity);

/** The fallback text: what the page could count, never a count it could not read. */
function pageText(page: InboxPage, opts: ListOptions, t: Totals): string {
  const who = subjectOf(opts) ? `${userMention(subjectOf(opts)!)} has` : 'You have';
  const grand = grandTotal(t);
  const failed = page.sections.filter((s) => s.failure).map((s) => KIND_LABELS[s.kind].title.toLowerCase());
  const counts = Object.fromEntries(t.filter((k) => !page.sections.find((s) => s.kind === k.kind)?.failure).map((k) => [k.kind, k.total]));
  const missing = failed.length ? ` (${failed.join(' and ')} could not be loaded)` : '';
  if (failed.length) return `${who} ${grand === 0 ? 'no other pending items' : `at least ${plural(grand, 'pending item')}: ${countsText(counts)}`} in ISC${missing}`;
  return `${who} ${grand === 0 ? 'nothing pending in ISC' : `${plural(grand, 'pending item')} in ISC: ${countsText(counts)}`}`;
}

/**
 * One page of the inbox within `budget`: a heading with the counts of every kind, the page's compact
 * cards in the queue's order (most urgent first, as the inbox sorted them), a Retry section for a kind
 * that could not be read, and "Showing 1–10 of 23" with Previous / Next. Cards that do not fit are left
 * for the next page rather than skipped; Next and Previous carry where their page starts in the queue.
 */
export function renderInboxPage(page: InboxPage, opts: ListOptions, budget: Budget): RenderedMessage {
  const t = totals(page);
  const length = page.length;
  const startIndex = page.start.offset;
  const prev = startIndex > 0 ? Math.max(0, Math.min(startIndex, length) - page.pageSize) : undefined;
  const list = { kind: 'pending' as const, offset: startIndex };
  const startValue = pageValue(list, opts.subjectSlackUserId);
  const failures = page.sections.flatMap((s) => failedKindBlocks(s, startValue));
  const groups = page.sections.flatMap((s) => sectionGroups(s, opts, list)).sort(queueOrder);
  const text = pageText(page, opts, t);
  const head = headBlocks(page, opts);
  if (!groups.length) {
    const empty =
      startIndex > 0 && length > 0 ? 'No more items here — go back with Previous.' : failures.length ? 'Nothing else waits on you in ISC.' : "Nothing waits on you in ISC — you're all caught up.";
    return { text, blocks: [...head, ...failures, section(empty, 'page_empty'), ...pagingBlocks(opts, startIndex, '', prev, undefined)] };
  }
  // Room for the head, the failures and the paging blocks in their longest form (with Next).
  const reserved = [...head, ...failures, ...pagingBlocks(opts, startIndex, 'Showing 999999–999999 of 999999', prev, 999_999)];
  let blocks = budget.blocks - reserved.length;
  let chars = budget.chars - JSON.stringify(reserved).length;
  const shown: CardGroup[] = [];
  for (const g of groups) {
    const size = JSON.stringify(g.blocks).length;
    if (g.blocks.length > blocks || size > chars) break;
    shown.push(g);
    blocks -= g.blocks.length;
    chars -= size;
  }
  const counted = shown.filter((g) => g.at !== undefined);
  // Next continues from the first card not shown, so a card is never skipped; a page that could show
  // none still moves on by one, so Next never stands still.
  const firstNotShown = groups.slice(shown.length).find((g) => g.at !== undefined)?.at;
  const after = (counted.at(-1)?.at ?? startIndex - 1) + 1;
  const next = firstNotShown ?? (after < length ? Math.max(after, startIndex + 1) : undefined);
  const range = counted.length ? `Showing ${startIndex + 1}–${startIndex + counted.length} of ${formatCount(length)}` : `${formatCount(length)} in all`;
  return { text, blocks: [...head, ...failures, ...shown.flatMap((g) => g.blocks), ...pagingBlocks(opts, startIndex, range, prev, next)] };
}

/** A page of the inbox as an ephemeral or DM message (≤ 50 blocks). */
export function renderInboxList(page: InboxPage, opts: ListOptions): RenderedMessage {
  return renderInboxPage(page, opts, MESSAGE_BUDGET);
}

const DETAIL_TITLES: Record<InboxKind, string> = { workItem: 'Work item', accessRequest: 'Access request', generic: 'Workflow approval' };

/** Any item's name as plain text (not escaped). */
export function inboxItemTitle(entry: InboxItem, locale?: string): string {
  switch (entry.kind) {
    case 'workItem':
      return workItemTitle(entry.item);
    case 'accessRequest':
      return `${accessRequestTitle(entry.item)}${entry.item.requestedFor?.name ? ` for ${entry.item.requestedFor.name}` : ''}`;
    case 'generic':
      return genericApprovalTitle(entry.item, locale);
  }
}

/**
 * The decision the viewer's card shows for an item, if any: on the whole item (work items, access
 * requests) or the viewer's own part (workflow approvals).
 */
function shownDecision(entry: InboxItem, opts: CardOptions): Decision | undefined {
  const me = opts.subjectSlackUserId ?? opts.viewerSlackUserId;
  const d = entry.kind === 'generic' ? (me ? opts.decisions?.[me] : undefined) : opts.decisions?.[WHOLE_ITEM];
  return d && !isHandOver(d) ? d : undefined;
}

/**
 * A detail message's fallback text (what notifications and screen readers say): the outcome once
 * the item is decided ("✅ Approved by you: …"), else the kind and the title.
 */
export function detailText(entry: InboxItem, opts: CardOptions): string {
  const title = escapeTruncate(inboxItemTitle(entry, opts.viewer.locale), 200);
  const d = shownDecision(entry, opts);
  if (d) return `${DECISION_LABELS[d.kind]} by ${d.bySlackUserId === opts.viewerSlackUserId ? 'you' : userMention(d.bySlackUserId)}: ${title}`;
  if (!isOpen(entry)) return `Decided in ISC: ${title}`;
  return `${DETAIL_TITLES[entry.kind]}: ${title}`;
}

/** One item of any kind in full, as a message. */
export function renderInboxItemDetail(entry: InboxItem, opts: CardOptions): RenderedMessage {
  return {
    text: detailText(entry, opts),
    blocks: renderInboxCard(entry, { ...opts, mode: 'full', budget: MESSAGE_BUDGET }),
  };
}

/** One item of any kind in full as a modal (Details from the Home tab), with its buttons live. */
export function renderInboxItemModal(entry: InboxItem, opts: CardOptions): ModalView {
  return modal(DETAIL_TITLES[entry.kind], renderInboxCard(entry, { ...opts, mode: 'full', budget: VIEW_BUDGET }), { close: plain('Close', LIMITS.viewTitle) });
}

export interface InboxSummary {
  pending: InboxCounts;
  workItemsCompleted?: number;
  accessRequestsDecided?: { approved?: number; rejected?: number };
}

/** `/workitems summary`: each kind's pending count (and what ISC says was decided), and the total. */
export function renderInboxSummary(summary: InboxSummary, subjectSlackUserId?: string): RenderedMessage {
  const kinds = Object.keys(KIND_LABELS) as InboxKind[];
  const counts: Partial<Record<InboxKind, number>> = {};
  const lines = kinds.map((kind) => {
    const label = KIND_LABELS[kind];
    const c = summary.pending[kind];
    if ('failure' in c) return `*${label.title}:* couldn't be loaded ${unavailable(c.failure)}`;
    counts[kind] = c.count;
    const extra =
      kind === 'workItem' && summary.workItemsCompleted !== undefined
        ? ` · ${formatCount(summary.workItemsCompleted)} completed`
        : kind === 'accessRequest' && summary.accessRequestsDecided
          ? ` · ${formatCount(summary.accessRequestsDecided.approved ?? 0)} approved · ${formatCount(summary.accessRequestsDecided.rejected ?? 0)} rejected`
          : '';
    return `*${label.title}:* ${formatCount(c.count)} ${kind === 'workItem' ? 'open' : 'pending'}${extra}`;
  });
  const failed = kinds.some((k) => 'failure' in summary.pending[k]);
  const total = Object.values(counts).reduce((n, c) => n + (c ?? 0), 0);
  const who = subjectSlackUserId ? userMention(subjectSlackUserId) : undefined;
  const totalText = `${failed ? 'at least ' : ''}${plural(total, 'pending item')}`;
  const text = `${who ? `${who} has` : 'You have'} ${totalText} in ISC${total ? `: ${countsText(counts)}` : ''}`;
  const title = who ? `Waiting on ${who} in ISC` : 'Waiting on you in ISC';
  return {
    text,
    blocks: [
      section(`*${title}: ${failed ? '≥ ' : ''}${formatCount(total)}*\n${lines.join('\n')}`, 'summary'),
      contextBlock('Type `/workitems` to see and act on them, `/workitems completed` for the work items already done.', 'summary_hint'),
    ],
  };
}
