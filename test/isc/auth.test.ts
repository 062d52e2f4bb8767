import nock from 'nock';
import { ClientCredentialsTokenProvider, TokenCache } from '../../src/isc/auth';
import { requestSignal, withRequestSignal } from '../../src/isc/deadline';
import { IscError } from '../../src/isc/errors';
import { RawHttp } from '../../src/isc/http';
import { redact } from '../../src/log';
import {
  BASE,
  CLIENT_ID,
  CLIENT_SECRET,
  TOKEN,
  TOKEN_2,
  captureLogger,
  caught,
  expectNoSecrets,
  mockToken,
  testClient,
  useNock,
} from './helpers';

useNock();

function provider(clock = { now: 0 }) {
  const { lines, logger } = captureLogger();
  const tokens = new ClientCredentialsTokenProvider({
    http: new RawHttp({ baseUrl: BASE, timeoutMs: 1_000 }),
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    logger,
    now: () => clock.now,
  });
  return { tokens, clock, lines };
}

test('posts the form-encoded client credentials and caches the token', async () => {
  const scope = mockToken(TOKEN);
  const { tokens, lines } = provider();
  await expect(tokens.getToken()).resolves.toBe(TOKEN);
  await expect(tokens.getToken()).resolves.toBe(TOKEN);
  scope.done();
  expect(lines).toEqual([expect.stringContaining('Obtained an ISC access token {"expiresInS":749}')]);
  lines.forEach(expectNoSecrets);
});

test.each([
  ['749 s: refreshed 60 s early', 749, 689_000],
  ['20 s: refreshed 10 % early', 20, 18_000],
  ['missing: assumed 300 s', undefined, 270_000],
])('expires_in %s', async (_label, expiresIn, refreshAtMs) => {
  nock(BASE).post('/oauth/token').reply(200, { access_token: TOKEN, expires_in: expiresIn });
  const { tokens, clock } = provider({ now: 1_000_000 });
  await tokens.getToken();

  clock.now += refreshAtMs - 1;
  await expect(tokens.getToken()).resolves.toBe(TOKEN);
  clock.now += 1;
  const second = mockToken(TOKEN_2);
  await expect(tokens.getToken()).resolves.toBe(TOKEN_2);
  second.done();
});

test('concurrent callers share one token request', async () => {
  mockToken(TOKEN);
  const { tokens } = provider();
  const all = await Promise.all(Array.from({ length: 50 }, () => tokens.getToken()));
  expect(new Set(all)).toEqual(new Set([TOKEN]));
});

test('50 concurrent API calls make exactly one POST /oauth/token', async () => {
  const tokenScope = mockToken(TOKEN);
  let tokenPosts = 0;
  tokenScope.on('request', () => (tokenPosts += 1));
  const { client } = testClient();
  // Fifty different items: identical reads in flight would share one call.
  nock(BASE).get(/^\/work-items\/v1\/wi\d+$/).times(50).reply(200, { id: 'wi' });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.workItems.getWorkItem(`wi${i}`)));
  expect(results).toHaveLength(50);
  expect(tokenPosts).toBe(1);
  expect(nock.pendingMocks()).toEqual([]);
});

test('invalidate drops the token only while it is still the cached one', async () => {
  mockToken(TOKEN);
  const { tokens } = provider();
  await tokens.getToken();
  tokens.invalidate('some-older-token');
  await expect(tokens.getToken()).resolves.toBe(TOKEN);
  tokens.invalidate(TOKEN);
  mockToken(TOKEN_2);
  await expect(tokens.getToken()).resolves.toBe(TOKEN_2);
});

test('a failed token request is not cached; the next call tries again', async () => {
  nock(BASE).post('/oauth/token').reply(503, 'Service Unavailable');
  const { tokens } = provider();
  const error = (await caught(tokens.getToken())) as IscError;
  expect(error).toMatchObject({ kind: 'auth', status: 503, method: 'POST', path: '/oauth/token' });
  expect(error.userMessage()).toBe(
    'ISC could not issue the bot an access token (503). Try again in a minute; if it persists tell your admin.',
  );
  mockToken(TOKEN);
  await expect(tokens.getToken()).resolves.toBe(TOKEN);
});

test.each([
  [401, { error: 'invalid_client', error_description: 'Bad client credentials' }],
  [400, { error: 'invalid_client' }],
])('a %i from the token endpoint names the credentials, never the secret', async (status, body) => {
  nock(BASE).post('/oauth/token').reply(status, body);
  const { tokens } = provider();
  const error = (await caught(tokens.getToken())) as IscError;
  expect(error).toBeInstanceOf(IscError);
  expect(error).toMatchObject({ kind: 'auth', status, messages: Object.values(body) });
  expect(error.message).toContain(`ISC POST /oauth/token failed [auth; status ${status}]`);
  expect(error.userMessage()).toBe("ISC rejected the bot's client credentials (SAIL_CLIENT_ID / SAIL_CLIENT_SECRET).");
  [JSON.stringify(error), error.message, error.stack ?? '', error.userMessage()].forEach(expectNoSecrets);
});

test('a 200 without access_token is a malformed response', async () => {
  nock(BASE).post('/oauth/token').reply(200, { token_type: 'bearer' });
  await expect(provider().tokens.getToken()).rejects.toMatchObject({ kind: 'malformed', status: 200 });
});

test('the client secret and every token are registered for redaction', async () => {
  mockToken(TOKEN);
  await provider().tokens.getToken();
  expect(redact(`secret=${CLIENT_SECRET} token ${TOKEN}`)).toBe('secret=[redacted] token [redacted]');
});

describe('checkHealth', () => {
  test('ok when a token can be obtained (and reuses it)', async () => {
    const scope = mockToken(TOKEN);
    const { client } = testClient();
    await expect(client.checkHealth()).resolves.toEqual({ ok: true, detail: "ISC accepted the bot's client credentials." });
    await expect(client.checkHealth()).resolves.toMatchObject({ ok: true });
    await expect(client.tokens.getToken()).resolves.toBe(TOKEN);
    scope.done();
  });

  test('not ok when the credentials are rejected: the public detail says nothing of why, the log does, and the failure is remembered for 30 s', async () => {
    let now = Date.UTC(2026, 0, 15, 12, 0, 0);
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const token = nock(BASE).post('/oauth/token').times(2).reply(401, { error: 'invalid_client', error_description: 'Bad client credentials' });
    const { client, lines } = testClient();
    const health = await client.checkHealth();
    expect(health).toEqual({ ok: false, detail: "ISC is not available to the bot; the bot's log says why." });
    expect(JSON.stringify(health)).not.toMatch(/client credentials|SAIL_|invalid_client|401/);
    expect(lines).toEqual([expect.stringMatching(/WARN ISC health check failed.*ISC rejected the bot's client credentials/)]);
    lines.forEach(expectNoSecrets);

    // Probes within 30 s get the remembered answer: no token request that could get the client id throttled.
    now += 29_000;
    await Promise.all([client.checkHealth(), client.checkHealth()]).then((all) => all.forEach((h) => expect(h.ok).toBe(false)));
    expect(token.pendingMocks()).toHaveLength(1);
    expect(lines).toHaveLength(1);
    now += 2_000;
    expect((await client.checkHealth()).ok).toBe(false);
    token.done();
    jest.restoreAllMocks();
  });
});

describe('TokenCache', () => {
  test('the one fetch every caller shares runs free of the bounds of the caller that started it', async () => {
    const stop = new AbortController();
    const seen: Array<AbortSignal | undefined> = [];
    let release!: () => void;
    const cache = new TokenCache(async () => {
      seen.push(requestSignal());
      await new Promise<void>((r) => (release = r));
      return { token: 'tok', refreshAt: Number.POSITIVE_INFINITY };
    }, () => 0);
    const first = withRequestSignal(stop.signal, () => cache.get());
    const second = cache.get();
    stop.abort();
    release();
    await expect(first).resolves.toBe('tok');
    await expect(second).resolves.toBe('tok');
    expect(seen).toEqual([undefined]);
  });
});
