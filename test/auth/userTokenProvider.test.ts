import { randomBytes } from 'node:crypto';
import { LinkedAccounts } from '../../src/auth/linkedAccounts';
import { OAuthFlow } from '../../src/auth/oauthFlow';
import { TokenCipher } from '../../src/auth/tokenCrypto';
import { ReconnectRequiredError, UserTokenProviders, type OAuthClient } from '../../src/auth/userTokenProvider';
import { createIscClient } from '../../src/isc/client';
import { IscError } from '../../src/isc/errors';
import { SEED_IDENTITIES, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { startSandboxTenant, type Fault, type SandboxTenant } from '../../src/sandbox/tenant';
import { silentLogger } from '../../src/log';
import { deleteKeys, openTestStore, testPrefix } from '../support/redis';
import { linkStore, oauthClient, signIn } from './helpers';

const { ada } = SEED_IDENTITIES;
const USER = 'U0ADA';

let sandbox: SandboxTenant;
let fault: ((req: { method: string; path: string }) => Fault | undefined) | undefined;
beforeAll(async () => {
  sandbox = await startSandboxTenant({ logger: silentLogger, faults: (req) => fault?.(req) });
});
afterAll(() => sandbox.close());
afterEach(() => {
  fault = undefined;
});

/** Ada linked through the real authorization-code flow; providers and a service client on the test's clock. */
async function linked(oauth: OAuthClient = oauthClient(sandbox)) {
  const clock = { now: Date.now() };
  const env = await linkStore(clock);
  const flow = new OAuthFlow({
    ...env,
    directory: { identityFor: async () => ({ id: ada.id, name: ada.name }) },
    oauth: oauthClient(sandbox),
    loginUrl: sandbox.url,
    redirectUri: 'https://bot.example.com/oauth/callback',
    now: () => clock.now,
  });
  await flow.complete((await signIn(await flow.start(USER), ada.email)).searchParams);
  const status = await env.accounts.status(USER);
  if (status.state !== 'linked') throw new Error('not linked');
  const providers = new UserTokenProviders({ accounts: env.accounts, oauth, logger: env.logger, now: () => clock.now });
  const isc = createIscClient({ baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret });
  const stored = async () => env.accounts.tokens(USER, status.linkId);
  const refreshes = () => sandbox.stats().tokenRequests;
  return { ...env, clock, linkId: status.linkId, providers, isc, stored, refreshes, initial: (await stored())! };
}

it('uses the stored token while it is fresh, and ISC sees the linked identity', async () => {
  const { providers, linkId, isc, refreshes, initial } = await linked();
  const before = refreshes();
  const provider = providers.forLink(USER, linkId);
  expect(providers.forLink(USER, linkId)).toBe(provider);
  await expect(provider.getToken()).resolves.toBe(initial.accessToken);
  const item = await isc.withTokenProvider(provider).workItems.getWorkItem(SEED_WORK_ITEMS.adaManualAction);
  expect(item.ownerId).toBe(ada.id);
  expect(refreshes()).toBe(before);
});

it('refreshes once shortly before expiry, however many requests wait, and keeps the rotated tokens', async () => {
  const { providers, linkId, isc, clock, stored, refreshes, initial, accounts, logger } = await linked();
  const provider = providers.forLink(USER, linkId);
  clock.now = initial.refreshAt - 1;
  await expect(provider.getToken()).resolves.toBe(initial.accessToken);

  clock.now = initial.refreshAt;
  fault = (req) => (req.path === '/oauth/token' ? { kind: 'none', delayMs: 150 } : undefined);
  const before = refreshes();
  const client = isc.withTokenProvider(provider);
  const items = await Promise.all(Array.from({ length: 25 }, () => client.workItems.getWorkItem(SEED_WORK_ITEMS.adaManualAction)));
  expect(items).toHaveLength(25);
  expect(refreshes()).toBe(before + 1);

  const rotated = (await stored())!;
  expect(rotated.accessToken).not.toBe(initial.accessToken);
  expect(rotated.refreshToken).not.toBe(initial.refreshToken);
  expect(rotated.refreshAt).toBeGreaterThan(initial.refreshAt);
  // The refresh token is single-use at the sandbox: the old one is dead, so persisting the new one mattered.
  const old = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: sandbox.oauthClientId, client_secret: sandbox.oauthClientSecret, refresh_token: initial.refreshToken }),
  });
  expect(old.status).toBe(400);

  // After a restart (a new provider) the stored, refreshed token is used as it is.
  const restarted = new UserTokenProviders({ accounts, oauth: oauthClient(sandbox), logger, now: () => clock.now }).forLink(USER, linkId);
  const count = refreshes();
  await expect(restarted.getToken()).resolves.toBe(rotated.accessToken);
  expect(refreshes()).toBe(count);
});

it('after a 401 refreshes the token even though the store still calls it fresh, and retries once', async () => {
  const { providers, linkId, isc, refreshes, initial, stored } = await linked();
  let rejected = 0;
  fault = (req) => (req.path.startsWith('/work-items/v1/') && rejected++ === 0 ? { kind: 'status', status: 401 } : undefined);
  const before = refreshes();
  await isc.withTokenProvider(providers.forLink(USER, linkId)).workItems.getWorkItem(SEED_WORK_ITEMS.adaManualAction);
  expect(refreshes()).toBe(before + 1);
  expect((await stored())!.accessToken).not.toBe(initial.accessToken);
});

it('a revoked refresh token: every waiting caller gets ReconnectRequiredError from one refused refresh, and the tokens are forgotten', async () => {
  const { providers, linkId, clock, refreshes, initial, accounts, lines } = await linked();
  sandbox.revokeUserTokens(ada.id);
  clock.now = initial.refreshAt;
  const provider = providers.forLink(USER, linkId);
  const before = refreshes();
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => provider.getToken()));
  expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ReconnectRequiredError)).toBe(true);
  expect(refreshes()).toBe(before + 1);
  await expect(accounts.status(USER)).resolves.toEqual({ state: 'revoked', identityId: ada.id, identityName: ada.name });
  await expect(provider.getToken()).rejects.toBeInstanceOf(ReconnectRequiredError);
  expect(refreshes()).toBe(before + 1);
  expect(lines.join('\n')).toMatch(/WARN ISC refused the refresh token of a linked account/);
  for (const line of lines) expect(line).not.toContain(initial.refreshToken);
});

it('an ISC outage or a misconfigured OAuth client during a refresh fails the call but keeps the link', async () => {
  const { providers, linkId, clock, initial, accounts } = await linked();
  clock.now = initial.refreshAt;
  fault = (req) => (req.path === '/oauth/token' ? { kind: 'status', status: 503 } : undefined);
  await expect(providers.forLink(USER, linkId).getToken()).rejects.toMatchObject({ kind: 'auth', status: 503 });
  fault = undefined;
  await expect(providers.forLink(USER, linkId).getToken()).resolves.not.toBe(initial.accessToken);

  const misconfigured = await linked({ ...oauthClient(sandbox), clientSecret: 'wrong-secret' });
  misconfigured.clock.now = misconfigured.initial.refreshAt;
  const error = await misconfigured.providers.forLink(USER, misconfigured.linkId).getToken().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IscError);
  expect(error).not.toBeInstanceOf(ReconnectRequiredError);
  await expect(misconfigured.accounts.status(USER)).resolves.toMatchObject({ state: 'linked' });
  await expect(accounts.status(USER)).resolves.toMatchObject({ state: 'linked' });
});

it('a reconnect gets a new provider; a disconnect leaves nothing to refresh with', async () => {
  const { providers, linkId, accounts, initial } = await linked();
  const first = providers.forLink(USER, linkId);
  const relinked = await accounts.link(USER, { identityId: ada.id, identityName: ada.name }, initial);
  expect(providers.forLink(USER, relinked)).not.toBe(first);
  await accounts.unlink(USER);
  await expect(providers.forLink(USER, relinked).getToken()).rejects.toBeInstanceOf(ReconnectRequiredError);
});

describe('several replicas on one Redis', () => {
  const prefix = testPrefix('userTokenProvider');
  afterAll(() => deleteKeys(prefix));

  /** Ada linked through the first of `n` replicas sharing one Redis; each replica's accounts and provider. */
  async function replicas(n: number, opts: { refreshLockTtlMs?: number } = {}) {
    const clock = { now: Date.now() };
    const cipher = new TokenCipher(randomBytes(32));
    const stores = await Promise.all(Array.from({ length: n }, () => openTestStore(prefix)));
    const accounts = stores.map((store) => new LinkedAccounts(store, cipher, { now: () => clock.now, ...opts }));
    const flow = new OAuthFlow({
      store: stores[0],
      accounts: accounts[0],
      directory: { identityFor: async () => ({ id: ada.id, name: ada.name }) },
      oauth: oauthClient(sandbox),
      loginUrl: sandbox.url,
      redirectUri: 'https://bot.example.com/oauth/callback',
      logger: silentLogger,
      now: () => clock.now,
    });
    await flow.complete((await signIn(await flow.start(USER), ada.email)).searchParams);
    const status = await accounts[0].status(USER);
    if (status.state !== 'linked') throw new Error('not linked');
    const providers = accounts.map((a) => new UserTokenProviders({ accounts: a, oauth: oauthClient(sandbox), logger: silentLogger, now: () => clock.now }).forLink(USER, status.linkId));
    return { clock, stores, accounts, providers, linkId: status.linkId, close: () => Promise.all(stores.map((s) => s.close())) };
  }

  it('a refresh that outlasts its lock’s ttl keeps the lock: a second replica waits for it instead of reusing the rotated refresh token', async () => {
    const r = await replicas(2, { refreshLockTtlMs: 300 });
    try {
      const initial = (await r.accounts[0].tokens(USER, r.linkId))!;
      r.clock.now = initial.refreshAt;
      fault = (req) => (req.path === '/oauth/token' ? { kind: 'none', delayMs: 1_000 } : undefined);
      const before = sandbox.stats().tokenRequests;
      const first = r.providers[0].getToken();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const second = r.providers[1].getToken();
      const tokens = await Promise.all([first, second]);
      expect(sandbox.stats().tokenRequests).toBe(before + 1);
      expect(tokens[1]).toBe(tokens[0]);
      await expect(r.accounts[1].status(USER)).resolves.toMatchObject({ state: 'linked' });
    } finally {
      await r.close();
    }
  });

  it('a refresh whose tokens were replaced meanwhile (its lock lost) does not overwrite the newer ones: the write is fenced on the refresh token it used', async () => {
    const r = await replicas(1);
    try {
      const initial = (await r.accounts[0].tokens(USER, r.linkId))!;
      r.clock.now = initial.refreshAt;
      const newer = { accessToken: 'newer-access', refreshToken: 'newer-refresh', refreshAt: initial.refreshAt + 3600_000 };
      fault = (req) => {
        if (req.path !== '/oauth/token') return undefined;
        // While this replica's request is at ISC, another one stores tokens it got later.
        void r.accounts[0].updateTokens(USER, r.linkId, newer);
        return { kind: 'none', delayMs: 100 };
      };
      await r.providers[0].getToken();
      expect(await r.accounts[0].tokens(USER, r.linkId)).toEqual(newer);
    } finally {
      await r.close();
    }
  });

  it('refresh a user’s token once between them, however many need it at once, and all get the new one', async () => {
    const r = await replicas(3);
    try {
      const initial = (await r.accounts[1].tokens(USER, r.linkId))!;
      r.clock.now = initial.refreshAt;
      fault = (req) => (req.path === '/oauth/token' ? { kind: 'none', delayMs: 150 } : undefined);
      const before = sandbox.stats().tokenRequests;
      const tokens = await Promise.all(r.providers.flatMap((p) => [p.getToken(), p.getToken()]));
      // The sandbox rotates refresh tokens: a second refresh with the old one would have revoked the link.
      expect(sandbox.stats().tokenRequests).toBe(before + 1);
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).not.toBe(initial.accessToken);
      await expect(r.accounts[0].status(USER)).resolves.toMatchObject({ state: 'linked' });
      expect((await r.accounts[0].tokens(USER, r.linkId))!.accessToken).toBe(tokens[0]);
    } finally {
      await r.close();
    }
  });
});
