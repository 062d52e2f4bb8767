import type { PublicIdentity, TaskStatus, WorkItem } from '../../src/isc/types';
import {
  HOSTILE_TEXT,
  SEED_APPROVAL_ITEMS as A,
  SEED_IDENTITIES,
  SEED_SOURCES,
  SEED_TASKS as T,
  SEED_WORK_ITEMS as W,
  sandboxId,
} from '../../src/sandbox/seed';
import type { Fault } from '../../src/sandbox/tenant';
import { expectError, form, ids, T0, useTenant } from './helpers';

const { ada, ben, manager, service } = SEED_IDENTITIES;
const patchHeaders = { 'Content-Type': 'application/json-patch+json' };

describe('OAuth token and authentication', () => {
  const h = useTenant({ tokenTtlSeconds: 749 });

  it('grants a bearer token for the client credentials', async () => {
    const { raw, tenant } = h();
    const res = await raw.post('/oauth/token', form({ grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'sandbox-secret' }));
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ access_token: expect.any(String), token_type: 'bearer', expires_in: 749 });
    expect(tenant.stats().tokenRequests).toBe(2);
  });

  it('accepts HTTP Basic client authentication too', async () => {
    const res = await h().raw.post('/oauth/token', form({ grant_type: 'client_credentials' }), {
      auth: { username: 'sandbox', password: 'sandbox-secret' },
    });
    expect(res.status).toBe(200);
  });

  it('accepts the token request as multipart/form-data, as SailPoint’s TypeScript SDK sends it', async () => {
    const { tenant } = h();
    const body = new FormData();
    for (const [name, value] of Object.entries({ grant_type: 'client_credentials', client_id: tenant.clientId, client_secret: tenant.clientSecret })) {
      body.append(name, value);
    }
    const res = await fetch(`${tenant.url}/oauth/token`, { method: 'POST', body });
    expect(res.status).toBe(200);
    const { access_token: token } = (await res.json()) as { access_token: string };
    expect((await fetch(`${tenant.url}/work-items/v1/count`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);

    const wrong = new FormData();
    wrong.append('grant_type', 'client_credentials');
    wrong.append('client_id', tenant.clientId);
    wrong.append('client_secret', 'nope');
    expect((await fetch(`${tenant.url}/oauth/token`, { method: 'POST', body: wrong })).status).toBe(401);
    const broken = await fetch(`${tenant.url}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
      body: 'not multipart at all',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('rejects wrong credentials and other grant types', async () => {
    const { raw } = h();
    const bad = await raw.post('/oauth/token', form({ grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'nope' }));
    expect(bad.status).toBe(401);
    expect(bad.data.error).toBe('invalid_client');
    const grant = await raw.post('/oauth/token', form({ grant_type: 'password', client_id: 'sandbox', client_secret: 'sandbox-secret' }));
    expect(grant.status).toBe(400);
    expect(grant.data.error).toBe('unsupported_grant_type');
  });

  it('answers 401 without a token or with one it did not issue', async () => {
    const { raw } = h();
    for (const headers of [{}, { Authorization: 'Bearer not-a-token' }, { Authorization: 'Basic c2FuZGJveDpzYW5kYm94LXNlY3JldA==' }]) {
      const res = await raw.get('/v3/work-items', { headers });
      expect(res.status).toBe(401);
      expect(res.data).toEqual({ error: 'JWT validation failed: JWT is expired' });
    }
  });

  it('expires tokens after expires_in seconds', async () => {
    const { api, advanceClock } = h();
    expect((await api.get('/v3/work-items/count')).status).toBe(200);
    advanceClock(749_000);
    expect((await api.get('/v3/work-items/count')).status).toBe(401);
  });
});

describe('work item lists, counts and summary', () => {
  const h = useTenant();
  const adaPending = [W.adaSingleApproval, W.adaAccountSelection, W.adaMultiApproval, W.adaManualAction, W.adaRemediation, W.adaHostile];

  it("lists the service identity's own items without ownerId", async () => {
    const res = await h().api.get('/v3/work-items');
    expect(res.status).toBe(200);
    expect(ids(res.data)).toEqual([W.serviceApproval, W.serviceGeneric]);
    expect(res.headers['x-total-count']).toBeUndefined();
  });

  it("lists another owner's pending items, newest first, with the seed's shapes", async () => {
    const res = await h().api.get('/v3/work-items', { params: { ownerId: ada.id } });
    expect(ids(res.data)).toEqual(adaPending);
    const items = res.data as WorkItem[];
    expect(items.every((i) => i.state === 'Pending' && i.ownerName === ada.name && i.completed === null)).toBe(true);
    const multi = items.find((i) => i.id === W.adaMultiApproval)!;
    expect(multi.approvalItems?.map((a) => a.application)).toEqual(['GitHub', 'Salesforce', 'Active Directory', 'Workday']);
    expect(multi.created).toBe(new Date(T0.getTime() - 27 * 3600_000).toISOString());
    const formItem = items.find((i) => i.id === W.adaAccountSelection)!;
    expect(formItem.form?.sections?.[0].formItems?.[0]).toMatchObject({ name: 'Active Directory', label: expect.any(String), type: 'select' });
    expect(items.find((i) => i.id === W.adaHostile)!.description).toBe(HOSTILE_TEXT);
    expect(items.find((i) => i.id === W.adaRemediation)!.remediationItems).toHaveLength(1);
  });

  it('pages with limit and offset and reports X-Total-Count when count=true', async () => {
    const { api } = h();
    const page = await api.get('/v3/work-items', { params: { ownerId: ada.id, limit: 2, offset: 2, count: true } });
    expect(ids(page.data)).toEqual(adaPending.slice(2, 4));
    expect(page.headers['x-total-count']).toBe('6');
    const past = await api.get('/v3/work-items', { params: { ownerId: ada.id, offset: 50 } });
    expect(past.status).toBe(200);
    expect(past.data).toEqual([]);
  });

  it('rejects limit outside 0–250 and malformed paging with an ErrorResponseDto', async () => {
    const { api } = h();
    const tracking = new Set<string>();
    for (const params of [{ limit: 251 }, { limit: -1 }, { limit: 'ten' }, { offset: -5 }, { count: 'yes' }]) {
      const res = await api.get('/v3/work-items/completed', { params });
      expectError(res, 400, /limit|offset|count/);
      tracking.add(res.data.trackingId);
    }
    expect(tracking.size).toBe(5);
    expect((await api.get('/v3/work-items', { params: { limit: 250 } })).status).toBe(200);
  });

  it('lists completed items and answers [] for an owner with none', async () => {
    const { api } = h();
    expect(ids((await api.get('/v3/work-items/completed', { params: { ownerId: ada.id } })).data)).toEqual([W.adaRejected, W.adaFinished]);
    const none = await api.get('/v3/work-items', { params: { ownerId: sandboxId('identity', 77) } });
    expect([none.status, none.data]).toEqual([200, []]);
  });

  it('gets one item, 404 for an unknown id', async () => {
    const { api } = h();
    expect((await api.get(`/v3/work-items/${W.adaHostile}`)).data.name).toMatch(/<!everyone>/);
    expectError(await api.get('/v3/work-items/ffffffffffffffffffffffffffffffff'), 404, /not found/);
  });

  it('keeps count, completed/count and summary consistent with state changes', async () => {
    const { api } = h();
    const snapshot = async () => {
      const params = { ownerId: ada.id };
      const [count, done, summary] = await Promise.all([
        api.get('/v3/work-items/count', { params }),
        api.get('/v3/work-items/completed/count', { params }),
        api.get('/v3/work-items/summary', { params }),
      ]);
      return { open: count.data.count, completed: done.data.count, summary: summary.data };
    };
    expect(await snapshot()).toEqual({ open: 6, completed: 2, summary: { open: 6, completed: 2, total: 8 } });
    await api.post(`/v3/work-items/${W.adaSingleApproval}/approve/${A.adaSingle}`);
    await api.post(`/v3/work-items/${W.adaManualAction}`, null);
    expect(await snapshot()).toEqual({ open: 4, completed: 4, summary: { open: 4, completed: 4, total: 8 } });
  });
});

describe('approval decisions', () => {
  const h = useTenant();
  const url = (verb: 'approve' | 'reject', approvalItemId: string) => `/v3/work-items/${W.adaMultiApproval}/${verb}/${approvalItemId}`;

  it('approves one of several approval items and leaves the work item pending', async () => {
    const res = await h().api.post(url('approve', A.adaMulti[0]));
    expect(res.status).toBe(200);
    const item = res.data as WorkItem;
    expect(item).toMatchObject({ id: W.adaMultiApproval, state: 'Pending', completed: null });
    expect(item.approvalItems?.map((a) => a.state)).toEqual(['Finished', 'Pending', 'Pending', 'Pending']);
  });

  it('refuses a second decision on the same approval item', async () => {
    const { api } = h();
    expectError(await api.post(url('reject', A.adaMulti[0])), 400, /Approval item .* is not pending/);
    expectError(await api.post(url('approve', 'ffffffffffffffffffffffffffffffff')), 404, /not found/);
  });

  it('finishes the work item when the last approval item is decided', async () => {
    const { api, tenant } = h();
    await api.post(url('reject', A.adaMulti[1]));
    await api.post(url('approve', A.adaMulti[2]));
    const last = await api.post(url('approve', A.adaMulti[3]));
    expect(last.data).toMatchObject({ state: 'Finished', completed: T0.toISOString() });
    expect((last.data as WorkItem).approvalItems?.map((a) => a.state)).toEqual(['Finished', 'Rejected', 'Finished', 'Finished']);
    expect(tenant.getWorkItemState(W.adaMultiApproval)?.state).toBe('Finished');
  });

  it('answers 400 ErrorResponseDto to any decision on a decided work item', async () => {
    const { api } = h();
    for (const path of [url('approve', A.adaMulti[1]), `/v3/work-items/bulk-approve/${W.adaMultiApproval}`, `/v3/work-items/${W.adaMultiApproval}`]) {
      expectError(await api.post(path, null), 400, /Work item .* is not pending/);
    }
    expectError(await api.post(`/v3/work-items/${W.adaRejected}/forward`, { targetOwnerId: ben.id, comment: 'x' }), 400, /not pending/);
  });

  it('bulk-rejects every pending approval item and rejects the work item', async () => {
    const { api, tenant } = h();
    const owner = tenant.identityForEmail('bulk.tester@example.com');
    const items = (await api.get('/v3/work-items', { params: { ownerId: owner.id } })).data as WorkItem[];
    const approval = items.find((i) => i.type === 'Approval')!;
    const res = await api.post(`/v3/work-items/bulk-reject/${approval.id}`);
    expect(res.status).toBe(200);
    expect(res.data.state).toBe('Rejected');
    expect((res.data as WorkItem).approvalItems?.map((a) => a.state)).toEqual(['Rejected', 'Rejected']);
    expectError(await api.post(`/v3/work-items/bulk-reject/${approval.id}`), 400, /not pending/);
  });

  it('bulk-approves, and refuses bulk decisions on items without approval items', async () => {
    const { api } = h();
    expect((await api.post(`/v3/work-items/bulk-approve/${W.serviceApproval}`)).data.state).toBe('Finished');
    expectError(await api.post(`/v3/work-items/bulk-approve/${W.adaManualAction}`), 400, /no approval items/);
  });

  it('logs every mutating call with its work item and outcome', () => {
    const { mutations } = h().tenant.stats();
    expect(mutations[0]).toEqual({
      method: 'POST',
      path: `/v3/work-items/${W.adaMultiApproval}/approve/${A.adaMulti[0]}`,
      workItemId: W.adaMultiApproval,
      status: 200,
      identityId: service.id,
      at: T0.toISOString(),
      requestId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(new Set(mutations.map((m) => m.requestId)).size).toBe(mutations.length);
    expect(mutations.filter((m) => m.workItemId === W.adaMultiApproval).map((m) => m.status)).toEqual([200, 400, 404, 200, 200, 200, 400, 400, 400]);
  });
});

describe('complete, forward and account selection', () => {
  const h = useTenant();

  it('completes a manual action with a null or string body', async () => {
    const { api } = h();
    const res = await api.post(`/v3/work-items/${W.adaManualAction}`, null);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id: W.adaManualAction, state: 'Finished', completed: T0.toISOString() });
    const remediation = await api.post(`/v3/work-items/${W.adaRemediation}`, JSON.stringify('done'), { headers: { 'Content-Type': 'application/json' } });
    expect(remediation.data.state).toBe('Finished');
    expectError(await api.post(`/v3/work-items/${W.adaManualAction}`, null), 400, /not pending/);
  });

  it('refuses to complete with an object body or with approval items pending', async () => {
    const { api } = h();
    expectError(await api.post(`/v3/work-items/${W.serviceGeneric}`, { comment: 'x' }), 400, /JSON string or null/);
    expectError(await api.post(`/v3/work-items/${W.adaMultiApproval}`, null), 400, /pending approval items/);
  });

  it('forwards to another identity: 200 with no body, new owner', async () => {
    const { api } = h();
    const res = await api.post(`/v3/work-items/${W.adaSingleApproval}/forward`, { targetOwnerId: manager.id, comment: 'On leave' });
    expect(res.status).toBe(200);
    expect(res.data).toBe('');
    expect((await api.get(`/v3/work-items/${W.adaSingleApproval}`)).data).toMatchObject({ ownerId: manager.id, ownerName: manager.name, state: 'Pending' });
    expect(ids((await api.get('/v3/work-items', { params: { ownerId: manager.id } })).data)).toContain(W.adaSingleApproval);
    expect(ids((await api.get('/v3/work-items', { params: { ownerId: ada.id } })).data)).not.toContain(W.adaSingleApproval);
  });

  it('refuses a forward without targetOwnerId or comment, or to an unknown identity', async () => {
    const { api } = h();
    const path = `/v3/work-items/${W.adaHostile}/forward`;
    expectError(await api.post(path, { targetOwnerId: ben.id }), 400, /comment/);
    expectError(await api.post(path, { comment: 'x' }), 400, /targetOwnerId/);
    expectError(await api.post(path), 400, /WorkItemForward/);
    expectError(await api.post(path, { targetOwnerId: sandboxId('identity', 99), comment: 'x' }), 400, /Identity .* was not found/);
    expectError(await api.post(path, { targetOwnerId: ada.id, comment: 'x' }), 400, /already owned/);
  });

  it('submits an account selection into the form and finishes the item', async () => {
    const { api, tenant } = h();
    const path = `/v3/work-items/${W.adaAccountSelection}/submit-account-selection`;
    expectError(await api.post(path, ['bbuilder']), 400, /JSON object/);
    expectError(await api.post(path, JSON.stringify('bbuilder'), { headers: { 'Content-Type': 'application/json' } }), 400, /JSON object/);
    const res = await api.post(path, { GitHub: 'bbuilder' });
    expect(res.data).toMatchObject({ state: 'Finished', completed: T0.toISOString() });
    const fields = tenant.getWorkItemState(W.adaAccountSelection)?.form?.sections?.[0].formItems;
    expect(fields?.map((f) => f.value)).toEqual([undefined, 'bbuilder']);
    expectError(await api.post(path, { GitHub: 'bbuilder' }), 400, /not pending/);
    expectError(await api.post(`/v3/work-items/${W.serviceGeneric}/submit-account-selection`, {}), 400, /no account selection form/);
  });

  it('adds work items as if they had arrived, and returns copies of their state', async () => {
    const { api, tenant } = h();
    tenant.addWorkItem({ id: 'cafe'.repeat(8), ownerId: ada.id, type: 'Generic', name: 'New arrival', description: 'Just in' });
    const first = (await api.get('/v3/work-items', { params: { ownerId: ada.id } })).data[0] as WorkItem;
    expect(first).toMatchObject({ id: 'cafe'.repeat(8), ownerName: ada.name, state: 'Pending', created: T0.toISOString() });
    tenant.getWorkItemState(first.id!)!.state = 'Canceled';
    expect(tenant.getWorkItemState(first.id!)?.state).toBe('Pending');
    expect(tenant.getWorkItemState('nope')).toBeUndefined();
  });
});

describe('v1 path layout', () => {
  const h = useTenant();

  it('serves work items under /work-items/v1 with the same data as /v3', async () => {
    const { api } = h();
    const params = { ownerId: ada.id };
    expect((await api.get('/work-items/v1', { params })).data).toEqual((await api.get('/v3/work-items', { params })).data);
    expect((await api.get('/work-items/v1/summary', { params })).data).toEqual({ open: 6, completed: 2, total: 8 });
    expect((await api.post(`/work-items/v1/${W.adaSingleApproval}/approve/${A.adaSingle}`)).data.state).toBe('Finished');
    expect((await api.get('/work-items/v1/completed/count', { params })).data).toEqual({ count: 3 });
  });

  it('serves task status under /task-status/v1 and identities under /public-identities/v1', async () => {
    const { api } = h();
    const running = await api.get('/task-status/v1', { params: { filters: 'completionStatus isnull' } });
    expect(ids(running.data)).toEqual([T.runningAggregation, T.runningRefresh, T.stuckAggregation]);
    expect((await api.get(`/task-status/v1/${T.error}`)).data.completionStatus).toBe('ERROR');
    const found = await api.get('/public-identities/v1', { params: { filters: `email eq "${ada.email}"` } });
    expect(ids(found.data)).toEqual([ada.id]);
  });

  it('marks every answer of a legacy-layout endpoint X-Deprecated: true, as ISC does, and counts them', async () => {
    const { api, raw, tenant } = h();
    const before = tenant.stats().deprecatedRequests;
    expect((await api.get('/work-items/v1/count')).headers['x-deprecated']).toBeUndefined();
    expect((await api.get('/v3/work-items/count')).headers['x-deprecated']).toBe('true');
    expect((await api.head('/v2024/task-status/pending-tasks')).headers['x-deprecated']).toBe('true');
    expect((await raw.get('/v3/public-identities')).headers).toMatchObject({ 'x-deprecated': 'true' }); // a 401 too
    const after = tenant.stats().deprecatedRequests;
    expect(after['GET /work-items/count'] - (before['GET /work-items/count'] ?? 0)).toBe(1);
    expect(after['HEAD /task-status/pending-tasks']).toBe(1);
    expect(after['GET /public-identities']).toBe(1);
  });

  it('has no pending-tasks in v1, and no API outside its versions', async () => {
    const { api } = h();
    expectError(await api.get('/task-status/v1/pending-tasks'), 404);
    expectError(await api.get('/v3/task-status'), 404, /No such API/);
    expectError(await api.get('/v2024/work-items'), 404, /No such API/);
  });

  it('counts requests per normalised path whatever the layout', () => {
    const { requests } = h().tenant.stats();
    expect(requests['GET /work-items']).toBe(2);
    expect(requests['POST /work-items/{id}/approve/{approvalItemId}']).toBe(1);
    expect(requests['GET /task-status/{id}']).toBe(2);
    expect(requests['POST /oauth/token']).toBe(1);
  });
});

describe('task status', () => {
  const h = useTenant();
  const list = async (params: Record<string, unknown>) => (await h().api.get('/v2024/task-status', { params })).data as TaskStatus[];

  it('counts pending tasks with HEAD and lists them with GET', async () => {
    const { api } = h();
    const head = await api.head('/v2024/task-status/pending-tasks', { params: { count: true } });
    expect(head.status).toBe(200);
    expect(head.headers['x-total-count']).toBe('3');
    expect(head.data).toBe('');
    const page = await api.get('/v2024/task-status/pending-tasks', { params: { count: true, limit: 1 } });
    expect(page.headers['x-total-count']).toBe('3');
    expect(ids(page.data)).toEqual([T.runningAggregation]);
    const all = (await api.get('/v2024/task-status/pending-tasks')).data as TaskStatus[];
    expect(all.map((t) => [t.completionStatus, t.percentComplete])).toEqual([[null, 62], [null, 15], [null, 5]]);
    expect(all[2].launched).toBe(new Date(T0.getTime() - 49 * 3600_000).toISOString());
  });

  it('filters on completionStatus (eq, in, isnull), id, sourceId, type, joined with and', async () => {
    const error = await list({ filters: 'completionStatus eq "ERROR"' });
    expect(ids(error)).toEqual([T.error]);
    expect(error[0].messages[0]).toMatchObject({ type: 'ERROR', localizedText: { locale: 'en-US', message: expect.stringMatching(/GitHub/) } });
    expect(ids(await list({ filters: 'completionStatus in ("SUCCESS", "TERMINATED")' }))).toEqual([
      T.terminated,
      T.successAggregation,
      T.successRefresh,
      T.successEntitlementImport,
    ]);
    expect(ids(await list({ filters: `id eq "${T.stuckAggregation}"` }))).toEqual([T.stuckAggregation]);
    expect(ids(await list({ filters: `sourceId eq "${SEED_SOURCES.github.id}"` }))).toEqual([T.error, T.successEntitlementImport]);
    expect(ids(await list({ filters: 'type eq "QPOC"' }))).toEqual([T.successEntitlementImport]);
    expect(ids(await list({ filters: `completionStatus isnull and sourceId in ("${SEED_SOURCES.salesforce.id}","${SEED_SOURCES.github.id}")` }))).toEqual([
      T.stuckAggregation,
    ]);
  });

  it('rejects unsupported filters with 400', async () => {
    for (const filters of ['name eq "x"', 'id isnull', 'completionStatus eq', 'completionStatus eq "ERROR" or id eq "x"', 'id in ("a" "b")']) {
      expectError(await h().api.get('/v2024/task-status', { params: { filters } }), 400, /filter|Filtering|Operator/i);
    }
  });

  it('sorts on created, pages, and rejects other sorters', async () => {
    const created = (ts: TaskStatus[]) => ts.map((t) => t.created);
    const asc = created(await list({ sorters: 'created' }));
    expect(asc).toEqual([...asc].sort());
    expect(created(await list({ sorters: '-created' }))).toEqual([...asc].reverse());
    const page = await h().api.get('/v2024/task-status', { params: { sorters: '-created', limit: 2, offset: 1, count: true } });
    expect(created(page.data)).toEqual([...asc].reverse().slice(1, 3));
    expect(page.headers['x-total-count']).toBe('8');
    expectError(await h().api.get('/v2024/task-status', { params: { sorters: 'name' } }), 400, /Sorting/);
  });

  it('gets one task, 404 for an unknown id', async () => {
    const { api } = h();
    expect((await api.get(`/v2024/task-status/${T.terminated}`)).data).toMatchObject({ completionStatus: 'TERMINATED', target: { type: 'APPLICATION' } });
    expectError(await api.get('/v2024/task-status/ffffffffffffffffffffffffffffffff'), 404);
  });

  it('requires application/json-patch+json on PATCH and validates the patch', async () => {
    const { api } = h();
    const path = `/v2024/task-status/${T.stuckAggregation}`;
    const clear = [{ op: 'replace', path: '/completionStatus', value: 'ERROR' }];
    expectError(await api.patch(path, clear), 415, /json-patch\+json/);
    expectError(await api.patch(path, [{ op: 'replace', path: '/completionStatus', value: 'Error' }], { headers: patchHeaders }), 400, /SUCCESS, WARNING/);
    expectError(await api.patch(path, [{ op: 'replace', path: '/uniqueName', value: 'x' }], { headers: patchHeaders }), 400, /cannot be patched/);
    expectError(await api.patch(path, [{ op: 'add', path: '/completed', value: T0.toISOString() }], { headers: patchHeaders }), 400, /replace/);
    expectError(await api.patch(path, { op: 'replace' }, { headers: patchHeaders }), 400, /JSON Patch array/);
    expectError(await api.patch('/v2024/task-status/ffffffffffffffffffffffffffffffff', clear, { headers: patchHeaders }), 404);
    expect((await api.get(path)).data.completionStatus).toBeNull();
  });

  it('clears a pending task, and pending-tasks answers 204 once none are left', async () => {
    const { api } = h();
    const clear = (value: string) => [
      { op: 'replace', path: '/completionStatus', value },
      { op: 'replace', path: '/completed', value: '2025-03-10 11:59:00.000000+00:00' },
    ];
    const res = await api.patch(`/v2024/task-status/${T.stuckAggregation}`, clear('ERROR'), { headers: patchHeaders });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id: T.stuckAggregation, completionStatus: 'ERROR', completed: '2025-03-10T11:59:00.000Z', modified: T0.toISOString() });
    expect((await api.head('/v2024/task-status/pending-tasks', { params: { count: true } })).headers['x-total-count']).toBe('2');
    for (const id of [T.runningAggregation, T.runningRefresh]) {
      expect((await api.patch(`/v2024/task-status/${id}`, clear('TERMINATED'), { headers: patchHeaders })).status).toBe(200);
    }
    expect((await api.head('/v2024/task-status/pending-tasks', { params: { count: true } })).status).toBe(204);
    const get = await api.get('/v2024/task-status/pending-tasks');
    expect([get.status, get.data]).toEqual([204, '']);
  });
});

describe('adding tasks', () => {
  const h = useTenant();

  it('adds pending and finished tasks with defaults, replaces by id, and returns copies', async () => {
    const { api, tenant } = h();
    const pending = tenant.addTask({ uniqueName: 'Bench aggregation' });
    expect(pending).toMatchObject({
      id: sandboxId('task', 0x1000),
      type: 'QUARTZ',
      uniqueName: 'Bench aggregation',
      created: T0.toISOString(),
      launched: T0.toISOString(),
      modified: T0.toISOString(),
      completionStatus: null,
      completed: null,
      messages: [],
    });
    const failed = tenant.addTask({ completionStatus: 'ERROR', created: '2025-03-10T10:00:00.000Z', completed: '2025-03-10T11:00:00.000Z' });
    expect(failed).toMatchObject({ id: sandboxId('task', 0x1001), launched: '2025-03-10T10:00:00.000Z', modified: '2025-03-10T11:00:00.000Z' });
    expect((await api.head('/v2024/task-status/pending-tasks', { params: { count: true } })).headers['x-total-count']).toBe('4');
    const errors = (await api.get('/v2024/task-status', { params: { filters: 'completionStatus eq "ERROR"' } })).data as TaskStatus[];
    expect(ids(errors)).toEqual([T.error, failed.id]);

    pending.percentComplete = 99;
    expect((await api.get(`/v2024/task-status/${pending.id}`)).data.percentComplete).toBe(0);
    tenant.addTask({ ...pending, completionStatus: 'SUCCESS', completed: T0.toISOString() });
    expect((await api.head('/v2024/task-status/pending-tasks', { params: { count: true } })).headers['x-total-count']).toBe('3');
    expect((await api.get(`/v2024/task-status/${pending.id}`)).data).toMatchObject({ completionStatus: 'SUCCESS', percentComplete: 99 });
  });
});

describe('public identities', () => {
  const h = useTenant();
  const find = async (filters: string) => (await h().api.get('/v3/public-identities', { params: { filters } })).data as PublicIdentity[];

  it('finds the fixed identities by email (any case) and by id', async () => {
    expect(await find(`email eq "ADA@example.com"`)).toEqual([
      expect.objectContaining({ id: ada.id, name: 'Ada Approver', email: ada.email, manager: { type: 'IDENTITY', id: manager.id, name: manager.name } }),
    ]);
    expect(ids(await find(`id eq "${service.id}"`))).toEqual([service.id]);
    expect(ids(await find(`id in ("${ben.id}", "${manager.id}")`))).toEqual([ben.id, manager.id]);
    expect(await find(`id eq "${sandboxId('identity', 99)}"`)).toEqual([]);
  });

  it('creates a demo identity, with pending work items, for an unknown email', async () => {
    const { api, tenant } = h();
    const [created] = await find('email eq "grace.hopper@slack.example"');
    expect(created).toMatchObject({ id: sandboxId('identity', 0x1000), name: 'Grace Hopper', alias: 'grace.hopper', identityState: 'ACTIVE' });
    expect(await find('email eq "grace.hopper@slack.example"')).toEqual([created]);
    expect(tenant.identityForEmail('Grace.Hopper@slack.example')).toEqual(created);
    const items = (await api.get('/v3/work-items', { params: { ownerId: created.id } })).data as WorkItem[];
    expect(items.map((i) => i.type).sort()).toEqual(['Approval', 'Form', 'ManualAction']);
    expect(items.every((i) => i.ownerId === created.id && i.ownerName === 'Grace Hopper' && i.state === 'Pending')).toBe(true);
    expect((await api.get('/v3/work-items/summary', { params: { ownerId: created.id } })).data).toEqual({ open: 3, completed: 0, total: 3 });
  });

  it('does not invent identities for prefix searches, and rejects unsupported filters', async () => {
    expect(await find('email sw "nobody"')).toEqual([]);
    expect(ids(await find('email sw "ada@"'))).toEqual([ada.id]);
    expectError(await h().api.get('/v3/public-identities', { params: { filters: 'department eq "x"' } }), 400, /Filtering/);
  });
});

describe('fault injection', () => {
  let next: Fault | undefined;
  let faultPath = '/v3/work-items';
  const h = useTenant({ faults: ({ path }) => (path === faultPath ? next : undefined) });
  afterEach(() => {
    next = undefined;
    faultPath = '/v3/work-items';
  });

  it('answers an injected status with an ErrorResponseDto, and 429 with Retry-After', async () => {
    const { api } = h();
    next = { kind: 'status', status: 503 };
    expectError(await api.get('/v3/work-items'), 503);
    next = { kind: 'status', status: 429, retryAfterSeconds: 7 };
    const limited = await api.get('/v3/work-items');
    expect([limited.status, limited.data, limited.headers['retry-after']]).toEqual([429, { message: ' Rate Limit Exceeded ' }, '7']);
  });

  it('resets the connection', async () => {
    next = { kind: 'reset' };
    await expect(h().api.get('/v3/work-items')).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('delays, then answers normally', async () => {
    next = { kind: 'none', delayMs: 150 };
    const started = Date.now();
    const res = await h().api.get('/v3/work-items');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers malformed JSON', async () => {
    next = { kind: 'malformed' };
    const res = await h().api.get('/v3/work-items', { transformResponse: (d: string) => d });
    expect([res.status, res.headers['content-type'], res.data]).toEqual([200, 'application/json', '{"broken']);
  });

  it('reaches /oauth/token when the hook chooses, and a faulted decision is not applied', async () => {
    const { raw, api, tenant } = h();
    faultPath = '/oauth/token';
    next = { kind: 'status', status: 500 };
    expectError(await raw.post('/oauth/token', form({ grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'sandbox-secret' })), 500);
    faultPath = `/v3/work-items/bulk-approve/${W.adaHostile}`;
    next = { kind: 'reset' };
    await expect(api.post(faultPath)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(tenant.getWorkItemState(W.adaHostile)?.state).toBe('Pending');
    expect(tenant.stats().mutations).toEqual([]);
    expect(tenant.stats().requests['GET /work-items']).toBe(5);
  });
});
