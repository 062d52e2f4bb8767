import { ACTION } from '../../src/blocks/actions';
import * as log from '../../src/log';
import { BOT_TOKEN, findButton, SIGNING_SECRET, startHarness, TOKEN_ENCRYPTION_KEY, USERS } from '../support/botHarness';
import { pgFixture } from '../support/postgres';
import { deleteKeys, testPrefix, TEST_REDIS_URL } from '../support/redis';

// The real bot in both log formats, on Redis reached with a password and with account linking on, driven
// through a command, clicks, the Home tab and an ISC 401; then the lines a careless caller could write
// (secrets in messages, fields, nested objects, stacks, headers and form bodies, through Bolt's logger
// too). Not one line of either format may hold a secret.

const prefix = testPrefix('secretsInLogs');
afterAll(() => deleteKeys(prefix));
// ioredis' console warning that the test Redis needs no password (it ignores the one given).
beforeAll(() => {
  const warn = console.warn;
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes('does not require a password')) warn(...args);
  });
});
afterAll(() => jest.restoreAllMocks());
const REDIS_PASSWORD = 'redis-Pa55word-7e1d';
// PostgreSQL's trust auth takes any password, so the trail works with one in its URL.
const PG_PASSWORD = 'pg-Pa55word-4c2a';
const pg = pgFixture('secretsInLogs');
const databaseUrl = () => {
  const url = new URL(pg.url);
  url.password = PG_PASSWORD;
  return url.toString();
};
/** TOKEN_ENCRYPTION_KEYS beside the harness's single TOKEN_ENCRYPTION_KEY: every one is a secret. */
const ROTATED_KEYS = [Buffer.alloc(32, 0x2b).toString('base64'), Buffer.alloc(32, 0x1c).toString('base64')];
const redisUrl = () => {
  const url = new URL(TEST_REDIS_URL);
  url.password = REDIS_PASSWORD;
  return url.toString();
};

it.each(['text', 'json'] as const)('LOG_FORMAT=%s: no secret in any line, every line well formed', async (format) => {
  const issued = jest.spyOn(log, 'registerRotatingSecret');
  const h = await startHarness({ LOG_FORMAT: format, REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: `${prefix}${format}:`, AUTH_MODE: 'linked', DATABASE_URL: databaseUrl(), TOKEN_ENCRYPTION_KEYS: `k2:${ROTATED_KEYS[0]},k1:${ROTATED_KEYS[1]}` });
  let accessTokens: string[] = [];
  try {
    let refused = 0;
    h.fault = (req) => (req.path === '/work-items/v1' && refused++ === 0 ? { kind: 'status', status: 401 } : undefined);
    await h.command(USERS.ada.id, '', 'list');
    const [list] = await h.responsesTo('list');
    await h.click(USERS.ada.id, ACTION.pageNext, JSON.parse(findButton(list.blocks, ACTION.pageNext).value), { responseId: 'next' });
    await h.responsesTo('next');
    await h.event({ type: 'app_home_opened', user: USERS.ben.id, channel: 'D0HOME', tab: 'home' });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length > 0);

    // The bot's ISC access tokens, as they were issued (each still opens ISC's API: a real one).
    accessTokens = [...new Set(issued.mock.calls.map(([token]) => token).filter((t): t is string => typeof t === 'string'))];
    expect(accessTokens.length).toBeGreaterThan(1);
    const answer = await fetch(`${h.sandbox.url}/work-items/v1/summary`, { headers: { Authorization: `Bearer ${accessTokens.at(-1)}` } });
    expect(answer.status).toBe(200);

    const [token] = accessTokens.slice(-1);
    const { clientSecret } = h.sandbox;
    h.logger.error(`ISC refused client secret ${clientSecret}`, {
      error: new Error(`token ${token} rejected by ${redisUrl()} and ${databaseUrl()}`),
      request: { headers: { Authorization: `Bearer ${token}` }, form: `grant_type=client_credentials&client_id=x&client_secret=${clientSecret}` },
      slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET },
      nested: [{ password: REDIS_PASSWORD, key: TOKEN_ENCRYPTION_KEY, keys: ROTATED_KEYS.join(' and '), oauth: h.sandbox.oauthClientSecret }],
    });
    h.logger.warn(`signing secret ${SIGNING_SECRET}, bot token ${BOT_TOKEN}, access token ${token}`);
    h.bot.app.logger.error(new Error(`Bolt saw ${BOT_TOKEN} and ${SIGNING_SECRET}`), { token: BOT_TOKEN });
  } finally {
    await h.close();
    issued.mockRestore();
  }

  const secrets = [h.sandbox.clientSecret, h.sandbox.oauthClientSecret, BOT_TOKEN, SIGNING_SECRET, REDIS_PASSWORD, PG_PASSWORD, TOKEN_ENCRYPTION_KEY, ...ROTATED_KEYS, ...accessTokens];
  expect(h.logs.length).toBeGreaterThan(50);
  for (const secret of secrets) expect(h.logs.filter((line) => line.includes(secret))).toEqual([]);
  expect(h.logs.some((line) => line.includes('ISC rejected the access token'))).toBe(true);
  if (format === 'json') {
    for (const line of h.logs) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toEqual(expect.objectContaining({ time: expect.any(String), level: expect.stringMatching(/^(debug|info|warn|error)$/), message: expect.any(String), fields: expect.any(Object) }));
    }
    const careless = h.logs.map((l) => JSON.parse(l) as Record<string, any>).find((e) => e.message.startsWith('ISC refused client secret'));
    expect(careless?.error).toMatchObject({ name: 'Error', stack: expect.stringContaining('[redacted]') });
  } else {
    for (const line of h.logs) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (DEBUG|INFO|WARN|ERROR) /);
  }
});
