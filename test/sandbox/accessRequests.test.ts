import type { AxiosInstance } from 'axios';
import type { RequestableObject, RequestedItemStatus } from '../../src/isc/types';
import { SANDBOX_REQUESTABLES } from '../../src/sandbox/accessRequests';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { expectError, useTenant, userApi } from './helpers';

const { ada, ben, manager } = SEED_IDENTITIES;
const h = useTenant();
const byName = (name: string) => SANDBOX_REQUESTABLES.find((r) => r.name === name)!;
const item = (name: string, extra: Record<string, unknown> = {}) => ({ type: byName(name).type, id: byName(name).id, ...extra });

describe('the sandbox closes the requester loop', () => {
  let benApi: AxiosInstance;
  let adaApi: AxiosInstance;
  beforeAll(async () => {
    benApi = await userApi(h(), ben.email);
    adaApi = await userApi(h(), ada.email);
  });

  const statusOf = async (api: AxiosInstance, accessRequestId: string): Promise<RequestedItemStatus> => {
    const res = await api.get('/access-request-status/v1', { params: { 'requested-for': 'me', filters: `accessRequestId eq "${accessRequestId}"` } });
    expect(res.status).toBe(200);
    expect(res.data).toHaveLength(1);
    return res.data[0];
  };
  const request = async (api: AxiosInstance, forId: string, ...items: object[]) => api.post('/access-requests/v1', { requestedFor: [forId], requestType: 'GRANT_ACCESS', requestedItems: items });
  const pendingOf = async (ownerId: string) => (await h().api.get('/access-request-approvals/v1/pending', { params: { 'owner-id': ownerId } })).data as Array<{ id: string; accessRequestId: string }>;

  it('searches what a person may request by term, with its status for them; only an admin lists without identity-id', async () => {
    const res = await benApi.get('/requestable-objects/v1', { params: { 'identity-id': 'me', term: 'maintain' } });
    expect(res.status).toBe(200);
    expect(res.data.map((o: RequestableObject) => [o.name, o.requestStatus])).toEqual([['GitHub Maintainers', 'AVAILABLE']]);
    expectError(await benApi.get('/requestable-objects/v1'), 403);
    expectError(await benApi.get('/requestable-objects/v1', { params: { 'identity-id': ada.id } }), 403);
    expect((await h().api.get('/requestable-objects/v1', { params: { types: 'ROLE' } })).data.every((o: RequestableObject) => o.type === 'ROLE')).toBe(true);
    expectError(await h().api.get('/requestable-objects/v1', { params: { types: 'ENTITLEMENT' } }), 400, /types/);
  });

  it('a request makes an approval for the owner, and its status follows the approval to the end', async () => {
    const res = await request(benApi, ben.id, item('GitHub Maintainers', { comment: 'Release duty' }));
    expect(res.status).toBe(202);
    const [accessRequestId] = res.data.newRequests[0].accessRequestIds;
    const approval = (await pendingOf(ada.id)).find((a) => a.accessRequestId === accessRequestId);
    expect(approval).toBeDefined();
    expect(await statusOf(benApi, accessRequestId)).toMatchObject({ state: 'EXECUTING', cancelable: true, approvalDetails: [{ status: 'PENDING', currentOwner: { id: ada.id } }] });

    // Asked again while pending: ISC makes no second request.
    const again = await request(benApi, ben.id, item('GitHub Maintainers', { comment: 'Release duty' }));
    expect(again.data).toMatchObject({ newRequests: [], existingRequests: [{ accessRequestIds: [accessRequestId] }] });

    expect((await adaApi.post(`/access-request-approvals/v1/${approval!.id}/approve`, {})).status).toBe(202);
    expect(await statusOf(benApi, accessRequestId)).toMatchObject({ state: 'REQUEST_COMPLETED', cancelable: false, approvalDetails: [{ status: 'APPROVED' }] });
    expectError(await benApi.post('/access-requests/v1/cancel', { accountActivityId: accessRequestId, comment: 'too late' }), 400, /passed the approval step/);
    const listed = await benApi.get('/requestable-objects/v1', { params: { 'identity-id': 'me', term: 'maintain' } });
    expect(listed.data[0].requestStatus).toBe('ASSIGNED');
  });

  it('a rejection carries the approver’s comment', async () => {
    const res = await request(benApi, ben.id, item('Finance Analyst'));
    const [accessRequestId] = res.data.newRequests[0].accessRequestIds;
    const approval = (await pendingOf(ada.id)).find((a) => a.accessRequestId === accessRequestId)!;
    await adaApi.post(`/access-request-approvals/v1/${approval.id}/reject`, { comment: 'Use the reporting role' });
    expect(await statusOf(benApi, accessRequestId)).toMatchObject({ state: 'REJECTED', approvalDetails: [{ status: 'REJECTED', comment: 'Use the reporting role', currentOwner: { id: ada.id } }] });
  });

  it('the requester cancels a pending request: the approval leaves the approver’s queue; nobody else may cancel it', async () => {
    const res = await request(benApi, ben.id, item('VPN Access'));
    const [accessRequestId] = res.data.newRequests[0].accessRequestIds;
    expectError(await adaApi.post('/access-requests/v1/cancel', { accountActivityId: accessRequestId, comment: 'not mine' }), 403);
    expectError(await benApi.post('/access-requests/v1/cancel', { accountActivityId: accessRequestId }), 400, /comment/);
    expect((await benApi.post('/access-requests/v1/cancel', { accountActivityId: accessRequestId, comment: 'Found another way' })).status).toBe(202);
    expect(await statusOf(benApi, accessRequestId)).toMatchObject({ state: 'CANCELLED', cancelable: false, cancelledRequestDetails: { comment: 'Found another way' } });
    expect((await pendingOf(ada.id)).some((a) => a.accessRequestId === accessRequestId)).toBe(false);
  });

  it('refuses what ISC refuses: someone else, a non-requestable item, a missing comment, a past end date', async () => {
    expectError(await request(benApi, ada.id, item('VPN Access')), 403);
    expectError(await request(benApi, ben.id, { type: 'ROLE', id: 'f'.repeat(32) }), 400, /not requestable/);
    expectError(await request(benApi, ben.id, item('AWS Prod Admin')), 400, /comment is required/);
    expectError(await request(benApi, ben.id, item('VPN Access', { removeDate: '2001-01-01T00:00:00Z' })), 400, /future/);
    // The service identity (an admin) may request for anyone.
    expect((await request(h().api, manager.id, item('VPN Access'))).status).toBe(202);
  });

  it('a user reads the status of their own requests only; an admin anyone’s', async () => {
    expectError(await benApi.get('/access-request-status/v1', { params: { 'requested-for': ada.id } }), 403);
    const all = await h().api.get('/access-request-status/v1', { params: { 'requested-for': ben.id } });
    expect(all.data.length).toBeGreaterThanOrEqual(3);
  });
});
