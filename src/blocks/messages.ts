import type { KnownBlock } from '@slack/types';
import type { WorkItemsSummary } from '../isc/types';
import { ACTION } from './actions';
import { actionsBlock, button, contextBlock, header, section } from './limits';
import { escapeKeepingMentions, escapeMrkdwn, escapeTruncate, truncate, userMention } from './mrkdwn';
import type { RenderedMessage } from './types';

export type NoticeKind = 'error' | 'info' | 'warning';

const NOTICE_ICONS: Record<NoticeKind, string> = { error: '🛑', info: 'ℹ️', warning: '⚠️' };

/** The notice line. Its text may carry ISC error messages or what the user typed: escaped, user mentions kept. */
export function noticeText(text: string, kind: NoticeKind): string {
  return `${NOTICE_ICONS[kind]} ${truncate(escapeKeepingMentions(text.trim() || 'Something went wrong.'), 2900)}`;
}

export interface NoticeDetails {
  /** ISC's trackingId, for support. */
  trackingId?: string;
  /** What to try next, e.g. "Try `/workitems help`." */
  hint?: string;
}

/** A short error / info / warning message (not the owner, ISC errors, unknown subcommand). */
export function renderNotice(text: string, kind: NoticeKind, details: NoticeDetails = {}): RenderedMessage {
  const line = noticeText(text, kind);
  const extra = [
    details.hint ? escapeTruncate(details.hint, 1000) : '',
    details.trackingId ? `ISC tracking id: \`${escapeTruncate(details.trackingId, 200)}\`` : '',
  ].filter(Boolean);
  const blocks: KnownBlock[] = [section(line, 'notice')];
  if (extra.length) blocks.push(contextBlock(extra.join('\n'), 'notice_details'));
  return { text: line, blocks };
}

export interface HelpOptions {
  isAdmin: boolean;
  /** How the bot talks to ISC for this user, e.g. "Acting as your own ISC identity." */
  authMode?: string;
  /** Account linking is on: list `connect` and `disconnect`. */
  linking?: boolean;
}

const ADMIN_USAGE: Array<[string, string]> = [
  ['/workitems digest', 'post the digest to its channel now'],
  ['/workitems digest preview', 'show the digest to you only'],
  ['/workitems tasks', 'the pending ISC tasks running longest, with Details and Mark terminated'],
  ['/workitems task <id>', 'one ISC task'],
  ['/workitems audit [days]', 'the decisions taken through the bot in the last days (30 by default), as a CSV file in a direct message'],
];

const LINKING_USAGE: Array<[string, string]> = [
  ['/workitems connect', 'connect your ISC account, so your actions are made in ISC as you'],
  ['/workitems disconnect', 'unlink your ISC account'],
];

export function renderHelp({ isAdmin, authMode, linking }: HelpOptions): RenderedMessage {
  const usage: Array<[string, string]> = [
    ['/workitems', 'your pending work items, with buttons to approve, reject, complete or forward them'],
    ['/workitems completed', 'the work items you have completed'],
    ['/workitems summary', 'how many work items are open and completed'],
    ['/workitems <id>', 'one work item in full'],
    ['/workitems notify off', 'no more messages about new work items (`notify on` brings them back)'],
    ...(linking ? LINKING_USAGE : []),
    ['/workitems help', 'this help'],
  ];
  const line = ([cmd, what]: [string, string]) => `\`${escapeMrkdwn(cmd)}\` — ${escapeMrkdwn(what)}`;
  const blocks: KnownBlock[] = [
    header('ISC work items', 'help_title'),
    section(`Work items from SailPoint Identity Security Cloud, in Slack.\n${usage.map(line).join('\n')}`, 'help_usage'),
  ];
  if (isAdmin) {
    blocks.push(
      section(
        `*For admins*\n${line(['/workitems @user', "someone else's pending work items"])}\nAdd \`@user\` to \`completed\` or \`summary\` the same way.\n` +
          ADMIN_USAGE.map(line).join('\n'),
        'help_admin',
      ),
    );
  }
  const notes = ['🏠 Your pending work items are also on the bot’s *Home* tab.'];
  if (authMode) notes.push(escapeTruncate(authMode, 1000));
  blocks.push(contextBlock(notes.join('\n'), 'help_notes'));
  return { text: 'How to use /workitems', blocks };
}

const count = (n: number | undefined) => (n === undefined ? '–' : String(n));

/** "*Open:* 3 · *Completed:* 12 · *Total:* 15" */
export function summaryLine(summary: WorkItemsSummary): string {
  return `*Open:* ${count(summary.open)} · *Completed:* ${count(summary.completed)} · *Total:* ${count(summary.total)}`;
}

export function renderSummary(summary: WorkItemsSummary, subjectSlackUserId?: string): RenderedMessage {
  const who = subjectSlackUserId ? userMention(subjectSlackUserId) : undefined;
  const open = `${count(summary.open)} open work item${summary.open === 1 ? '' : 's'}`;
  const text = `${who ? `${who} has` : 'You have'} ${open} (${count(summary.completed)} completed, ${count(summary.total)} total)`;
  const title = who ? `Work items of ${who}` : 'Your work items';
  return {
    text,
    blocks: [
      section(`*${title}*\n${summaryLine(summary)}`, 'summary'),
      contextBlock('Type `/workitems` to see the open ones, `/workitems completed` for the others.', 'summary_hint'),
    ],
  };
}

/** `/workitems connect`: a link button to ISC's sign-in page (the link works once, for `minutes`). */
export function renderConnect(authorizeUrl: string, minutes: number): RenderedMessage {
  return {
    text: 'Connect your ISC account',
    blocks: [
      section(
        `*Connect your ISC account*\nSign in to ISC so that what you approve, reject, complete or forward from Slack is done in ISC as you, and ISC's audit trail names you. The button works once, for ${minutes} minutes.`,
        'connect_text',
      ),
      actionsBlock([button({ actionId: ACTION.connect, text: 'Connect to ISC', url: authorizeUrl, style: 'primary' })], 'connect_actions'),
    ],
  };
}
