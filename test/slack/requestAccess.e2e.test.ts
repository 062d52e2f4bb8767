import { AR_ACTION } from '../../src/blocks/actions';
import { REQUEST_ACTION, REQUEST_FIELDS, REQUEST_SHORTCUT, REQUEST_VIEW, requestableValue } from '../../src/blocks/requestAccess';
import { SANDBOX_REQUESTABLES } from '../../src/sandbox/accessRequests';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { TRIGGER_BODY_LIMIT, TRIGGER_PATH } from '../../src/requests/triggerRoute';
import { findButton, startHarness, USERS, type Harness } from '../support/botHarness';
import { slackInteraction } from '../support/slackStandIn';

// The requester's loop through the real bot, its HTTP receiver and the sandbox tenant: search, request,
// follow, cancel, and the outcome DM.

const TRIGGER_SECRET = 'trigger-secret-0123456789abcdef';
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ ISC_TRIGGER_SECRET: TRIGGER_SECRET });
});
afterEach(() => h.close());

const json = (v: unknown) => JSON.stringify(v);
const byName = (name: string) => SANDBOX_REQUESTABLES.find((r) => r.name === name)!;
const valueOf = (name: string) => requestableValue({ type: byName(name).type!, id: byName(name).id! });
const searches = () => h.sandbox.stats().requests['GET /requestable-objects'] ?? 0;
const creates = () => h.sandbox.stats().mutations.filter((m) => m.path === '/access-requests/v1');

/** Slack's block_suggestion for the Access select, as the form sends it while the person types. */
async function suggest(userId: string, value: string, privateMetadata = '{}') {
  const payload = {
    ...slackInteraction('block_actions', userId, {}),
    type: 'block_suggestion',
    action_id: REQUEST_ACTION.access,
    block_id: REQUEST_FIELDS.accessBlock,
    value,
    container: { type: 'view', view_id: 'VREQ' },
    view: { id: 'VREQ', type: 'modal', callback_id: REQUEST_VIEW.request, private_metadata: privateMetadata, state: { values: {} }, hash: 'h', blocks: [] },
  };
  const res = await h.interact(payload);
  return { ...res, options: (JSON.parse(res.body || '{}') as { options?: Array<{ text: { text: string }; value: string; description?: { text: string } }> }).options ?? [] };
}

function formValues(f: { access?: string[]; justification?: string; endDate?: string; forUser?: string }) {
  return {
    [REQUEST_FIELDS.accessBlock]: { [REQUEST_ACTION.access]: { type: 'multi_external_select', selected_options: (f.access ?? []).map((value) => ({ value, text: { type: 'plain_text', text: value } })) } },
    [REQUEST_FIELDS.justificationBlock]: { [REQUEST_FIELDS.justificationAction]: { type: 'plain_text_input', value: f.justification ?? '' } },
    [REQUEST_FIELDS.endDateBlock]: { [REQUEST_FIELDS.endDateAction]: { type: 'datepicker', selected_date: f.endDate ?? null } },
    ...(f.forUser ? { [REQUEST_FIELDS.forBlock]: { [REQUEST_FIELDS.forAction]: { type: 'users_select', selected_user: f.forUser } } } : {}),
  };
}

const submit = (userId: string, viewId: string, values: Record<string, unknown>, privateMetadata = '{}') =>
  h.submitView(userId, { id: viewId, callback_id: REQUEST_VIEW.request, private_metadata: privateMetadata, state: { values } });

const lastFormText = async (pattern: RegExp) => {
  await h.slack.waitFor(() => h.slack.callsTo('views.update').some((c) => pattern.test(json(c.args.view))));
  return json(h.slack.callsTo('views.update').at(-1)!.args.view);
};

describe('the Request access form', () => {
  it('/workitems request <text> opens the form at once, carrying the text into its search', async () => {
    const res = await h.command(USERS.ben.id, 'request aws prod');
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => h.slack.callsTo('views.update').length > 0);
    expect(h.slack.callsTo('views.open')[0].args).toMatchObject({ trigger_id: 'trig.1' });
    const form = h.slack.callsTo('views.update')[0].args.view as Record<string, any>;
    expect(form.callback_id).toBe(REQUEST_VIEW.request);
    expect(JSON.parse(form.private_metadata)).toEqual({ t: 'aws prod' });
    // The service identity requests only for the requester: no "For" picker, a line that says why.
    expect(json(form.blocks)).toMatch(/For you\. To request for someone else, connect your ISC account/);
    const { options } = await suggest(USERS.ben.id, '', form.private_metadata);
    expect(options.map((o) => o.text.text)).toEqual(['AWS Prod Admin']);
    expect(options[0].description?.text).toMatch(/^role · AdministratorAccess/);
  });

  it('the global shortcut opens the same form', async () => {
    await h.interact({ type: 'shortcut', callback_id: REQUEST_SHORTCUT, trigger_id: 'trig.sc', user: { id: USERS.ben.id, username: 'ben', team_id: 'T0TEAM' }, team: { id: 'T0TEAM', domain: 'acme' }, api_app_id: 'A0APP', token: 'legacy', action_ts: '1' });
    await h.slack.waitFor(() => h.slack.callsTo('views.update').length > 0);
    expect(h.slack.callsTo('views.open')[0].args).toMatchObject({ trigger_id: 'trig.sc' });
    expect(h.slack.callsTo('views.update')[0].args.view).toMatchObject({ callback_id: REQUEST_VIEW.request });
  });

  it('options cost one ISC call per new term; a repeat comes from the cache', async () => {
    const first = await suggest(USERS.ben.id, 'Maintain');
    expect(first.options.map((o) => o.text.text)).toEqual(['GitHub Maintainers']);
    const before = searches();
    expect(before).toBe(1);
    await suggest(USERS.ben.id, 'maintain ');
    expect(searches()).toBe(before);
    await suggest(USERS.ben.id, 'sales');
    expect(searches()).toBe(before + 1);
  });

  it('answers within Slack’s 3 s when ISC is slow, and the late answer serves the next keystroke', async () => {
    // ISC answers after 2.6 s, within the client's timeout.
    await h.close();
    h = await startHarness({ ISC_TRIGGER_SECRET: TRIGGER_SECRET, SAIL_TIMEOUT_MS: '5000' });
    h.fault = (req) => (req.path.startsWith('/requestable-objects') ? { kind: 'none', delayMs: 2_600 } : undefined);
    await h.command(USERS.ben.id, 'summary'); // warms the identity lookup
    const slow = await suggest(USERS.ben.id, 'finance');
    expect(slow.ms).toBeLessThan(3_000);
    expect(slow.options.map((o) => o.text.text)).toEqual(['ISC is slow: keep typing, or try again']);
    h.fault = undefined;
    await new Promise((r) => setTimeout(r, 800));
    const again = await suggest(USERS.ben.id, 'finance');
    expect(again.options.map((o) => o.text.text)).toEqual(['Finance Analyst']);
    expect(searches()).toBe(1);
  });

  it('bad input is shown on its field and nothing is sent', async () => {
    const empty = await submit(USERS.ben.id, 'V1', formValues({ access: [], justification: '  ' }));
    expect(JSON.parse(empty.body)).toEqual({
      response_action: 'errors',
      errors: { [REQUEST_FIELDS.accessBlock]: 'Pick at least one thing to request.', [REQUEST_FIELDS.justificationBlock]: 'Say why you need it: your approver reads this.' },
    });
    const past = await submit(USERS.ben.id, 'V2', formValues({ access: [valueOf('VPN Access')], justification: 'Travel', endDate: '2001-01-01' }));
    expect(JSON.parse(past.body).errors).toEqual({ [REQUEST_FIELDS.endDateBlock]: 'Pick a date in the future, or leave it empty.' });
    const slow = await submit(USERS.ben.id, 'V3', formValues({ access: ['rq:slow'], justification: 'Travel' }));
    expect(JSON.parse(slow.body).errors[REQUEST_FIELDS.accessBlock]).toMatch(/Pick what to request from the list/);
    expect(creates()).toEqual([]);
  });

  it('a tampered option (not a requestable object) is refused and nothing is sent', async () => {
    await submit(USERS.ben.id, 'V4', formValues({ access: [`r:${'f'.repeat(32)}`], justification: 'Please' }));
    expect(await lastFormText(/Nothing was sent/)).toMatch(/ISC does not offer what was sent/);
    expect(creates()).toEqual([]);
  });
});

describe('requesting, following and cancelling', () => {
  it('request → the approver’s approval → approve in Slack → the requester’s DM, once', async () => {
    const endDate = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const values = formValues({ access: [valueOf('GitHub Maintainers')], justification: 'Release duty next sprint', endDate });
    await Promise.all([submit(USERS.ben.id, 'VREQ1', values), submit(USERS.ben.id, 'VREQ1', values)]);
    expect(await lastFormText(/Requested: GitHub Maintainers/)).toMatch(/the bot will message you when it is decided/);
    expect(creates()).toHaveLength(1);
    // The confirmation the requester finds later.
    const dm = h.slack.callsTo('chat.postMessage').find((c) => c.args.channel === USERS.ben.id)!;
    expect(json(dm.args.blocks)).toMatch(/You requested \*GitHub Maintainers\*, until <!date/);
    // The audit trail names who asked, through which identity, and how it ended.
    const records: Array<Record<string, any>> = [];
    for await (const r of h.bot.audit.readSince(new Date(0))) records.push(r as unknown as Record<string, any>);
    expect(records.map((r) => [r.phase, r.action, r.slackUserId, r.actingAs?.kind, r.outcome, r.target?.identityId])).toEqual([
      ['intent', 'request', USERS.ben.id, 'service', undefined, SEED_IDENTITIES.ben.id],
      ['outcome', 'request', USERS.ben.id, 'service', 'done', SEED_IDENTITIES.ben.id],
    ]);

    // The approval waits on Ada, the access's owner: she hears of it by DM (she uses the bot, so she
    // is subscribed: the notification round's sweep finds the new approval) and approves it from her inbox card.
    await h.command(USERS.ada.id, 'summary', 'ada-summary');
    await h.responsesTo('ada-summary');
    await h.bot.notifier.runCycle();
    await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage').some((c) => c.args.channel === `D${USERS.ada.id}` && /GitHub Maintainers/.test(json(c.args))));
    const approval = (await pendingApprovalFor(SEED_IDENTITIES.ada.id, 'GitHub Maintainers'));
    expect(approval).toBeDefined();
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: approval!.id }, { responseId: 'ap' });
    await h.responsesTo('ap');

    // ISC's event names the requester: the bot re-reads and tells Ben, once.
    const trigger = (auth?: string, body: unknown = { accessRequestId: 'x', requestedFor: [{ id: SEED_IDENTITIES.ben.id, type: 'IDENTITY' }], decision: 'APPROVED' }) =>
      fetch(`${h.baseUrl}${TRIGGER_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) }, body: JSON.stringify(body) });
    expect((await trigger()).status).toBe(401);
    expect((await trigger('Bearer not-the-secret')).status).toBe(401);
    expect((await trigger(`Bearer ${TRIGGER_SECRET}`)).status).toBe(202);
    const outcome = () => h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === `D${USERS.ben.id}` && /Your request for/.test(json(c.args.blocks)));
    await h.slack.waitFor(() => outcome().length === 1);
    expect(json(outcome()[0].args.blocks)).toMatch(/Your request for \*GitHub Maintainers\* \(access profile\): ✅ Done: the access is granted/);
    expect((await trigger(`Basic ${Buffer.from(`isc:${TRIGGER_SECRET}`).toString('base64')}`)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(outcome()).toHaveLength(1);
  });

  it('/workitems requests lists the caller’s requests; Cancel asks, then cancels in ISC; nobody else may cancel it', async () => {
    await submit(USERS.ben.id, 'VREQ2', formValues({ access: [valueOf('VPN Access')], justification: 'Working from home' }));
    await lastFormText(/Requested: VPN Access/);
    await h.command(USERS.ben.id, 'requests', 'list');
    const [list] = await h.responsesTo('list');
    expect(json(list.blocks)).toMatch(/\*VPN Access\* \(access profile\)\\n⏳ Waiting for approval from Ada Approver · asked \d+ seconds? ago/);
    const cancel = findButton(list.blocks, REQUEST_ACTION.cancel);
    // The Home tab shows the same, beside the inbox.
    await h.event({ type: 'app_home_opened', user: USERS.ben.id, channel: 'D0BEN', tab: 'home', event_ts: '1' });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length > 0);
    const home = h.slack.callsTo('views.publish')[0].args.view as { blocks: Array<Record<string, any>> };
    expect(json(home.blocks)).toMatch(/\*Your access requests\*.*\*VPN Access\* \(access profile\)\\n⏳ Waiting for approval from Ada Approver/);
    expect(findButton(home.blocks, REQUEST_ACTION.cancel).value).toBe(cancel.value);
    expect(findButton(home.blocks, REQUEST_ACTION.open)).toBeDefined();

    // Someone else's click on the same button (a forwarded message, a forged value) is refused.
    const refused = await h.openForm(USERS.ada.id, REQUEST_ACTION.cancel, cancel.value);
    expect(json(refused.view)).toMatch(/You can cancel only the requests you made/);

    const form = await h.openForm(USERS.ben.id, REQUEST_ACTION.cancel, cancel.value);
    expect(form.view.callback_id).toBe(REQUEST_VIEW.cancel);
    await h.submitView(USERS.ben.id, { id: form.id, callback_id: REQUEST_VIEW.cancel, private_metadata: form.view.private_metadata, state: { values: {} } });
    expect(await lastFormText(/Cancelled your request/)).toMatch(/Cancelled your request for VPN Access/);
    const cancels = h.sandbox.stats().mutations.filter((m) => m.path === '/access-requests/v1/cancel');
    expect(cancels).toEqual([expect.objectContaining({ status: 202 })]);
    expect(await pendingApprovalFor(SEED_IDENTITIES.ada.id, 'VPN Access')).toBeUndefined();

    await h.command(USERS.ben.id, 'requests', 'again');
    const [after] = await h.responsesTo('again');
    expect(json(after.blocks)).toMatch(/\*VPN Access\* \(access profile\)\\nCancelled: “Cancelled by the requester in Slack\.”/);
    expect(() => findButton(after.blocks, REQUEST_ACTION.cancel)).toThrow();
  });

  it('the trigger endpoint refuses a body over its limit and answers bad JSON with 400', async () => {
    const post = (body: string) => fetch(`${h.baseUrl}${TRIGGER_PATH}`, { method: 'POST', headers: { Authorization: `Bearer ${TRIGGER_SECRET}` }, body });
    expect((await post('x'.repeat(TRIGGER_BODY_LIMIT + 1))).status).toBe(413);
    expect((await post('{not json')).status).toBe(400);
  });
});

async function pendingApprovalFor(ownerId: string, name: string) {
  const { createIscClient } = await import('../../src/isc/client');
  const isc = createIscClient({ baseUrl: h.sandbox.url, clientId: h.sandbox.clientId, clientSecret: h.sandbox.clientSecret });
  return (await isc.accessRequestApprovals.listPendingApprovals({ ownerId })).items.find((a) => a.name === name);
}
