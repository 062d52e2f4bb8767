import type { KnownBlock } from '@slack/types';
import { ACTION } from '../../src/blocks/actions';
import { MESSAGE_BUDGET, validateMessage, validateView } from '../../src/blocks/limits';
import {
  firstError,
  fitLines,
  fitTaskGroups,
  isStuck,
  markTasksCleared,
  renderTaskDetailsModal,
  renderTaskList,
  renderTaskMessage,
  taskGroup,
  tasksWithButtons,
} from '../../src/blocks/tasks';
import { BROADCASTS_AND_LINKS, FORBIDDEN, HOSTILE, actionIds, buttons, linkifiedMrkdwn, mrkdwnTexts } from '../blocks/fixtures';
import { NOW, failedTask, hoursAgo, stuckTask, task, taskId, viewer } from '../digest/fixtures';

const opts = { viewer, stuckAfterHours: 6 };
const json = (v: unknown) => JSON.stringify(v);

describe('fitLines', () => {
  it('keeps every line that fits and counts the rest, plus those never turned into lines', () => {
    expect(fitLines(['a', 'b'], 100, (n) => `+${n}`)).toBe('a\nb');
    expect(fitLines(['a', 'b'], 100, (n) => `+${n}`, 98)).toBe('a\nb\n+98');
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i} ${'x'.repeat(50)}`);
    const text = fitLines(lines, 2000, (n) => `… and ${n} more`, 9000);
    expect(JSON.stringify(text).length).toBeLessThanOrEqual(2000);
    const shown = text.split('\n').length - 1;
    expect(text.endsWith(`… and ${1000 - shown + 9000} more`)).toBe(true);
  });

  it('measures as JSON, so quotes and control characters cannot overflow', () => {
    const text = fitLines(Array.from({ length: 200 }, () => '"\u0001"'.repeat(10)), 1000, (n) => `+${n}`);
    expect(JSON.stringify(text).length).toBeLessThanOrEqual(1000);
  });
});

describe('a task', () => {
  it('is stuck when pending longer than the threshold, by launch time (or creation while queued)', () => {
    expect(isStuck(task(1, { launched: hoursAgo(7) }), NOW, 6)).toBe(true);
    expect(isStuck(task(1, { launched: null, created: hoursAgo(7) }), NOW, 6)).toBe(true);
    expect(isStuck(task(1, { launched: hoursAgo(5) }), NOW, 6)).toBe(false);
    expect(isStuck(task(1, { launched: hoursAgo(7), completionStatus: 'ERROR' }), NOW, 6)).toBe(false);
  });

  it('gets Details and a confirmed, danger Mark terminated: in the digest only when stuck', () => {
    expect(actionIds(taskGroup(task(1), { ...opts, buttons: 'stuck' }))).toEqual([]);
    expect(actionIds(taskGroup(stuckTask(1), { ...opts, buttons: 'stuck' }))).toEqual([ACTION.taskDetails, ACTION.taskTerminate]);
    expect(actionIds(taskGroup(task(1), { ...opts, buttons: 'pending' }))).toEqual([ACTION.taskDetails, ACTION.taskTerminate]);
    expect(actionIds(taskGroup(failedTask(1), { ...opts, buttons: 'pending' }))).toEqual([ACTION.taskDetails]);
    const terminate = buttons(taskGroup(stuckTask(1), { ...opts, buttons: 'stuck' }))[1];
    expect(terminate).toMatchObject({ value: taskId(1), style: 'danger', confirm: { style: 'danger' } });
    expect(terminate.confirm.text.text).toContain('TERMINATED');
  });

  it('offers no button for an id that cannot travel in a value', () => {
    expect(actionIds(taskGroup(stuckTask(1, { id: 'bad id' }), { ...opts, buttons: 'pending' }))).toEqual([]);
  });

  it('shows who marked it terminated instead of its buttons', () => {
    const blocks = taskGroup(stuckTask(1), { ...opts, buttons: 'stuck', clearances: { [taskId(1)]: { bySlackUserId: 'U0ADMIN01', at: NOW.toISOString() } } });
    expect(actionIds(blocks)).toEqual([]);
    expect(mrkdwnTexts(blocks).join()).toContain('Marked terminated by <@U0ADMIN01> · Nov 23, 2026 10:00 GMT+1');
  });

  it('escapes every ISC string and shows the first ERROR message', () => {
    const hostile = failedTask(1, HOSTILE);
    Object.assign(hostile, { uniqueName: HOSTILE, launcher: HOSTILE, progress: HOSTILE, target: { name: HOSTILE } });
    expect(firstError(hostile)).toBe(HOSTILE);
    const { blocks } = renderTaskMessage(hostile, opts);
    const text = mrkdwnTexts(blocks).join('\n');
    for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
    expect(linkifiedMrkdwn(blocks)).toEqual([]);
    expect(text).toContain('&lt;!channel&gt;');
  });
});

describe('the task list', () => {
  it('fits any number of pending tasks, longest running first, and counts the rest', () => {
    const tasks = Array.from({ length: 25 }, (_, i) => stuckTask(i, { uniqueName: `${'n'.repeat(400)} ${i}`, progress: 'p'.repeat(2000) }));
    const message = renderTaskList({ tasks, total: 10_000 }, opts);
    expect(validateMessage(message)).toEqual([]);
    const shown = tasksWithButtons(message.blocks).length;
    expect(shown).toBeGreaterThan(3);
    expect(mrkdwnTexts(message.blocks).at(-1)).toBe(`… and ${(10_000 - shown).toLocaleString('en-US')} more pending tasks`);
    expect(message.text).toBe('10,000 pending ISC tasks');
  });

  it('says so when nothing runs', () => {
    const message = renderTaskList({ tasks: [], total: 0 }, opts);
    expect(validateMessage(message)).toEqual([]);
    expect(mrkdwnTexts(message.blocks).join()).toContain('No task is running');
  });

  it('fitTaskGroups adds the "more" line even when every task read fits', () => {
    const blocks = fitTaskGroups([task(1)], 5, { ...opts, buttons: 'pending' }, MESSAGE_BUDGET, 'more pending task');
    expect(mrkdwnTexts(blocks).at(-1)).toBe('… and 4 more pending tasks');
  });
});

describe('the Details modal', () => {
  it('holds messages, returns and attributes, escaped and cut, within the view limits', () => {
    const huge = failedTask(1, HOSTILE);
    huge.messages = Array.from({ length: 10_000 }, (_, i) => ({
      type: 'WARN' as const,
      localizedText: { locale: 'en', message: `${HOSTILE} ${'m'.repeat(1000)} ${i}` },
      key: 'k',
      parameters: null,
    }));
    huge.returns = Array.from({ length: 500 }, (_, i) => ({ name: `${HOSTILE} ${i}`, attributeName: 'a'.repeat(500) }));
    huge.attributes = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`${HOSTILE}${i}`, { nested: 'v'.repeat(1000) }]));
    const view = renderTaskDetailsModal(huge, opts);
    expect(validateView(view)).toEqual([]);
    const text = mrkdwnTexts(view.blocks).join('\n');
    for (const bad of BROADCASTS_AND_LINKS) expect(text).not.toContain(bad);
    expect(text).toContain('*Messages* (10,000)');
    expect(text).toMatch(/… and [\d,]+ more/);
    expect(text).toContain('*Attributes* (500)');
  });

  it('shows a task with nothing in its lists', () => {
    const view = renderTaskDetailsModal(task(1), opts);
    expect(validateView(view)).toEqual([]);
    expect(json(view)).toContain('_none_');
  });
});

describe('marking tasks cleared in a posted message', () => {
  it("replaces only the cleared tasks' buttons and keeps every other block", () => {
    const blocks: KnownBlock[] = [
      ...taskGroup(stuckTask(1), { ...opts, buttons: 'stuck' }),
      ...taskGroup(stuckTask(2), { ...opts, buttons: 'stuck' }),
    ];
    expect(tasksWithButtons(blocks)).toEqual([taskId(1), taskId(2)]);
    const marked = markTasksCleared(blocks, { [taskId(2)]: { bySlackUserId: 'U0ADMIN01', at: NOW.toISOString() } }, viewer);
    expect(marked).toHaveLength(blocks.length);
    expect(tasksWithButtons(marked)).toEqual([taskId(1)]);
    expect(marked[3]).toMatchObject({ type: 'context', block_id: `task:${taskId(2)}:cleared` });
    expect(marked.slice(0, 3)).toEqual(blocks.slice(0, 3));
  });
});
