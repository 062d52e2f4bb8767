import { createIscClient, type IscClientHandle } from '../../src/isc/client';
import { isIscError } from '../../src/isc/errors';
import { localizedText } from '../../src/approvals/genericApproval';
import { pendingApprovalsQuery } from '../../src/isc/genericApprovals';
import { SEED_ACCESS_REQUEST_APPROVALS as AR, SEED_GENERIC_APPROVALS as G } from '../../src/sandbox/approvalSeed';
import { SEED_APPROVAL_ITEMS, SEED_IDENTITIES, SEED_TASKS, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { startSandboxTenant, type SandboxTenant } from '../../src/sandbox/tenant';
import { createLogger, silentLogger } from '../../src/log';

const { ada, ben, manager, service } = SEED_IDENTITIES;

// The real client over real HTTP on loopback against the sandbox tenant, in both path layouts.
describe.each([
  ['legacy v3 / v2024', { workItems: 'v3', taskManagement: 'v2024', identities: 'v3', accessRequestApprovals: 'v3' } as const],
  ['v1 per-service (the default)', {} as const],
])('ISC client against the sandbox tenant (%s)', (name, versions) => {
  let tenant: SandboxTenant;
  let isc: IscClientHandle;
  let logLines: string[];
  const legacy = name.startsWith('legacy');

  beforeEach(async () => {
    tenant = await startSandboxTenant({ logger: silentLogger });
    logLines = [];
    const logger = createLogger('warn', (line) => logLines.push(line));
    isc = createIscClient({ baseUrl: tenant.url, clientId: tenant.clientId, clientSecret: tenant.clientSecret, versions, logger });
  });
  afterEach(() => tenant.close());

  it('maps an email to an identity and lists, counts and summarises that owner’s items', async () => {
    const [ada] = await isc.identities.findIdentitiesByEmail('ada@example.com');
    expect(ada?.id).toBe(SEED_IDENTITIES.ada.id);
    const ownerId = ada!.id!;
    const page = await isc.workItems.listWorkItems({ ownerId, limit: 2, count: true });
    expect(page.items).toHaveLength(2);
    const next = await isc.workItems.listWorkItems({ ownerId, limit: 250, offset: 2 });
    expect(next.items).toHaveLength(page.total! - 2);
    expect(next.items.map((i) => i.id)).not.toContain(page.items[0].id);
    const summary = await isc.workItems.getWorkItemsSummary({ ownerId });
    expect(summary.open).toBe(page.total);
    expect((await isc.workItems.getCountWorkItems({ ownerId })).count).toBe(page.total);
    const completed = await isc.workItems.getCompletedWorkItems({ ownerId, count: true });
    expect((await isc.workItems.getCountCompletedWorkItems({ ownerId })).count).toBe(completed.total);
  });

  it('approves, rejects and refuses a second decision with an ErrorResponseDto', async () => {
    const [first, second] = SEED_APPROVAL_ITEMS.adaMulti;
    const afterApprove = await isc.workItems.approveApprovalItem(SEED_WORK_ITEMS.adaMultiApproval, first);
    expect(afterApprove.approvalItems?.find((a) => a.id === first)?.state).toBe('Finished');
    const afterReject = await isc.workItems.rejectApprovalItem(SEED_WORK_ITEMS.adaMultiApproval, second);
    expect(afterReject.approvalItems?.find((a) => a.id === second)?.state).toBe('Rejected');
    const error = await isc.workItems.approveApprovalItem(SEED_WORK_ITEMS.adaMultiApproval, first).catch((e: unknown) => e);
    expect(isIscError(error) && error.status).toBe(400);
    expect(isIscError(error) && error.trackingId).toMatch(/^[0-9a-f]{32}$/);
    const bulk = await isc.workItems.approveApprovalItemsInBulk(SEED_WORK_ITEMS.adaMultiApproval);
    expect(bulk.state).not.toBe('Pending');
  });

  it('completes, forwards, bulk-rejects and submits an account selection', async () => {
    expect((await isc.workItems.completeWorkItem(SEED_WORK_ITEMS.adaManualAction)).state).toBe('Finished');
    await isc.workItems.sendWorkItemForward(SEED_WORK_ITEMS.adaRemediation, { targetOwnerId: SEED_IDENTITIES.ben.id, comment: 'on leave' });
    expect((await isc.workItems.getWorkItem(SEED_WORK_ITEMS.adaRemediation)).ownerId).toBe(SEED_IDENTITIES.ben.id);
    expect((await isc.workItems.rejectApprovalItemsInBulk(SEED_WORK_ITEMS.adaHostile)).state).toBe('Rejected');
    const form = await isc.workItems.getWorkItem(SEED_WORK_ITEMS.adaAccountSelection);
    const field = form.form!.sections![0].formItems![0];
    const submitted = await isc.workItems.submitAccountSelection(SEED_WORK_ITEMS.adaAccountSelection, { [field.name!]: 'x' });
    expect(submitted.state).toBe('Finished');
    expect(tenant.stats().mutations.map((m) => m.status)).toEqual([200, 200, 200, 200]);
  });

  it('reads pending tasks, filters the task list and clears a stuck task with JSON Patch', async () => {
    const { total } = await isc.taskManagement.getPendingTaskHeaders();
    const pending = await isc.taskManagement.getPendingTasks({ count: true });
    expect(pending.total).toBe(total);
    expect(pending.items.every((t) => t.completionStatus === null)).toBe(true);
    const errors = await isc.taskManagement.getTaskStatusList({ filters: 'completionStatus eq "ERROR"', sorters: '-created' });
    expect(errors.items.map((t) => t.id)).toContain(SEED_TASKS.error);
    const cleared = await isc.taskManagement.updateTaskStatus(SEED_TASKS.stuckAggregation, [
      { op: 'replace', path: '/completionStatus', value: 'TERMINATED' },
      { op: 'replace', path: '/completed', value: new Date().toISOString() },
    ]);
    expect(cleared.completionStatus).toBe('TERMINATED');
    expect((await isc.taskManagement.getPendingTaskHeaders()).total).toBe(total - 1);
    expect((await isc.taskManagement.getTaskStatus(SEED_TASKS.stuckAggregation)).completionStatus).toBe('TERMINATED');
  });

  it('lists, summarises and decides access-request approvals', async () => {
    const api = isc.accessRequestApprovals;
    const pending = await api.listPendingApprovals({ ownerId: ada.id, count: true, limit: 2 });
    expect([pending.items.length, pending.total]).toEqual([2, 5]);
    expect(pending.items[0]).toMatchObject({ id: AR.adaPlain, owner: { id: ada.id }, requestedObject: { type: 'ACCESS_PROFILE' } });
    const sod = await api.listPendingApprovals({ ownerId: ada.id, filters: `id eq "${AR.adaSodViolation}"` });
    expect(sod.items[0].sodViolationContext?.violationCheckResult?.violatedPolicies).toHaveLength(1);

    const refused = await api.rejectAccessRequest(AR.adaCommentRequired).catch((e: unknown) => e);
    expect(isIscError(refused) && [refused.status, refused.userMessage()]).toEqual([
      400,
      expect.stringMatching(/^ISC rejected the request \(400\): A comment is required to reject access request approval \w+\. Tracking id [0-9a-f]{32}\.$/),
    ]);
    await api.rejectAccessRequest(AR.adaCommentRequired, 'Use a team-scoped role');
    await api.approveAccessRequest(AR.adaPlain);
    await api.approveAccessRequest(AR.adaSodViolation, 'Exception EX-12');
    await api.forwardAccessRequest(AR.adaRevoke, { newOwnerId: manager.id, comment: 'Maya decides VPN access' });
    const twice = await api.approveAccessRequest(AR.adaPlain).catch((e: unknown) => e);
    expect(isIscError(twice) && twice.status).toBe(400);

    expect((await api.listPendingApprovals({ ownerId: manager.id })).items.map((a) => a.id)).toContain(AR.adaRevoke);
    const completed = await api.listCompletedApprovals({ ownerId: ada.id, sorters: '-modified', count: true });
    expect(completed.total).toBe(5);
    expect(completed.items.find((c) => c.id === AR.adaCommentRequired)).toMatchObject({ state: 'REJECTED', reviewedBy: { id: service.id } });
    expect(await api.getAccessRequestApprovalSummary({ ownerId: ada.id })).toEqual({ pending: 1, approved: 3, rejected: 2 });
    expect(tenant.stats().mutations.map((m) => [m.approvalId, m.status])).toEqual([
      [AR.adaCommentRequired, 400],
      [AR.adaCommentRequired, 202],
      [AR.adaPlain, 202],
      [AR.adaSodViolation, 202],
      [AR.adaRevoke, 202],
      [AR.adaPlain, 400],
    ]);
  });

  it('reads and decides generic approvals (v1 in every layout)', async () => {
    const api = isc.genericApprovals;
    const page = await api.getApprovals({ ...pendingApprovalsQuery(ada.id), count: true });
    expect(page.total).toBe(4);
    const overdue = page.items.find((a) => a.id === G.adaOverdue)!;
    expect([localizedText(overdue.name), localizedText(overdue.name, 'de-DE'), overdue.comments?.length]).toEqual([
      'Quarterly firewall rule review',
      'Vierteljährliche Prüfung der Firewall-Regeln',
      2,
    ]);
    expect(await api.countApprovals({ approverId: ada.id, filters: 'status eq "PENDING"' })).toBe(4);
    expect((await api.getApproval(G.adaParallel)).approvers).toHaveLength(2);

    expect((await api.approveApproval(G.adaParallel, { comment: 'ok' })).completedDate).toEqual(expect.any(String));
    const noComment = await api.rejectApproval(G.adaRejectComment).catch((e: unknown) => e);
    expect(isIscError(noComment) && noComment.status).toBe(400);
    await api.rejectApproval(G.adaRejectComment, { comment: 'Wrong system' });
    await api.updateApprovalsReassign(G.adaHostile, { reassignFrom: ada.id, reassignTo: ben.id, comment: 'Ben owns it' });
    expect((await api.updateApprovalsComments(G.adaOverdue, { comment: 'On it' })).comments?.at(-1)?.comment).toBe('On it');
    await api.approveApprovalInBulk({ approvalIds: [G.benPending] });
    await api.rejectApprovalInBulk({ approvalIds: [G.adaOverdue], comment: 'Superseded' });

    expect(await api.countApprovals({ approverId: ada.id, filters: 'status eq "PENDING"' })).toBe(0);
    expect((await api.getApprovals({ approverId: ben.id, filters: 'status eq "PENDING"' })).items.map((a) => a.id)).toEqual([G.adaHostile]);
    const gone = await api.getApproval('5a9db000-0000-0000-0000-00000000ffff').catch((e: unknown) => e);
    expect(isIscError(gone) && gone.userMessage()).toMatch(/^ISC could not find that approval \(404\); it may have been decided or cancelled\. Tracking id [0-9a-f]{32}\.$/);
  });

  it(`${legacy ? 'warns once per deprecated operation' : 'never calls a deprecated path, so never warns'}`, async () => {
    for (let i = 0; i < 3; i++) {
      await isc.workItems.getWorkItemsSummary({ ownerId: ada.id });
      await isc.accessRequestApprovals.listPendingApprovals({ ownerId: ada.id });
      await isc.taskManagement.getPendingTaskHeaders();
      await isc.identities.findIdentitiesByEmail(ada.email);
      await isc.genericApprovals.getApprovals(pendingApprovalsQuery(ada.id));
    }
    const warnings = logLines.filter((l) => l.includes('deprecated'));
    const deprecated = tenant.stats().deprecatedRequests;
    if (!legacy) {
      expect([warnings, deprecated]).toEqual([[], {}]);
      return;
    }
    expect(Object.values(deprecated)).toEqual([3, 3, 3, 3]);
    expect(warnings).toHaveLength(4);
    expect(warnings.join('\n')).toContain('ISC marks listPendingApprovals (GET /v3/access-request-approvals/pending) as deprecated; its successor is GET /access-request-approvals/v1/pending');
  });

  it('reports its health, and a 404 as an ISC error', async () => {
    expect(await isc.checkHealth()).toMatchObject({ ok: true });
    const error = await isc.workItems.getWorkItem('0'.repeat(32)).catch((e: unknown) => e);
    expect(isIscError(error) && error.status).toBe(404);
    expect(tenant.stats().tokenRequests).toBe(1);
  });
});
