import type { Button, KnownBlock, ModalView } from '@slack/types';
import type { AnyInboxSection, InboxCounts, InboxItem, InboxKind, InboxPage, InboxPosition } from '../inbox/inbox';
import { ACTION, pageValue } from './actions';
import { accessRequestTitle, renderAccessRequestCard } from './accessRequestCard';
import { genericApprovalTitle, renderGenericApprovalCard } from './genericApprovalCard';
import { type Budget, LIMITS, MESSAGE_BUDGET, VIEW_BUDGET, actionsBlock, button, contextBlock, divider, fitBlocks, plain, section } from './limits';
import { unavailable } from './messages';
import { modal } from './modals';
import { escapeTruncate, formatCount, plural, userMention } from './mrkdwn';
import type { CardOptions, RenderCardOptions, RenderedMessage } from './types';
import { renderWorkItemCard, workItemTitle } from './workItemCard';
import { renderWorkItemDetail, type ListOptions } from './workItemList';

/** The sections' names, in the order INBOX_KINDS gives them. */
export const KIND_LABELS: Record<InboxKind, { title: string; one: string; icon: string }> = {
  workItem: { title: 'Work items', one: 'work item', icon: '📋' },
  accessRequest: { title: 'Access requests', one: 'access request', icon: '🔑' },
  generic: { title: 'Generic approvals', one: 'generic approval', icon: '🧩' },
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

/** The kinds in the page's order with their totals (0 for a kind that could not be read): the inbox as one list. */
type Totals = Array<{ kind: InboxKind; total: number }>;

function totals(page: InboxPage): Totals {
  return page.sections.map((s) => ({ kind: s.kind, total: s.failure ? 0 : (s.total ?? s.items.length) }));
}

const grandTotal = (t: Totals) => t.reduce((n, k) => n + k.total, 0);

/** The position of the n-th item of the whole inbox (0-based), clamped to its end. */
function positionAt(n: number, t: Totals): InboxPosition {
  let rest = Math.max(0, n);
  for (const { kind, total } of t) {
    if (rest < total) return { section: kind, offset: rest };
    rest -= total;
  }
  const last = [...t].reverse().find((k) => k.total > 0) ?? t[0];
  return { section: last.kind, offset: last.total };
}

function globalIndex(p: InboxPosition, t: Totals): number {
  const before = t.slice(0, Math.max(0, t.findIndex((k) => k.kind === p.section)));
  return grandTotal(before) + p.offset;
}

/** The position right after the last card shown, or undefined when nothing follows. */
function nextPosition(last: InboxPosition | undefined, t: Totals): InboxPosition | undefined {
  if (!last) return undefined;
  const next = globalIndex(last, t) + 1;
  return next < grandTotal(t) ? positionAt(next, t) : undefined;
}

function subjectOf(opts: ListOptions): string | undefined {
  return opts.subjectSlackUserId;
}

function heading(opts: ListOptions): string {
  if (opts.title) return escapeTruncate(opts.title, 200);
  const subject = subjectOf(opts);
  return subject ? `Pending for ${userMention(subject)}` : 'Waiting on you in ISC';
}

/** The counts line under the heading: every kind, a failed one as unavailable. */
function countsLine(page: InboxPage): string {
  return page.sections
    .map((s) => `${KIND_LABELS[s.kind].icon} ${KIND_LABELS[s.kind].title}: ${s.failure ? unavailable(s.failure) : formatCount(s.total ?? s.items.length)}`)
    .join(' · ');
}

function headBlocks(page: InboxPage, opts: ListOptions, range: string): KnownBlock[] {
  return [section(`*${heading(opts)}*${range ? ` · ${range}` : ''}`, 'page_head'), contextBlock(countsLine(page), 'page_counts')];
}

function pagingBlock(opts: ListOptions, start: InboxPosition, prev: InboxPosition | undefined, next: InboxPosition | undefined): KnownBlock {
  const value = (p: InboxPosition) => pageValue({ kind: 'pending', section: p.section, offset: p.offset }, opts.subjectSlackUserId);
  const buttons: Button[] = [];
  if (prev) buttons.push(button({ actionId: ACTION.pagePrev, text: '◀ Previous', value: value(prev) }));
  if (next) buttons.push(button({ actionId: ACTION.pageNext, text: 'Next ▶', value: value(next) }));
  buttons.push(button({ actionId: ACTION.refresh, text: '↻ Refresh', value: value(start) }));
  return actionsBlock(buttons, 'page_paging');
}

interface CardGroup {
  blocks: KnownBlock[];
  /** Where the card is in its kind; undefined for the pinned card, which paging does not count. */
  at?: InboxPosition;
}

function sectionGroups(s: AnyInboxSection, opts: ListOptions, list: RenderCardOptions['list']): CardGroup[] {
  const label = KIND_LABELS[s.kind];
  let counted = 0;
  return (s.items as Array<{ id?: string }>).map((item, i) => {
    const pinned = s.pinnedId !== undefined && item.id === s.pinnedId;
    const at = pinned ? undefined : { section: s.kind, offset: s.offset + counted++ };
    const head = i === 0 ? [section(`${label.icon} *${label.title}* (${formatCount(s.total ?? s.items.length)})`, `sec_${s.kind}`)] : [];
    const card = renderInboxCard({ kind: s.kind, item } as InboxItem, { ...opts, mode: 'compact', decisions: s.decisions[item.id ?? ''], list });
    return { blocks: [...head, ...card, divider()], ...(at ? { at } : {}) };
  });
}

/**
 * One page of the inbox within `budget`: a heading with the counts of every kind, a section per kind
 * with its compact cards, and paging across the kinds. Cards that do not fit are left for the next
 * page rather than skipped; Next and Previous carry the position (kind and offset) a page starts at.
 */
export function renderInboxPage(page: InboxPage, opts: ListOptions, budget: Budget): RenderedMessage {
  const t = totals(page);
  const grand = grandTotal(t);
  const startIndex = globalIndex(page.start, t);
  const prev = startIndex > 0 ? positionAt(startIndex - page.pageSize, t) : undefined;
  const list = { kind: 'pending' as const, section: page.start.section, offset: page.start.offset };
  const groups = page.sections.flatMap((s) => sectionGroups(s, opts, list));
  const who = subjectOf(opts) ? `${userMention(subjectOf(opts)!)} has` : 'You have';
  const counts = Object.fromEntries(t.map((k) => [k.kind, k.total]));
  const text = `${who} ${grand === 0 ? 'nothing pending in ISC' : `${plural(grand, 'pending item')} in ISC: ${countsText(counts)}`}`;
  if (!groups.length) {
    const empty = startIndex > 0 && grand > 0 ? 'No more items here — go back with Previous.' : "Nothing waits on you in ISC — you're all caught up. 🎉";
    return { text, blocks: [...headBlocks(page, opts, ''), section(empty, 'page_empty'), pagingBlock(opts, page.start, prev, undefined)] };
  }
  // Room for the head and paging blocks in their longest form.
  const reserved = [...headBlocks(page, opts, '999999–999999 of 999999'), pagingBlock(opts, page.start, page.start, page.start)];
  const fit = fitBlocks(
    groups.map((g) => g.blocks),
    { blocks: budget.blocks - reserved.length, chars: budget.chars - JSON.stringify(reserved).length },
    (n) => `… and ${plural(n, 'more item')} on this page — press *Next* to see them`,
  );
  const shown = groups.slice(0, fit.shown);
  const counted = shown.filter((g) => g.at);
  const last = counted.at(-1)?.at;
  // A page that could not show a card still moves on by one, so Next never stands still.
  const next = fit.shown < groups.length ? (groups.slice(fit.shown).find((g) => g.at)?.at ?? nextPosition(last, t)) : nextPosition(last, t);
  const range = counted.length ? `${startIndex + 1}–${startIndex + counted.length} of ${formatCount(grand)}` : `of ${formatCount(grand)}`;
  return { text, blocks: [...headBlocks(page, opts, range), ...fit.blocks, pagingBlock(opts, page.start, prev, next)] };
}

/** A page of the inbox as an ephemeral or DM message (≤ 50 blocks). */
export function renderInboxList(page: InboxPage, opts: ListOptions): RenderedMessage {
  return renderInboxPage(page, opts, MESSAGE_BUDGET);
}

const DETAIL_TITLES: Record<InboxKind, string> = { workItem: 'Work item', accessRequest: 'Access request', generic: 'Approval' };

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

/** One item of any kind in full, as a message. */
export function renderInboxItemDetail(entry: InboxItem, opts: CardOptions): RenderedMessage {
  if (entry.kind === 'workItem') return renderWorkItemDetail(entry.item, opts);
  return {
    text: `${DETAIL_TITLES[entry.kind]}: ${escapeTruncate(inboxItemTitle(entry, opts.viewer.locale), 200)}`,
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
    if ('failure' in c) return `${label.icon} *${label.title}:* ${unavailable(c.failure)}`;
    counts[kind] = c.count;
    const extra =
      kind === 'workItem' && summary.workItemsCompleted !== undefined
        ? ` · ${formatCount(summary.workItemsCompleted)} completed`
        : kind === 'accessRequest' && summary.accessRequestsDecided
          ? ` · ${formatCount(summary.accessRequestsDecided.approved ?? 0)} approved · ${formatCount(summary.accessRequestsDecided.rejected ?? 0)} rejected`
          : '';
    return `${label.icon} *${label.title}:* ${formatCount(c.count)} ${kind === 'workItem' ? 'open' : 'pending'}${extra}`;
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
