import { accessRequestApprovalPaths, genericApprovalPaths, pathId, publicIdentitiesPath, taskStatusPaths, workItemPaths } from '../../src/isc/paths';

test('work items, legacy v3 and per-service v1', () => {
  const v3 = workItemPaths('v3');
  const v1 = workItemPaths('v1');
  expect([v3.list, v3.completed, v3.count, v3.completedCount, v3.summary]).toEqual([
    '/v3/work-items',
    '/v3/work-items/completed',
    '/v3/work-items/count',
    '/v3/work-items/completed/count',
    '/v3/work-items/summary',
  ]);
  expect([v1.list, v1.completed, v1.count, v1.completedCount, v1.summary]).toEqual([
    '/work-items/v1',
    '/work-items/v1/completed',
    '/work-items/v1/count',
    '/work-items/v1/completed/count',
    '/work-items/v1/summary',
  ]);
  expect([v1.item('w'), v1.forward('w'), v1.approve('w', 'a'), v1.reject('w', 'a')]).toEqual([
    '/work-items/v1/w',
    '/work-items/v1/w/forward',
    '/work-items/v1/w/approve/a',
    '/work-items/v1/w/reject/a',
  ]);
  expect([v3.bulkApprove('w'), v3.bulkReject('w'), v3.accountSelection('w')]).toEqual([
    '/v3/work-items/bulk-approve/w',
    '/v3/work-items/bulk-reject/w',
    '/v3/work-items/w/submit-account-selection',
  ]);
});

test('task status: v1 has no pending-tasks path', () => {
  expect(taskStatusPaths('v2024')).toMatchObject({ list: '/v2024/task-status', pendingTasks: '/v2024/task-status/pending-tasks' });
  expect(taskStatusPaths('v2024').item('t1')).toBe('/v2024/task-status/t1');
  expect(taskStatusPaths('v1')).toMatchObject({ list: '/task-status/v1', pendingTasks: undefined });
  expect(taskStatusPaths('v1').item('t1')).toBe('/task-status/v1/t1');
});

test('public identities', () => {
  expect(publicIdentitiesPath('v3')).toBe('/v3/public-identities');
  expect(publicIdentitiesPath('v1')).toBe('/public-identities/v1');
});

test('access-request approvals: v1 and the legacy v3', () => {
  const v1 = accessRequestApprovalPaths('v1');
  const v3 = accessRequestApprovalPaths('v3');
  expect([v1.pending, v1.completed, v1.summary, v1.approve('a'), v1.reject('a'), v1.forward('a')]).toEqual([
    '/access-request-approvals/v1/pending',
    '/access-request-approvals/v1/completed',
    '/access-request-approvals/v1/approval-summary',
    '/access-request-approvals/v1/a/approve',
    '/access-request-approvals/v1/a/reject',
    '/access-request-approvals/v1/a/forward',
  ]);
  expect([v3.pending, v3.summary, v3.forward('a')]).toEqual([
    '/v3/access-request-approvals/pending',
    '/v3/access-request-approvals/approval-summary',
    '/v3/access-request-approvals/a/forward',
  ]);
});

test('generic approvals: v1 only', () => {
  const p = genericApprovalPaths();
  expect([p.list, p.approval('g'), p.approve('g'), p.reject('g'), p.reassign('g'), p.comments('g'), p.bulkApprove, p.bulkReject]).toEqual([
    '/generic-approvals/v1',
    '/generic-approvals/v1/g',
    '/generic-approvals/v1/g/approve',
    '/generic-approvals/v1/g/reject',
    '/generic-approvals/v1/g/reassign',
    '/generic-approvals/v1/g/comments',
    '/generic-approvals/v1/bulk-approve',
    '/generic-approvals/v1/bulk-reject',
  ]);
});

test('ids are one encoded segment; dot segments and empty ids are refused', () => {
  expect(pathId('a/b?c#d %')).toBe('a%2Fb%3Fc%23d%20%25');
  expect(workItemPaths('v3').approve('../x', '?all')).toBe('/v3/work-items/..%2Fx/approve/%3Fall');
  for (const bad of ['', '.', '..']) expect(() => pathId(bad)).toThrow(RangeError);
});
