import { createIscClient, type IscClientHandle } from '../../src/isc/client';
import { isIscError } from '../../src/isc/errors';
import { SEED_APPROVAL_ITEMS, SEED_IDENTITIES, SEED_TASKS, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { startSandboxTenant, type SandboxTenant } from '../../src/sandbox/tenant';
import { silentLogger } from '../../src/log';

// The real client over real HTTP on loopback against the sandbox tenant, in both path layouts.
describe.each([
  ['v3 / v2024', { workItems: 'v3', taskManagement: 'v2024', identities: 'v3' } as const],
  ['v1 per-service', { workItems: 'v1', taskManagement: 'v1', identities: 'v1' } as const],
])('ISC client against the sandbox tenant (%s)', (_name, versions) => {
  let tenant: SandboxTenant;
  let isc: IscClientHandle;

  beforeEach(async () => {
    tenant = await startSandboxTenant({ logger: silentLogger });
    isc = createIscClient({ baseUrl: tenant.url, clientId: tenant.clientId, clientSecret: tenant.clientSecret, versions });
  });
  afterEach(() => tenant.close());

  it('maps an email to an identity and lists, counts and summarises that owner’s items', async () => {
    const ada = await isc.identities.findIdentityByEmail('ada@example.com');
    expect(ada?.id).toBe(SEED_IDENTITIES.ada.id);
    const ownerId = ada!.id!;
    const page = await isc.workItems.listWorkItems({ ownerId, limit: 2, count: true });
    expect(page.items).toHaveLength(2);
    const all: string[] = [];
    for await (const item of isc.workItems.iterateWorkItems({ ownerId, pageSize: 2 })) all.push(item.id!);
    expect(all).toHaveLength(page.total!);
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

  it('reports its health, and a 404 as an ISC error', async () => {
    expect(await isc.checkHealth()).toMatchObject({ ok: true });
    const error = await isc.workItems.getWorkItem('0'.repeat(32)).catch((e: unknown) => e);
    expect(isIscError(error) && error.status).toBe(404);
    expect(tenant.stats().tokenRequests).toBe(1);
  });
});
