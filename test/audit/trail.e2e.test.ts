import { ACTION } from '../../src/blocks/actions';
import type { AuditRecord } from '../../src/audit/auditLog';
import { SEED_APPROVAL_ITEMS, SEED_IDENTITIES, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { startHarness, USERS, type Harness } from '../support/botHarness';
import { pgFixture } from '../support/postgres';

// The real bot with its audit trail in PostgreSQL (DATABASE_URL), against the sandbox ISC tenant.

const pg = pgFixture('trail-e2e');
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ DATABASE_URL: await pg.freshUrl() });
});
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
