import { validateMessage } from '../../src/blocks/limits';
import { createIscClient } from '../../src/isc/client';
import { REVIEW_FIELDS } from '../../src/blocks/reviewModals';
import { RV_ACTION, RV_VIEW } from '../../src/blocks/reviews';
import { SEED_CERTIFICATIONS as C } from '../../src/sandbox/certificationSeed';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { buttonIds, findButton, startHarness, USERS, type Harness } from '../support/botHarness';
import { pgFixture } from '../support/postgres';
import { deleteKeys, testPrefix, TEST_REDIS_URL } from '../support/redis';
import { signIn } from '../auth/helpers';

// An access review end to end through the real bot against the sandbox tenant: list, open, approve
// one, revoke one with a comment, approve all the rest in one click, sign off.

let h: Harness;
afterEach(() => h.close());

const json = (v: unknown) => JSON.stringify(v);
const requests = () => h.sandbox.stats().requests;
const iscCalls = (before: Record<string, number>) =>
  Object.entries(requests()).reduce((n, [key, count]) => (key.includes('/certifications') ? n + count - (before[key] ?? 0) : n), 0);
const decideCalls = () => requests()['POST /certifications/{id}/decide'] ?? 0;
const decisions = () => h.sandbox.certificationDecisions();
const value = (blocks: Array<Record<string, any>>, actionId: string) => JSON.parse(findButton(blocks, actionId).value);
const itemButtons = (blocks: Array<Record<string, any>>, actionId: string) =>
  blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).filter((e: Record<string, any>) => e.action_id === actionId).map((e: Record<string, any>) => JSON.parse(e.value));

async function openQuarterly(): Promise<Array<Record<string, any>>> {
  await h.command(USERS.ada.id, 'reviews', 'list');
  const [list] = await h.responsesTo('list');
  const open = list.blocks.find((b: Record<string, any>) => b.accessory?.action_id === RV_ACTION.open && JSON.parse(b.accessory.value).c === C.adaQuarterly);
  await h.click(USERS.ada.id, RV_ACTION.open, JSON.parse(open.accessory.value), { responseId: 'page' });
  const [page] = await h.responsesTo('page');
  return page.blocks;
}

describe('against the sandbox (file store)', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  it('lists the caller’s open reviews: campaign, due in their zone, overdue called out, progress, a Review button', async () => {
    await h.command(USERS.ada.id, 'reviews', 'list');
    const [list] = await h.responsesTo('list');
    expect(validateMessage(list as never)).toEqual([]);
    const text = json(list.blocks);
    expect(text).toMatch(/Privileged access review.*overdue\* by 1 day/);
    expect(text).toMatch(/Q4 manager access review.*due in 3 days.*0 \/ 300 decided \(0%\)/);
    expect(buttonIds([{ type: 'actions', elements: list.blocks.filter((b: Record<string, any>) => b.accessory).map((b: Record<string, any>) => b.accessory) }])).toEqual([RV_ACTION.open, RV_ACTION.open]);
  });

  it('list, open, approve one, revoke one with a comment, approve all the rest in at most 2 decide calls, sign off', async () => {
    const before = requests();
    let blocks = await openQuarterly();
    // The page: 1 list call, then 2 ISC calls for the page itself.
    expect(iscCalls(before)).toBe(3);
    expect(validateMessage({ text: 'x', blocks: blocks as never })).toEqual([]);
    const approves = itemButtons(blocks, RV_ACTION.approve);
    expect(approves.length).toBeGreaterThanOrEqual(10);
    expect(findButton(blocks, RV_ACTION.approveAll).text.text).toMatch(/^Approve all 300 undecided/);
    expect(findButton(blocks, RV_ACTION.approveAll).confirm.text.text).toMatch(/Approve all 300 undecided items/);
    expect(json(blocks)).toMatch(/IAI recommends \*approve\*/);
    expect(json(blocks)).toMatch(/privileged/);

    // Approve one: the page is redrawn in place with who decided. ISC: the certification (the reviewer
    // check), the item read again, the decision, one slice of items for the redraw.
    const beforeOne = requests();
    await h.click(USERS.ada.id, RV_ACTION.approve, approves[0], { responseId: 'one' });
    const [afterOne] = await h.responsesTo('one');
    expect(iscCalls(beforeOne)).toBe(4);
    expect(afterOne.replace_original).toBe(true);
    expect(json(afterOne.blocks)).toContain(`✅ Approve by <@${USERS.ada.id}>`);
    expect(decisions()).toEqual([expect.objectContaining({ itemId: approves[0].t, decision: 'APPROVE', bulk: false })]);

    // Revoke one: the campaign requires a comment, asked for in the form before ISC is called.
    const form = await h.openForm(USERS.ada.id, RV_ACTION.revoke, approves[1], { responseId: 'rev' });
    expect(form.view.callback_id).toBe(RV_VIEW.revoke);
    const submit = (comment: string, date?: string) =>
      h.submitView(USERS.ada.id, {
        id: form.id,
        callback_id: RV_VIEW.revoke,
        private_metadata: form.view.private_metadata,
        state: { values: { [REVIEW_FIELDS.comment]: { [REVIEW_FIELDS.comment]: { type: 'plain_text_input', value: comment } }, [REVIEW_FIELDS.endDate]: { [REVIEW_FIELDS.endDate]: { type: 'datepicker', selected_date: date ?? null } } } },
      });
    expect(JSON.parse((await submit('')).body)).toMatchObject({ response_action: 'errors', errors: { [REVIEW_FIELDS.comment]: expect.stringMatching(/requires a comment/) } });
    expect(JSON.parse((await submit('gone', '2020-01-01')).body)).toMatchObject({ response_action: 'errors', errors: { [REVIEW_FIELDS.endDate]: expect.any(String) } });
    expect(JSON.parse((await submit('x'.repeat(2001))).body)).toMatchObject({ response_action: 'errors' });
    expect(decisions()).toHaveLength(1);
    await submit('Moved to another team');
    const [afterRevoke] = await h.responsesTo('rev');
    expect(json(afterRevoke.blocks)).toContain(`❌ Revoke by <@${USERS.ada.id}>`);
    expect(decisions()[1]).toMatchObject({ itemId: approves[1].t, decision: 'REVOKE', comments: 'Moved to another team' });

    // Approve all the rest in one click: 298 items in 2 decide calls of at most 250, none twice.
    const decideBefore = decideCalls();
    const beforeAll = requests();
    await h.click(USERS.ada.id, RV_ACTION.approveAll, value(afterRevoke.blocks, RV_ACTION.approveAll), { responseId: 'all' });
    const [afterAll] = await h.responsesTo('all');
    expect(decideCalls() - decideBefore).toBe(2);
    expect(iscCalls(beforeAll)).toBe(6);
    expect(decisions()).toHaveLength(300);
    expect(new Set(decisions().map((d) => d.itemId)).size).toBe(300);
    expect(decisions().slice(2).every((d) => d.bulk && d.decision === 'APPROVE')).toBe(true);
    expect(json(afterAll.blocks)).toMatch(/Approved 298 items/);
    expect(json(afterAll.blocks)).toMatch(/300 \/ 300 decided/);

    // Sign off, once.
    const beforeSign = requests();
    await h.click(USERS.ada.id, RV_ACTION.signOff, value(afterAll.blocks, RV_ACTION.signOff), { responseId: 'sign' });
    const [signed] = await h.responsesTo('sign');
    expect(iscCalls(beforeSign)).toBe(3);
    expect(json(signed.blocks)).toMatch(/Signed off/);
    expect(h.sandbox.getCertificationState(C.adaQuarterly)!.certification.phase).toBe('SIGNED');
    expect(requests()['POST /certifications/{id}/sign-off']).toBe(1);
  });

  it("refuses a second person's clicks, a tampered value and another review's item with no ISC decision", async () => {
    const blocks = await openQuarterly();
    const approve = itemButtons(blocks, RV_ACTION.approve)[0];
    await h.click(USERS.ben.id, RV_ACTION.approve, approve, { responseId: 'ben' });
    expect((await h.responsesTo('ben'))[0].text).toMatch(/Only the access review's reviewer \(Ada Approver\) or a bot admin can act on it/);
    await h.click(USERS.ben.id, RV_ACTION.approveAll, value(blocks, RV_ACTION.approveAll), { responseId: 'ben-all' });
    expect((await h.responsesTo('ben-all'))[0].text).toMatch(/Only the access review's reviewer/);
    await h.click(USERS.ben.id, RV_ACTION.open, { c: C.adaQuarterly, o: 0 }, { responseId: 'ben-open' });
    expect((await h.responsesTo('ben-open'))[0].text).toMatch(/Only the access review's reviewer \(Ada Approver\) or a bot admin can see it/);
    await h.click(USERS.ada.id, RV_ACTION.approve, { c: '../x', o: 0, t: 'y' }, { responseId: 'forged' });
    expect((await h.responsesTo('forged'))[0].text).toMatch(/no valid access review/);
    // Ben's item through Ada's certification: not an item of it.
    const [bens] = h.sandbox.getCertificationState(C.benQuarterly)!.items;
    await h.click(USERS.ada.id, RV_ACTION.approve, { ...approve, t: bens.id }, { responseId: 'other' });
    expect(json((await h.responsesTo('other'))[0].blocks)).toMatch(/not in this access review/);
    // An unknown certification: ISC says so, and nothing is decided.
    await h.click(USERS.ada.id, RV_ACTION.open, { c: 'f'.repeat(32), o: 0 }, { responseId: 'unknown' });
    expect((await h.responsesTo('unknown'))[0].text).toMatch(/ISC could not find that access review \(404\)/);
    expect(decisions()).toEqual([]);
    expect(requests()['POST /certifications/{id}/decide']).toBeUndefined();
  });

  it('Approve all recommended approves only what IAI recommends approving; an admin may act for the reviewer', async () => {
    const blocks = await openQuarterly();
    const recommended = h.sandbox.getCertificationState(C.adaQuarterly)!.items.filter((i) => i.recommendation?.recommendation === 'APPROVE').map((i) => i.id);
    expect(recommended.length).toBeGreaterThan(50);
    await h.click(USERS.ada.id, RV_ACTION.approveRecommended, value(blocks, RV_ACTION.approveRecommended), { responseId: 'rec' });
    expect(json((await h.responsesTo('rec'))[0].blocks)).toContain(`Approved ${recommended.length} items`);
    expect(decisions().map((d) => d.itemId).sort()).toEqual([...recommended].sort());
    expect(decisions().every((d) => d.decision === 'APPROVE' && d.bulk)).toBe(true);
    await h.click(USERS.admin.id, RV_ACTION.open, { c: C.adaQuarterly, o: 0 }, { responseId: 'adm' });
    const [page] = await h.responsesTo('adm');
    await h.click(USERS.admin.id, RV_ACTION.approve, itemButtons(page.blocks, RV_ACTION.approve)[0], { responseId: 'adm-ok' });
    expect(json((await h.responsesTo('adm-ok'))[0].blocks)).toContain(`✅ Approve by <@${USERS.admin.id}>`);
    expect(decisions()).toHaveLength(recommended.length + 1);
  });

  it("never offers a decision on the reviewer's own access, and explains it on the item", async () => {
    await h.click(USERS.ada.id, RV_ACTION.open, { c: C.adaPrivileged, o: 0 }, { responseId: 'priv' });
    const [page] = await h.responsesTo('priv');
    expect(json(page.blocks)).toMatch(/This is your own access: ISC does not let a reviewer certify it/);
    const own = h.sandbox.getCertificationState(C.adaPrivileged)!.items.find((i) => i.identitySummary?.identityId === SEED_IDENTITIES.ada.id)!;
    expect(itemButtons(page.blocks, RV_ACTION.approve).map((v) => v.t)).not.toContain(own.id);
    await h.click(USERS.ada.id, RV_ACTION.approveAll, value(page.blocks, RV_ACTION.approveAll), { responseId: 'priv-all' });
    const [after] = await h.responsesTo('priv-all');
    expect(json(after.blocks)).toMatch(/Approved 5 items.*1 item on your own access stay undecided/);
    expect(decisions().map((d) => d.itemId)).not.toContain(own.id);
  });
});

describe('reassign, sign-off refusals, ISC errors, the Home tab and the audit trail', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  it('reassigns every item of an identity to another reviewer, with the reason', async () => {
    await h.click(USERS.ada.id, RV_ACTION.open, { c: C.adaPrivileged, o: 0 }, { responseId: 'priv' });
    const [page] = await h.responsesTo('priv');
    const reassign = itemButtons(page.blocks, RV_ACTION.reassign)[0];
    const form = await h.openForm(USERS.ada.id, RV_ACTION.reassign, reassign, { responseId: 'ra' });
    expect(form.view.callback_id).toBe(RV_VIEW.reassign);
    const values = (reason: string, scope = 'IDENTITY_SUMMARY') => ({
      [REVIEW_FIELDS.target]: { [REVIEW_FIELDS.target]: { type: 'users_select', selected_user: USERS.ben.id } },
      [REVIEW_FIELDS.scope]: { [REVIEW_FIELDS.scope]: { type: 'radio_buttons', selected_option: { value: scope } } },
      [REVIEW_FIELDS.reason]: { [REVIEW_FIELDS.reason]: { type: 'plain_text_input', value: reason } },
    });
    const submit = (reason: string) => h.submitView(USERS.ada.id, { id: form.id, callback_id: RV_VIEW.reassign, private_metadata: form.view.private_metadata, state: { values: values(reason) } });
    expect(JSON.parse((await submit('  ')).body)).toMatchObject({ response_action: 'errors', errors: { [REVIEW_FIELDS.reason]: expect.any(String) } });
    const before = h.sandbox.getCertificationState(C.adaPrivileged)!.items.length;
    await submit('Ben manages them now');
    const [redrawn] = await h.responsesTo('ra');
    expect(json(redrawn.blocks)).toContain(`Reassigned to <@${USERS.ben.id}>`);
    expect(h.sandbox.getCertificationState(C.adaPrivileged)!.items.length).toBeLessThan(before);
    const reassigns = h.sandbox.stats().mutations.filter((m) => m.path.endsWith('/reassign'));
    expect(reassigns).toEqual([expect.objectContaining({ status: 200 })]);
  });

  it("ISC 5xx and 429 are clear messages and nothing is sent twice; a sign-off with undecided items is refused before ISC", async () => {
    const blocks = await openQuarterly();
    const [first, second] = itemButtons(blocks, RV_ACTION.approve);
    h.fault = (req) => (req.method === 'POST' && req.path.endsWith('/decide') ? { kind: 'status', status: 500 } : undefined);
    await h.click(USERS.ada.id, RV_ACTION.approve, first, { responseId: 'f500' });
    expect((await h.responsesTo('f500'))[0].text).toMatch(/ISC had an internal error \(500\)/);
    // ISC may have applied that one: its claim stays, so a second click does not send it again.
    h.fault = undefined;
    await h.click(USERS.ada.id, RV_ACTION.approve, first, { responseId: 'again' });
    expect(json((await h.responsesTo('again'))[0].blocks)).toMatch(/being decided by another click, or ISC's answer to it was lost/);
    h.fault = (req) => (req.method === 'POST' && req.path.endsWith('/decide') ? { kind: 'status', status: 429, retryAfterSeconds: 0 } : undefined);
    await h.click(USERS.ada.id, RV_ACTION.approve, second, { responseId: 'f429' });
    expect((await h.responsesTo('f429'))[0].text).toMatch(/ISC is busy \(rate limit\)/);
    // A clear refusal releases the claim: the next click goes through.
    h.fault = undefined;
    await h.click(USERS.ada.id, RV_ACTION.approve, second, { responseId: 'ok' });
    await h.responsesTo('ok');
    // Decided meanwhile in ISC's web UI: read again before acting, shown as decided, not sent again.
    const third = itemButtons(blocks, RV_ACTION.approve)[2];
    const webUi = createIscClient({ baseUrl: h.sandbox.url, clientId: h.sandbox.clientId, clientSecret: h.sandbox.clientSecret });
    await webUi.certifications.makeIdentityDecision(C.adaQuarterly, [{ id: third.t, decision: 'REVOKE', bulk: false, comments: 'web UI' }]);
    await h.click(USERS.ada.id, RV_ACTION.approve, third, { responseId: 'meanwhile' });
    const [meanwhile] = await h.responsesTo('meanwhile');
    expect(json(meanwhile.blocks)).toMatch(/decided meanwhile in ISC/);
    expect(json(meanwhile.blocks)).toContain('❌ Revoke (decided in ISC)');
    expect(decisions().filter((d) => d.itemId === third.t)).toHaveLength(1);
    expect(decisions()).toEqual([expect.objectContaining({ itemId: second.t }), expect.objectContaining({ itemId: third.t, comments: 'web UI' })]);
    // A Sign off button on a page that went stale: the bot asks ISC nothing while items are undecided.
    await h.click(USERS.ada.id, RV_ACTION.signOff, { c: C.adaQuarterly, o: 0 }, { responseId: 'so' });
    expect((await h.responsesTo('so'))[0].text).toMatch(/298 items are still undecided: decide every item before signing off/);
    expect(requests()['POST /certifications/{id}/sign-off']).toBeUndefined();
  });

  it('shows open reviews on the Home tab beside the approvals (≤ 100 blocks); Review there opens the page in a DM', async () => {
    await h.event({ type: 'app_home_opened', user: USERS.ada.id, channel: 'D0ADA', tab: 'home', event_ts: '1.0' });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length === 1);
    const home = h.slack.callsTo('views.publish')[0].args as Record<string, any>;
    expect(home.view.blocks.length).toBeLessThanOrEqual(100);
    expect(json(home.view)).toMatch(/Access reviews.*Q4 manager access review/);
    const open = home.view.blocks.find((b: Record<string, any>) => b.accessory?.action_id === RV_ACTION.open);
    await h.click(USERS.ada.id, RV_ACTION.open, JSON.parse(open.accessory.value), { home: true });
    await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage').some((c) => json(c.args).includes(RV_ACTION.approve)));
    // Ben's click on Ada's review from his Home tab: refused in his DM, nothing read beyond the certification.
    await h.click(USERS.ben.id, RV_ACTION.open, JSON.parse(open.accessory.value), { home: true });
    await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage').some((c) => /can see it/.test(json(c.args))));
  });

  it('writes a decide to the audit trail with the Slack user, the acting ISC identity and the item', async () => {
    const blocks = await openQuarterly();
    await h.click(USERS.ada.id, RV_ACTION.approve, itemButtons(blocks, RV_ACTION.approve)[0], { responseId: 'a' });
    await h.responsesTo('a');
    const records = [];
    for await (const r of h.bot.audit.readSince(new Date(0))) records.push(r);
    expect(records.map((r) => [r.phase, r.slackUserId, r.actorIdentityId, r.actingAs?.kind, r.item.kind, r.item.id, r.item.part, r.action, r.outcome])).toEqual([
      ['intent', USERS.ada.id, SEED_IDENTITIES.ada.id, 'service', 'certification', C.adaQuarterly, itemButtons(blocks, RV_ACTION.approve)[0].t, 'decide', undefined],
      ['outcome', USERS.ada.id, SEED_IDENTITIES.ada.id, 'service', 'certification', C.adaQuarterly, itemButtons(blocks, RV_ACTION.approve)[0].t, 'decide', 'done'],
    ]);
  });
});

describe('with a linked account', () => {
  beforeEach(async () => {
    h = await startHarness({ AUTH_MODE: 'linked' });
  });

  it("lists with reviewer-identity=me and decides with the reviewer's own token", async () => {
    await h.command(USERS.ada.id, 'connect', 'connect');
    const [reply] = await h.responsesTo('connect');
    const url = reply.blocks.flatMap((b: Record<string, any>) => b.elements ?? []).find((e: Record<string, any>) => e.url).url;
    await fetch(await signIn(url, SEED_IDENTITIES.ada.email), { redirect: 'manual' });
    const blocks = await openQuarterly();
    await h.click(USERS.ada.id, RV_ACTION.approve, itemButtons(blocks, RV_ACTION.approve)[0], { responseId: 'mine' });
    await h.responsesTo('mine');
    expect(decisions()).toEqual([expect.objectContaining({ identityId: SEED_IDENTITIES.ada.id })]);
  });
});

describe('two replicas on one Redis', () => {
  const prefix = testPrefix('reviews');
  // Replicas need a durable audit trail; the test Redis keeps nothing on disk.
  const pg = pgFixture('reviews');
  beforeEach(async () => {
    h = await startHarness({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, DATABASE_URL: await pg.freshUrl() });
  });
  afterAll(() => deleteKeys(prefix));

  it('decide each item once: the same Approve all on both, and an Approve beside it', async () => {
    const r2 = await h.replica();
    const blocks = await openQuarterly();
    const all = value(blocks, RV_ACTION.approveAll);
    const one = itemButtons(blocks, RV_ACTION.approve)[3];
    h.fault = (req) => (req.method === 'POST' ? { kind: 'none', delayMs: 100 } : undefined);
    await Promise.all([
      h.click(USERS.ada.id, RV_ACTION.approveAll, all, { responseId: 'a1' }),
      r2.click(USERS.ada.id, RV_ACTION.approveAll, all, { responseId: 'a2' }),
      r2.click(USERS.ada.id, RV_ACTION.approve, one, { responseId: 'a3' }),
    ]);
    await h.slack.waitFor(() => ['a1', 'a2', 'a3'].every((id) => h.slack.responses.some((r) => r.id === id)));
    await h.slack.waitFor(() => decisions().length >= 300);
    expect(decisions()).toHaveLength(300);
    expect(new Set(decisions().map((d) => d.itemId)).size).toBe(300);
    expect(h.sandbox.stats().mutations.every((m) => m.status === 200)).toBe(true);
  });
});
