import type { Button, KnownBlock, ModalView } from '@slack/types';
import type { TaskCompletionStatus, TaskStatus } from '../isc/types';
import { ACTION, isValidId } from './actions';
import { type Budget, LIMITS, MESSAGE_BUDGET, actionsBlock, button, contextBlock, field, fitBlocks, plain, section } from './limits';
import { escapeMrkdwn, escapeTruncate, formatCount, plural, userMention } from './mrkdwn';
import { UNKNOWN_TIME, age, formatInZone } from './time';
import type { RenderedMessage, Viewer } from './types';

/** Who marked a task terminated from Slack, and when (ISO). */
export interface Clearance {
  bySlackUserId: string;
  at: string;
}

export interface TaskRenderOptions {
  viewer: Viewer;
  stuckAfterHours: number;
  /** Which tasks get Details / Mark terminated: every pending one, or only those that look stuck (the digest). */
  buttons: 'pending' | 'stuck';
  /** By task id. */
  clearances?: Record<string, Clearance>;
}

const NAME_CHARS = 150;
const VALUE_CHARS = 200;

const STATUS_LABELS: Record<TaskCompletionStatus, string> = {
  SUCCESS: '✅ Success',
  WARNING: '⚠️ Warning',
  ERROR: '❌ Error',
  TERMINATED: '⏹️ Terminated',
  TEMPERROR: '⏳ Temporary error',
};


/** The task's name (plain text, not escaped). */
export function taskTitle(task: TaskStatus): string {
  return task.uniqueName?.trim() || task.description?.trim() || `Task ${task.id}`;
}

export function statusLabel(task: TaskStatus): string {
  return task.completionStatus === null ? '🔄 Running' : (STATUS_LABELS[task.completionStatus] ?? escapeTruncate(task.completionStatus, 30));
}

/** When the task started running: launched, or created while it waits in a queue. */
const runningSince = (task: TaskStatus): string => task.launched ?? task.created;

export function isStuck(task: TaskStatus, now: Date, stuckAfterHours: number): boolean {
  const since = Date.parse(runningSince(task));
  return task.completionStatus === null && since < now.getTime() - stuckAfterHours * 3600_000;
}

/** The text of the task's first ERROR message (plain, not escaped). */
export function firstError(task: TaskStatus): string | undefined {
  const m = task.messages?.find((msg) => msg.type === 'ERROR');
  return m ? m.localizedText?.message || m.key : undefined;
}

/** "Nov 22, 2026 14:02 GMT+1 (3 hours ago)", in the viewer's zone. */
export function timeAndAge(iso: string | null | undefined, viewer: Viewer): string {
  const absolute = formatInZone(iso, viewer);
  return absolute === UNKNOWN_TIME ? UNKNOWN_TIME : `${absolute} (${age(iso, viewer)} ago)`;
}

function clearanceLine(c: Clearance, viewer: Viewer): string {
  return `⏹️ Marked terminated by ${userMention(c.bySlackUserId)} · ${formatInZone(c.at, viewer)}`;
}

/**
 * Lines joined as one mrkdwn text that fits `maxChars` as JSON (how Slack measures a payload). The
 * lines left out, plus `beyond` more that were never turned into lines, are summed up by `more(n)`.
 */
export function fitLines(lines: readonly string[], maxChars: number, more: (hidden: number) => string, beyond = 0): string {
  const size = (s: string) => JSON.stringify(s).length - 2;
  const kept: string[] = [];
  let used = 2;
  for (const [i, line] of lines.entries()) {
    const hiddenIfStopped = lines.length - i + beyond;
    const tail = size(more(hiddenIfStopped)) + 2;
    const cost = size(line) + (kept.length ? 2 : 0);
    if (used + cost + (hiddenIfStopped > 1 ? tail : 0) > maxChars) return [...kept, more(hiddenIfStopped)].join('\n');
    kept.push(line);
    used += cost;
  }
  return (beyond > 0 ? [...kept, more(beyond)] : kept).join('\n');
}

const blockKey = (task: TaskStatus, index: number) => (isValidId(task.id) ? task.id : `i${index}`);

function terminateConfirmText(task: TaskStatus, viewer: Viewer): string {
  return (
    `Set "${taskTitle(task)}" (running since ${formatInZone(runningSince(task), viewer)}) to TERMINATED in ISC? ` +
    'This clears its status; it does not stop work the task may still be doing.'
  );
}

function taskButtons(task: TaskStatus, opts: TaskRenderOptions): Button[] {
  if (!isValidId(task.id) || (opts.buttons === 'stuck' && !isStuck(task, opts.viewer.now, opts.stuckAfterHours))) return [];
  const buttons = [button({ actionId: ACTION.taskDetails, text: 'Details', value: task.id })];
  if (task.completionStatus === null) {
    buttons.push(
      button({
        actionId: ACTION.taskTerminate,
        text: 'Mark terminated',
        style: 'danger',
        value: task.id,
        confirm: { title: 'Mark this task terminated?', text: terminateConfirmText(task, opts.viewer), confirm: 'Mark terminated', style: 'danger' },
      }),
    );
  }
  return buttons;
}

function taskText(task: TaskStatus, opts: TaskRenderOptions): string {
  const { viewer } = opts;
  const stuck = isStuck(task, viewer.now, opts.stuckAfterHours) ? ` · 🐢 *running more than ${plural(opts.stuckAfterHours, 'hour')}*` : '';
  const target = task.target?.name ? ` · Target ${escapeTruncate(task.target.name, VALUE_CHARS)}` : '';
  const progress = task.progress?.trim() ? ` — ${escapeTruncate(task.progress, VALUE_CHARS)}` : '';
  const error = firstError(task);
  return [
    `*${escapeTruncate(taskTitle(task), NAME_CHARS)}* · ${statusLabel(task)}${stuck}`,
    `${escapeMrkdwn(task.type)}${target} · Launched by ${escapeTruncate(task.launcher, 100, 'unknown')}`,
    `Running since ${timeAndAge(runningSince(task), viewer)} · ${task.percentComplete ?? 0} %${progress}`,
    task.completed ? `Ended ${timeAndAge(task.completed, viewer)}` : '',
    error ? `> ${escapeTruncate(error, VALUE_CHARS * 2)}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** One task: its text, then Details / Mark terminated, or who marked it terminated from Slack. */
export function taskGroup(task: TaskStatus, opts: TaskRenderOptions, index = 0): KnownBlock[] {
  const key = blockKey(task, index);
  const blocks: KnownBlock[] = [section(taskText(task, opts), `task:${key}`)];
  const cleared = opts.clearances?.[task.id];
  if (cleared) return [...blocks, contextBlock(clearanceLine(cleared, opts.viewer), `task:${key}:cleared`)];
  const buttons = taskButtons(task, opts);
  if (buttons.length) blocks.push(actionsBlock(buttons, `task:${key}:act`));
  return blocks;
}

/**
 * Task groups within `budget`, then "… and N more" counted against `total`: the tenant may hold far
 * more tasks than were fetched.
 */
export function fitTaskGroups(tasks: readonly TaskStatus[], total: number, opts: TaskRenderOptions, budget: Budget, noun: string): KnownBlock[] {
  const more = (hidden: number) => `… and ${plural(hidden, noun)}`;
  // Room for that line even when every group fits.
  const room = { blocks: budget.blocks - 1, chars: budget.chars - JSON.stringify(contextBlock(more(total))).length - 1 };
  const fit = fitBlocks(
    tasks.map((t, i) => taskGroup(t, opts, i)),
    room,
    (hiddenGroups) => more(total - tasks.length + hiddenGroups),
  );
  if (fit.shown === tasks.length && total > tasks.length) fit.blocks.push(contextBlock(more(total - tasks.length)));
  return fit.blocks;
}

export interface PendingTaskPage {
  /** Longest running first. */
  tasks: TaskStatus[];
  /** All pending tasks in the tenant. */
  total: number;
}

/** `/workitems tasks`: the pending tasks running longest, each with Details / Mark terminated. */
export function renderTaskList(page: PendingTaskPage, opts: Omit<TaskRenderOptions, 'buttons'>): RenderedMessage {
  const text = plural(page.total, 'pending ISC task');
  if (page.tasks.length === 0) return { text, blocks: [section('*Pending ISC tasks*\nNo task is running. 🎉', 'tasks_head')] };
  const head = section(`*Pending ISC tasks* · ${formatCount(page.total)} in all, longest running first`, 'tasks_head');
  const budget = { blocks: MESSAGE_BUDGET.blocks - 1, chars: MESSAGE_BUDGET.chars - JSON.stringify(head).length - 1 };
  return { text, blocks: [head, ...fitTaskGroups(page.tasks, page.total, { ...opts, buttons: 'pending' }, budget, 'more pending task')] };
}

/** `/workitems task <id>`, and the answer to a button pressed on an ephemeral message. */
export function renderTaskMessage(task: TaskStatus, opts: Omit<TaskRenderOptions, 'buttons'>): RenderedMessage {
  return { text: `ISC task: ${escapeTruncate(taskTitle(task), NAME_CHARS)} (${statusLabel(task)})`, blocks: taskGroup(task, { ...opts, buttons: 'pending' }) };
}

function jsonValue(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return escapeTruncate(text, VALUE_CHARS, '—');
}

/** A titled list as one section of at most 3000 characters. */
function listSection(title: string, lines: string[], blockId: string): KnownBlock {
  const body = lines.length ? fitLines(lines, LIMITS.sectionText - title.length - 10, (n) => `… and ${formatCount(n)} more`) : '_none_';
  return section(`*${title}* (${formatCount(lines.length)})\n${body}`, blockId);
}

/** Details: the task's facts, messages, returns and attributes, every ISC value escaped and cut. */
export function renderTaskDetailsModal(task: TaskStatus, opts: Omit<TaskRenderOptions, 'buttons'>): ModalView {
  const { viewer } = opts;
  const cleared = opts.clearances?.[task.id];
  const messages = (task.messages ?? []).map(
    (m) => `• *${escapeMrkdwn(m.type)}* ${escapeTruncate(m.localizedText?.message || m.key, VALUE_CHARS * 2, '—')}`,
  );
  const returns = (task.returns ?? []).map((r) => `• ${escapeTruncate(r.name, VALUE_CHARS, '—')} → \`${escapeTruncate(r.attributeName, VALUE_CHARS)}\``);
  const attributes = Object.entries(task.attributes ?? {}).map(([k, v]) => `• ${escapeTruncate(k, VALUE_CHARS)}: ${jsonValue(v)}`);
  const blocks: KnownBlock[] = [
    section(taskText(task, { ...opts, buttons: 'pending' }), 'task_head'),
    {
      type: 'section',
      block_id: 'task_fields',
      fields: [
        field('Status', statusLabel(task)),
        field('Type', escapeMrkdwn(task.type)),
        field('Created', timeAndAge(task.created, viewer)),
        field('Launched', timeAndAge(task.launched, viewer)),
        field('Completed', task.completed ? timeAndAge(task.completed, viewer) : '—'),
        field('Progress', `${task.percentComplete ?? 0} %${task.progress ? ` — ${escapeTruncate(task.progress, VALUE_CHARS)}` : ''}`),
      ],
    },
    listSection('Messages', messages, 'task_messages'),
    listSection('Returns', returns, 'task_returns'),
    listSection('Attributes', attributes, 'task_attributes'),
    contextBlock(`Task id \`${escapeTruncate(task.id, 130)}\``, 'task_id'),
  ];
  if (cleared) blocks.push(contextBlock(clearanceLine(cleared, viewer), 'task_cleared'));
  return { type: 'modal', title: plain('ISC task', LIMITS.viewTitle), close: plain('Close', LIMITS.viewTitle), blocks };
}

const ACTIONS_BLOCK = /^task:(.+):act$/;

/** Ids of the tasks that still have buttons in a message's blocks. */
export function tasksWithButtons(blocks: readonly KnownBlock[]): string[] {
  return blocks.flatMap((b) => ACTIONS_BLOCK.exec(b.block_id ?? '')?.[1] ?? []);
}

/** The same blocks, with each cleared task's buttons replaced by who marked it terminated and when. */
export function markTasksCleared(blocks: readonly KnownBlock[], clearances: Record<string, Clearance>, viewer: Viewer): KnownBlock[] {
  return blocks.map((b) => {
    const id = ACTIONS_BLOCK.exec(b.block_id ?? '')?.[1];
    const cleared = id === undefined ? undefined : clearances[id];
    return cleared ? contextBlock(clearanceLine(cleared, viewer), `task:${id}:cleared`) : b;
  });
}
