import type { Button, KnownBlock } from '@slack/types';
import type { WorkItem } from '../isc/types';
import { ACTION, pageValue } from './actions';
import { type Budget, MESSAGE_BUDGET, actionsBlock, button, divider, fitBlocks, section } from './limits';
import { capitalise, escapeMrkdwn, escapeTruncate, plural, userMention } from './mrkdwn';
import type { WorkItemListPage } from '../workitems/workItemService';
import type { CardOptions, RenderedMessage } from './types';
import { renderWorkItemCard, workItemTitle } from './workItemCard';

/**
 * Cards on one page of a list message. Worst case in blocks: a heading and a counts line, 10 compact
 * cards of COMPACT_CARD_MAX_BLOCKS (3) with a divider each, three failed kinds (2 each), the range
 * line and the paging buttons = 50; the message's JSON size may leave the last cards for Next.
 */
export const LIST_PAGE_SIZE = 10;

export interface ListOptions extends CardOptions {
  /** Replaces the default heading ("Your pending work items"); shown escaped. */
  title?: string;
}


function heading(page: WorkItemListPage, opts: ListOptions): string {
  if (opts.title) return escapeMrkdwn(opts.title);
  const subject = opts.subjectSlackUserId;
  return subject ? `${capitalise(page.kind)} work items for ${userMention(subject)}` : `Your ${page.kind} work items`;
}

function fallbackText(page: WorkItemListPage, opts: ListOptions, range: string): string {
  const who = opts.subjectSlackUserId ? userMention(opts.subjectSlackUserId) : undefined;
  if (page.total !== undefined) {
    const count = plural(page.total, `${page.kind} work item`);
    return who ? `${who} has ${count}` : `You have ${count}`;
  }
  return `${heading(page, opts)} (${range})`;
}

function emptyText(page: WorkItemListPage): string {
  if (page.offset > 0) return 'No more work items here — go back with Previous.';
  return page.kind === 'pending' ? "No pending work items — you're all caught up." : 'No completed work items yet.';
}

function hasNext(page: WorkItemListPage, shown: number): boolean {
  if (page.total !== undefined) return page.offset + shown < page.total;
  return shown < page.items.length || page.items.length >= page.pageSize;
}

/** Previous / Next / Refresh; Next continues from the first card not shown. */
function pagingBlock(page: WorkItemListPage, opts: ListOptions, shown: number, next: boolean): KnownBlock {
  const value = (o: number) => pageValue({ kind: page.kind, offset: o }, opts.subjectSlackUserId);
  const buttons: Button[] = [];
  if (page.offset > 0) {
    buttons.push(button({ actionId: ACTION.pagePrev, text: 'Previous', value: value(Math.max(0, page.offset - page.pageSize)) }));
  }
  if (next) buttons.push(button({ actionId: ACTION.pageNext, text: 'Next', value: value(page.offset + shown) }));
  buttons.push(button({ actionId: ACTION.refresh, text: 'Refresh', value: value(page.offset) }));
  return actionsBlock(buttons, 'page_paging');
}

function headBlock(page: WorkItemListPage, opts: ListOptions, range: string): KnownBlock {
  return section(`*${heading(page, opts)}*${range ? ` · ${range}` : ''}`, 'page_head');
}

/**
 * One page of work items (heading, compact cards, paging buttons) within `budget`; shared by list
 * messages and the Home tab. Cards that do not fit are left for the next page rather than skipped.
 */
export function renderPage(page: WorkItemListPage, opts: ListOptions, budget: Budget): RenderedMessage {
  if (page.items.length === 0) {
    const text = emptyText(page);
    return { text, blocks: [headBlock(page, opts, ''), section(text, 'page_empty'), pagingBlock(page, opts, 0, false)] };
  }
  const cards = page.items.map((item) => [
    ...renderWorkItemCard(item, {
      ...opts,
      mode: 'compact',
      decisions: page.decisions?.[item.id ?? ''],
      list: { kind: page.kind, offset: page.offset },
    }),
    divider(),
  ]);
  // Room for the head and paging blocks in their longest form.
  const reserved = [headBlock(page, opts, 'Showing 999999–999999 of 999999'), pagingBlock(page, opts, page.items.length, true)];
  const fit = fitBlocks(
    cards,
    { blocks: budget.blocks - reserved.length, chars: budget.chars - JSON.stringify(reserved).length },
    (n) => `${plural(n, 'more work item')} on the next page`,
  );
  const range = `Showing ${page.offset + 1}–${page.offset + fit.shown}${page.total !== undefined ? ` of ${page.total}` : ''}`;
  return {
    text: fallbackText(page, opts, range),
    blocks: [headBlock(page, opts, range), ...fit.blocks, pagingBlock(page, opts, fit.shown, hasNext(page, fit.shown))],
  };
}

/** A page of work items as an ephemeral or DM message (≤ 50 blocks). */
export function renderWorkItemList(page: WorkItemListPage, opts: ListOptions): RenderedMessage {
  return renderPage(page, opts, MESSAGE_BUDGET);
}

/** One work item in full, as a message. */
export function renderWorkItemDetail(item: WorkItem, opts: CardOptions): RenderedMessage {
  const state = item.state ? ` (${escapeMrkdwn(item.state)})` : '';
  return {
    text: `Work item: ${escapeTruncate(workItemTitle(item), 200)}${state}`,
    blocks: renderWorkItemCard(item, { ...opts, mode: 'full', budget: MESSAGE_BUDGET }),
  };
}
