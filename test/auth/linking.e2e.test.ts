import { randomBytes } from 'node:crypto';
import { LinkedAccounts, mismatchKey } from '../../src/auth/linkedAccounts';
import { TokenCipher } from '../../src/auth/tokenCrypto';
import { ACTION, GA_ACTION, VIEW } from '../../src/blocks/actions';
import { REQUEST_ACTION, REQUEST_FIELDS, REQUEST_VIEW, requestableValue } from '../../src/blocks/requestAccess';
import { SANDBOX_REQUESTABLES } from '../../src/sandbox/accessRequests';
import { SEED_APPROVAL_ITEMS as A, SEED_IDENTITIES, SEED_WORK_ITEMS as W } from '../../src/sandbox/seed';
import type { FileStateStore } from '../../src/store/fileStore';
import { forwardFormValues, startHarness, TOKEN_ENCRYPTION_KEY, USERS, type Harness } from '../support/botHarness';
import { stateOnDisk } from '../support/stateOnDisk';
import { signIn } from './helpers';

// Account linking end to end: the real bot over HTTP (AUTH_MODE linked / linked-required), the sandbox
// tenant's sign-in page and token endpoint, a loopback Slack, and fetch playing the browser.

const { ada, ben, service } = SEED_IDENTITIES;
let h: Harness;
let seq = 0;
afterEach(() => h.close());

const json = (v: unknown) => JSON.stringify(v);
const mutations = () => h.sandbox.stats().mutations;
const tokenRequests = () => h.sandbox.stats().tokenRequests;

async function responsesTo(id: string, count = 1): Promise<Array<Record<string, any>>> {
  await h.slack.waitFor(() => h.slack.responses.filter((r) => r.id === id).length >= count);
  return h.slack.responses.filter((r) => r.id === id).map((r) => r.body);
}

async function command(userId: string, text: string): Promise<Record<string, any>> {
  const id = `cmd-${++seq}`;
  await h.command(userId, text, id);
  return (await responsesTo(id))[0];
}

/** A button click on a message card; the one reply it gets. */
async function click(userId: string, actionId: string, value: Record<string, string>): Promise<Record<string, any>> {
  const id = `click-${++seq}`;
  await h.click(userId, actionId, value, { responseId: id });
  return (await responsesTo(id))[0];
}

/** `/workitems connect`, then the browser: the Connect button's URL, ISC's sign-in page as `email`, back to the bot's callback. */
async function connect(userId: string, email: string) {
  const reply = await command(userId, 'connect');
  const button = (reply.blocks as Array<Record<string, any>>).flatMap((b) => b.elements ?? []).find((e) => e.action_id === ACTION.connect);
  const callback = await signIn(button.url, email);
  const res = await fetch(callback, { redirect: 'manual' });
  return { reply, authorizeUrl: new URL(button.url), callback, status: res.status, page: await res.text() };
}

const dmsTo = (userId: string) => h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === `D${userId}`).map((c) => String(c.args.text));

/** Opens Forward / Select accounts on a card, submits the modal with `values(filledView)` and waits for `done`. */
async function submitModal(userId: string, actionId: string, callbackId: string, w: string, values: (view: Record<string, any>) => Record<string, unknown>, done: string) {
  const opened = h.slack.callsTo('views.update').length;
  await h.click(userId, actionId, { w }, { responseId: `open-${++seq}` });
  await h.slack.waitFor(() => h.slack.callsTo('views.update').length > opened);
  const filled = h.slack.callsTo('views.update')[opened].args.view as Record<string, any>;
  await h.submitView(userId, { id: 'V1', callback_id: callbackId, private_metadata: filled.private_metadata, state: { values: values(filled) } });
  // The form closes; the redrawn card (or a DM when it cannot be reached) says how it ended.
  await h.slack.waitFor(() => [...h.slack.responses.map((r) => json(r.body)), ...h.slack.callsTo('chat.postMessage').map((c) => json(c.args))].some((t) => t.includes(done)));
}

describe('AUTH_MODE=linked', () => {
  beforeEach(async () => {
    h = await startHarness({ AUTH_MODE: 'linked' });
  });

  it('connects through ISC’s sign-in, DMs "Connected as …", shows it in help and Home, and keeps the tokens encrypted and out of the logs', async () => {
    const { reply, authorizeUrl, callback, status, page } = await connect(USERS.ada.id, ada.email);
    expect(reply.response_type).toBe('ephemeral');
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${h.sandbox.url}/oauth/authorize`);
    expect(authorizeUrl.searchParams.get('client_id')).toBe(h.sandbox.oauthClientId);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${h.baseUrl}/oauth/callback`);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${h.baseUrl}/oauth/callback`);
    expect(status).toBe(200);
    expect(page).toContain(`Connected to ISC as ${ada.name}`);
    expect(dmsTo(USERS.ada.id)).toEqual([expect.stringContaining(`Connected as ${ada.name}`)]);

    expect(json((await command(USERS.ada.id, 'help')).blocks)).toContain(`Connected to ISC as ${ada.name}`);
    await h.event({ type: 'app_home_opened', user: USERS.ada.id, channel: 'D0ADA', tab: 'home', event_ts: '1.0' });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length === 1);
    // Connected: nothing for Ada to do, so the Home tab leaves it to /workitems help (above).
    expect(json(h.slack.callsTo('views.publish')[0].args)).not.toContain('Connected to ISC');

    // The tokens, as only the key opens them: neither is in the store file nor in any log line.
    await (h.bot.store as FileStateStore).flush();
    const accounts = new LinkedAccounts(h.bot.store, new TokenCipher(Buffer.from(TOKEN_ENCRYPTION_KEY, 'base64')));
    const link = await accounts.status(USERS.ada.id);
    const tokens = link.state === 'linked' ? await accounts.tokens(USERS.ada.id, link.linkId) : undefined;
    const file = stateOnDisk(h.dataDir);
    const logs = h.logs.join('\n');
    for (const secret of [tokens!.accessToken, tokens!.refreshToken, h.sandbox.oauthClientSecret]) {
      expect(file).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }

    // The callback URL, replayed (a browser's history, a proxy log): refused, and no code exchanged again.
    const before = tokenRequests();
    const replay = await fetch(callback, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('expired or was already used');
    expect(tokenRequests()).toBe(before);
  });

  it('runs each action with the linked user’s own token, the unlinked through the service identity, and never one user as another', async () => {
    await connect(USERS.ada.id, ada.email);
    await connect(USERS.ben.id, ben.email);
    const benItem = 'b0000000000000000000000000000001';
    h.sandbox.addWorkItem({ id: benItem, ownerId: ben.id, name: 'Confirm the badge was returned', type: 'ManualAction', approvalItems: [] });

    await click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle });
    await click(USERS.ada.id, ACTION.reject, { w: W.adaMultiApproval, a: A.adaMulti[0] });
    await click(USERS.ada.id, ACTION.approveAll, { w: W.adaMultiApproval });
    await click(USERS.ada.id, ACTION.complete, { w: W.adaManualAction });
    const forward = () => forwardFormValues(USERS.ben.id, 'Ben owns this app');
    await submitModal(USERS.ada.id, ACTION.forward, VIEW.forward, W.adaRemediation, forward, 'Forwarded to');
    await click(USERS.ben.id, ACTION.complete, { w: benItem });
    // Ben on Ada's item: refused by the bot before ISC is asked anything.
    expect((await click(USERS.ben.id, ACTION.approve, { w: W.adaHostile, a: A.adaHostile })).text).toMatch(/current owner/);
    // The admin has not connected: deciding someone else's item is only done with their own token, so ISC's record names them.
    expect((await click(USERS.admin.id, ACTION.approve, { w: W.managerApproval, a: A.managerApproval })).text).toMatch(
      /done in ISC as you.*\/workitems connect.*Nothing was changed in ISC/,
    );

    expect(mutations().map((m) => [m.workItemId, m.status, m.identityId])).toEqual([
      [W.adaSingleApproval, 200, ada.id],
      [W.adaMultiApproval, 200, ada.id],
      [W.adaMultiApproval, 200, ada.id],
      [W.adaManualAction, 200, ada.id],
      [W.adaRemediation, 200, ada.id],
      [benItem, 200, ben.id],
    ]);
  });

  it('a linked requester asks for access as themselves; for someone else ISC decides (its 403 is shown, nothing is requested)', async () => {
    await connect(USERS.ben.id, ben.email);
    await h.command(USERS.ben.id, 'request vpn', `cmd-${++seq}`);
    await h.slack.waitFor(() => h.slack.callsTo('views.update').length > 0);
    const form = h.slack.callsTo('views.update')[0].args.view as Record<string, any>;
    // A linked requester gets the For picker, set to themselves.
    expect(form.blocks.find((b: Record<string, any>) => b.block_id === REQUEST_FIELDS.forBlock).element).toMatchObject({ type: 'users_select', initial_user: USERS.ben.id });
    const vpn = SANDBOX_REQUESTABLES.find((r) => r.name === 'VPN Access')!;
    const values = (forUser: string) => ({
      [REQUEST_FIELDS.accessBlock]: { [REQUEST_ACTION.access]: { type: 'multi_external_select', selected_options: [{ value: requestableValue({ type: vpn.type!, id: vpn.id! }) }] } },
      [REQUEST_FIELDS.justificationBlock]: { [REQUEST_FIELDS.justificationAction]: { type: 'plain_text_input', value: 'Remote work' } },
      [REQUEST_FIELDS.forBlock]: { [REQUEST_FIELDS.forAction]: { type: 'users_select', selected_user: forUser } },
    });
    await h.submitView(USERS.ben.id, { id: 'VFOR', callback_id: REQUEST_VIEW.request, private_metadata: form.private_metadata, state: { values: values(USERS.ada.id) } });
    // ISC (not the bot) decides whether Ben may ask for Ada: the sandbox says no, and that is shown.
    await h.slack.waitFor(() => h.slack.callsTo('views.update').some((c) => json(c.args).includes(`ISC does not let you request this for <@${USERS.ada.id}>`)));
    expect(mutations().filter((m) => m.path === '/access-requests/v1')).toEqual([expect.objectContaining({ status: 403, identityId: ben.id })]);
    await h.submitView(USERS.ben.id, { id: 'VSELF', callback_id: REQUEST_VIEW.request, private_metadata: form.private_metadata, state: { values: values(USERS.ben.id) } });
    await h.slack.waitFor(() => h.slack.callsTo('views.update').some((c) => json(c.args).includes('Requested: VPN Access')));
    expect(mutations().filter((m) => m.path === '/access-requests/v1' && m.status === 202)).toEqual([expect.objectContaining({ identityId: ben.id })]);
  });

  it('submits an account selection with the linked user’s token', async () => {
    await connect(USERS.ada.id, ada.email);
    const firstOption = (view: Record<string, any>) => {
      const values: Record<string, Record<string, unknown>> = {};
      for (const input of (view.blocks as Array<Record<string, any>>).filter((b) => b.type === 'input')) {
        const el = input.element as Record<string, any>;
        values[input.block_id] = {
          [el.action_id]: el.type === 'static_select' ? { type: 'static_select', selected_option: (el.options ?? el.option_groups[0].options)[0] } : { type: 'plain_text_input', value: 'acct-1' },
        };
      }
      return values;
    };
    await submitModal(USERS.ada.id, ACTION.selectAccounts, VIEW.selectAccounts, W.adaAccountSelection, firstOption, 'Accounts submitted');
    expect(mutations().map((m) => [m.workItemId, m.identityId])).toEqual([[W.adaAccountSelection, ada.id]]);
  });

  it('a linked bot admin acts on someone else’s item as themselves, so ISC’s own permission check decides (403)', async () => {
    await connect(USERS.admin.id, USERS.admin.email);
    const reply = await click(USERS.admin.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle, u: USERS.ada.id });
    expect(reply.text).toMatch(/403/);
    const adminIdentity = h.sandbox.identityForEmail(USERS.admin.email).id;
    expect(mutations().map((m) => [m.status, m.identityId])).toEqual([[403, adminIdentity]]);
    expect(h.sandbox.getWorkItemState(W.adaSingleApproval)?.state).toBe('Pending');
  });

  it('refuses a forged state without calling ISC, and a sign-in as someone else (recorded, DM’d, not linked)', async () => {
    const before = tokenRequests();
    const forged = await fetch(`${h.baseUrl}/oauth/callback?code=stolen&state=${randomBytes(32).toString('base64url')}`);
    expect(forged.status).toBe(400);
    expect(tokenRequests()).toBe(before);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);

    const { status, page } = await connect(USERS.ada.id, ben.email);
    expect(status).toBe(403);
    // The tokens ISC issued for that sign-in are revoked at ISC, not just left unused.
    expect(h.sandbox.liveUserTokens(ben.id)).toBe(0);
    expect(h.sandbox.stats().requests['POST /oauth/revoke']).toBe(2);
    expect(page).toContain('someone other than');
    expect(dmsTo(USERS.ada.id)).toEqual([expect.stringContaining(`Not connected: you signed in to ISC as someone other than ${ada.name}`)]);
    expect(Object.keys(await h.bot.store.getFields(mismatchKey(USERS.ada.id)))).toHaveLength(1);
    expect(h.logs.join('\n')).toMatch(/WARN Refused to link a Slack user to a different ISC identity/);
    expect(json((await command(USERS.ada.id, 'help')).blocks)).toContain('Run `/workitems connect` to act as yourself');
  });

  it('a revoked refresh token: one clear reconnect message per click, nothing executed as anyone, until the user reconnects', async () => {
    await connect(USERS.ada.id, ada.email);
    h.sandbox.revokeUserTokens(ada.id);
    const value = { w: W.adaSingleApproval, a: A.adaSingle };

    const first = await click(USERS.ada.id, ACTION.approve, value);
    expect(first.text).toMatch(/no longer accepts your connected account.*nothing was changed in ISC.*\/workitems connect/);
    const afterFirst = tokenRequests();
    const second = await click(USERS.ada.id, ACTION.approve, value);
    expect(second.text).toBe(first.text);
    expect(tokenRequests()).toBe(afterFirst);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.responses.filter((r) => r.id.startsWith('click-'))).toHaveLength(2);
    expect(mutations()).toHaveLength(0);
    expect(h.sandbox.getWorkItemState(W.adaSingleApproval)?.state).toBe('Pending');
    expect(json((await command(USERS.ada.id, 'help')).blocks)).toContain('revoked or has expired');

    await connect(USERS.ada.id, ada.email);
    expect(json((await click(USERS.ada.id, ACTION.approve, value)).blocks)).toMatch(/Approved by/);
    expect(mutations().map((m) => m.identityId)).toEqual([ada.id]);
  });

  it('/workitems disconnect deletes the tokens and revokes them at ISC; the user then acts through the service identity', async () => {
    await connect(USERS.ada.id, ada.email);
    const accounts = new LinkedAccounts(h.bot.store, new TokenCipher(Buffer.from(TOKEN_ENCRYPTION_KEY, 'base64')));
    const link = await accounts.status(USERS.ada.id);
    const tokens = link.state === 'linked' ? await accounts.tokens(USERS.ada.id, link.linkId) : undefined;
    expect(h.sandbox.liveUserTokens(ada.id)).toBe(2);
    expect((await command(USERS.ada.id, 'disconnect')).text).toMatch(/Disconnected: the bot deleted your ISC tokens and ISC revoked them/);
    // A copy of the tokens (a backup of DATA_DIR) no longer works at ISC.
    expect(h.sandbox.liveUserTokens(ada.id)).toBe(0);
    const refresh = await fetch(`${h.sandbox.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens!.refreshToken, client_id: h.sandbox.oauthClientId, client_secret: h.sandbox.oauthClientSecret }),
    });
    expect(refresh.status).toBe(400);
    expect((await fetch(`${h.sandbox.url}/v3/work-items`, { headers: { Authorization: `Bearer ${tokens!.accessToken}` } })).status).toBe(401);
    expect((await command(USERS.ada.id, 'disconnect')).text).toMatch(/was not connected/);
    expect(await h.bot.store.get(`linked-account:${USERS.ada.id}`)).toBeUndefined();
    await click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle });
    expect(mutations().map((m) => m.identityId)).toEqual([service.id]);
  });

  it('after the state store lost its state, a user whose link vanished is asked to connect again instead of acting as the service identity, until they reconnect or confirm with disconnect', async () => {
    await connect(USERS.ada.id, ada.email);
    // What an emptied Redis leaves: the link and the sentinel gone (the subscriptions with them).
    for (const key of [`linked-account:${USERS.ada.id}`, 'state:sentinel']) await h.bot.store.delete(key);
    const refused = await click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle });
    expect(refused.text).toBe(
      "⚠️ The bot's state store lost its state, so the bot no longer knows whether you had connected your ISC account. So that nothing is done in ISC as the bot's service identity by mistake, run `/workitems connect` to connect again, or `/workitems disconnect` to go on without a connection. Nothing was changed in ISC.",
    );
    expect(mutations()).toEqual([]);
    // Connecting again: actions are Ada's own again.
    await connect(USERS.ada.id, ada.email);
    await click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle });
    expect(mutations().map((m) => m.identityId)).toEqual([ada.id]);
    // Ben never connected: after the loss he is asked too, and his disconnect confirms the service identity may act for him.
    const benItem = 'b0000000000000000000000000000002';
    h.sandbox.addWorkItem({ id: benItem, ownerId: ben.id, name: 'Confirm the badge was returned', type: 'ManualAction', approvalItems: [] });
    expect((await click(USERS.ben.id, ACTION.complete, { w: benItem })).text).toMatch(/lost its state/);
    expect((await command(USERS.ben.id, 'disconnect')).text).toMatch(/was not connected.*acts for you in ISC with its own service identity/s);
    await click(USERS.ben.id, ACTION.complete, { w: benItem });
    expect(mutations().map((m) => m.identityId)).toEqual([ada.id, service.id]);
  });

  it('an approval that needs both its approvers: Ada’s click decides only her own seat, as herself, and it still waits on Ben until he decides his', async () => {
    const person = (p: { id: string; name: string; email: string }) => ({ identityID: p.id, type: 'IDENTITY' as const, name: p.name, email: p.email });
    const q = h.sandbox.addGenericApproval({
      approvers: [person(ben), person(ada)],
      requester: person(SEED_IDENTITIES.manager),
      name: [{ locale: 'en-US', value: 'Firewall change (two approvers)' }],
      approvalCriteria: { type: 'PARALLEL', approval: { calculationType: 'COUNT', value: 2 }, rejection: { calculationType: 'COUNT', value: 1 } },
    });
    const state = () => h.sandbox.getGenericApprovalState(q.id!)!;
    // Unconnected, Ada is asked to connect: the service identity would take Ben's seat (the first).
    expect((await click(USERS.ada.id, GA_ACTION.approve, { i: q.id! })).text).toMatch(/2 approvers.*Run `\/workitems connect`/);
    expect(mutations()).toEqual([]);
    await connect(USERS.ada.id, ada.email);
    await click(USERS.ada.id, GA_ACTION.approve, { i: q.id! });
    expect(mutations().map((m) => m.identityId)).toEqual([ada.id]);
    expect(state().completedDate).toBeUndefined();
    expect(state().approvedBy?.map((r) => r.identityID)).toEqual([ada.id]);
    expect(state().assignedTo?.map((i) => i.identityID)).toEqual([ben.id]);
    // The second approver is still needed, and decides as himself.
    await connect(USERS.ben.id, ben.email);
    await click(USERS.ben.id, GA_ACTION.approve, { i: q.id! });
    expect(state().completedDate).toBeDefined();
    expect(state().approvedBy?.map((r) => r.identityID)).toEqual([ada.id, ben.id]);
  });

  it('disconnect says so when ISC does not confirm the revocation, and the tokens are gone from the bot all the same', async () => {
    await connect(USERS.ada.id, ada.email);
    h.fault = (req) => (req.path === '/oauth/revoke' ? { kind: 'status', status: 500 } : undefined);
    const reply = await command(USERS.ada.id, 'disconnect');
    expect(reply.text).toMatch(/deleted your ISC tokens, but ISC did not confirm revoking them/);
    expect(await h.bot.store.get(`linked-account:${USERS.ada.id}`)).toBeUndefined();
    expect(h.logs.join('\n')).toMatch(/WARN ISC did not confirm the revocation of a linked account token/);
  });
});

describe('AUTH_MODE=linked-required', () => {
  beforeEach(async () => {
    h = await startHarness({ AUTH_MODE: 'linked-required' });
  });

  it('an unlinked user can read but must connect before acting', async () => {
    // Reading needs no link: the list shows her queue (her most urgent items first) with its buttons.
    expect(json((await command(USERS.ada.id, '')).blocks)).toMatch(/Waiting on you in ISC.*Showing 1–10 of 15/);
    expect(json((await command(USERS.ada.id, 'help')).blocks)).toContain('before acting on work items');
    const refused = await click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle });
    expect(refused.text).toMatch(/\/workitems connect.*Nothing was changed in ISC/);
    expect(mutations()).toHaveLength(0);

    await connect(USERS.ada.id, ada.email);
    expect(json((await click(USERS.ada.id, ACTION.approve, { w: W.adaSingleApproval, a: A.adaSingle })).blocks)).toMatch(/Approved by/);
    expect(mutations().map((m) => m.identityId)).toEqual([ada.id]);
  });
});

describe('AUTH_MODE=service (the default)', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  it('says linking is off, serves no callback, and names the service identity in help', async () => {
    expect((await command(USERS.ada.id, 'connect')).text).toMatch(/Account linking is off/);
    expect((await fetch(`${h.baseUrl}/oauth/callback?code=x&state=y`)).status).toBe(404);
    const help = json((await command(USERS.ada.id, 'help')).blocks);
    expect(help).toContain('under its own account');
    expect(help).not.toContain('/workitems connect');
  });
});
