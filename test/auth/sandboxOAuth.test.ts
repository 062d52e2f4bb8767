import { newCodeVerifier, pkceChallenge } from '../../src/auth/pkce';
import { silentLogger } from '../../src/log';
import { SEED_APPROVAL_ITEMS, SEED_IDENTITIES, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { startSandboxTenant, type SandboxTenant } from '../../src/sandbox/tenant';
import { signIn } from './helpers';

// The sandbox's authorization-code flow, over HTTP as a browser and the bot use it.

const { ada, ben } = SEED_IDENTITIES;
const REDIRECT = 'https://bot.example.com/oauth/callback?keep=1';
let clock = Date.now();
let sandbox: SandboxTenant;
beforeAll(async () => {
  sandbox = await startSandboxTenant({ logger: silentLogger, now: () => new Date(clock) });
});
afterAll(() => sandbox.close());

const authorizeUrl = (params: Record<string, string> = {}) =>
  `${sandbox.url}/oauth/authorize?${new URLSearchParams({ client_id: sandbox.oauthClientId, response_type: 'code', redirect_uri: REDIRECT, state: 'st-1', ...params })}`;

function token(fields: Record<string, string>) {
  return fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: sandbox.oauthClientId, client_secret: sandbox.oauthClientSecret, ...fields }),
  });
}

async function exchange(email: string) {
  const back = await signIn(authorizeUrl(), email);
  const res = await token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string; identity_id: string; expires_in: number };
}

const api = (path: string, accessToken: string, method = 'GET') => fetch(`${sandbox.url}${path}`, { method, headers: { Authorization: `Bearer ${accessToken}` } });

it('redirects back to redirect_uri (its own query kept) with a code and the state', async () => {
  const back = await signIn(authorizeUrl(), ada.email);
  expect(`${back.origin}${back.pathname}`).toBe('https://bot.example.com/oauth/callback');
  expect(back.searchParams.get('keep')).toBe('1');
  expect(back.searchParams.get('state')).toBe('st-1');
  expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{32}$/);
  const cancelled = await signIn(authorizeUrl(), ada.email, 'cancel');
  expect(Object.fromEntries(cancelled.searchParams)).toEqual({ keep: '1', error: 'access_denied', state: 'st-1' });
});

it('refuses an unknown client, a wrong response_type or redirect_uri, and escapes what it echoes', async () => {
  const bad: Array<Record<string, string>> = [{ client_id: 'nope' }, { response_type: 'token' }, { redirect_uri: 'javascript:alert(1)' }, { redirect_uri: '/relative' }];
  for (const params of bad) {
    const res = await fetch(authorizeUrl(params), { redirect: 'manual' });
    expect(res.status).toBe(400);
  }
  const page = await (await fetch(authorizeUrl({ state: '"><script>alert(1)</script>' }))).text();
  expect(page).not.toContain('<script>');
  expect(page).toContain('&quot;&gt;&lt;script&gt;');
});

it('exchanges a code once, only with the same redirect_uri and the OAuth client, within a minute', async () => {
  const codeFor = async () => (await signIn(authorizeUrl(), ada.email)).searchParams.get('code')!;
  const code = await codeFor();
  expect((await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://elsewhere.example/cb' })).status).toBe(400);
  // A failed attempt burns the code too.
  expect((await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).status).toBe(400);

  const bad = await token({ grant_type: 'authorization_code', code: await codeFor(), redirect_uri: REDIRECT, client_secret: 'wrong' });
  expect(bad.status).toBe(401);
  expect(await bad.json()).toMatchObject({ error: 'invalid_client' });

  const late = await codeFor();
  clock += 60_001;
  const expired = await token({ grant_type: 'authorization_code', code: late, redirect_uri: REDIRECT });
  expect(expired.status).toBe(400);
  expect(await expired.json()).toMatchObject({ error: 'invalid_grant' });
});

it('with PKCE (S256), exchanges a code only with the verifier of its challenge', async () => {
  const verifier = newCodeVerifier();
  const codeFor = async () => (await signIn(authorizeUrl({ code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256' }), ada.email)).searchParams.get('code')!;
  const exchange = (code: string, extra: Record<string, string>) => token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...extra });
  for (const extra of [{}, { code_verifier: newCodeVerifier() }, { code_verifier: pkceChallenge(verifier) }] as Array<Record<string, string>>) {
    const refused = await exchange(await codeFor(), extra);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
  }
  expect((await exchange(await codeFor(), { code_verifier: verifier })).status).toBe(200);
  // Only S256, and only a well-formed challenge.
  const bad: Array<Record<string, string>> = [{ code_challenge: pkceChallenge(verifier), code_challenge_method: 'plain' }, { code_challenge: pkceChallenge(verifier) }, { code_challenge: 'short', code_challenge_method: 'S256' }];
  for (const params of bad) {
    expect((await fetch(authorizeUrl(params), { redirect: 'manual' })).status).toBe(400);
  }
});

it("issues tokens bound to the identity that signed in, which ISC's own checks then apply to", async () => {
  const adaTokens = await exchange(ada.email);
  expect(adaTokens).toMatchObject({ identity_id: ada.id, expires_in: 749, refresh_token: expect.any(String) });
  const benTokens = await exchange(ben.email);

  expect((await api(`/v3/work-items?ownerId=${ben.id}`, adaTokens.access_token)).status).toBe(403);
  expect((await api(`/v3/work-items/${SEED_WORK_ITEMS.adaSingleApproval}`, benTokens.access_token)).status).toBe(403);
  const path = `/v3/work-items/${SEED_WORK_ITEMS.adaSingleApproval}/approve/${SEED_APPROVAL_ITEMS.adaSingle}`;
  expect((await api(path, benTokens.access_token, 'POST')).status).toBe(403);
  expect((await api(path, adaTokens.access_token, 'POST')).status).toBe(200);
  expect(sandbox.stats().mutations.slice(-2).map((m) => [m.status, m.identityId])).toEqual([
    [403, ben.id],
    [200, ada.id],
  ]);
});

it('rotates refresh tokens, keeps the client-credentials client apart, and revokes a user on demand', async () => {
  const first = await exchange(ada.email);
  const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
  const second = (await refreshed.json()) as { access_token: string; refresh_token: string; identity_id: string };
  expect(second.identity_id).toBe(ada.id);
  expect(second.refresh_token).not.toBe(first.refresh_token);
  expect((await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })).status).toBe(400);
  const crossed = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sandbox.oauthClientId, client_secret: sandbox.oauthClientSecret }),
  });
  expect(crossed.status).toBe(401);

  const svc = (await (
    await fetch(`${sandbox.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: sandbox.clientSecret }),
    })
  ).json()) as { access_token: string };
  sandbox.revokeUserTokens(ada.id);
  expect((await api('/v3/work-items', second.access_token)).status).toBe(401);
  expect((await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token })).status).toBe(400);
  expect((await api(`/v3/work-items?ownerId=${ada.id}`, svc.access_token)).status).toBe(200);
});

it('revokes a token the OAuth client asks it to (RFC 7009): a refresh token takes the access tokens of its sign-in with it', async () => {
  const revoke = (fields: Record<string, string>) =>
    fetch(`${sandbox.url}/oauth/revoke`, { method: 'POST', body: new URLSearchParams({ client_id: sandbox.oauthClientId, client_secret: sandbox.oauthClientSecret, ...fields }) });
  const kept = await exchange(ben.email);
  const first = await exchange(ada.email);
  const refreshed = (await (await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })).json()) as { access_token: string; refresh_token: string };
  expect(sandbox.liveUserTokens(ada.id)).toBeGreaterThanOrEqual(3);

  expect((await revoke({ token: refreshed.refresh_token, token_type_hint: 'refresh_token' })).status).toBe(200);
  expect((await token({ grant_type: 'refresh_token', refresh_token: refreshed.refresh_token })).status).toBe(400);
  for (const access of [first.access_token, refreshed.access_token]) expect((await api('/v3/work-items', access)).status).toBe(401);
  expect(sandbox.liveUserTokens(ada.id)).toBe(0);
  // Another sign-in is untouched; an access token alone can be revoked; unknown tokens are fine; other clients are not.
  expect((await api('/v3/work-items', kept.access_token)).status).toBe(200);
  expect((await revoke({ token: kept.access_token })).status).toBe(200);
  expect((await api('/v3/work-items', kept.access_token)).status).toBe(401);
  expect((await token({ grant_type: 'refresh_token', refresh_token: kept.refresh_token })).status).toBe(200);
  expect((await revoke({ token: 'never-issued' })).status).toBe(200);
  const other = await fetch(`${sandbox.url}/oauth/revoke`, { method: 'POST', body: new URLSearchParams({ client_id: sandbox.clientId, client_secret: sandbox.clientSecret, token: kept.refresh_token }) });
  expect(other.status).toBe(401);
});
