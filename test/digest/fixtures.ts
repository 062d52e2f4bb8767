import type { ApproverRow, DigestData } from '../../src/blocks/digest';
import type { Viewer } from '../../src/blocks/types';
import type { TaskStatus } from '../../src/isc/types';

export const NOW = new Date('2026-11-23T09:00:00Z');
export const viewer: Viewer = { tz: 'Europe/Berlin', now: NOW };
export const HOUR = 3600_000;

export const hoursAgo = (h: number) => new Date(NOW.getTime() - h * HOUR).toISOString();

/** A 32-hex task id, like ISC's. */
export const taskId = (n: number) => `7a5c${n.toString(16).padStart(28, '0')}`;

export function task(n: number, extra: Partial<TaskStatus> = {}): TaskStatus {
  return {
    id: taskId(n),
    type: 'QUARTZ',
    uniqueName: `Cloud Account Aggregation ${n}`,
    description: 'Aggregates from the specified application',
    parentName: null,
    launcher: 'sweep',
    target: { id: 'src1', type: 'APPLICATION', name: 'Active Directory [source]' },
    created: hoursAgo(1),
    modified: null,
    launched: hoursAgo(1),
    completed: null,
    completionStatus: null,
    messages: [],
    returns: [],
    attributes: {},
    progress: 'Aggregating',
    percentComplete: 40,
    ...extra,
  };
}

export const stuckTask = (n: number, extra: Partial<TaskStatus> = {}) => task(n, { created: hoursAgo(48 + n), launched: hoursAgo(48 + n), ...extra });

export function failedTask(n: number, message = 'Connector answered 403'): TaskStatus {
  return task(n, {
    completionStatus: 'ERROR',
    completed: hoursAgo(2),
    messages: [
      { type: 'INFO', localizedText: { locale: 'en-US', message: 'Started' }, key: 'info', parameters: null },
      { type: 'ERROR', localizedText: { locale: 'en-US', message }, key: 'err', parameters: null },
    ],
  });
}

export function approver(n: number, open: number, extra: Partial<ApproverRow> = {}): ApproverRow {
  return { name: `Approver ${n}`, summary: { open, completed: 2 * open, total: 3 * open }, ...extra };
}

export function digestData(extra: Partial<DigestData> = {}): DigestData {
  return {
    since: hoursAgo(24),
    approvers: [approver(1, 3, { oldestPending: hoursAgo(100), stale: 1 })],
    staleItems: [{ title: 'Access request for Jane', owner: 'Approver 1', created: hoursAgo(100) }],
    pendingTotal: { ok: true, value: 2 },
    running: { ok: true, value: [stuckTask(1), task(2)] },
    failed: { ok: true, value: { tasks: [failedTask(3)], more: false } },
    ...extra,
  };
}
