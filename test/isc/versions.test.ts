import { successorPath } from '../../src/isc/paths';
import { expectCall, mockToken, testClient, useNock } from './helpers';

useNock();

const DEPRECATED = { 'X-Deprecated': 'true' };

test('with no versions set, every API uses its per-service v1 path', async () => {
  mockToken();
  const { client } = testClient();
  const calls = [
    expectCall({ method: 'GET', path: '/work-items/v1/summary', reply: { open: 0 } }),
    expectCall({ method: 'GET', path: '/task-status/v1', query: { filters: 'completionStatus isnull', limit: '1', count: 'true' }, reply: [], replyHeaders: { 'X-Total-Count': '0' } }),
    expectCall({ method: 'GET', path: '/public-identities/v1', query: { filters: 'email eq "a@x.com"', limit: '10' }, reply: [] }),
    expectCall({ method: 'GET', path: '/access-request-approvals/v1/approval-summary', reply: { pending: 0 } }),
    expectCall({ method: 'GET', path: '/generic-approvals/v1/g1', reply: { id: 'g1' } }),
  ];
  await client.workItems.getWorkItemsSummary();
  await client.taskManagement.getPendingTaskHeaders();
  await client.identities.findIdentitiesByEmail('a@x.com');
  await client.accessRequestApprovals.getAccessRequestApprovalSummary();
  await client.genericApprovals.getApproval('g1');
  calls.forEach((c) => c.scope.done());
});
const warnings = (lines: string[]) => lines.filter((l) => l.includes(' WARN ') && l.includes('deprecated'));

test('X-Deprecated: true is reported once per operation, naming it and its successor', async () => {
  mockToken();
  const { client, lines } = testClient({ versions: { workItems: 'v3', taskManagement: 'v2024' } });
  for (const id of ['wi1', 'wi2', 'wi3']) {
    expectCall({ method: 'GET', path: `/v3/work-items/${id}`, reply: { id }, replyHeaders: DEPRECATED });
    await client.workItems.getWorkItem(id);
  }
  expect(warnings(lines)).toHaveLength(1);
  expect(warnings(lines)[0]).toContain('ISC marks getWorkItem (GET /v3/work-items/wi1) as deprecated; its successor is GET /work-items/v1/wi1');
  expect(warnings(lines)[0]).toContain('"operation":"getWorkItem"');

  // Another operation of the same API gets its own warning, once.
  for (let i = 0; i < 2; i++) {
    expectCall({ method: 'POST', path: '/v3/work-items/wi1/approve/ai1', reply: { id: 'wi1' }, replyHeaders: DEPRECATED });
    await client.workItems.approveApprovalItem('wi1', 'ai1');
  }
  expectCall({ method: 'HEAD', path: '/v2024/task-status/pending-tasks', query: { count: 'true' }, replyHeaders: { ...DEPRECATED, 'X-Total-Count': '2' } });
  await client.taskManagement.getPendingTaskHeaders();
  expect(warnings(lines)).toHaveLength(3);
  expect(warnings(lines)[1]).toContain('ISC marks approveApprovalItem (POST /v3/work-items/wi1/approve/ai1)');
  expect(warnings(lines)[2]).toContain('its successor is HEAD /task-status/v1?filters=completionStatus isnull');
});

test('the header is read on error responses too, case-insensitively, and its absence says nothing', async () => {
  mockToken();
  const { client, lines } = testClient();
  expectCall({ method: 'GET', path: '/access-request-approvals/v1/pending', reply: [] });
  await client.accessRequestApprovals.listPendingApprovals();
  expect(warnings(lines)).toEqual([]);

  const { client: legacy, lines: legacyLines } = testClient({ versions: { accessRequestApprovals: 'v3' } });
  mockToken();
  expectCall({ method: 'POST', path: '/v3/access-request-approvals/ap1/approve', status: 404, reply: {}, replyHeaders: { 'x-deprecated': 'True' } });
  await expect(legacy.accessRequestApprovals.approveAccessRequest('ap1')).rejects.toMatchObject({ status: 404 });
  expect(warnings(legacyLines)).toEqual([
    expect.stringContaining('ISC marks approveAccessRequest (POST /v3/access-request-approvals/ap1/approve) as deprecated; its successor is POST /access-request-approvals/v1/ap1/approve'),
  ]);
});

test('a client built withTokenProvider shares the once-per-operation record', async () => {
  mockToken();
  const { client, lines } = testClient({ versions: { identities: 'v3' } });
  const userClient = client.withTokenProvider({ getToken: async () => 'user-token', invalidate: () => undefined });
  expectCall({ method: 'GET', path: '/v3/public-identities', query: { filters: 'id eq "a"', limit: '1' }, reply: [], replyHeaders: DEPRECATED });
  await client.identities.getIdentityById('a');
  expectCall({ method: 'GET', path: '/v3/public-identities', query: { filters: 'email eq "b@x.com"', limit: '10' }, reply: [], replyHeaders: DEPRECATED });
  await userClient.identities.findIdentitiesByEmail('b@x.com');
  expect(warnings(lines)).toHaveLength(1);
  expect(warnings(lines)[0]).not.toContain('b@x.com');
});

test('successorPath maps the legacy layout of the APIs the bot knows, and nothing else', () => {
  expect(successorPath('/v3/work-items/summary')).toBe('/work-items/v1/summary');
  expect(successorPath('/v3/access-request-approvals/pending')).toBe('/access-request-approvals/v1/pending');
  expect(successorPath('/v2024/task-status/t1')).toBe('/task-status/v1/t1');
  expect(successorPath('/v2024/task-status/pending-tasks')).toBe('/task-status/v1?filters=completionStatus isnull');
  expect(successorPath('/v3/public-identities')).toBe('/public-identities/v1');
  expect(successorPath('/work-items/v1/summary')).toBeUndefined();
  expect(successorPath('/beta/workflows')).toBeUndefined();
});
