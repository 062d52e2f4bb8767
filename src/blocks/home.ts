import type { HomeView, KnownBlock } from '@slack/types';
import type { WorkItemsSummary } from '../isc/types';
import { LIMITS, VIEW_BUDGET, contextBlock, divider, header, section } from './limits';
import { type NoticeKind, noticeText, summaryLine } from './messages';
import { escapeMrkdwn, escapeTruncate } from './mrkdwn';
import type { CardOptions, WorkItemListPage } from './types';
import { renderPage } from './workItemList';

export interface HomeInput {
  summary?: WorkItemsSummary;
  page: WorkItemListPage;
  opts: CardOptions;
  /** Shown on top, escaped (e.g. the outcome of an action taken on this tab, or why nothing can be listed). */
  notice?: string;
  noticeKind?: NoticeKind;
  /** How the bot talks to ISC for this user. */
  authModeLine?: string;
}

/** The App Home tab: summary, the same compact cards and paging as the list message, a short help (≤ 100 blocks). */
export function renderHome({ summary, page, opts, notice, noticeKind = 'info', authModeLine }: HomeInput): HomeView {
  const top: KnownBlock[] = [header('ISC work items', 'home_title')];
  if (summary) top.push(section(summaryLine(summary), 'home_summary'));
  if (notice) top.push(section(noticeText(notice, noticeKind), 'home_notice'));
  if (authModeLine) top.push(contextBlock(escapeTruncate(authModeLine, 1000), 'home_auth'));
  top.push(divider());
  const bottom: KnownBlock[] = [
    divider(),
    contextBlock(escapeMrkdwn('Type `/workitems help` in any channel for commands; `/workitems <id>` shows one item in full.'), 'home_help'),
  ];
  const budget = { blocks: LIMITS.viewBlocks - top.length - bottom.length, chars: VIEW_BUDGET.chars };
  return { type: 'home', blocks: [...top, ...renderPage(page, opts, budget).blocks, ...bottom] };
}
