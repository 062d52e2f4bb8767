import type { TaskManagementApi } from '../../src/isc/api';
import type { JsonPatchOperation, TaskStatus } from '../../src/isc/types';
import { expectCall, expectOperation, mockToken, testClient, useNock, type OperationCase } from './helpers';

useNock();

const TASK: TaskStatus = {
  id: '00eebcf881994e419d72e757fd30dc0e',
  type: 'QUARTZ',
  uniqueName: 'Cloud Account Aggregation',
  parentName: null,
  launcher: 'System',
  created: '2024-05-17T19:30:00.000Z',
  modified: null,
  launched: '2024-05-17T19:30:01.000Z',
  completed: null,
  completionStatus: null,
  messages: [],
  returns: [],
  attributes: {},
  progress: null,
  percentComplete: 0,
};

const PATCH: JsonPatchOperation[] = [
  { op: 'replace', path: '/completionStatus', value: 'ERROR' },
  { op: 'replace', path: '/completed', value: '2024-05-17T19:33:16.470Z' },
];
const PENDING = 'completionStatus isnull';

/** Paths include the root. */
function cases(version: 'v2024' | 'v1', root: string): Array<OperationCase<TaskManagementApi>> {
  const v1 = version === 'v1';
  return [
    {
      name: 'getPendingTasks',
      call: (api) => api.getPendingTasks({ limit: 10, offset: 20, count: true }),
      method: 'GET',
      path: v1 ? root : `${root}/pending-tasks`,
      query: { ...(v1 && { filters: PENDING }), limit: '10', offset: '20', count: 'true' },
      reply: [TASK],
      replyHeaders: { 'X-Total-Count': '21' },
      result: { items: [TASK], total: 21 },
    },
    {
      name: 'getPendingTasks with 204 is an empty page',
      call: (api) => api.getPendingTasks(),
      method: 'GET',
      path: v1 ? root : `${root}/pending-tasks`,
      query: v1 ? { filters: PENDING } : undefined,
      status: 204,
      result: { items: [] },
    },
    {
      name: 'getPendingTaskHeaders reads X-Total-Count',
      call: (api) => api.getPendingTaskHeaders({ limit: 5 }),
      method: v1 ? 'GET' : 'HEAD',
      path: v1 ? root : `${root}/pending-tasks`,
      query: v1 ? { filters: PENDING, limit: '1', count: 'true' } : { limit: '5', count: 'true' },
      reply: v1 ? [TASK] : undefined,
      replyHeaders: { 'X-Total-Count': '12' },
      result: { total: 12 },
    },
    {
      name: 'getTaskStatus',
      call: (api) => api.getTaskStatus('00eebcf881994e419d72e757fd30dc0e'),
      method: 'GET',
      path: `${root}/00eebcf881994e419d72e757fd30dc0e`,
      reply: TASK,
      result: TASK,
    },
    {
      name: 'getTaskStatusList with filters and sorters',
      call: (api) =>
        api.getTaskStatusList({ filters: 'completionStatus eq "ERROR"', sorters: '-created', limit: 25, offset: 50, count: true }),
      method: 'GET',
      path: root,
      query: { filters: 'completionStatus eq "ERROR"', sorters: '-created', limit: '25', offset: '50', count: 'true' },
      reply: [TASK],
      replyHeaders: { 'X-Total-Count': '51' },
      result: { items: [TASK], total: 51 },
    },
    {
      name: 'updateTaskStatus sends a JSON Patch',
      call: (api) => api.updateTaskStatus('t1', PATCH),
      method: 'PATCH',
      path: `${root}/t1`,
      rawBody: JSON.stringify(PATCH),
      contentType: 'application/json-patch+json',
      reply: { ...TASK, completionStatus: 'ERROR' },
      result: { ...TASK, completionStatus: 'ERROR' },
    },
  ];
}

describe.each([
  ['v2024', '/v2024/task-status'],
  ['v1', '/task-status/v1'],
] as const)('task management, %s layout', (version, root) => {
  const setup = () => {
    mockToken();
    return testClient({ versions: { taskManagement: version } }).client.taskManagement;
  };

  test.each(cases(version, root))('$name', async (c) => {
    await expectOperation(setup(), '', c, { 'X-SailPoint-Experimental': 'true' });
  });
});

test('getPendingTaskHeaders is 0 on a 204 (v2024 HEAD)', async () => {
  mockToken();
  const api = testClient({ versions: { taskManagement: 'v2024' } }).client.taskManagement;
  const { scope } = expectCall({ method: 'HEAD', path: '/v2024/task-status/pending-tasks', query: { count: 'true' }, status: 204 });
  await expect(api.getPendingTaskHeaders()).resolves.toEqual({ total: 0 });
  scope.done();
});

test('a 404 on a task says so in user terms', async () => {
  mockToken();
  const api = testClient().client.taskManagement;
  expectCall({ method: 'GET', path: '/task-status/v1/gone', status: 404 });
  const error = await api.getTaskStatus('gone').catch((e: { userMessage(): string }) => e);
  expect((error as { userMessage(): string }).userMessage()).toBe(
    'ISC could not find that task (404); it may be older than 90 days or have been removed.',
  );
});
