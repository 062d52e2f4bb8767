import nock from 'nock';
import type { AccessRequestsApi } from '../../src/isc/api';
import type { AccessRequestResponse, RequestableObject, RequestedItemStatus } from '../../src/isc/types';
import { expectOperation, mockToken, testClient, useNock, type OperationCase } from './helpers';

useNock();

// Shapes from the spec's examples (access-requests.v1.yaml, requestable-objects.v1.yaml).
const REQUESTABLE: RequestableObject = {
  id: '2c9180835d2e5168015d32f890ca1581',
  name: 'Applied Research Access',
  created: '2017-07-11T18:45:37.098Z',
  modified: '2018-06-25T20:22:28.104Z',
  description: 'Access to research information, lab results, and schematics.',
  type: 'ROLE',
  requestStatus: 'AVAILABLE',
  identityRequestId: null,
  ownerRef: { type: 'IDENTITY', id: '5168015d32f890ca15812c9180835d2e', name: 'Alison Ferguso', email: 'alison.ferguso@identitysoon.com' },
  requestCommentsRequired: false,
};

const CREATED: AccessRequestResponse = {
  newRequests: [{ requestedFor: '899fd612ecfc4cf3bf48f14d0afdef89', requestedItemsDetails: [{ type: 'ROLE', id: REQUESTABLE.id }], attributesHash: -1928438224, accessRequestIds: ['5d3118c518a44ec7805450d53479ccdb'] }],
  existingRequests: [],
};

const STATUS: RequestedItemStatus = {
  id: '2c9180835d2e5168015d32f890ca1581',
  name: 'AccessProfile1',
  type: 'ACCESS_PROFILE',
  state: 'EXECUTING',
  approvalDetails: [{ forwarded: false, currentOwner: { type: 'IDENTITY', id: 'o1', name: 'Jason Smith' }, status: 'PENDING', scheme: 'MANAGER' }],
  created: '2019-08-23T18:40:35.772Z',
  requester: { type: 'IDENTITY', id: 'r1', name: 'William Wilson' },
  requestedFor: { type: 'IDENTITY', id: 'r1', name: 'William Wilson' },
  cancelable: true,
  accessRequestId: '2b838de9-db9b-abcf-e646-d4f274ad4238',
};

const cases: Array<OperationCase<AccessRequestsApi>> = [
  {
    name: 'listRequestableObjects searches by term for an identity, with types and paging',
    call: (api) => api.listRequestableObjects({ identityId: 'me', term: 'research', types: ['ROLE', 'ACCESS_PROFILE'], limit: 10, offset: 0 }),
    method: 'GET',
    path: '/requestable-objects/v1',
    query: { 'identity-id': 'me', term: 'research', types: 'ROLE,ACCESS_PROFILE', limit: '10', offset: '0' },
    reply: [REQUESTABLE],
    result: { items: [REQUESTABLE] },
  },
  {
    name: 'createAccessRequest posts the AccessRequest and returns the 202 tracking data',
    call: (api) =>
      api.createAccessRequest({
        requestedFor: ['899fd612ecfc4cf3bf48f14d0afdef89'],
        requestType: 'GRANT_ACCESS',
        requestedItems: [{ type: 'ROLE', id: REQUESTABLE.id!, comment: 'Lab work this quarter', removeDate: '2027-01-31T00:00:00.000Z' }],
      }),
    method: 'POST',
    path: '/access-requests/v1',
    rawBody: `{"requestedFor":["899fd612ecfc4cf3bf48f14d0afdef89"],"requestType":"GRANT_ACCESS","requestedItems":[{"type":"ROLE","id":"${REQUESTABLE.id}","comment":"Lab work this quarter","removeDate":"2027-01-31T00:00:00.000Z"}]}`,
    status: 202,
    reply: CREATED,
    result: CREATED,
  },
  {
    name: 'cancelAccessRequest posts the account activity id and the comment (202)',
    call: (api) => api.cancelAccessRequest('2b838de9db9babcfe646d4f274ad4238', 'No longer needed'),
    method: 'POST',
    path: '/access-requests/v1/cancel',
    rawBody: '{"accountActivityId":"2b838de9db9babcfe646d4f274ad4238","comment":"No longer needed"}',
    status: 202,
    reply: {},
    result: undefined,
  },
  {
    name: 'listAccessRequestStatus for the person the requests are for, newest first',
    call: (api) => api.listAccessRequestStatus({ requestedFor: 'r1', sorters: '-created', limit: 25, count: true }),
    method: 'GET',
    path: '/access-request-status/v1',
    query: { 'requested-for': 'r1', sorters: '-created', limit: '25', count: 'true' },
    reply: [STATUS],
    replyHeaders: { 'X-Total-Count': '1' },
    result: { items: [STATUS], total: 1 },
  },
];

test.each(cases)('$name', async (c) => {
  mockToken();
  await expectOperation(testClient().client.accessRequests, '', c);
});

test('bad input is refused before any request', async () => {
  const api = testClient().client.accessRequests; // no token mock: nothing may be sent
  await expect(api.createAccessRequest({ requestedFor: [], requestedItems: [{ type: 'ROLE', id: 'x' }] })).rejects.toThrow(/requestedFor/);
  await expect(api.createAccessRequest({ requestedFor: ['a'], requestedItems: [] })).rejects.toThrow(/requested item/);
  await expect(api.cancelAccessRequest('', 'why')).rejects.toThrow(/accountActivityId/);
  await expect(api.cancelAccessRequest('a1', '   ')).rejects.toThrow(/comment/);
  await expect(api.cancelAccessRequest('a1', 'x'.repeat(2001))).rejects.toThrow(/comment/);
  expect(nock.pendingMocks()).toEqual([]);
});
