import type { HomeView, KnownBlock } from '@slack/types';
import type { InboxPage } from '../inbox/inbox';
import type { RequestedItemStatus, WorkItemsSummary } from '../isc/types';
import { renderHomeRequests } from './requestAccess';
import { renderInboxPage } from './inboxList';
import { LIMITS, VIEW_BUDGET, contextBlock, divider, header, section } from './limits';
import { type NoticeKind, noticeText } from './messages';
import { escapeMrkdwn, escapeTruncate, formatCount } from './mrkdwn';
import type { CardOptions } from './types';

export interface HomeInput {
  /** The work items' open / completed counts (ISC's work-item summary). */
  summary?: WorkItemsSummary;
  page: InboxPage;
  opts: CardOptions;
  /** Shown on top, escaped (e.g. the outcome of an action taken on this tab, or why nothing can be listed). */
  notice?: string;
  noticeKind?: NoticeKind;
  /** How the bot talks to ISC for this user. */
  authModeLine?: string;
  /** The user's recent access requests (`own`: those they made); no section when they could not be read. */
  requests?: { statuses: RequestedItemStatus[]; own: ReadonlySet<string> };
}

/** "*Pending:* 15 · *Completed work items:* 12", the pending total over every kind the page could read. */
function homeSummaryLine(page: InboxPage, summary: WorkItemsSummary | undefined): string {
  const pending = page.sections.reduce((n, s) => n + (s.failure ? 0 : (s.total ?? s.items.length)), 0);
  const partial = page.sections.some((s) => s.failure) ? '≥ ' : '';
  const completed = summary?.completed === undefined ? '' : ` · *Completed work items:* ${formatCount(summary.completed)}`;
  return `*Pending:* ${partial}${formatCount(pending)}${completed}`;
}

/** The App Home tab: summary, the inbox's compact cards and paging as in the list message, a short help (≤ 100 blocks). */
export function renderHome({ summary, page, opts, notice, noticeKind = 'info', authModeLine, requests }: HomeInput): HomeView {
  const top: KnownBlock[] = [header('Your ISC inbox', 'home_title'), section(homeSummaryLine(page, summary), 'home_summary')];
  if (notice) top.push(section(noticeText(notice, noticeKind), 'home_notice'));
  if (authModeLine) top.push(contextBlock(escapeTruncate(authModeLine, 1000), 'home_auth'));
  top.push(divider());
  const bottom: KnownBlock[] = [
    ...(requests ? [divider(), ...renderHomeRequests(requests.statuses, opts.viewer, requests.own)] : []),
    divider(),
    contextBlock(escapeMrkdwn('Type `/workitems help` in any channel for commands; `/workitems <id>` shows one item in full.'), 'home_help'),
  ];
  const budget = { blocks: LIMITS.viewBlocks - top.length - bottom.length, chars: VIEW_BUDGET.chars };
  return { type: 'home', blocks: [...top, ...renderInboxPage(page, opts, budget).blocks, ...bottom] };
}
