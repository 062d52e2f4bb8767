import type { Approval, CompletedApproval, PendingApproval } from '../../src/isc/types';
import { SEED_ACCESS_REQUEST_APPROVALS as AR, SEED_GENERIC_APPROVALS as G, SEED_SOD_POLICY } from '../../src/sandbox/approvalSeed';
import { HOSTILE_TEXT, SEED_IDENTITIES } from '../../src/sandbox/seed';
import type { Fault } from '../../src/sandbox/tenant';
import { expectError, ids, T0, useTenant, userApi } from './helpers';

const { ada, ben, manager, service } = SEED_IDENTITIES;
const V1 = '/access-request-approvals/v1';
const GA = '/generic-approvals/v1';
const PENDING = 'status eq "PENDING"';
const adaPendingRequests = [AR.adaPlain, AR.adaSodViolation, AR.adaRevoke, AR.adaHostile, AR.adaCommentRequired];

describe('access-request approvals: lists, summary and both layouts', () => {
  const h = useTenant();

  it("lists an owner's pending approvals newest first, and the completed ones with their decision", async () => {
    const { api } = h();
    const pending = await api.get(`${V1}/pending`, { params: { 'owner-id': ada.id, count: true } });
    expect(pending.status).toBe(200);
    expect(pending.headers['x-total-count']).toBe('5');
    expect(ids(pending.data)).toEqual(adaPendingRequests);
    expect(pending.headers['x-deprecated']).toBeUndefined();
    const completed = (await api.get(`${V1}/completed`, { params: { 'owner-id': ada.id } })).data as CompletedApproval[];
    expect(completed.map((c) => [c.id, c.state, c.reviewedBy?.id])).toEqual([
      [AR.adaApproved, 'APPROVED', ada.id],
      [AR.adaRejected, 'REJECTED', ada.id],
    ]);
    expect(completed[1].reviewerComment).toMatchObject({ comment: 'Use the break-glass process instead', author: { id: ada.id } });
    expect((await api.get(`${V1}/approval-summary`, { params: { 'owner-id': ada.id } })).data).toEqual({ pending: 5, approved: 1, rejected: 1 });
  });

  it('seeds what the approver needs to decide: an SoD violation, a required reject comment, forward history, dates', async () => {
    const pending = (await h().api.get(`${V1}/pending`, { params: { 'owner-id': ada.id } })).data as PendingApproval[];
    const byId = new Map(pending.map((p) => [p.id, p]));
    const sod = byId.get(AR.adaSodViolation)!;
    expect(sod.sodViolationContext?.violationCheckResult?.violatedPolicies).toEqual([{ type: 'SOD_POLICY', ...SEED_SOD_POLICY }]);
    expect(sod.sodViolationContext?.violationCheckResult?.violationContexts?.[0].conflictingAccessCriteria?.leftCriteria?.criteriaList?.[0]).toMatchObject({
      existing: true,
      name: 'AP Invoice Entry',
    });
    expect(sod).toMatchObject({ requestType: 'GRANT_ACCESS', requestedObject: { type: 'ROLE', name: 'Payments Administrator' }, requester: { id: ben.id } });
    const commented = byId.get(AR.adaCommentRequired)!;
    expect(commented).toMatchObject({ commentRequiredWhenRejected: true, requester: { id: manager.id }, requestedFor: { id: ben.id } });
    expect(commented.forwardHistory).toEqual([expect.objectContaining({ oldApproverName: manager.name, newApproverName: ada.name, reassignmentType: 'MANUAL_REASSIGNMENT' })]);
    expect(commented.previousReviewersComments).toHaveLength(1);
    expect(byId.get(AR.adaPlain)).toMatchObject({ commentRequiredWhenRejected: false, startDate: expect.any(String), removeDate: expect.any(String) });
    expect(byId.get(AR.adaRevoke)?.requestType).toBe('REVOKE_ACCESS');
    expect(byId.get(AR.adaHostile)?.requesterComment?.comment).toBe(HOSTILE_TEXT);
  });

  it('answers the legacy /v3 layout with the same data, marked X-Deprecated', async () => {
    const { api, tenant } = h();
    const params = { 'owner-id': ada.id };
    const legacy = await api.get('/v3/access-request-approvals/pending', { params });
    expect(legacy.headers['x-deprecated']).toBe('true');
    expect(legacy.data).toEqual((await api.get(`${V1}/pending`, { params })).data);
    expect(tenant.stats().deprecatedRequests).toEqual({ 'GET /access-request-approvals/pending': 1 });
    expectError(await api.get('/v3/generic-approvals'), 404, /No such API/);
  });

  it('filters, sorts and pages as the spec says', async () => {
    const { api } = h();
    const list = async (params: Record<string, unknown>) => ids((await api.get(`${V1}/pending`, { params: { 'owner-id': ada.id, ...params } })).data);
    expect(await list({ filters: `id in ("${AR.adaPlain}","${AR.adaRevoke}")` })).toEqual([AR.adaPlain, AR.adaRevoke]);
    expect(await list({ filters: `created gt "${new Date(T0.getTime() - 5 * 3_600_000).toISOString()}"` })).toEqual([AR.adaPlain, AR.adaSodViolation]);
    expect(await list({ sorters: 'created' })).toEqual([...adaPendingRequests].reverse());
    expect(await list({ limit: 2, offset: 1 })).toEqual(adaPendingRequests.slice(1, 3));
    expect((await api.get(`${V1}/pending`, { params: { filters: `requestedFor.id eq "${ada.id}"` } })).data.map((p: PendingApproval) => p.id)).toEqual([AR.benPending]);
    expectError(await api.get(`${V1}/pending`, { params: { filters: 'name eq "x"' } }), 400, /Filtering on 'name'/);
    expectError(await api.get(`${V1}/completed`, { params: { filters: `created gt "${T0.toISOString()}"` } }), 400, /Filtering on 'created'/);
    expectError(await api.get(`${V1}/pending`, { params: { sorters: 'name' } }), 400, /Sorting/);
    expectError(await api.get(`${V1}/pending`, { params: { limit: 251 } }), 400, /limit/);
    expectError(await api.get(`${V1}/approval-summary`, { params: { 'from-date': 'yesterday' } }), 400, /from-date/);
    expect((await api.get(`${V1}/approval-summary`, { params: { 'owner-id': ada.id, 'from-date': T0.toISOString() } })).data).toEqual({ pending: 0, approved: 0, rejected: 0 });
  });

  it('gives an admin everyone’s approvals without owner-id, and a user only their own', async () => {
    const { api } = h();
    const all = (await api.get(`${V1}/pending`)).data as PendingApproval[];
    expect(new Set(all.map((a) => a.owner?.id))).toEqual(new Set([ada.id, ben.id, manager.id, service.id]));
    const benApi = await userApi(h(), ben.email);
    expect(ids((await benApi.get(`${V1}/pending`)).data)).toEqual([AR.benPending]);
    expect(ids((await benApi.get(`${V1}/pending`, { params: { 'owner-id': 'me' } })).data)).toEqual([AR.benPending]);
    expectError(await benApi.get(`${V1}/pending`, { params: { 'owner-id': ada.id } }), 403);
    expectError(await benApi.get(`${V1}/approval-summary`, { params: { 'owner-id': ada.id } }), 403);
    expectError(await benApi.post(`${V1}/${AR.adaPlain}/approve`), 403);
  });
});

describe('access-request approvals: decisions', () => {
  const h = useTenant();

  it('refuses a reject without the comment the approval requires (400), then takes one', async () => {
    const { api } = h();
    const reject = `${V1}/${AR.adaCommentRequired}/reject`;
    expectError(await api.post(reject), 400, /CommentDto\) is required/);
    expectError(await api.post(reject, {}), 400, /comment is required to reject/);
    expectError(await api.post(reject, { comment: '   ' }), 400, /comment is required to reject/);
    const res = await api.post(reject, { comment: 'Use a team-scoped role instead' });
    expect([res.status, res.data]).toEqual([202, {}]);
    expect(h().tenant.getAccessRequestApprovalState(AR.adaCommentRequired)?.decision).toMatchObject({
      state: 'REJECTED',
      reviewedBy: { id: service.id, name: service.name },
      reviewerComment: { comment: 'Use a team-scoped role instead' },
    });
  });

  it('approves with or without a comment, and refuses a second decision with 400', async () => {
    const { api } = h();
    expect((await api.post(`${V1}/${AR.adaPlain}/approve`)).status).toBe(202);
    expect((await api.post(`${V1}/${AR.adaRevoke}/reject`, {})).status).toBe(202);
    expect((await api.post(`${V1}/${AR.adaSodViolation}/approve`, { comment: 'Exception EX-12 signed off' })).status).toBe(202);
    expectError(await api.post(`${V1}/${AR.adaPlain}/approve`), 400, /already been approved/);
    expectError(await api.post(`${V1}/${AR.adaRevoke}/approve`), 400, /already been rejected/);
    expectError(await api.post(`${V1}/${AR.adaPlain}/forward`, { newOwnerId: ben.id, comment: 'x' }), 400, /already/);
    expectError(await api.post(`${V1}/ffffffffffffffffffffffffffffffff/approve`), 404, /not found/);
    const completed = (await api.get(`${V1}/completed`, { params: { 'owner-id': ada.id } })).data as CompletedApproval[];
    expect(completed.find((c) => c.id === AR.adaSodViolation)).toMatchObject({ state: 'APPROVED', reviewerComment: { comment: 'Exception EX-12 signed off' } });
    expect(ids((await api.get(`${V1}/pending`, { params: { 'owner-id': ada.id } })).data)).toEqual([AR.adaHostile]);
    expect((await api.get(`${V1}/approval-summary`, { params: { 'owner-id': ada.id } })).data).toEqual({ pending: 1, approved: 3, rejected: 3 });
  });

  it('records every decision as a mutation, with the approval and the identity that acted', async () => {
    const { tenant } = h();
    const benApi = await userApi(h(), ben.email);
    expect((await benApi.post(`${V1}/${AR.benPending}/approve`, { comment: 'ok' })).status).toBe(202);
    const mutations = tenant.stats().mutations;
    expect(mutations.map((m) => [m.path.replace(V1, ''), m.approvalId, m.status, m.identityId])).toEqual([
      [`/${AR.adaCommentRequired}/reject`, AR.adaCommentRequired, 400, service.id],
      [`/${AR.adaCommentRequired}/reject`, AR.adaCommentRequired, 400, service.id],
      [`/${AR.adaCommentRequired}/reject`, AR.adaCommentRequired, 400, service.id],
      [`/${AR.adaCommentRequired}/reject`, AR.adaCommentRequired, 202, service.id],
      [`/${AR.adaPlain}/approve`, AR.adaPlain, 202, service.id],
      [`/${AR.adaRevoke}/reject`, AR.adaRevoke, 202, service.id],
      [`/${AR.adaSodViolation}/approve`, AR.adaSodViolation, 202, service.id],
      [`/${AR.adaPlain}/approve`, AR.adaPlain, 400, service.id],
      [`/${AR.adaRevoke}/approve`, AR.adaRevoke, 400, service.id],
      [`/${AR.adaPlain}/forward`, AR.adaPlain, 400, service.id],
      ['/ffffffffffffffffffffffffffffffff/approve', 'ffffffffffffffffffffffffffffffff', 404, service.id],
      [`/${AR.benPending}/approve`, AR.benPending, 202, ben.id],
    ]);
  });
});

describe('access-request approvals: forward', () => {
  const h = useTenant();

  it('validates the ForwardApprovalDto', async () => {
    const { api } = h();
    const forward = `${V1}/${AR.adaHostile}/forward`;
    expectError(await api.post(forward), 400, /ForwardApprovalDto/);
    expectError(await api.post(forward, { newOwnerId: ben.id }), 400, /comment is required/);
    expectError(await api.post(forward, { newOwnerId: ben.id, comment: 'x'.repeat(256) }), 400, /comment .* 1 to 255/);
    expectError(await api.post(forward, { comment: 'x' }), 400, /newOwnerId is required/);
    expectError(await api.post(forward, { newOwnerId: 'ffffffffffffffffffffffffffffffff', comment: 'x' }), 400, /not found/);
    expectError(await api.post(forward, { newOwnerId: ada.id, comment: 'x' }), 400, /already owned by Ada Approver/);
  });

  it('moves the approval to its new owner and records the hop in forwardHistory', async () => {
    const { api, advanceClock } = h();
    advanceClock(60_000);
    expect((await api.post(`${V1}/${AR.adaCommentRequired}/forward`, { newOwnerId: ben.id, comment: 'Ben knows this repo' })).status).toBe(202);
    const [moved] = (await api.get(`${V1}/pending`, { params: { 'owner-id': ben.id, filters: `id eq "${AR.adaCommentRequired}"` } })).data as PendingApproval[];
    expect(moved.owner).toEqual({ type: 'IDENTITY', id: ben.id, name: ben.name });
    expect(moved.modified).toBe(new Date(T0.getTime() + 60_000).toISOString());
    expect(moved.forwardHistory?.at(-1)).toEqual({
      oldApproverName: ada.name,
      newApproverName: ben.name,
      comment: 'Ben knows this repo',
      modified: moved.modified,
      forwarderName: service.name,
      reassignmentType: 'MANUAL_REASSIGNMENT',
    });
    expect(moved.forwardHistory).toHaveLength(2);
    expect(ids((await api.get(`${V1}/pending`, { params: { 'owner-id': ada.id } })).data)).not.toContain(AR.adaCommentRequired);
    // Ada no longer owns it: her own token may not decide it now.
    const adaApi = await userApi(h(), ada.email);
    expectError(await adaApi.post(`${V1}/${AR.adaCommentRequired}/approve`), 403);
  });
});

describe('generic approvals: the list and its filters', () => {
  const h = useTenant();
  const list = async (params: Record<string, unknown>) => (await h().api.get(GA, { params })).data as Approval[];

  it("answers the inbox's query: approverId and status eq PENDING, comments when asked for", async () => {
    const { api } = h();
    const res = await api.get(GA, { params: { approverId: ada.id, filters: PENDING, 'include-comments': true, count: true } });
    expect(res.headers['x-total-count']).toBe('4');
    const items = res.data as Approval[];
    expect(ids(items)).toEqual([G.adaParallel, G.adaHostile, G.adaRejectComment, G.adaOverdue]);
    const overdue = items.find((a) => a.id === G.adaOverdue)!;
    expect(Date.parse(overdue.dueDate!)).toBeLessThan(T0.getTime());
    expect(overdue).toMatchObject({ priority: 'HIGH', requester: { identityID: ben.id }, requestee: { identityID: ben.id } });
    expect(overdue.name).toEqual([
      { value: 'Quarterly firewall rule review', locale: 'en-US' },
      { value: 'Vierteljährliche Prüfung der Firewall-Regeln', locale: 'de-DE' },
    ]);
    expect(overdue.comments?.map((c) => c.author?.identityID)).toEqual([ben.id, manager.id]);
    expect(overdue.approvers).toBeUndefined();
    const bare = await list({ approverId: ada.id, filters: PENDING });
    expect(bare.every((a) => a.comments === undefined && a.approvers === undefined && a.reassignmentHistory === undefined)).toBe(true);
    expect(bare.every((a) => a.assignedTo?.some((i) => i.identityID === ada.id))).toBe(true);
    const full = await list({ approverId: ada.id, filters: PENDING, 'include-approvers': true, 'include-reassignment-history': true });
    expect(full.find((a) => a.id === G.adaParallel)?.approvers?.map((a) => a.identityID)).toEqual([ada.id, manager.id]);
    expect(full[0].reassignmentHistory).toEqual([]);
  });

  it('counts only, and filters on the fields the spec lists', async () => {
    const { api } = h();
    const counted = await api.get(GA, { params: { approverId: ada.id, filters: PENDING, 'count-only': true } });
    expect([counted.data, counted.headers['x-total-count']]).toEqual([[], '4']);
    expect(ids(await list({ approverId: ada.id, filters: 'status eq "APPROVED"' }))).toEqual([G.adaApproved]);
    expect(ids(await list({ approverId: ada.id, filters: 'status ne "PENDING"' }))).toEqual([G.adaApproved]);
    expect(ids(await list({ approverId: ada.id, filters: `priority eq "HIGH" and dueDate lt "${T0.toISOString()}"` }))).toEqual([G.adaOverdue]);
    expect(ids(await list({ filters: 'name co "firewall"' }))).toEqual([G.adaOverdue]);
    expect(ids(await list({ filters: 'name sw "Vierteljährliche"' }))).toEqual([G.adaOverdue]);
    expect(ids(await list({ filters: 'type in ("ENTITLEMENT_DESCRIPTIONS","CUSTOM_ACCESS_REQUEST_APPROVAL")' }))).toEqual([G.adaParallel, G.adaRejectComment]);
    expect(ids(await list({ approverId: manager.id }))).toEqual([G.adaParallel]);
    expect(ids(await list({ requesterId: ada.id }))).toEqual([G.benPending]);
    expect(ids(await list({ filters: `approverId eq "${ben.id}"` }))).toEqual([G.benPending]);
    expectError(await api.get(GA, { params: { filters: 'owner eq "x"' } }), 400, /Filtering on 'owner'/);
    expectError(await api.get(GA, { params: { filters: 'status gt "A"' } }), 400, /Operator 'gt'/);
    expectError(await api.get(GA, { params: { mine: 'yes' } }), 400, /mine/);
  });

  it("defaults a user to their own approvals (mine), and refuses another identity's", async () => {
    const adaApi = await userApi(h(), ada.email);
    expect(ids((await adaApi.get(GA)).data)).toEqual([G.adaParallel, G.adaHostile, G.adaRejectComment, G.adaApproved, G.adaOverdue]);
    expect(ids((await adaApi.get(GA, { params: { approverId: ada.id, filters: PENDING } })).data)).toHaveLength(4);
    expectError(await adaApi.get(GA, { params: { approverId: ben.id } }), 403);
    expectError(await adaApi.get(GA, { params: { requesterId: ben.id } }), 403);
    expect((await adaApi.get(`${GA}/${G.adaOverdue}`)).data.comments).toHaveLength(2);
    // Ada requested Ben's approval, so she may read it; one she has no part in is refused.
    expect((await adaApi.get(`${GA}/${G.benPending}`)).status).toBe(200);
    const other = h().tenant.addGenericApproval({ approvers: [{ identityID: manager.id, type: 'IDENTITY', name: manager.name }], name: [{ value: 'Budget', locale: 'en-US' }] });
    expectError(await adaApi.get(`${GA}/${other.id}`), 403);
    expectError(await h().api.get(`${GA}/5a9db000-0000-0000-0000-00000000ffff`), 404, /not found/);
  });
});

describe('generic approvals: decisions', () => {
  const h = useTenant();

  it('refuses a reject without the comment requiresComment asks for, then rejects (204) and refuses a second decision', async () => {
    const adaApi = await userApi(h(), ada.email);
    const reject = `${GA}/${G.adaRejectComment}/reject`;
    expectError(await adaApi.post(reject), 400, /comment is required to reject/);
    expectError(await adaApi.post(reject, { comment: '' }), 400, /comment is required to reject/);
    const res = await adaApi.post(reject, { comment: 'The description names the wrong system' });
    expect([res.status, res.data]).toEqual([204, '']);
    const stored = h().tenant.getGenericApprovalState(G.adaRejectComment)!;
    expect(stored).toMatchObject({ completedDate: T0.toISOString(), assignedTo: [], rejectedBy: [{ identityID: ada.id, name: ada.name, decisionDate: T0.toISOString() }] });
    expect(stored.comments?.at(-1)).toMatchObject({ comment: 'The description names the wrong system', author: { identityID: ada.id } });
    expectError(await adaApi.post(`${GA}/${G.adaRejectComment}/approve`), 400, /already been rejected/);
    expect(ids((await h().api.get(GA, { params: { approverId: ada.id, filters: 'status eq "REJECTED"' } })).data)).toEqual([G.adaRejectComment]);
  });

  it('approves and returns the approval; in a parallel approval the first decision completes it for everyone', async () => {
    const adaApi = await userApi(h(), ada.email);
    const mayaApi = await userApi(h(), manager.email);
    const res = await adaApi.post(`${GA}/${G.adaParallel}/approve`, { comment: 'Fine for the quarter', additionalAttributes: { ticket: 'CHG-7' } });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id: G.adaParallel, completedDate: T0.toISOString(), assignedTo: [], approvedBy: [{ identityID: ada.id }] });
    expect(JSON.parse(res.data.additionalAttributes)).toEqual({ ticket: 'CHG-7' });
    expectError(await mayaApi.post(`${GA}/${G.adaParallel}/reject`, { comment: 'no' }), 400, /already been approved/);
    expect(ids((await mayaApi.get(GA, { params: { filters: PENDING } })).data)).toEqual([]);
  });

  it("lets an admin who is not an approver decide, taking the approval over from an approver (ISC's rule)", async () => {
    const res = await h().api.post(`${GA}/${G.adaOverdue}/approve`);
    expect(res.status).toBe(200);
    const approval = res.data as Approval;
    expect(approval.approvedBy).toEqual([expect.objectContaining({ identityID: service.id })]);
    expect(approval.approvers?.map((a) => a.identityID)).toEqual([service.id]);
    expect(approval.reassignmentHistory).toEqual([
      expect.objectContaining({ reassignedFrom: expect.objectContaining({ identityID: ada.id }), reassignedTo: expect.objectContaining({ identityID: service.id }) }),
    ]);
  });

  it("refuses a user who is not an approver (403), whatever the approval's state", async () => {
    const benApi = await userApi(h(), ben.email);
    expectError(await benApi.post(`${GA}/${G.adaHostile}/approve`), 403);
    expectError(await benApi.post(`${GA}/${G.adaHostile}/reject`, { comment: 'x' }), 403);
    expectError(await benApi.post(`${GA}/${G.adaHostile}/reassign`, { reassignTo: ben.id }), 403);
    expect(h().tenant.getGenericApprovalState(G.adaHostile)?.completedDate).toBeUndefined();
  });
});

describe('generic approvals: reassign, comments and bulk', () => {
  const h = useTenant();

  it('reassigns from the caller to another identity, recording the history and the comment', async () => {
    const adaApi = await userApi(h(), ada.email);
    const path = `${GA}/${G.adaHostile}/reassign`;
    expectError(await adaApi.post(path), 400, /Approvalreassignrequest/);
    expectError(await adaApi.post(path, { comment: 'x' }), 400, /reassignTo is required/);
    expectError(await adaApi.post(path, { reassignTo: 'ffffffffffffffffffffffffffffffff' }), 400, /not found/);
    expectError(await adaApi.post(path, { reassignTo: ada.id }), 400, /already assigned/);
    expectError(await adaApi.post(path, { reassignFrom: ben.id, reassignTo: manager.id }), 400, /not assigned to/);
    const res = await adaApi.post(path, { reassignTo: ben.id, comment: 'Ben owns this system now' });
    expect(res.status).toBe(204);
    const stored = h().tenant.getGenericApprovalState(G.adaHostile)!;
    expect(stored.approvers?.map((a) => a.identityID)).toEqual([ben.id]);
    expect(stored.assignedTo?.map((a) => a.identityID)).toEqual([ben.id]);
    const [hop] = stored.reassignmentHistory!;
    expect(hop).toMatchObject({ reassignedFrom: { identityID: ada.id }, reassignedTo: { identityID: ben.id }, reassigner: { identityID: ada.id }, reassignmentType: 'MANUAL_REASSIGNMENT' });
    expect(stored.comments?.at(-1)).toMatchObject({ comment: 'Ben owns this system now', commentId: hop.commentID });
    expect(ids((await h().api.get(GA, { params: { approverId: ada.id, filters: PENDING } })).data)).not.toContain(G.adaHostile);
    expect(ids((await h().api.get(GA, { params: { approverId: ben.id, filters: PENDING } })).data)).toContain(G.adaHostile);
    expectError(await adaApi.post(`${GA}/${G.adaHostile}/approve`), 403);
  });

  it('appends comments from anyone taking part, and refuses an empty one', async () => {
    const benApi = await userApi(h(), ben.email);
    const path = `${GA}/${G.adaOverdue}/comments`;
    expectError(await benApi.post(path, {}), 400, /comment is required/);
    expectError(await benApi.post(path, { comment: '  ' }), 400, /comment is required/);
    const res = await benApi.post(path, { comment: 'Audit moved to Monday' });
    expect(res.status).toBe(200);
    expect((res.data as Approval).comments?.map((c) => c.comment)).toEqual([
      'Rules exported to ticket CHG-2291',
      'Please prioritise: the audit starts next week',
      'Audit moved to Monday',
    ]);
    expect((res.data as Approval).comments?.at(-1)).toMatchObject({ author: { identityID: ben.id, name: ben.name }, createdDate: T0.toISOString(), commentId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const mayaApi = await userApi(h(), manager.email);
    expectError(await mayaApi.post(`${GA}/${G.adaRejectComment}/comments`, { comment: 'hi' }), 403);
  });

  it('bulk-approves and -rejects for an admin only, all or nothing', async () => {
    const { api, tenant } = h();
    const benApi = await userApi(h(), ben.email);
    expectError(await benApi.post(`${GA}/bulk-approve`, { approvalIds: [G.benPending] }), 403);
    expectError(await api.post(`${GA}/bulk-approve`, { approvalIds: [] }), 400, /approvalIds/);
    expectError(await api.post(`${GA}/bulk-approve`, { approvalIds: [G.benPending, '5a9db000-0000-0000-0000-00000000ffff'] }), 404);
    expect(tenant.getGenericApprovalState(G.benPending)?.completedDate).toBeUndefined();
    expectError(await api.post(`${GA}/bulk-reject`, { approvalIds: [G.adaRejectComment] }), 400, /comment is required/);
    const res = await api.post(`${GA}/bulk-approve`, { approvalIds: [G.benPending], comment: 'Batch' });
    expect([res.status, res.data]).toEqual([202, {}]);
    expect(tenant.getGenericApprovalState(G.benPending)).toMatchObject({ completedDate: T0.toISOString(), approvedBy: [{ identityID: service.id }] });
    expect((await api.post(`${GA}/bulk-reject`, { approvalIds: [G.adaRejectComment], comment: 'Wrong system' })).status).toBe(202);
    expect(tenant.getGenericApprovalState(G.adaRejectComment)?.rejectedBy).toEqual([expect.objectContaining({ identityID: service.id })]);
    const mutations = tenant.stats().mutations.filter((m) => m.path.startsWith(GA));
    expect(mutations.map((m) => [m.path.replace(GA, ''), m.approvalId, m.status])).toContainEqual(['/bulk-approve', undefined, 202]);
    expect(mutations.find((m) => m.path.endsWith('/comments') && m.status === 200)).toMatchObject({ approvalId: G.adaOverdue, identityId: ben.id });
  });
});

describe('demo identities and fault injection', () => {
  let fault: ((req: { method: string; path: string }) => Fault | undefined) | undefined;
  const h = useTenant({ faults: (req) => fault?.(req) });
  afterEach(() => (fault = undefined));

  it('gives an identity the sandbox invents one approval of each kind, besides its work items', async () => {
    const { api } = h();
    const [created] = (await api.get('/public-identities/v1', { params: { filters: 'email eq "new.person@example.com"' } })).data;
    const requests = (await api.get(`${V1}/pending`, { params: { 'owner-id': created.id } })).data as PendingApproval[];
    expect(requests).toEqual([expect.objectContaining({ owner: { type: 'IDENTITY', id: created.id, name: 'New Person' }, requester: expect.objectContaining({ id: ben.id }) })]);
    const generic = (await api.get(GA, { params: { approverId: created.id, filters: PENDING, 'include-comments': true } })).data as Approval[];
    expect(generic).toHaveLength(1);
    expect(generic[0]).toMatchObject({ assignedTo: [{ identityID: created.id }], dueDate: expect.any(String), comments: [expect.any(Object)] });
    expect((await api.get('/work-items/v1/count', { params: { ownerId: created.id } })).data).toEqual({ count: 3 });
    // Their approvals work like the seeded ones.
    expect((await api.post(`${V1}/${requests[0].id}/approve`)).status).toBe(202);
    expect((await api.post(`${GA}/${generic[0].id}/reject`, { comment: 'Not this month' })).status).toBe(204);
  });

  it('adds approvals as if they had just arrived', async () => {
    const { api, tenant } = h();
    const added = tenant.addAccessRequestApproval({ owner: { id: ada.id }, requestedObject: { name: 'Tableau Viewers', type: 'ACCESS_PROFILE' } });
    expect(added).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), created: T0.toISOString(), owner: { type: 'IDENTITY', id: ada.id, name: ada.name } });
    expect(ids((await api.get(`${V1}/pending`, { params: { 'owner-id': ada.id } })).data)).toContain(added.id);
    const generic = tenant.addGenericApproval({ approvers: [{ identityID: ada.id, type: 'IDENTITY' }] });
    expect(generic).toMatchObject({ createdDate: T0.toISOString(), assignedTo: [{ identityID: ada.id }] });
    expect(ids((await api.get(GA, { params: { approverId: ada.id, filters: PENDING } })).data)).toContain(generic.id);
  });

  it('injects faults on the approval paths like on the others', async () => {
    const { api } = h();
    fault = (req) => (req.path.startsWith('/access-request-approvals/') || req.path.startsWith('/generic-approvals/') ? { kind: 'status', status: 503 } : undefined);
    expectError(await api.get(`${V1}/pending`), 503);
    expectError(await api.post(`${GA}/${G.adaOverdue}/approve`), 503);
    fault = (req) => (req.path === `${V1}/approval-summary` ? { kind: 'status', status: 429, retryAfterSeconds: 2 } : undefined);
    const limited = await api.get(`${V1}/approval-summary`);
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '2']);
    expect(h().tenant.getGenericApprovalState(G.adaOverdue)?.completedDate).toBeUndefined();
  });
});
