import type { KnownBlock } from '@slack/types';
import type { SectionFailure } from '../isc/errors';
import type { IdentityCertificationDto, SlimCampaign, TaskStatus, WorkItemsSummary } from '../isc/types';
import { MESSAGE_BUDGET, actionsBlock, button, contextBlock, divider, header, section } from './limits';
import { escapeTruncate, formatCount, plural, userMention } from './mrkdwn';
import { summaryLine, unavailable } from './messages';
import { dueText, progressText } from './reviews';
import { firstError, fitLines, fitTaskGroups, isStuck, statusLabel, taskTitle, timeAndAge } from './tasks';
import { age, formatInZone } from './time';
import type { RenderedMessage, Viewer } from './types';


export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: SectionFailure };

/** The digest's buttons: anyone opens their own inbox; an admin nudges an approver whose items are stale. */
export const DIGEST_ACTION = { openInbox: 'digest_open_inbox', nudge: 'digest_nudge' } as const;

export interface ApproverRow {
  /** The ISC identity's name, or the configured Slack id / email when it has none (plain text). */
  name: string;
  /** The approver's Slack user, when the bot knows it: shown as a mention, never as a raw id. */
  slackUserId?: string;
  summary?: WorkItemsSummary;
  /** Set instead of `summary` when the approver could not be read. */
  failure?: SectionFailure;
  /** `created` of the oldest pending item read; undefined when the items were not read. */
  oldestPending?: string;
  /** How many of the items read are stale; undefined when the items were not read. */
  stale?: number;
  /** Only some of the pending items were read: `oldestPending` and `stale` are lower bounds. */
  partial?: boolean;
  /** Reading the pending items failed (the summary is still shown). */
  scanFailure?: SectionFailure;
  /** Pending access-request approvals; undefined when they could not be read. */
  accessRequests?: number;
  /** Pending workflow (generic) approvals; undefined when they could not be read. */
  genericApprovals?: number;
  /** Why the approvals could not be read (the work items are still shown). */
  approvalsFailure?: SectionFailure;
}

export interface StaleItem {
  /** Plain text. */
  title: string;
  owner: string;
  created: string;
}

export interface FailedTasks {
  /** Newest first. */
  tasks: TaskStatus[];
  /** More tasks may have failed in the window than were read. */
  more: boolean;
}

/** Everything the digest shows, as read from ISC. Approvers in any order; the builder sorts them. */
export interface DigestData {
  /** ISO; failed tasks are listed from here. */
  since: string;
  approvers: ApproverRow[];
  /** Oldest first; at most a few. */
  staleItems: StaleItem[];
  /** Number of pending tasks (the HEAD total). */
  pendingTotal: Outcome<number>;
  /** Pending tasks, longest running first (one page). */
  running: Outcome<TaskStatus[]>;
  failed: Outcome<FailedTasks>;
  /** Campaigns under way and the reviewers behind; absent when not read. */
  accessReviews?: Outcome<AccessReviewsDigest>;
}

export interface AccessReviewsDigest {
  /** The ACTIVE campaigns. */
  campaigns: SlimCampaign[];
  /** Open certifications whose reviewer is behind (soonest due first). */
  behind: IdentityCertificationDto[];
  /** More open certifications than were read: `behind` is a lower bound. */
  more: boolean;
}

export interface DigestRenderOptions {
  /** The digest's time zone, and the time the data was read. */
  viewer: Viewer;
  staleAfterDays: number;
  stuckAfterHours: number;
  /** The scheduled slot (ISO), absent for a digest posted by hand. */
  slot?: string;
  /** Posted after its slot, on a start that caught up with a slot missed while the bot was down. */
  late?: boolean;
}

/** Everything waiting on the approver: open work items and pending approvals of both kinds; -1 when nothing could be read. */
const pendingOf = (r: ApproverRow) => (r.summary ? (r.summary.open ?? 0) + (r.accessRequests ?? 0) + (r.genericApprovals ?? 0) : -1);

/** Most waiting first (work items and approvals); approvers that could not be read last. */
export function byMostOpen(a: ApproverRow, b: ApproverRow): number {
  return pendingOf(b) - pendingOf(a) || a.name.localeCompare(b.name);
}

/** How many approvers get a line (and have their pending items read for the oldest one). */
export const APPROVER_LINES = 15;
/** Tasks shown with their own blocks, at most. */
const TASK_GROUPS = 10;
const FAILED_LINES = 10;
export const STALE_LINES = 5;

// JSON characters for each list, so that the task groups (which carry the buttons) keep most of the
// 12,000 a message may hold.
const APPROVERS_CHARS = 2000;
const STALE_CHARS = 1000;
const FAILED_CHARS = 1800;

const sum = (rows: ApproverRow[], key: keyof WorkItemsSummary) => rows.reduce((n, r) => n + (r.summary?.[key] ?? 0), 0);
const sumOf = (rows: ApproverRow[], key: 'accessRequests' | 'genericApprovals') => rows.reduce((n, r) => n + (r[key] ?? 0), 0);

/** " · 2 access requests · 1 workflow approval" (kinds with none left out), or why they are unknown. */
function approvalsText(r: ApproverRow): string {
  if (r.approvalsFailure) return ` · approvals ${unavailable(r.approvalsFailure)}`;
  const parts = [r.accessRequests ? plural(r.accessRequests, 'access request') : '', r.genericApprovals ? plural(r.genericApprovals, 'workflow approval') : ''].filter(Boolean);
  return parts.length ? ` · ${parts.join(' · ')}` : '';
}

/** The approver as the digest names them: a mention when they have stale items (or no name) and the bot knows their Slack user. */
function approverName(r: ApproverRow): string {
  if (r.slackUserId && ((r.stale ?? 0) > 0 || !r.summary || r.name === r.slackUserId)) return userMention(r.slackUserId);
  return `*${escapeTruncate(r.name, 80, 'unknown')}*`;
}

function approverLine(r: ApproverRow, opts: DigestRenderOptions): string {
  const name = approverName(r);
  if (!r.summary) return `• ${name} — ${unavailable(r.failure ?? { message: 'unknown error' })}`;
  const atLeast = r.partial ? '≥ ' : '';
  const extra = [
    r.oldestPending ? `oldest ${atLeast}${age(r.oldestPending, opts.viewer)} (${formatInZone(r.oldestPending, opts.viewer)})` : '',
    r.stale ? `⏰ ${atLeast}${formatCount(r.stale)} stale` : '',
    r.scanFailure ? `oldest ${unavailable(r.scanFailure)}` : '',
  ].filter(Boolean);
  return `• ${name} — ${summaryLine(r.summary)}${approvalsText(r)}${extra.length ? ` · ${extra.join(' · ')}` : ''}`;
}

function workItemBlocks(data: DigestData, opts: DigestRenderOptions): KnownBlock[] {
  const rows = [...data.approvers].sort(byMostOpen);
  const read = rows.filter((r) => r.summary);
  const failed = rows.length - read.length;
  const totals = summaryLine({ open: sum(read, 'open'), completed: sum(read, 'completed'), total: sum(read, 'total') });
  const across = `${plural(rows.length, 'approver')}${failed ? `, ${formatCount(failed)} unavailable` : ''}`;
  const lines = rows.slice(0, APPROVER_LINES).map((r) => approverLine(r, opts));
  const approvalsUnread = read.some((r) => r.approvalsFailure) ? '≥ ' : '';
  const approvals = `*Access requests pending:* ${approvalsUnread}${formatCount(sumOf(read, 'accessRequests'))} · *Workflow approvals pending:* ${approvalsUnread}${formatCount(sumOf(read, 'genericApprovals'))}`;
  const blocks: KnownBlock[] = [
    section(`*Work items* — ${totals} across ${across}\n${approvals}`, 'wi_totals'),
    section(fitLines(lines, APPROVERS_CHARS, (n) => `… and ${plural(n, 'more approver')}`, rows.length - lines.length), 'wi_approvers'),
  ];

  const staleCount = read.reduce((n, r) => n + (r.stale ?? 0), 0);
  // A lower bound when some pending items were not read: beyond the pages read, or approvers past the lines shown.
  const unread = read.some((r) => r.partial || r.scanFailure || (r.stale === undefined && (r.summary?.open ?? 0) > 0));
  if (staleCount > 0) {
    const staleLines = data.staleItems
      .slice(0, STALE_LINES)
      .map((s) => `• ${escapeTruncate(s.title, 120, 'Work item')} — ${escapeTruncate(s.owner, 80)} · pending since ${timeAndAge(s.created, opts.viewer)}`);
    const title = `⏰ *${unread ? '≥ ' : ''}${plural(staleCount, 'work item')} pending more than ${plural(opts.staleAfterDays, 'day')}*`;
    const rest = Math.max(staleCount - staleLines.length, 0);
    blocks.push(section(`${title}\n${fitLines(staleLines, STALE_CHARS, (n) => `… and ${formatCount(n)} more`, rest)}`, 'wi_stale'));
  }
  blocks.push(...nudgeBlocks(rows));
  return blocks;
}

/** Approvers with stale items the bot can reach on Slack, each with a Nudge button (admins only; shown to all). */
export const NUDGE_LINES = 5;

function nudgeBlocks(rows: ApproverRow[]): KnownBlock[] {
  const stale = rows.filter((r) => r.slackUserId && (r.stale ?? 0) > 0).slice(0, NUDGE_LINES);
  return stale.map((r) => ({
    ...section(`${userMention(r.slackUserId!)} has ${r.partial ? '≥ ' : ''}${plural(r.stale!, 'item')} waiting too long`, `nudge_${r.slackUserId}`),
    accessory: button({ actionId: DIGEST_ACTION.nudge, text: 'Nudge', value: JSON.stringify({ u: r.slackUserId }) }),
  }));
}

const CAMPAIGN_LINES = 8;
const BEHIND_LINES = 10;
const REVIEWS_CHARS = 1800;

function campaignLine(c: SlimCampaign, viewer: Viewer): string {
  const total = c.totalCertifications ?? 0;
  const done = c.completedCertifications ?? 0;
  const pct = total ? Math.floor((done * 100) / total) : 0;
  return `• *${escapeTruncate(c.name, 120, 'Campaign')}* — ${pct}% complete (${formatCount(done)} / ${plural(total, 'certification')} signed) · ${dueText(c.deadline, viewer)}`;
}

function behindLine(c: IdentityCertificationDto, viewer: Viewer): string {
  return `• *${escapeTruncate(c.reviewer?.name, 80, 'unknown reviewer')}* — ${escapeTruncate(c.campaign?.name ?? c.name, 120, 'Access review')}: ${progressText(c)} · ${dueText(c.due, viewer)}`;
}

/** Access reviews: campaigns under way (percent of certifications signed, due date), then the reviewers behind. None when no campaign is active. */
function accessReviewBlocks(data: DigestData, viewer: Viewer): KnownBlock[] {
  const reviews = data.accessReviews;
  if (!reviews) return [];
  const title = '*Access reviews*';
  if (!reviews.ok) return [divider(), section(`${title}\n${unavailable(reviews.failure)}`, 'rv_digest')];
  const { campaigns, behind, more } = reviews.value;
  if (!campaigns.length) return [];
  const campaignLines = campaigns.slice(0, CAMPAIGN_LINES).map((c) => campaignLine(c, viewer));
  const behindLines = behind.slice(0, BEHIND_LINES).map((c) => behindLine(c, viewer));
  const lines = [
    `${title} — ${plural(campaigns.length, 'active campaign')}`,
    fitLines(campaignLines, REVIEWS_CHARS / 2, (n) => `… and ${plural(n, 'more campaign')}`, campaigns.length - campaignLines.length),
    behind.length
      ? `⏰ *Reviewers behind* (${more ? '≥ ' : ''}${formatCount(behind.length)}: overdue, or fewer decided than the time gone asks)\n` +
        fitLines(behindLines, REVIEWS_CHARS / 2, (n) => `… and ${formatCount(n)} more`, behind.length - behindLines.length)
      : '✅ No reviewer is behind.',
  ];
  return [divider(), section(lines.join('\n'), 'rv_digest')];
}

function failedLine(t: TaskStatus, viewer: Viewer): string {
  const error = firstError(t);
  const target = t.target?.name ? ` (${escapeTruncate(t.target.name, 80)})` : '';
  return (
    `• ${statusLabel(t)} *${escapeTruncate(taskTitle(t), 120)}*${target} — ended ${timeAndAge(t.completed ?? t.modified ?? t.created, viewer)}` +
    (error ? `: ${escapeTruncate(error, 200)}` : '')
  );
}

function failedBlock(data: DigestData, opts: DigestRenderOptions): KnownBlock {
  const title = `❌ *Tasks that ended in ERROR or TERMINATED since ${formatInZone(data.since, opts.viewer)}*`;
  if (!data.failed.ok) return section(`${title}\n${unavailable(data.failed.failure)}`, 'tasks_failed');
  const { tasks, more } = data.failed.value;
  if (tasks.length === 0) return section(`${title}\n✅ None.`, 'tasks_failed');
  const lines = tasks.slice(0, FAILED_LINES).map((t) => failedLine(t, opts.viewer));
  const moreText = (n: number) => `… and ${formatCount(n)}${more ? '+' : ''} more`;
  return section(`${title}\n${fitLines(lines, FAILED_CHARS, moreText, tasks.length - lines.length)}`, 'tasks_failed');
}

function pendingHead(data: DigestData, opts: DigestRenderOptions): { text: string; stuck: number; running: TaskStatus[] } {
  const running = data.running.ok ? data.running.value : [];
  const stuck = running.filter((t) => isStuck(t, opts.viewer.now, opts.stuckAfterHours)).length;
  // The page is sorted by start, so when every task read is stuck, more may be beyond it.
  const stuckMore = running.length > 0 && stuck === running.length && data.pendingTotal.ok && data.pendingTotal.value > running.length ? '+' : '';
  const count = data.pendingTotal.ok ? `${formatCount(data.pendingTotal.value)} pending` : `pending count ${unavailable(data.pendingTotal.failure)}`;
  const stuckText = stuck ? ` · ⏰ ${formatCount(stuck)}${stuckMore} running more than ${plural(opts.stuckAfterHours, 'hour')}` : '';
  return { text: `*ISC tasks* — ${count}${stuckText}`, stuck, running };
}

function whenContext(opts: DigestRenderOptions): KnownBlock {
  const { viewer } = opts;
  const generated = viewer.now.toISOString();
  const when = opts.slot ?? generated;
  const context = [
    `${opts.slot ? 'Scheduled for' : 'As of'} ${formatInZone(when, viewer)} · times in ${escapeTruncate(viewer.tz, 60)}`,
    opts.late ? `⏰ *Late*: the bot was not running at the scheduled time; read from ISC at ${formatInZone(generated, viewer)}.` : '',
  ].filter(Boolean);
  return contextBlock(context.join('\n'), 'digest_when');
}

const dateOf = (opts: DigestRenderOptions) => formatInZone(opts.slot ?? opts.viewer.now.toISOString(), opts.viewer, 'date');

/**
 * The approvers' digest: work items and approvals per approver (most waiting first), approvers with
 * stale items mentioned with a Nudge button, the stale items, access reviews under way, and an
 * **Open my inbox** button. Task health is a post of its own for admins (renderTaskHealth). Any count
 * fits: lists are cut with "… and N more", within 50 blocks and 12,000 JSON characters. A part ISC
 * could not give says "unavailable", and the text says "at least" for a count it could not read whole.
 */
export function renderDigest(data: DigestData, opts: DigestRenderOptions): RenderedMessage {
  const blocks: KnownBlock[] = [
    header(`ISC digest · ${dateOf(opts)}${opts.late ? ' (late)' : ''}`, 'digest_title'),
    whenContext(opts),
    ...workItemBlocks(data, opts),
    ...accessReviewBlocks(data, opts.viewer),
    actionsBlock([button({ actionId: DIGEST_ACTION.openInbox, text: 'Open my inbox', value: 'inbox', style: 'primary' })], 'digest_actions'),
    contextBlock(`Stale: pending more than ${plural(opts.staleAfterDays, 'day')} · *Open my inbox* shows you your own items, here only to you.`, 'digest_notes'),
  ];
  const read = data.approvers.filter((r) => r.summary);
  const unread = read.length < data.approvers.length;
  const approvalsUnread = unread || read.some((r) => r.approvalsFailure);
  const atLeast = (partial: boolean) => (partial ? 'at least ' : '');
  const open = sum(read, 'open');
  const text =
    `ISC digest: ${atLeast(unread)}${plural(open, 'open work item')}` +
    (['accessRequests', 'genericApprovals'] as const)
      .map((k) => (sumOf(read, k) ? `, ${atLeast(approvalsUnread)}${plural(sumOf(read, k), k === 'accessRequests' ? 'pending access request' : 'pending workflow approval')}` : ''))
      .join('');
  return { text, blocks };
}

/**
 * Task health, for admins: the pending tasks running longest (stuck ones with Details / Mark
 * terminated) and the tasks that failed since the last digest, within one message's limits.
 */
export function renderTaskHealth(data: DigestData, opts: DigestRenderOptions): RenderedMessage {
  const { viewer } = opts;
  const head = pendingHead(data, opts);
  const top: KnownBlock[] = [header(`ISC task health · ${dateOf(opts)}${opts.late ? ' (late)' : ''}`, 'tasks_title'), whenContext(opts), section(head.text, 'tasks_head')];
  const bottom: KnownBlock[] = [
    divider(),
    failedBlock(data, opts),
    contextBlock(`Stuck: running more than ${plural(opts.stuckAfterHours, 'hour')} · \`/workitems tasks\` lists every pending task with its buttons.`, 'tasks_notes'),
  ];
  const fixed = [...top, ...bottom];
  const room = { blocks: MESSAGE_BUDGET.blocks - fixed.length, chars: MESSAGE_BUDGET.chars - JSON.stringify(fixed).length - 2 };
  const taskBlocks = data.running.ok
    ? fitTaskGroups(
        head.running.slice(0, TASK_GROUPS),
        data.pendingTotal.ok ? Math.max(data.pendingTotal.value, head.running.length) : head.running.length,
        { viewer, stuckAfterHours: opts.stuckAfterHours, buttons: 'stuck' },
        room,
        'more pending task',
      )
    : [section(`Longest running tasks ${unavailable(data.running.failure)}`, 'tasks_running')];
  const text =
    'ISC task health: ' +
    [
      data.pendingTotal.ok ? `${plural(data.pendingTotal.value, 'pending task')}${head.stuck ? ` (${formatCount(head.stuck)} stuck)` : ''}` : 'pending tasks unavailable',
      data.failed.ok ? `${formatCount(data.failed.value.tasks.length)}${data.failed.value.more ? '+' : ''} failed since the last digest` : 'failed tasks unavailable',
    ].join(', ');
  return { text, blocks: [...top, ...taskBlocks, ...bottom] };
}

/** The answer to `/workitems digest`: where it went. The channel id comes from the config. */
export function renderDigestPosted(channel: string): RenderedMessage {
  const text = `✅ Posted the digest to <#${channel}>.`;
  return { text, blocks: [section(text, 'digest_posted')] };
}

/** The DM a nudge sends: who asks, why, and the button that opens the approver's own list. */
export function renderNudge(adminSlackUserId: string, staleAfterDays: number): RenderedMessage {
  const text = `⏰ ${userMention(adminSlackUserId)} asks you to look at your ISC approvals: some have waited more than ${plural(staleAfterDays, 'day')}.`;
  return {
    text,
    blocks: [section(text, 'nudge'), actionsBlock([button({ actionId: DIGEST_ACTION.openInbox, text: 'Open my inbox', value: 'inbox', style: 'primary' })], 'nudge_actions')],
  };
}

/** What the admin who clicked Nudge is told, only to them. */
export function renderNudgeOutcome(outcome: { kind: 'sent' | 'already' | 'refused' | 'failed'; by?: string }, approverSlackUserId: string): RenderedMessage {
  const who = userMention(approverSlackUserId);
  const text =
    outcome.kind === 'sent'
      ? `✅ Sent ${who} a reminder in a direct message.`
      : outcome.kind === 'already'
        ? `${who} was already nudged today${outcome.by ? ` by ${userMention(outcome.by)}` : ''}; one reminder a day is enough.`
        : outcome.kind === 'refused'
          ? '❌ Only the bot\'s admins can nudge approvers. Mention them in the thread instead.'
          : `❌ Slack did not deliver the reminder to ${who}; try again later.`;
  return { text, blocks: [section(text, 'nudge_outcome')] };
}
