import nock from 'nock';
import type { WorkItemsApi } from '../../src/isc/api';
import type { WorkItem } from '../../src/isc/types';
import { BASE, caught, expectCall, expectOperation, mockToken, testClient, useNock, type OperationCase } from './helpers';

useNock();

const ITEM: WorkItem = {
  id: 'ef38f94347e94562b5bb8424a56397d8',
  ownerId: '2c9180835d2e5168015d32f890ca1581',
  ownerName: 'Jason Smith',
  state: 'Pending',
  type: 'Approval',
  approvalItems: [{ id: 'ai1', application: 'GitHub', operation: 'Add', state: 'Pending' }],
  errors: [],
};

const cases: Array<OperationCase<WorkItemsApi>> = [
  {
    name: 'listWorkItems',
    call: (api) => api.listWorkItems({ ownerId: 'own1', limit: 50, offset: 100, count: true }),
    method: 'GET',
    path: '',
    query: { ownerId: 'own1', limit: '50', offset: '100', count: 'true' },
    reply: [ITEM],
    replyHeaders: { 'X-Total-Count': '151' },
    result: { items: [ITEM], total: 151 },
  },
  {
    name: 'getCompletedWorkItems',
    call: (api) => api.getCompletedWorkItems({ ownerId: 'own1', limit: 10 }),
    method: 'GET',
    path: '/completed',
    query: { ownerId: 'own1', limit: '10' },
    reply: [ITEM],
    result: { items: [ITEM] },
  },
  {
    name: 'getCountWorkItems',
    call: (api) => api.getCountWorkItems({ ownerId: 'own1' }),
    method: 'GET',
    path: '/count',
    query: { ownerId: 'own1' },
    reply: { count: 29 },
    result: { count: 29 },
  },
  {
    name: 'getCountCompletedWorkItems',
    call: (api) => api.getCountCompletedWorkItems(),
    method: 'GET',
    path: '/completed/count',
    reply: { count: 1 },
    result: { count: 1 },
  },
  {
    name: 'getWorkItemsSummary',
    call: (api) => api.getWorkItemsSummary({ ownerId: 'own1' }),
    method: 'GET',
    path: '/summary',
    query: { ownerId: 'own1' },
    reply: { open: 29, completed: 1, total: 30 },
    result: { open: 29, completed: 1, total: 30 },
  },
  {
    name: 'getWorkItem',
    call: (api) => api.getWorkItem('wi1'),
    method: 'GET',
    path: '/wi1',
    reply: ITEM,
    result: ITEM,
  },
  {
    name: 'completeWorkItem without a body sends JSON null',
    call: (api) => api.completeWorkItem('wi1'),
    method: 'POST',
    path: '/wi1',
    rawBody: 'null',
    reply: ITEM,
    result: ITEM,
  },
  {
    name: 'completeWorkItem with a string body sends a JSON string',
    call: (api) => api.completeWorkItem('wi1', '123'),
    method: 'POST',
    path: '/wi1',
    rawBody: '"123"',
    reply: ITEM,
    result: ITEM,
  },
  {
    name: 'sendWorkItemForward defaults sendNotifications to true',
    call: (api) => api.sendWorkItemForward('wi1', { targetOwnerId: 'own2', comment: 'Please review' }),
    method: 'POST',
    path: '/wi1/forward',
    rawBody: '{"targetOwnerId":"own2","comment":"Please review","sendNotifications":true}',
    result: undefined,
  },
  {
    name: 'sendWorkItemForward keeps sendNotifications false',
    call: (api) => api.sendWorkItemForward('wi1', { targetOwnerId: 'own2', comment: 'FYI', sendNotifications: false }),
    method: 'POST',
    path: '/wi1/forward',
    rawBody: '{"targetOwnerId":"own2","comment":"FYI","sendNotifications":false}',
    result: undefined,
  },
  {
    name: 'approveApprovalItem',
    call: (api) => api.approveApprovalItem('wi1', 'ai1'),
    method: 'POST',
    path: '/wi1/approve/ai1',
    reply: ITEM,
    result: ITEM,
  },
  {
    name: 'rejectApprovalItem',
    call: (api) => api.rejectApprovalItem('wi1', 'ai1'),
    method: 'POST',
    path: '/wi1/reject/ai1',
    reply: ITEM,
    result: ITEM,
  },
  {
    name: 'approveApprovalItemsInBulk (path id is the work item id)',
    call: (api) => api.approveApprovalItemsInBulk('wi1'),
    method: 'POST',
    path: '/bulk-approve/wi1',
    reply: ITEM,
    result: ITEM,
  },
  {
    name: 'rejectApprovalItemsInBulk',
    call: (api) => api.rejectApprovalItemsInBulk('wi1'),
    method: 'POST',
    path: '/bulk-reject/wi1',
    reply: ITEM,
    result: ITEM,
  },
  {
    name: 'submitAccountSelection sends the JSON map',
    call: (api) => api.submitAccountSelection('wi1', { account: 'fred-astaire-sp', groups: ['a', 'b'] }),
    method: 'POST',
    path: '/wi1/submit-account-selection',
    rawBody: '{"account":"fred-astaire-sp","groups":["a","b"]}',
    reply: ITEM,
    result: ITEM,
  },
];

describe.each([
  ['v3', '/v3/work-items'],
  ['v1', '/work-items/v1'],
] as const)('work items, %s layout', (version, root) => {
  const setup = () => {
    mockToken();
    return testClient({ versions: { workItems: version } }).client.workItems;
  };

  test.each(cases)('$name', async (c) => {
    await expectOperation(setup(), root, c);
  });
});

describe('work items (layout-independent behaviour)', () => {
  const api = () => {
    mockToken();
    return testClient().client.workItems;
  };

  test('a 204 is an empty page; with count=true its total is 0', async () => {
    const workItems = api();
    expectCall({ method: 'GET', path: '/work-items/v1/completed', status: 204 });
    await expect(workItems.getCompletedWorkItems()).resolves.toEqual({ items: [] });
    expectCall({ method: 'GET', path: '/work-items/v1', query: { count: 'true' }, status: 204 });
    await expect(workItems.listWorkItems({ count: true })).resolves.toEqual({ items: [], total: 0 });
  });

  test('count=true without a usable X-Total-Count is a malformed response', async () => {
    const workItems = api();
    expectCall({ method: 'GET', path: '/work-items/v1', query: { count: 'true' }, reply: [ITEM] });
    await expect(workItems.listWorkItems({ count: true })).rejects.toMatchObject({ kind: 'malformed', status: 200 });
  });

  test('a list that is not a JSON array is a malformed response', async () => {
    const workItems = api();
    expectCall({ method: 'GET', path: '/work-items/v1', reply: { items: [] } });
    await expect(workItems.listWorkItems()).rejects.toMatchObject({ kind: 'malformed' });
  });

  test('limit above 250 (or negative, or fractional) is refused before any request', async () => {
    const workItems = testClient().client.workItems; // no token mock: nothing may be sent
    await expect(workItems.listWorkItems({ limit: 251 })).rejects.toThrow(/limit from 0 to 250/);
    await expect(workItems.listWorkItems({ limit: -1 })).rejects.toThrow(RangeError);
    await expect(workItems.getCompletedWorkItems({ offset: 1.5 })).rejects.toThrow(RangeError);
  });

  test('sendWorkItemForward needs targetOwnerId and comment, and sends nothing without them', async () => {
    const workItems = testClient().client.workItems;
    await expect(workItems.sendWorkItemForward('wi1', { targetOwnerId: 'own2', comment: '' })).rejects.toThrow(/comment/);
    await expect(workItems.sendWorkItemForward('wi1', { targetOwnerId: '', comment: 'x' })).rejects.toThrow(/targetOwnerId/);
  });

  test('ids are URL-encoded as one path segment and cannot inject a path or a query', async () => {
    const workItems = api();
    const get = expectCall({ method: 'GET', path: '/work-items/v1/..%2Fsummary', reply: ITEM });
    await workItems.getWorkItem('../summary');
    const approve = expectCall({ method: 'POST', path: '/work-items/v1/a%3Fb%3D1/approve/c%23d%20e', reply: ITEM });
    await workItems.approveApprovalItem('a?b=1', 'c#d e');
    expect(get.received[0].uri).toBe('/work-items/v1/..%2Fsummary');
    expect(approve.received[0].uri).toBe('/work-items/v1/a%3Fb%3D1/approve/c%23d%20e');
  });

  test('dot segments and empty ids are refused before any request', async () => {
    const workItems = testClient().client.workItems;
    await expect(workItems.getWorkItem('..')).rejects.toThrow(RangeError);
    await expect(workItems.approveApprovalItemsInBulk('')).rejects.toThrow(RangeError);
    expect(nock.pendingMocks()).toEqual([]);
  });

  test('an ISC ErrorResponseDto becomes an IscError with its detail', async () => {
    const workItems = api();
    expectCall({
      method: 'POST',
      path: '/work-items/v1/wi1/approve/ai1',
      status: 403,
      reply: {
        detailCode: '403 Forbidden',
        trackingId: 'b21b1f7ce4da4d639f2c62a57171b427',
        messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'The server understood the request but refuses to authorize it.' }],
      },
    });
    const error = await caught(workItems.approveApprovalItem('wi1', 'ai1'));
    expect(error).toMatchObject({
      kind: 'http',
      status: 403,
      method: 'POST',
      path: '/work-items/v1/wi1/approve/ai1',
      detailCode: '403 Forbidden',
      trackingId: 'b21b1f7ce4da4d639f2c62a57171b427',
      messages: ['The server understood the request but refuses to authorize it.'],
    });
    expect((error as { userMessage(): string }).userMessage()).toBe(
      'ISC refused this (403 Forbidden): you may not act on this work item. Tracking id b21b1f7ce4da4d639f2c62a57171b427.',
    );
  });

  test('the base URL may carry a trailing slash but not a version', () => {
    expect(() => testClient({ baseUrl: `${BASE}/v3` })).toThrow(/must not end with an API version/);
    expect(() => testClient({ baseUrl: `${BASE}/` })).not.toThrow();
  });
});
