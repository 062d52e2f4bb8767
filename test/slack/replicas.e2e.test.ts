import { runAuditCli } from '../../src/audit/cli';
import { ACTION } from '../../src/blocks/actions';
import { silentLogger } from '../../src/log';
import { SEED_APPROVAL_ITEMS as A, SEED_IDENTITIES, SEED_WORK_ITEMS as W } from '../../src/sandbox/seed';
import { signIn } from '../auth/helpers';
import { startHarness, USERS, type Harness, type Replica } from '../support/botHarness';
import { pgFixture } from '../support/postgres';
import { deleteKeys, testPrefix, TEST_REDIS_URL, until } from '../support/redis';

// Two bot processes' worth of the real bot (each its own HTTP receiver) on one Redis, as behind a
// load balancer: Slack's requests reach either, and background work runs on one.

const prefix = testPrefix('replicas');
// Replicas need a durable audit trail; the test Redis keeps nothing on disk.
const pg = pgFixture('replicas');
let h: Harness;
let r2: Replica;
let run = 0;
let DATABASE_URL: string;
beforeEach(async () => {
  DATABASE_URL = await pg.freshUrl();
  h = await startHarness({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `${prefix}${++run}:`, LEADER_LEASE_SECONDS: '3', AUTH_MODE: 'linked', DATABASE_URL });
  r2 = await h.replica();
});
afterEach(() => h.close());
afterAll(() => deleteKeys(prefix));

const health = async (baseUrl: string) => (await fetch(`${baseUrl}/healthz`)).json() as Promise<Record<string, any>>;

it('one replica runs the background work, /healthz says which and that Redis answers, and a graceful stop hands it over', async () => {
  const bots = () => [h.bot, r2.bot];
  await until(() => bots().some((b) => b.leadership?.isLeader));
  const [one, two] = await Promise.all([health(h.baseUrl), health(r2.baseUrl)]);
  for (const body of [one, two]) expect(body).toMatchObject({ status: 'ok', store: { ok: true, kind: 'redis', detail: expect.stringMatching(/^Redis answers \(\d+ ms\)\.$/) } });
  expect([one.background, two.background].sort()).toEqual(['leader', 'standby']);

  const leader = bots().find((b) => b.leadership?.isLeader)!;
  const other = bots().find((b) => b !== leader)!;
  await leader.stop();
  // The lease was handed back: the other takes over at its next round (a third of the 3 s lease).
  await until(() => other.leadership!.isLeader, 1500);
});

it('the same click delivered to both replicas reaches ISC once', async () => {
  const value = { w: W.adaSingleApproval, a: A.adaSingle };
  const [a, b] = await Promise.all([h.click(USERS.ada.id, ACTION.approve, value, { responseId: 'twice' }), r2.click(USERS.ada.id, ACTION.approve, value, { responseId: 'twice' })]);
  expect([a.status, b.status]).toEqual([200, 200]);
  await h.slack.waitFor(() => h.slack.responses.filter((r) => r.id === 'twice').length >= 2);
  const approvals = h.sandbox.stats().mutations.filter((m) => m.path.includes(W.adaSingleApproval) && m.status === 200);
  expect(approvals).toHaveLength(1);
  const texts = h.slack.responses.filter((r) => r.id === 'twice').map((r) => JSON.stringify(r.body));
  expect(texts.filter((t) => t.includes(`Approved by you`))).not.toHaveLength(0);
  expect(texts.some((t) => /already being processed|already decided|You already did that/.test(t))).toBe(true);
});

it('an OAuth sign-in started on one replica completes on the other', async () => {
  const id = 'connect';
  await h.command(USERS.ada.id, 'connect', id);
  await h.slack.waitFor(() => h.slack.responses.some((r) => r.id === id));
  const reply = h.slack.responses.find((r) => r.id === id)!.body as Record<string, any>;
  const button = (reply.blocks as Array<Record<string, any>>).flatMap((b) => b.elements ?? []).find((e) => e.action_id === ACTION.connect);
  const callback = await signIn(button.url, SEED_IDENTITIES.ada.email);
  // The load balancer sends the browser back to the other replica.
  const res = await fetch(`${r2.baseUrl}${callback.pathname}${callback.search}`, { redirect: 'manual' });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain(`Connected to ISC as ${SEED_IDENTITIES.ada.name}`);

  // Either replica now acts as Ada herself.
  await r2.click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle }, { responseId: 'as-ada' });
  await h.slack.waitFor(() => h.slack.responses.some((r) => r.id === 'as-ada'));
  expect(h.sandbox.stats().mutations.filter((m) => m.status === 200).map((m) => m.identityId)).toEqual([SEED_IDENTITIES.ada.id]);
});

it('decisions taken on either replica land on one audit trail (PostgreSQL), one chain, which npm run audit exports', async () => {
  await h.click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle }, { responseId: 'on-one' });
  await r2.click(USERS.ada.id, ACTION.complete, { w: W.adaManualAction }, { responseId: 'on-two' });
  await h.slack.waitFor(() => ['on-one', 'on-two'].every((id) => h.slack.responses.some((r) => r.id === id)));
  let out = '';
  const code = await runAuditCli(['--since', '1d', '--format', 'json'], { DATABASE_URL }, (t) => (out += t), () => undefined, silentLogger);
  expect(code).toBe(0);
  let verified = '';
  expect(await runAuditCli(['--verify'], { DATABASE_URL }, (t) => (verified += t), () => undefined, silentLogger)).toBe(0);
  // Two decisions (an intent and an outcome each) and the export.
  expect(verified).toMatch(/is whole: 5 records/);
  const rows = JSON.parse(out) as Array<{ item_id: string; action: string; outcome: string; slack_user: string }>;
  expect(rows.map((r) => [r.item_id, r.action, r.outcome, r.slack_user]).sort()).toEqual(
    [
      [W.adaManualAction, 'complete', 'done', USERS.ada.id],
      [W.adaSingleApproval, 'approve', 'done', USERS.ada.id],
    ].sort(),
  );
});
