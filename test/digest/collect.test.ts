import { APPROVER_LINES, renderDigest, renderTaskHealth } from '../../src/blocks/digest';
import { validateMessage } from '../../src/blocks/limits';
import { CONCURRENCY, SCAN_PAGES, collectDigest, type CollectDeps } from '../../src/digest/collect';
import type { IscClient } from '../../src/isc/api';
import { createIscClient } from '../../src/isc/client';
import type { PageParams, WorkItem } from '../../src/isc/types';
import { silentLogger } from '../../src/log';
import { SEED_IDENTITIES, SEED_TASKS } from '../../src/sandbox/seed';
import { startSandboxTenant, type Fault, type SandboxTenant } from '../../src/sandbox/tenant';
import { mrkdwnTexts } from '../blocks/fixtures';
import { task } from './fixtures';
import type { WebClient } from '@slack/web-api';
import { IdentityDirectory, type IscIdentityRef } from '../../src/workitems/identityDirectory';

const DAY = 86_400_000;

/** Slack ids resolve from `slackUsers`; emails go through the real directory (IDENTITY_MAP, then ISC). */
function directoryFor(isc: IscClient, overrides = new Map<string, string>(), slackUsers: Record<string, IscIdentityRef | null> = {}): CollectDeps['directory'] {
  const real = new IdentityDirectory({ slack: {} as WebClient, identities: isc.identities, overrides, ttlMs: 0, logger: silentLogger });
  return { identityFor: async (id) => slackUsers[id] ?? null, identityForEmail: (email) => real.identityForEmail(email) };
}

describe('collectDigest against the sandbox tenant', () => {
  let tenant: SandboxTenant;
  let deps: CollectDeps;
  let fault: ((req: { method: string; path: string; query: URLSearchParams }) => Fault | undefined) | undefined;

  beforeAll(async () => {
    tenant = await startSandboxTenant({ logger: silentLogger, faults: (req) => fault?.(req) });
    const isc = createIscClient({ baseUrl: tenant.url, clientId: tenant.clientId, clientSecret: tenant.clientSecret, maxRetries: 0, logger: silentLogger });
    const slackUsers: Record<string, { id: string; name: string } | null> = { U0BEN0001: SEED_IDENTITIES.ben, U0GHOST01: null };
    deps = { isc, directory: directoryFor(isc, new Map(), slackUsers), logger: silentLogger };
  });
  afterAll(() => tenant.close());
  afterEach(() => {
    fault = undefined;
  });

  const collect = (owners: string[]) => {
    const now = new Date();
    return collectDigest(deps, { owners, now, since: new Date(now.getTime() - DAY), staleAfterDays: 3 });
  };

  it('reads approvers by email and Slack id, the longest-running tasks and those that failed since', async () => {
    const data = await collect(['ada@example.com', 'U0BEN0001', 'U0GHOST01']);
    const byName = Object.fromEntries(data.approvers.map((a) => [a.name, a]));
    expect(byName[SEED_IDENTITIES.ada.name].summary?.open).toBeGreaterThan(0);
    expect(byName[SEED_IDENTITIES.ada.name].oldestPending).toBeDefined();
    expect(byName[SEED_IDENTITIES.ada.name].partial).toBe(false);
    expect(byName[SEED_IDENTITIES.ben.name].summary).toBeDefined();
    expect(byName.U0GHOST01.failure).toEqual({ message: 'no ISC identity found' });
    expect(data.pendingTotal).toEqual({ ok: true, value: 3 });
    expect(data.running.ok && data.running.value.map((t) => t.id)).toEqual([SEED_TASKS.stuckAggregation, SEED_TASKS.runningAggregation, SEED_TASKS.runningRefresh]);
    // The TERMINATED task ended 25 hours ago, before the window.
    expect(data.failed.ok && data.failed.value.tasks.map((t) => t.id)).toEqual([SEED_TASKS.error]);
  });

  it("uses the bot's own identity (no ownerId) by default, in a handful of calls", async () => {
    const before = tenant.stats().requests;
    const data = await collect([]);
    expect(data.approvers).toEqual([expect.objectContaining({ name: "The bot's ISC identity", summary: expect.objectContaining({ open: 2 }) })]);
    const after = tenant.stats().requests;
    const calls = Object.entries(after).reduce((n, [k, v]) => n + v - (before[k] ?? 0), 0) - ((after['POST /oauth/token'] ?? 0) - (before['POST /oauth/token'] ?? 0));
    // 9: a work-item summary, the approvals of each kind, two pages of work items, three task calls.
    expect(calls).toBeLessThanOrEqual(9);
  });

  it('captures a failing section with its tracking id and still reads the rest', async () => {
    // The task lists (sorted) fail; the pending count (the same path, unsorted) still answers.
    fault = (req) => (req.method === 'GET' && req.path === '/task-status/v1' && req.query.has('sorters') ? { kind: 'status', status: 500 } : undefined);
    const data = await collect(['ada@example.com']);
    expect(data.running).toEqual({ ok: false, failure: { message: expect.stringContaining('(500)'), trackingId: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(data.failed.ok).toBe(false);
    expect(data.pendingTotal).toEqual({ ok: true, value: 3 });
    expect(data.approvers[0].summary).toBeDefined();
    const message = renderTaskHealth(data, { viewer: { tz: 'UTC', now: new Date() }, staleAfterDays: 3, stuckAfterHours: 6 });
    expect(validateMessage(message)).toEqual([]);
    const text = mrkdwnTexts(message.blocks).join('\n');
    expect(text).toContain(`Longest running tasks _unavailable_ (tracking id \`${!data.running.ok && data.running.failure.trackingId}\`)`);
  });

  it('shows an approver whose summary fails as unavailable', async () => {
    fault = (req) => (req.path === '/work-items/v1/summary' ? { kind: 'status', status: 503 } : undefined);
    const data = await collect(['ada@example.com']);
    expect(data.approvers[0]).toEqual({ name: 'ada@example.com', failure: expect.objectContaining({ trackingId: expect.any(String) }) });
    expect(data.running.ok).toBe(true);
  });
});

describe('collectDigest with 500 approvers', () => {
  it(`makes at most 2 calls per approver + ${APPROVER_LINES * SCAN_PAGES + 3}, with at most ${CONCURRENCY} approver calls at a time`, async () => {
    const calls: Record<string, number> = {};
    let inFlight = 0;
    let maxInFlight = 0;
    async function call<T>(name: string, value: T, counted = true): Promise<T> {
      calls[name] = (calls[name] ?? 0) + 1;
      if (counted) maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      if (counted) inFlight--;
      return value;
    }
    const open = (ownerId: string | undefined) => Number(ownerId?.split('-')[1] ?? 0) * 3;
    const old = new Date(Date.now() - 10 * DAY).toISOString();
    const page = (ownerId: string | undefined, { limit = 250 }: PageParams): WorkItem[] =>
      Array.from({ length: Math.min(limit, open(ownerId)) }, (_, i) => ({ id: `${ownerId}-${i}`, name: `Item ${i}`, created: old, state: 'Pending' }));
    const isc = {
      identities: { findIdentitiesByEmail: (email: string) => call('identity', [{ id: `id-${email.split('@')[0].slice(4)}`, name: email }]) },
      workItems: {
        getWorkItemsSummary: ({ ownerId }: { ownerId?: string }) => call('summary', { open: open(ownerId), completed: 1, total: open(ownerId) + 1 }),
        listWorkItems: (p: PageParams & { ownerId?: string }) => call('list', { items: page(p.ownerId, p) }),
      },
      accessRequestApprovals: { getAccessRequestApprovalSummary: ({ ownerId }: { ownerId?: string }) => call('accessRequests', { pending: open(ownerId) % 7, approved: 0, rejected: 0 }) },
      genericApprovals: { countApprovals: ({ approverId }: { approverId?: string }) => call('genericApprovals', open(approverId) % 5) },
      taskManagement: {
        getPendingTaskHeaders: () => call('head', { total: 10_000 }, false),
        getTaskStatusList: (p: { filters?: string; limit?: number }) => call('tasks', { items: Array.from({ length: p.limit ?? 0 }, (_, i) => task(i)) }, false),
      },
    } as unknown as IscClient;
    const owners = Array.from({ length: 500 }, (_, i) => `user${i}@example.com`);
    const now = new Date();
    const data = await collectDigest(
      { isc, directory: directoryFor(isc), logger: silentLogger },
      { owners, now, since: new Date(now.getTime() - DAY), staleAfterDays: 3 },
    );
    // 4·O + 33: per approver an identity, a work-item summary and the pending approvals of each kind.
    expect(calls).toEqual({ identity: 500, summary: 500, accessRequests: 500, genericApprovals: 500, list: APPROVER_LINES * SCAN_PAGES, head: 1, tasks: 2 });
    expect(maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
    const top = data.approvers.find((a) => a.name === 'user499@example.com');
    expect(top).toMatchObject({ stale: 500, partial: true, oldestPending: old, accessRequests: (499 * 3) % 7, genericApprovals: (499 * 3) % 5 });
    expect(data.approvers.find((a) => a.name === 'user1@example.com')?.stale).toBeUndefined();
    const message = renderDigest(data, { viewer: { tz: 'UTC', now }, staleAfterDays: 3, stuckAfterHours: 6 });
    expect(validateMessage(message)).toEqual([]);
    expect(mrkdwnTexts(message.blocks).join('\n')).toMatch(/… and 4\d\d more approvers/);
  });

  it('maps an email through IDENTITY_MAP before looking it up', async () => {
    const getIdentityById = jest.fn(async (id: string) => ({ id, name: 'Mapped Person' }));
    const isc = {
      identities: { getIdentityById, findIdentitiesByEmail: jest.fn() },
      workItems: { getWorkItemsSummary: async () => ({ open: 0, completed: 0, total: 0 }) },
      accessRequestApprovals: { getAccessRequestApprovalSummary: async () => ({ pending: 2 }) },
      genericApprovals: { countApprovals: async () => 1 },
      taskManagement: { getPendingTaskHeaders: async () => ({ total: 0 }), getTaskStatusList: async () => ({ items: [] }) },
    } as unknown as IscClient;
    const data = await collectDigest(
      { isc, directory: directoryFor(isc, new Map([['a@b.com', 'id-42']])), logger: silentLogger },
      { owners: ['a@b.com'], now: new Date(), since: new Date(), staleAfterDays: 3 },
    );
    expect(getIdentityById).toHaveBeenCalledWith('id-42');
    expect(isc.identities.findIdentitiesByEmail).not.toHaveBeenCalled();
    expect(data.approvers).toEqual([{ name: 'Mapped Person', summary: { open: 0, completed: 0, total: 0 }, accessRequests: 2, genericApprovals: 1 }]);
  });
});
