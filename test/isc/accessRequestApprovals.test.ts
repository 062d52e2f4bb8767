import nock from 'nock';
import type { AccessRequestApprovalsApi } from '../../src/isc/api';
import type { CompletedApproval, PendingApproval } from '../../src/isc/types';
import { caught, expectCall, expectOperation, mockToken, testClient, useNock, type OperationCase } from './helpers';

useNock();

// Shapes from the spec's examples (access-request-approvals.v1.yaml).
const PENDING: PendingApproval = {
  id: 'id12345',
  accessRequestId: '2b838de9-db9b-abcf-e646-d4f274ad4238',
  name: 'Pending approval name',
  created: '2017-07-11T18:45:37.098Z',
  requestType: 'GRANT_ACCESS',
  requester: { type: 'IDENTITY', id: '2c9180835d191a86015d28455b4a2329', name: 'William Wilson' },
  requestedFor: { type: 'IDENTITY', id: '2c4180a46faadee4016fb4e018c20626', name: 'Robert Robinson' },
  owner: { type: 'IDENTITY', id: '2c9180835d191a86015d28455b4a2329', name: 'Support' },
  requestedObject: { id: '2c9180835d2e5168015d32f890ca1581', name: 'Applied Research Access', description: 'Access to research information', type: 'ROLE' },
  requesterComment: { comment: 'This is a comment.', created: '2017-07-11T18:45:37.098Z', author: { type: 'IDENTITY', id: '2c9180847e25f377017e2ae8cae4650b', name: 'john.doe' } },
  commentRequiredWhenRejected: true,
  sodViolationContext: {
    state: 'SUCCESS',
    uuid: 'f73d16e9-a038-46c5-b217-1246e15fdbdd',
    violationCheckResult: { violatedPolicies: [{ type: 'SOD_POLICY', id: '0f11f2a4-7c94-4bf3-a2bd-742580fe3bde', name: 'Business SOD Policy' }] },
  },
};
const COMPLETED: CompletedApproval = { id: 'id12345', name: 'Approval Name', state: 'APPROVED', reviewedBy: { type: 'IDENTITY', id: 'r1', name: 'Reviewer' } };

const cases: Array<OperationCase<AccessRequestApprovalsApi>> = [
  {
    name: 'listPendingApprovals sends owner-id, paging, filters and sorters',
    call: (api) =>
      api.listPendingApprovals({ ownerId: 'own1', limit: 250, offset: 250, count: true, filters: 'requestedFor.id eq "x"', sorters: '-created' }),
    method: 'GET',
    path: '/pending',
    query: { 'owner-id': 'own1', limit: '250', offset: '250', count: 'true', filters: 'requestedFor.id eq "x"', sorters: '-created' },
    reply: [PENDING],
    replyHeaders: { 'X-Total-Count': '251' },
    result: { items: [PENDING], total: 251 },
  },
  {
    name: 'listPendingApprovals without parameters sends none',
    call: (api) => api.listPendingApprovals(),
    method: 'GET',
    path: '/pending',
    reply: [],
    result: { items: [] },
  },
  {
    name: 'listCompletedApprovals',
    call: (api) => api.listCompletedApprovals({ ownerId: 'own1', limit: 10, sorters: '-modified' }),
    method: 'GET',
    path: '/completed',
    query: { 'owner-id': 'own1', limit: '10', sorters: '-modified' },
    reply: [COMPLETED],
    result: { items: [COMPLETED] },
  },
  {
    name: 'approveAccessRequest without a comment sends no body (202)',
    call: (api) => api.approveAccessRequest('ap1'),
    method: 'POST',
    path: '/ap1/approve',
    status: 202,
    reply: {},
    result: undefined,
  },
  {
    name: 'approveAccessRequest with a comment sends a CommentDto',
    call: (api) => api.approveAccessRequest('ap1', 'Looks good'),
    method: 'POST',
    path: '/ap1/approve',
    rawBody: '{"comment":"Looks good"}',
    status: 202,
    reply: {},
    result: undefined,
  },
  {
    name: 'rejectAccessRequest sends the required CommentDto',
    call: (api) => api.rejectAccessRequest('ap1', 'Not needed for the role'),
    method: 'POST',
    path: '/ap1/reject',
    rawBody: '{"comment":"Not needed for the role"}',
    status: 202,
    reply: {},
    result: undefined,
  },
  {
    name: 'rejectAccessRequest without a comment still sends a body',
    call: (api) => api.rejectAccessRequest('ap1'),
    method: 'POST',
    path: '/ap1/reject',
    rawBody: '{}',
    status: 202,
    reply: {},
    result: undefined,
  },
  {
    name: 'forwardAccessRequest sends a ForwardApprovalDto',
    call: (api) => api.forwardAccessRequest('ap1', { newOwnerId: 'own2', comment: 'On leave this week' }),
    method: 'POST',
    path: '/ap1/forward',
    rawBody: '{"newOwnerId":"own2","comment":"On leave this week"}',
    status: 202,
    reply: {},
    result: undefined,
  },
  {
    name: 'getAccessRequestApprovalSummary sends owner-id and from-date',
    call: (api) => api.getAccessRequestApprovalSummary({ ownerId: 'own1', fromDate: '2020-03-19T19:59:11Z' }),
    method: 'GET',
    path: '/approval-summary',
    query: { 'owner-id': 'own1', 'from-date': '2020-03-19T19:59:11Z' },
    reply: { pending: 0, approved: 0, rejected: 0 },
    result: { pending: 0, approved: 0, rejected: 0 },
  },
];

describe.each([
  ['v1', '/access-request-approvals/v1'],
  ['v3', '/v3/access-request-approvals'],
] as const)('access-request approvals, %s layout', (version, root) => {
  test.each(cases)('$name', async (c) => {
    mockToken();
    await expectOperation(testClient({ versions: { accessRequestApprovals: version } }).client.accessRequestApprovals, root, c);
  });
});

describe('access-request approvals (layout-independent behaviour)', () => {
  const api = () => {
    mockToken();
    return testClient().client.accessRequestApprovals;
  };

  test('forwardAccessRequest refuses a missing or over-long field before any request', async () => {
    const approvals = testClient().client.accessRequestApprovals; // no token mock: nothing may be sent
    await expect(approvals.forwardAccessRequest('ap1', { newOwnerId: 'own2', comment: '' })).rejects.toThrow(/comment of 1 to 255/);
    await expect(approvals.forwardAccessRequest('ap1', { newOwnerId: '', comment: 'x' })).rejects.toThrow(/newOwnerId/);
    await expect(approvals.forwardAccessRequest('ap1', { newOwnerId: 'own2', comment: 'x'.repeat(256) })).rejects.toThrow(/comment/);
    expect(nock.pendingMocks()).toEqual([]);
  });

  test('limit above 250 is refused before any request', async () => {
    const approvals = testClient().client.accessRequestApprovals;
    await expect(approvals.listPendingApprovals({ limit: 251 })).rejects.toThrow(/limit from 0 to 250/);
  });

  test('count=true without X-Total-Count is malformed; 204 is an empty page', async () => {
    const approvals = api();
    expectCall({ method: 'GET', path: '/access-request-approvals/v1/pending', query: { count: 'true' }, reply: [PENDING] });
    await expect(approvals.listPendingApprovals({ count: true })).rejects.toMatchObject({ kind: 'malformed' });
    expectCall({ method: 'GET', path: '/access-request-approvals/v1/completed', status: 204 });
    await expect(approvals.listCompletedApprovals()).resolves.toEqual({ items: [] });
  });

  test('ids are one encoded path segment', async () => {
    const approvals = api();
    const { received } = expectCall({ method: 'POST', path: '/access-request-approvals/v1/a%2F..%3Fx/approve', status: 202, reply: {} });
    await approvals.approveAccessRequest('a/..?x');
    expect(received[0].uri).toBe('/access-request-approvals/v1/a%2F..%3Fx/approve');
    await expect(approvals.rejectAccessRequest('..', 'x')).rejects.toThrow(RangeError);
  });

  test('a reject refused for want of a comment is a 400 with ISC’s text and tracking id; a POST is not repeated', async () => {
    const approvals = api();
    expectCall({
      method: 'POST',
      path: '/access-request-approvals/v1/ap1/reject',
      status: 400,
      reply: { detailCode: '400.1 Bad Request Content', trackingId: 'e7eab60924f64aa284175b9fa3309599', messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'A comment is required to reject this approval.' }] },
    });
    const error = await caught(approvals.rejectAccessRequest('ap1'));
    expect(error).toMatchObject({ status: 400, trackingId: 'e7eab60924f64aa284175b9fa3309599' });
    expect((error as { userMessage(): string }).userMessage()).toBe(
      'ISC rejected the request (400): A comment is required to reject this approval. Tracking id e7eab60924f64aa284175b9fa3309599.',
    );

    expectCall({ method: 'POST', path: '/access-request-approvals/v1/ap2/approve', status: 500, reply: {} });
    const failed = await caught(approvals.approveAccessRequest('ap2'));
    expect((failed as { userMessage(): string }).userMessage()).toMatch(/internal error \(500\)/);
    expect(nock.pendingMocks()).toEqual([]);
  });

  test('a 404 names the access request approval', async () => {
    const approvals = api();
    expectCall({ method: 'POST', path: '/access-request-approvals/v1/gone/forward', status: 404, reply: {} });
    const error = await caught(approvals.forwardAccessRequest('gone', { newOwnerId: 'o', comment: 'c' }));
    expect((error as { userMessage(): string }).userMessage()).toBe(
      'ISC could not find that access request approval (404); it may have been decided, forwarded or expired.',
    );
  });

  test('reads are retried on 5xx, never past maxRetries', async () => {
    mockToken();
    const { client, sleep } = testClient({ maxRetries: 1 });
    expectCall({ method: 'GET', path: '/access-request-approvals/v1/approval-summary', status: 503, reply: {} });
    expectCall({ method: 'GET', path: '/access-request-approvals/v1/approval-summary', reply: { pending: 3 } });
    await expect(client.accessRequestApprovals.getAccessRequestApprovalSummary()).resolves.toEqual({ pending: 3 });
    expect(sleep).toHaveBeenCalledTimes(1);
  });
});
