import { ACTION } from '../../src/blocks/actions';
import type { AuditRecord } from '../../src/audit/auditLog';
import { SEED_APPROVAL_ITEMS, SEED_IDENTITIES, SEED_TASKS, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { signIn } from '../auth/helpers';
import { startHarness, USERS, type Harness } from '../support/botHarness';
import { pgFixture } from '../support/postgres';
import { until } from '../support/redis';

// The real bot with its audit trail in PostgreSQL (DATABASE_URL), against the sandbox ISC tenant.

const pg = pgFixture('trail-e2e');
let h: Harness;
const start = async (env: Record<string, string> = {}) => {
  h = await startHarness({ DATABASE_URL: await pg.freshUrl(), ...env });
};
afterEach(() => h.close());

const W = SEED_WORK_ITEMS;
const A = SEED_APPROVAL_ITEMS;

async function records(): Promise<AuditRecord[]> {
  const log = h.bot.audit;
  const out: AuditRecord[] = [];
  for await (const r of log.readSince(new Date(0))) out.push(r);
  return out;
}

describe('decisions on the PostgreSQL trail', () => {
  beforeEach(() => start());

  it("record ISC's request id of the write that succeeded, and who, as which identity, on what", async () => {
    await h.click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle }, { responseId: 'a1' });
    await h.responsesTo('a1');
    const [write] = h.sandbox.stats().mutations;
    expect(write.requestId).toMatch(/^[0-9a-f]{32}$/);
    const [intent, outcome] = await records();
    expect(intent).toMatchObject({ phase: 'intent', slackUserId: USERS.ada.id, actorIdentityId: SEED_IDENTITIES.ada.id, actingAs: { kind: 'service', clientId: h.sandbox.clientId }, item: { kind: 'work-item', id: W.adaSingleApproval, part: A.adaSingle }, action: 'approve' });
    expect(outcome).toMatchObject({ phase: 'outcome', decisionId: intent.decisionId, outcome: 'done', trackingId: write.requestId });
    expect(await h.bot.audit.verify()).toMatchObject({ ok: true, count: 2 });
  });

  it("record ISC's tracking id of the write that failed", async () => {
    h.fault = (req) => (req.method === 'POST' && req.path.includes('/approve/') ? { kind: 'status', status: 500 } : undefined);
    await h.click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle }, { responseId: 'a1' });
    const [reply] = await h.responsesTo('a1');
    const shown = /tracking id `?([0-9a-f]{32})/.exec(JSON.stringify(reply))?.[1];
    expect(shown).toBeDefined();
    const [, outcome] = await records();
    expect(outcome).toMatchObject({ phase: 'outcome', outcome: 'failed', trackingId: shown });
  });
});

/** The records after `count` exist (outcome records of acts answered after the reply are awaited so). */
async function recordsOnceThere(count: number): Promise<AuditRecord[]> {
  await until(async () => (await records()).length >= count);
  return records();
}

describe('privileged acts on the trail', () => {
  it("an admin marking a task terminated: an intent before the PATCH, and its outcome with ISC's request id", async () => {
    await start();
    await h.click(USERS.admin.id, ACTION.taskTerminate, SEED_TASKS.stuckAggregation, { responseId: 't1' });
    await h.slack.waitFor(() => h.sandbox.stats().mutations.some((m) => m.method === 'PATCH'));
    const [intent, outcome] = await recordsOnceThere(2);
    const patch = h.sandbox.stats().mutations.find((m) => m.method === 'PATCH')!;
    expect(intent).toMatchObject({ phase: 'intent', slackUserId: USERS.admin.id, item: { kind: 'task', id: SEED_TASKS.stuckAggregation, name: expect.any(String) }, action: 'terminate', actingAs: { kind: 'service' } });
    expect(outcome).toMatchObject({ phase: 'outcome', decisionId: intent.decisionId, outcome: 'done', trackingId: patch.requestId });
  });

  it('an admin reading someone else\'s inbox, and an admin exporting the trail from Slack', async () => {
    await start();
    await h.command(USERS.admin.id, `<@${USERS.ada.id}>`, 'look');
    await h.responsesTo('look');
    await h.command(USERS.ada.id, '', 'own');
    await h.responsesTo('own');
    await h.command(USERS.admin.id, 'audit 7', 'export');
    await h.responsesTo('export');
    const [view, exported] = await recordsOnceThere(2);
    expect(view).toMatchObject({ slackUserId: USERS.admin.id, item: { kind: 'inbox', id: USERS.ada.id, name: 'pending' }, action: 'view', outcome: 'done' });
    expect(exported).toMatchObject({ slackUserId: USERS.admin.id, item: { kind: 'audit-trail', id: 'export' }, action: 'export', outcome: 'done', reason: '1 decisions exported' });
    // Ada looking at her own inbox is no privileged act.
    expect(await records()).toHaveLength(2);
  });

  it('an account link, a refused link (another identity signed in) and an unlink', async () => {
    await start({ AUTH_MODE: 'linked' });
    const connect = async (email: string, id: string) => {
      await h.command(USERS.ada.id, 'connect', id);
      const [reply] = await h.responsesTo(id);
      const button = (reply.blocks as Array<Record<string, any>>).flatMap((b) => b.elements ?? []).find((e) => e.action_id === ACTION.connect);
      const callback = await signIn(button.url, email);
      await fetch(`${h.baseUrl}${callback.pathname}${callback.search}`, { redirect: 'manual' });
    };
    await connect(SEED_IDENTITIES.ben.email, 'c1');
    await connect(SEED_IDENTITIES.ada.email, 'c2');
    await h.command(USERS.ada.id, 'disconnect', 'd1');
    await h.responsesTo('d1');
    const [mismatch, linked, unlinked] = await recordsOnceThere(3);
    const link = { slackUserId: USERS.ada.id, actorIdentityId: SEED_IDENTITIES.ada.id, item: { kind: 'account-link', id: USERS.ada.id }, action: 'link' };
    expect(mismatch).toMatchObject({ ...link, outcome: 'refused', reason: expect.stringContaining(`as identity ${SEED_IDENTITIES.ben.id}, not as the identity the Slack user maps to (${SEED_IDENTITIES.ada.id})`) });
    expect(linked).toMatchObject({ ...link, outcome: 'done' });
    expect(unlinked).toMatchObject({ ...link, action: 'unlink', outcome: 'done', reason: 'Tokens deleted; ISC revoked them.' });
    expect(await h.bot.audit.verify()).toMatchObject({ ok: true, count: 3 });
  });
});
