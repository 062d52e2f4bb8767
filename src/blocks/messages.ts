import type { KnownBlock } from '@slack/types';
import type { SectionFailure } from '../isc/errors';
import type { WorkItemsSummary } from '../isc/types';
import { ACTION } from './actions';
import { actionsBlock, button, contextBlock, header, section } from './limits';
import { escapeKeepingMentions, escapeMrkdwn, escapeTruncate, truncate } from './mrkdwn';
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

/**
 * To the user of a click, form or command a restart cut off after its ack: the bot cannot say how it
 * ended (an ISC call may have gone through). A new ephemeral message: the card stays as it was.
 */
export function renderCutOffNotice(): RenderedMessage & { response_type: 'ephemeral'; replace_original: false } {
  return {
    ...renderNotice('The bot restarted before it could tell you how this ended; it may still have gone through in ISC.', 'warning', {
      hint: 'Look again before you try it again: ↻ Refresh on the card, or `/workitems` (for a digest, its channel).',
    }),
    response_type: 'ephemeral',
    replace_original: false,
  };
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

/** What the cards' buttons do, per kind. */
const BUTTONS: Array<[string, string]> = [
  ['Work items', 'Approve / Reject (all lines at once; each line in Details), Complete, Forward, Select accounts'],
  ['Access requests', 'Approve (one click), Approve with comment, Reject (asks for the reason; required when the request says so), Forward (to a person, with a comment); with an SoD violation, Approve… shows it and asks for a justification'],
  ['Workflow approvals', 'Approve, Reject (with the comment the approval may require), Reassign (to a person), Add comment'],
  ['Access reviews', 'Approve or Revoke (with a comment and an optional end date) each item, Reassign an item or an identity, Approve all (or all IAI recommends), Sign off'],
];

const LINKING_USAGE: Array<[string, string]> = [
  ['/workitems connect', 'connect your ISC account, so your actions are made in ISC as you'],
  ['/workitems disconnect', 'unlink your ISC account'],
];

export function renderHelp({ isAdmin, authMode, linking }: HelpOptions): RenderedMessage {
  const usage: Array<[string, string]> = [
    ['/workitems', 'everything ISC waits on you for: work items, access requests and workflow approvals, most urgent first, with buttons to act on them'],
    ['/workitems completed', 'the work items you have completed'],
    ['/workitems summary', 'how many of each kind wait on you, and the total'],
    ['/workitems reviews', 'your open access reviews (ISC certifications), each with a Review button'],
    ['/workitems <id>', 'one work item, access request or approval in full'],
    ['/workitems request [what]', 'ask for a role or access profile; what you type after `request` is searched for (also the “Request access” shortcut)'],
    ['/workitems requests', 'your recent access requests, where each stands, and Cancel on the ones still waiting'],
    ['/workitems notify off', 'no more messages about new items (`notify on` brings them back)'],
    ['/workitems away <from> <to> @person', 'out of office: ISC hands your approvals, access reviews, manual tasks and workflow approvals to that person from the first day to the last (dates as YYYY-MM-DD, in your time zone; also on the Home tab)'],
    ['/workitems away', 'what is set while you are away; `/workitems away off` ends it'],
    ...(linking ? LINKING_USAGE : []),
    ['/workitems help', 'this help'],
  ];
  const line = ([cmd, what]: [string, string]) => `\`${escapeMrkdwn(cmd)}\` — ${escapeMrkdwn(what)}`;
  const blocks: KnownBlock[] = [
    header('ISC work items and approvals', 'help_title'),
    section(`What SailPoint Identity Security Cloud waits on you for, in Slack.\n${usage.map(line).join('\n')}`, 'help_usage'),
    section(`*Buttons*\n${BUTTONS.map(([kind, what]) => `*${kind}:* ${escapeMrkdwn(what)}`).join('\n')}`, 'help_buttons'),
  ];
  if (isAdmin) {
    blocks.push(
      section(
        `*For admins*\n${line(['/workitems @user', "someone else's pending items"])}\nAdd \`@user\` to \`completed\` or \`summary\` the same way.\n` +
          ADMIN_USAGE.map(line).join('\n'),
        'help_admin',
      ),
    );
  }
  const notes = ['Everything pending is also on the bot’s *Home* tab.'];
  if (authMode) notes.push(escapeTruncate(authMode, 1000));
  blocks.push(contextBlock(notes.join('\n'), 'help_notes'));
  return { text: 'How to use /workitems', blocks };
}

const count = (n: number | undefined) => (n === undefined ? '–' : String(n));

/** "*Open:* 3 · *Completed:* 12 · *Total:* 15" */
export function summaryLine(summary: WorkItemsSummary): string {
  return `*Open:* ${count(summary.open)} · *Completed:* ${count(summary.completed)} · *Total:* ${count(summary.total)}`;
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

/** `_unavailable_ (tracking id …)`: a part of a message ISC could not supply, with what support needs. */
export function unavailable(f: SectionFailure): string {
  const why = f.trackingId ? `tracking id \`${escapeTruncate(f.trackingId, 100)}\`` : escapeTruncate(f.message, 300, 'unknown error');
  return `_unavailable_ (${why})`;
}
