import nock from 'nock';
import type { GenericApprovalsApi } from '../../src/isc/api';
import { localizedText } from '../../src/approvals/genericApproval';
import { pendingApprovalsQuery } from '../../src/isc/genericApprovals';
import type { Approval } from '../../src/isc/types';
import { caught, expectCall, expectOperation, mockToken, testClient, useNock, type OperationCase } from './helpers';

useNock();

const ROOT = '/generic-approvals/v1';

// Shape from the spec's Approval schema and examples (generic-approvals.v1.yaml).
const APPROVAL: Approval = {
  id: '38453251-6be2-5f8f-df93-5ce19e295837',
  tenantId: '38453251-6be2-5f8f-df93-5ce19e295837',
  type: 'ENTITLEMENT_DESCRIPTIONS',
  approvers: [{ identityID: '17e633e7d57e481569df76323169deb6a', type: 'IDENTITY', name: 'Jim Bob', email: 'mail@mail.com', serialOrder: 0 }],
  createdDate: '2023-04-12T23:20:50.52Z',
  dueDate: '2024-05-12T23:10:50.11Z',
  name: [{ value: 'Audit DB Access', locale: 'en_US' }],
  description: [{ value: 'This access allows viewing and editing of workflow resource', locale: 'en_US' }],
  medium: 'EMAIL',
  priority: 'HIGH',
  requester: { identityID: '27e6334g757e481569df76323169db9sc', type: 'IDENTITY', name: 'Ann Asker' },
  comments: [{ author: { identityID: 'a1', name: 'Ann Asker' }, comment: 'Looks good', createdDate: '2023-04-12T23:20:50.52Z', commentId: 'c1' }],
  assignedTo: [{ identityID: '17e633e7d57e481569df76323169deb6a', type: 'IDENTITY' }],
  additionalAttributes: '{ "llm_description": "generated description" }',
};

const cases: Array<OperationCase<GenericApprovalsApi>> = [
  {
    name: 'getApprovals sends every identity filter, include flag and the paging',
    call: (api) =>
      api.getApprovals({
        mine: false,
        approverId: 'ap1',
        requesterId: 'rq1',
        requesteeId: 're1',
        filters: 'status eq "PENDING"',
        includeComments: true,
        includeApprovers: true,
        includeReassignmentHistory: true,
        includeBatchInfo: false,
        limit: 25,
        offset: 50,
        count: true,
      }),
    method: 'GET',
    path: '',
    query: {
      mine: 'false',
      approverId: 'ap1',
      requesterId: 'rq1',
      requesteeId: 're1',
      filters: 'status eq "PENDING"',
      'include-comments': 'true',
      'include-approvers': 'true',
      'include-reassignment-history': 'true',
      'include-batch-info': 'false',
      limit: '25',
      offset: '50',
      count: 'true',
    },
    reply: [APPROVAL],
    replyHeaders: { 'X-Total-Count': '51' },
    result: { items: [APPROVAL], total: 51 },
  },
  {
    name: 'getApprovals with pendingApprovalsQuery is the inbox query',
    call: (api) => api.getApprovals({ ...pendingApprovalsQuery('id1'), limit: 5, count: true }),
    method: 'GET',
    path: '',
    query: { approverId: 'id1', filters: 'status eq "PENDING"', 'include-comments': 'true', limit: '5', count: 'true' },
    reply: [APPROVAL],
    replyHeaders: { 'X-Total-Count': '1' },
    result: { items: [APPROVAL], total: 1 },
  },
  {
    name: 'countApprovals asks for the count only',
    call: (api) => api.countApprovals({ approverId: 'id1', filters: 'status eq "PENDING"' }),
    method: 'GET',
    path: '',
    query: { approverId: 'id1', filters: 'status eq "PENDING"', 'count-only': 'true', count: 'true' },
    reply: [],
    replyHeaders: { 'X-Total-Count': '7' },
    result: 7,
  },
  {
    name: 'getApproval',
    call: (api) => api.getApproval('g1'),
    method: 'GET',
    path: '/g1',
    reply: APPROVAL,
    result: APPROVAL,
  },
  {
    name: 'approveApproval without a body',
    call: (api) => api.approveApproval('g1'),
    method: 'POST',
    path: '/g1/approve',
    reply: APPROVAL,
    result: APPROVAL,
  },
  {
    name: 'approveApproval with a comment and attributes',
    call: (api) => api.approveApproval('g1', { comment: 'ok', additionalAttributes: { ticket: 'CHG-1' } }),
    method: 'POST',
    path: '/g1/approve',
    rawBody: '{"comment":"ok","additionalAttributes":{"ticket":"CHG-1"}}',
    reply: APPROVAL,
    result: APPROVAL,
  },
  {
    name: 'rejectApproval with a comment (204)',
    call: (api) => api.rejectApproval('g1', { comment: 'Not this quarter' }),
    method: 'POST',
    path: '/g1/reject',
    rawBody: '{"comment":"Not this quarter"}',
    status: 204,
    result: undefined,
  },
  {
    name: 'updateApprovalsReassign (204)',
    call: (api) => api.updateApprovalsReassign('g1', { reassignFrom: 'id1', reassignTo: 'id2', comment: 'Maya covers this' }),
    method: 'POST',
    path: '/g1/reassign',
    rawBody: '{"reassignFrom":"id1","reassignTo":"id2","comment":"Maya covers this"}',
    status: 204,
    result: undefined,
  },
  {
    name: 'updateApprovalsComments returns the approval',
    call: (api) => api.updateApprovalsComments('g1', { comment: 'Asked the requester for a ticket' }),
    method: 'POST',
    path: '/g1/comments',
    rawBody: '{"comment":"Asked the requester for a ticket"}',
    reply: APPROVAL,
    result: APPROVAL,
  },
  {
    name: 'approveApprovalInBulk (202)',
    call: (api) => api.approveApprovalInBulk({ approvalIds: ['g1', 'g2'], comment: 'batch' }),
    method: 'POST',
    path: '/bulk-approve',
    rawBody: '{"approvalIds":["g1","g2"],"comment":"batch"}',
    status: 202,
    reply: {},
    result: undefined,
  },
  {
    name: 'rejectApprovalInBulk (202)',
    call: (api) => api.rejectApprovalInBulk({ approvalIds: ['g1'] }),
    method: 'POST',
    path: '/bulk-reject',
    rawBody: '{"approvalIds":["g1"]}',
    status: 202,
    reply: {},
    result: undefined,
  },
];

test.each(cases)('$name', async (c) => {
  mockToken();
  await expectOperation(testClient().client.genericApprovals, ROOT, c);
});

test('getApprovals without parameters sends none, and no version setting changes its path', async () => {
  mockToken();
  const api = testClient({ versions: { workItems: 'v3', taskManagement: 'v2024', identities: 'v3', accessRequestApprovals: 'v3' } }).client
    .genericApprovals;
  const { received } = expectCall({ method: 'GET', path: ROOT, reply: [] });
  await expect(api.getApprovals()).resolves.toEqual({ items: [] });
  expect(received[0].uri).toBe(ROOT);
});

test('countApprovals needs X-Total-Count', async () => {
  mockToken();
  const api = testClient().client.genericApprovals;
  expectCall({ method: 'GET', path: ROOT, query: { 'count-only': 'true', count: 'true' }, reply: [] });
  await expect(api.countApprovals()).rejects.toMatchObject({ kind: 'malformed' });
});

test('reassign, comments and bulk calls refuse missing input before any request', async () => {
  const api = testClient().client.genericApprovals; // no token mock: nothing may be sent
  await expect(api.updateApprovalsReassign('g1', { comment: 'x' })).rejects.toThrow(/reassignTo/);
  await expect(api.updateApprovalsComments('g1', { comment: '  ' })).rejects.toThrow(/comment/);
  await expect(api.approveApprovalInBulk({ approvalIds: [] })).rejects.toThrow(/at least one/);
  await expect(api.rejectApprovalInBulk({})).rejects.toThrow(/at least one/);
  await expect(api.getApproval('..')).rejects.toThrow(RangeError);
  expect(nock.pendingMocks()).toEqual([]);
});

test('a 404 names the approval; a failed approve is not repeated', async () => {
  mockToken();
  const api = testClient().client.genericApprovals;
  expectCall({ method: 'GET', path: `${ROOT}/gone`, status: 404, reply: {} });
  const error = await caught(api.getApproval('gone'));
  expect((error as { userMessage(): string }).userMessage()).toBe('ISC could not find that approval (404); it may have been decided or cancelled.');
  expectCall({ method: 'POST', path: `${ROOT}/g1/approve`, status: 502, reply: {} });
  await expect(api.approveApproval('g1')).rejects.toMatchObject({ status: 502 });
  expect(nock.pendingMocks()).toEqual([]);
});

test('localizedText picks the locale, then the language, then English, then the first', () => {
  const names = [
    { value: 'Zugriff prüfen', locale: 'de-DE' },
    { value: 'Review access', locale: 'en_US' },
    { value: 'Revoir l’accès', locale: 'fr' },
  ];
  expect(localizedText(names)).toBe('Review access');
  expect(localizedText(names, 'de-DE')).toBe('Zugriff prüfen');
  expect(localizedText([{ value: 'UK', locale: 'en-GB' }, { value: 'US', locale: 'en_US' }], 'en-US')).toBe('US');
  expect(localizedText(names, 'fr-CA')).toBe('Revoir l’accès');
  expect(localizedText(names, 'ja-JP')).toBe('Review access');
  expect(localizedText([{ value: 'Nur Deutsch', locale: 'de' }], 'ja')).toBe('Nur Deutsch');
  expect(localizedText([{ locale: 'en-US' }, { value: '' }])).toBeUndefined();
  expect(localizedText(undefined)).toBeUndefined();
});
