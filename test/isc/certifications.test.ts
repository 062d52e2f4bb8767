import nock from 'nock';
import type { CertificationsApi } from '../../src/isc/api';
import type { AccessReviewItem, IdentityCertificationDto } from '../../src/isc/types';
import { caught, expectCall, expectOperation, mockToken, testClient, useNock, type OperationCase } from './helpers';

useNock();

const ROOT = '/certifications/v1';

// Shapes from the spec's IdentityCertificationDto and AccessReviewItem examples (certifications.v1.yaml).
const CERT: IdentityCertificationDto = {
  id: '2c9180835d2e5168015d32f890ca1581',
  name: 'Source Owner Access Review for Employees [source]',
  campaign: {
    id: 'ef38f94347e94562b5bb8424a56397d8',
    name: 'Campaign Name',
    type: 'CAMPAIGN',
    campaignType: 'MANAGER',
    description: 'A description of the campaign',
    correlatedStatus: 'CORRELATED',
    mandatoryCommentRequirement: 'NO_DECISIONS',
  },
  completed: false,
  identitiesCompleted: 5,
  identitiesTotal: 10,
  created: '2018-06-25T20:22:28.104Z',
  modified: '2018-06-25T20:22:28.104Z',
  decisionsMade: 20,
  decisionsTotal: 40,
  due: '2018-10-19T13:49:37.385Z',
  signed: null,
  reviewer: { id: 'ef38f94347e94562b5bb8424a56397d8', name: 'Reviewer Name', email: 'reviewer@test.com', type: 'IDENTITY' },
  reassignment: null,
  hasErrors: false,
  errorMessage: null,
  phase: 'ACTIVE',
};

const ITEM: AccessReviewItem = {
  id: 'ef38f94347e94562b5bb8424a56397d8',
  accessSummary: {
    access: { type: 'ENTITLEMENT', id: '2c9180857182305e0171993735622948', name: 'CN=Finance,OU=Groups' },
    entitlement: { id: '2c91808874ff91550175097daaec161c', name: 'CN=Finance', privileged: false, sourceName: 'ODS-AD-Source', sourceId: '2c9180835d191a86015d28455b4a2329' },
  },
  identitySummary: { id: '2c91808772a504f50172a9540e501ba7', name: 'Alison Ferguso', identityId: '2c9180857182306001719937377a33de', completed: false },
  completed: false,
  newAccess: false,
  comments: null,
};

const DECISION = { id: 'ef38f94347e94562b5bb8424a56396b5', decision: 'APPROVE' as const, bulk: true, comments: 'This user still needs access to this source.' };

const cases: Array<OperationCase<CertificationsApi>> = [
  {
    name: 'listIdentityCertifications: the reviewer, the open ones, the paging',
    call: (api) => api.listIdentityCertifications({ reviewerIdentity: 'me', filters: 'completed eq false', sorters: 'due', limit: 25, offset: 0, count: true }),
    method: 'GET',
    path: '',
    query: { 'reviewer-identity': 'me', filters: 'completed eq false', sorters: 'due', limit: '25', offset: '0', count: 'true' },
    reply: [CERT],
    replyHeaders: { 'X-Total-Count': '1' },
    result: { items: [CERT], total: 1 },
  },
  {
    name: 'getIdentityCertification',
    call: (api) => api.getIdentityCertification('c1'),
    method: 'GET',
    path: '/c1',
    reply: CERT,
    result: CERT,
  },
  {
    name: 'listIdentityAccessReviewItems: the undecided items, a page of 250',
    call: (api) => api.listIdentityAccessReviewItems('c1', { filters: 'completed eq false', limit: 250, offset: 250 }),
    method: 'GET',
    path: '/c1/access-review-items',
    query: { filters: 'completed eq false', limit: '250', offset: '250' },
    reply: [ITEM],
    result: { items: [ITEM] },
  },
  {
    name: 'makeIdentityDecision: an array of ReviewDecision',
    call: (api) => api.makeIdentityDecision('c1', [DECISION, { id: 'i2', decision: 'REVOKE', bulk: false, comments: 'left the team', proposedEndDate: '2030-01-01T00:00:00.000Z' }]),
    method: 'POST',
    path: '/c1/decide',
    rawBody: JSON.stringify([DECISION, { id: 'i2', decision: 'REVOKE', bulk: false, comments: 'left the team', proposedEndDate: '2030-01-01T00:00:00.000Z' }]),
    reply: CERT,
    result: CERT,
  },
  {
    name: 'signOffIdentityCertification: no body',
    call: (api) => api.signOffIdentityCertification('c1'),
    method: 'POST',
    path: '/c1/sign-off',
    reply: { ...CERT, phase: 'SIGNED' },
    result: { ...CERT, phase: 'SIGNED' },
  },
  {
    name: 'reassignIdentityCertifications: ReviewReassign',
    call: (api) => api.reassignIdentityCertifications('c1', { reassign: [{ id: 'i1', type: 'ITEM' }], reassignTo: 'id2', reason: 'Maya owns this source' }),
    method: 'POST',
    path: '/c1/reassign',
    rawBody: '{"reassign":[{"id":"i1","type":"ITEM"}],"reassignTo":"id2","reason":"Maya owns this source"}',
    reply: CERT,
    result: CERT,
  },
  {
    name: 'submitReassignCertsAsync: a task',
    call: (api) => api.submitReassignCertsAsync('c1', { reassign: [{ id: 's1', type: 'IDENTITY_SUMMARY' }], reassignTo: 'id2', reason: 'Maya' }),
    method: 'POST',
    path: '/c1/reassign-async',
    rawBody: '{"reassign":[{"id":"s1","type":"IDENTITY_SUMMARY"}],"reassignTo":"id2","reason":"Maya"}',
    reply: { id: 't1', type: 'REASSIGN', targetType: 'CERTIFICATION', targetId: 'c1', status: 'QUEUED' },
    result: { id: 't1', type: 'REASSIGN', targetType: 'CERTIFICATION', targetId: 'c1', status: 'QUEUED' },
  },
];

test.each(cases)('$name', async (c) => {
  mockToken();
  await expectOperation(testClient().client.certifications, ROOT, c);
});

test('the bounds of decide and reassign are checked before any request', async () => {
  const api = testClient().client.certifications; // no token mock: nothing may be sent
  await expect(api.makeIdentityDecision('c1', [])).rejects.toThrow(/1 to 250/);
  const many = Array.from({ length: 251 }, (_, i) => ({ id: `i${i}`, decision: 'APPROVE' as const, bulk: true }));
  await expect(api.makeIdentityDecision('c1', many)).rejects.toThrow(/got 251/);
  const refs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, type: 'ITEM' as const }));
  await expect(api.reassignIdentityCertifications('c1', { reassign: refs(51), reassignTo: 'x', reason: 'r' })).rejects.toThrow(/1 to 50/);
  await expect(api.submitReassignCertsAsync('c1', { reassign: refs(501), reassignTo: 'x', reason: 'r' })).rejects.toThrow(/1 to 500/);
  await expect(api.reassignIdentityCertifications('c1', { reassign: refs(1), reassignTo: 'x', reason: ' ' })).rejects.toThrow(/reason/);
  await expect(api.getIdentityCertification('..')).rejects.toThrow(RangeError);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a sign-off ISC refuses (400) carries ISC's reason; a 404 names the access review", async () => {
  mockToken();
  const api = testClient().client.certifications;
  expectCall({ method: 'POST', path: `${ROOT}/c1/sign-off`, status: 400, reply: { detailCode: '400.1 Bad Request Content', messages: [{ text: 'The certification has 3 undecided items.' }] } });
  const error = await caught(api.signOffIdentityCertification('c1'));
  expect((error as { userMessage(): string }).userMessage()).toMatch(/^ISC rejected the request \(400\): The certification has 3 undecided items\./);
  expectCall({ method: 'GET', path: `${ROOT}/gone`, status: 404, reply: {} });
  const gone = await caught(api.getIdentityCertification('gone'));
  expect((gone as { userMessage(): string }).userMessage()).toMatch(/ISC could not find that access review \(404\)/);
});
