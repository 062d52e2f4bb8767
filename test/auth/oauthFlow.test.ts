import { randomBytes } from 'node:crypto';
import { mismatchKey } from '../../src/auth/linkedAccounts';
import { OAuthFlow, STATE_TTL_MS } from '../../src/auth/oauthFlow';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { startSandboxTenant, type SandboxTenant } from '../../src/sandbox/tenant';
import { silentLogger } from '../../src/log';
import type { IscIdentityRef } from '../../src/workitems/identityDirectory';
import { stateOnDisk } from '../support/stateOnDisk';
import { linkStore, oauthClient, signIn } from './helpers';

const { ada, ben } = SEED_IDENTITIES;
const REDIRECT = 'https://bot.example.com/oauth/callback';
const DIRECTORY: Record<string, IscIdentityRef> = { U0ADA: { id: ada.id, name: ada.name }, U0BEN: { id: ben.id, name: ben.name } };

let sandbox: SandboxTenant;
beforeAll(async () => {
  sandbox = await startSandboxTenant({ logger: silentLogger });
});
afterAll(() => sandbox.close());

async function setup() {
  const clock = { now: Date.now() };
  const env = await linkStore(clock);
  const flow = new OAuthFlow({
    store: env.store,
    accounts: env.accounts,
    directory: { identityFor: async (slackUserId) => DIRECTORY[slackUserId] ?? null },
    oauth: oauthClient(sandbox),
    loginUrl: sandbox.url,
    redirectUri: REDIRECT,
    logger: env.logger,
    now: () => clock.now,
  });
  /** `/workitems connect`, then the browser signs in as `email`: the query ISC sends back to the callback. */
  const callbackFor = async (slackUserId: string, email: string) => (await signIn(await flow.start(slackUserId), email)).searchParams;
  const tokenRequests = () => sandbox.stats().tokenRequests;
  return { ...env, clock, flow, callbackFor, tokenRequests };
}

it('sends the browser to ISC with the client id, the redirect URL and a fresh random state', async () => {
  const { flow, store, dir } = await setup();
  const first = new URL(await flow.start('U0ADA'));
  const second = new URL(await flow.start('U0ADA'));
  expect(`${first.origin}${first.pathname}`).toBe(`${sandbox.url}/oauth/authorize`);
  expect(Object.fromEntries(first.searchParams)).toEqual({
    client_id: sandbox.oauthClientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    // PKCE: the SHA-256 of a verifier only the bot knows, sent with the code.
    code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    code_challenge_method: 'S256',
  });
  expect(second.searchParams.get('state')).not.toBe(first.searchParams.get('state'));
  expect(second.searchParams.get('code_challenge')).not.toBe(first.searchParams.get('code_challenge'));
  await store.flush();
  // Only a hash of the state is stored: a copy of the file cannot complete the link.
  expect(stateOnDisk(dir)).not.toContain(first.searchParams.get('state'));
});

it('links the Slack user the state was issued to, with the identity ISC says signed in', async () => {
  const { flow, accounts, callbackFor, lines } = await setup();
  const outcome = await flow.complete(await callbackFor('U0ADA', ada.email));
  expect(outcome).toEqual({ status: 'linked', slackUserId: 'U0ADA', identity: DIRECTORY.U0ADA });
  const status = await accounts.status('U0ADA');
  expect(status).toMatchObject({ state: 'linked', identityId: ada.id, identityName: ada.name });
  const tokens = status.state === 'linked' ? await accounts.tokens('U0ADA', status.linkId) : undefined;
  expect(tokens).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), refreshAt: expect.any(Number) });
  for (const line of lines) for (const t of [tokens!.accessToken, tokens!.refreshToken]) expect(line).not.toContain(t);
});

it('rejects a forged, missing or malformed state without calling ISC', async () => {
  const { flow, callbackFor, accounts, tokenRequests } = await setup();
  const genuine = await callbackFor('U0ADA', ada.email);
  const before = tokenRequests();
  for (const state of [randomBytes(32).toString('base64url'), '', 'short', `${genuine.get('state')}x`]) {
    const forged = new URLSearchParams({ code: genuine.get('code')!, state });
    await expect(flow.complete(forged)).resolves.toEqual({ status: 'invalid_state' });
  }
  expect(tokenRequests()).toBe(before);
  await expect(accounts.status('U0ADA')).resolves.toEqual({ state: 'unlinked' });
});

it('uses a state once: a replay, even a concurrent one, is rejected without calling ISC again', async () => {
  const { flow, callbackFor, tokenRequests } = await setup();
  const query = await callbackFor('U0ADA', ada.email);
  const outcomes = await Promise.all([flow.complete(query), flow.complete(query), flow.complete(query)]);
  expect(outcomes.map((o) => o.status).sort()).toEqual(['invalid_state', 'invalid_state', 'linked']);
  const before = tokenRequests();
  await expect(flow.complete(query)).resolves.toEqual({ status: 'invalid_state' });
  expect(tokenRequests()).toBe(before);
});

it('expires a state after 10 minutes', async () => {
  const { flow, clock, callbackFor } = await setup();
  const late = await callbackFor('U0ADA', ada.email);
  const inTime = await callbackFor('U0BEN', ben.email);
  clock.now += STATE_TTL_MS - 1;
  await expect(flow.complete(inTime)).resolves.toMatchObject({ status: 'linked', slackUserId: 'U0BEN' });
  clock.now += 1;
  await expect(flow.complete(late)).resolves.toEqual({ status: 'invalid_state' });
});

it('refuses and records a sign-in as someone else (the state is bound to the Slack user who asked)', async () => {
  const { flow, accounts, callbackFor, store, lines } = await setup();
  // Ben's connect link, opened by Ada (or Ben signing in with Ada's account).
  await expect(flow.complete(await callbackFor('U0BEN', ada.email))).resolves.toEqual({ status: 'mismatch', slackUserId: 'U0BEN', expected: DIRECTORY.U0BEN, signedInIdentityId: ada.id });
  await expect(accounts.status('U0BEN')).resolves.toEqual({ state: 'unlinked' });
  expect(Object.values(await store.getFields(mismatchKey('U0BEN')))).toEqual([expect.objectContaining({ expectedIdentityId: ben.id, signedInIdentityId: ada.id })]);
  expect(lines.join('\n')).toMatch(/WARN Refused to link a Slack user to a different ISC identity/);

  // A Slack user the directory cannot map cannot be checked, so is not linked either.
  await expect(flow.complete(await callbackFor('U0NOBODY', ada.email))).resolves.toMatchObject({ status: 'mismatch', expected: null });
  await expect(accounts.status('U0NOBODY')).resolves.toEqual({ state: 'unlinked' });
});

it('reports a cancelled sign-in and a code ISC refuses, and links nothing', async () => {
  const { flow, accounts, callbackFor } = await setup();
  const cancelled = await signIn(await flow.start('U0ADA'), ada.email, 'cancel');
  expect(cancelled.searchParams.get('error')).toBe('access_denied');
  await expect(flow.complete(cancelled.searchParams)).resolves.toEqual({ status: 'denied', slackUserId: 'U0ADA' });

  const used = await callbackFor('U0ADA', ada.email);
  await flow.complete(used);
  await accounts.unlink('U0ADA');
  const fresh = new URL(await flow.start('U0ADA')).searchParams.get('state')!;
  const outcome = await flow.complete(new URLSearchParams({ code: used.get('code')!, state: fresh }));
  expect(outcome).toMatchObject({ status: 'failed', slackUserId: 'U0ADA', message: expect.stringMatching(/did not accept the sign-in/) });
  await expect(accounts.status('U0ADA')).resolves.toEqual({ state: 'unlinked' });
});
