import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { KNOWN_SETTINGS, SECRET_SETTINGS } from '../src/configChecks';

const base = {
  SLACK_BOT_TOKEN: 'xoxb-123-456-abc',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  SAIL_BASE_URL: 'sandbox',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, os.tmpdir());
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  it('takes the sandbox tenant when asked, and HTTP mode on port 3000 by default', () => {
    const c = loadConfig(base, '/srv/bot');
    expect(c.isc.baseUrl).toBe('sandbox');
    expect(c.isc.versions).toEqual({ workItems: 'v1', taskManagement: 'v1', identities: 'v1', accessRequestApprovals: 'v1' });
    expect(c.slack.port).toBe(3000);
    expect(c.slack.appToken).toBeUndefined();
    expect(c.dataDir).toBe('/srv/bot/data');
  });

  it('writes text logs unless LOG_FORMAT=json, and names a bad LOG_FORMAT', () => {
    expect(loadConfig(base).logFormat).toBe('text');
    expect(loadConfig({ ...base, LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(problems({ ...base, LOG_FORMAT: 'logfmt' })).toEqual(['LOG_FORMAT must be one of text, json (got "logfmt")']);
  });

  it('names every missing or malformed variable in one error', () => {
    const p = problems({
      SAIL_BASE_URL: 'https://acme.api.identitynow.com',
      SLACK_BOT_TOKEN: 'xoxp-user-token',
      PORT: 'eighty',
      ADMIN_SLACK_USER_IDS: 'U012ABC, bob',
      SAIL_WORK_ITEMS_API: 'v2',
    });
    const text = p.join('\n');
    expect(text).toMatch(/SAIL_CLIENT_ID is missing/);
    expect(text).toMatch(/SAIL_CLIENT_SECRET is missing/);
    expect(text).toMatch(/SLACK_BOT_TOKEN must be a bot token/);
    expect(text).toMatch(/SLACK_SIGNING_SECRET is missing/);
    expect(text).toMatch(/PORT must be a whole number/);
    expect(text).toMatch(/ADMIN_SLACK_USER_IDS .*bob/);
    expect(text).toMatch(/SAIL_WORK_ITEMS_API must be one of v1, v3/);
  });

  it('keeps the legacy layout of every API selectable, one variable each', () => {
    const c = loadConfig({
      ...base,
      SAIL_WORK_ITEMS_API: 'v3',
      SAIL_TASK_STATUS_API: 'v2024',
      SAIL_IDENTITIES_API: 'v3',
      SAIL_ACCESS_REQUEST_APPROVALS_API: 'v3',
    });
    expect(c.isc.versions).toEqual({ workItems: 'v3', taskManagement: 'v2024', identities: 'v3', accessRequestApprovals: 'v3' });
    expect(problems({ ...base, SAIL_TASK_STATUS_API: 'v3', SAIL_ACCESS_REQUEST_APPROVALS_API: 'beta' })).toEqual([
      'SAIL_TASK_STATUS_API must be one of v1, v2024 (got "v3")',
      'SAIL_ACCESS_REQUEST_APPROVALS_API must be one of v1, v3 (got "beta")',
    ]);
  });

  it('refuses plain http to a remote tenant but allows loopback', () => {
    expect(problems({ ...base, SAIL_BASE_URL: 'http://acme.api.identitynow.com', SAIL_CLIENT_ID: 'a', SAIL_CLIENT_SECRET: 'b' }).join()).toMatch(
      /SAIL_BASE_URL must use https/,
    );
    const c = loadConfig({ ...base, SAIL_BASE_URL: 'http://127.0.0.1:4010/', SAIL_CLIENT_ID: 'a', SAIL_CLIENT_SECRET: 'b' });
    expect(c.isc.baseUrl).toBe('http://127.0.0.1:4010');
  });

  it('derives the ISC UI from the API host and takes Socket Mode without a signing secret', () => {
    const c = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      SAIL_BASE_URL: 'https://acme.api.identitynow.com',
      SAIL_CLIENT_ID: 'id',
      SAIL_CLIENT_SECRET: 'secret',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      ADMIN_SLACK_USER_IDS: 'U0ADMIN1,W0ADMIN2',
    });
    expect(c.isc.uiBaseUrl).toBe('https://acme.identitynow.com');
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect([...c.slack.adminUserIds]).toEqual(['U0ADMIN1', 'W0ADMIN2']);
  });

  it('reads IDENTITY_MAP and reports a bad file by name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    fs.writeFileSync(path.join(dir, 'map.json'), JSON.stringify({ U0AAA: 'id-1', 'Ada@Example.com': 'id-2' }));
    const c = loadConfig({ ...base, IDENTITY_MAP: 'map.json' }, dir);
    expect(c.identityMap.get('U0AAA')).toBe('id-1');
    expect(c.identityMap.get('ada@example.com')).toBe('id-2');
    fs.writeFileSync(path.join(dir, 'bad.json'), '[1,2]');
    expect(problems({ ...base, IDENTITY_MAP: path.join(dir, 'bad.json') }).join()).toMatch(/IDENTITY_MAP: .*must hold a JSON object/);
  });

  it('never echoes a secret in its message', () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'xoxp-super-secret-token', SAIL_BASE_URL: 'https://x.api.identitynow.com', SAIL_CLIENT_SECRET: 'shh-secret' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as Error).message).not.toContain('super-secret');
      expect((e as Error).message).not.toContain('shh-secret');
    }
  });
});

describe('loadConfig: the digest', () => {
  it('is off without DIGEST_CHANNEL and has the documented defaults', () => {
    expect(loadConfig(base).digest).toEqual({
      channel: undefined,
      schedule: '0 9 * * 1-5',
      timeZone: 'UTC',
      owners: [],
      graceMinutes: 120,
      staleAfterDays: 3,
      stuckAfterHours: 6,
    });
  });

  it('reads the channel, schedule, zone, approvers (emails lower-cased, duplicates dropped) and thresholds', () => {
    const d = loadConfig({
      ...base,
      DIGEST_CHANNEL: 'C0123ABCD',
      DIGEST_SCHEDULE: '30 8 * * MON',
      DIGEST_TIMEZONE: 'America/New_York',
      DIGEST_OWNERS: ' U0ADA0001 , Ada@Example.com, ada@example.com',
      DIGEST_GRACE_MINUTES: '30',
      STALE_AFTER_DAYS: '7',
      STUCK_AFTER_HOURS: '12',
    }).digest;
    expect(d).toEqual({
      channel: 'C0123ABCD',
      schedule: '30 8 * * MON',
      timeZone: 'America/New_York',
      owners: ['U0ADA0001', 'ada@example.com'],
      graceMinutes: 30,
      staleAfterDays: 7,
      stuckAfterHours: 12,
    });
  });

  it('names every bad digest variable', () => {
    const text = problems({
      ...base,
      DIGEST_CHANNEL: '#identity-ops',
      DIGEST_SCHEDULE: '0 9 * * * *',
      DIGEST_TIMEZONE: 'Mars/Olympus',
      DIGEST_OWNERS: 'U0ADA0001,bob',
      DIGEST_GRACE_MINUTES: '-1',
      STALE_AFTER_DAYS: 'three',
      STUCK_AFTER_HOURS: '0',
    }).join('\n');
    expect(text).toMatch(/DIGEST_CHANNEL must be a channel id/);
    expect(text).toMatch(/DIGEST_SCHEDULE must be a 5-field cron pattern .*5 parts/);
    expect(text).toMatch(/DIGEST_TIMEZONE must be an IANA time zone .*Mars\/Olympus/);
    expect(text).toMatch(/DIGEST_OWNERS .*\(bad: bob\)/);
    expect(text).toMatch(/DIGEST_GRACE_MINUTES must be a whole number/);
    expect(text).toMatch(/STALE_AFTER_DAYS must be a whole number/);
    expect(text).toMatch(/STUCK_AFTER_HOURS must be a whole number/);
  });

  it('refuses a UTC offset as a zone, a schedule that never fires, and more than 500 approvers', () => {
    const owners = Array.from({ length: 501 }, (_, i) => `user${i}@example.com`).join(',');
    const text = problems({ ...base, DIGEST_TIMEZONE: '+02:00', DIGEST_SCHEDULE: '0 0 30 2 *', DIGEST_OWNERS: owners }).join('\n');
    expect(text).toMatch(/DIGEST_TIMEZONE/);
    expect(text).toMatch(/DIGEST_SCHEDULE .*never fires/);
    expect(text).toMatch(/DIGEST_OWNERS lists 501 approvers; at most 500/);
  });
});

describe('account linking (AUTH_MODE)', () => {
  const KEY = Buffer.alloc(32, 9).toString('base64');
  const tenant = { ...base, SAIL_BASE_URL: 'https://acme.api.identitynow.com', SAIL_CLIENT_ID: 'id', SAIL_CLIENT_SECRET: 'secret' };
  const linking = { SAIL_OAUTH_CLIENT_ID: 'oauth-id', SAIL_OAUTH_CLIENT_SECRET: 'oauth-secret', PUBLIC_URL: 'https://bot.acme.com/', TOKEN_ENCRYPTION_KEY: KEY };

  it('defaults to service, which needs none of the linking variables', () => {
    expect(loadConfig(tenant).auth).toEqual({ mode: 'service' });
  });

  it('derives ISC’s login host from the API host and reads the OAuth client, public URL and key', () => {
    const c = loadConfig({ ...tenant, ...linking, AUTH_MODE: 'linked-required' });
    expect(c.auth.mode).toBe('linked-required');
    expect(c.auth.mode !== 'service' && c.auth.linking).toEqual({
      oauthClientId: 'oauth-id',
      oauthClientSecret: 'oauth-secret',
      publicUrl: 'https://bot.acme.com',
      loginUrl: 'https://acme.login.sailpoint.com',
      tokenEncryptionKeys: [{ id: '', key: Buffer.alloc(32, 9) }],
    });
  });

  it('names every missing linking variable when linking is on', () => {
    const text = problems({ ...tenant, AUTH_MODE: 'linked' }).join('\n');
    for (const name of ['SAIL_OAUTH_CLIENT_ID', 'SAIL_OAUTH_CLIENT_SECRET', 'PUBLIC_URL', 'TOKEN_ENCRYPTION_KEYS']) expect(text).toMatch(new RegExp(`${name} is missing`));
    expect(text).toMatch(/openssl rand -base64 32/);
  });

  it.each([
    ['too short', Buffer.alloc(16, 1).toString('base64')],
    ['not base64', 'this is not a key at all, it is a sentence!!'],
    ['hex', Buffer.alloc(32, 1).toString('hex')],
  ])('refuses a malformed TOKEN_ENCRYPTION_KEY (%s) by name, without echoing it', (_label, key) => {
    const text = problems({ ...tenant, ...linking, AUTH_MODE: 'linked', TOKEN_ENCRYPTION_KEY: key }).join('\n');
    expect(text).toMatch(/TOKEN_ENCRYPTION_KEY must be 32 random bytes in base64/);
    expect(text).not.toContain(key);
  });

  it('reads TOKEN_ENCRYPTION_KEYS in order (the first encrypts), then the single TOKEN_ENCRYPTION_KEY, which only decrypts', () => {
    const [k1, k2] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    const { TOKEN_ENCRYPTION_KEY: _single, ...withoutKey } = linking;
    const keys = (env: Record<string, string>) => {
      const c = loadConfig({ ...tenant, ...withoutKey, AUTH_MODE: 'linked', ...env });
      return c.auth.mode !== 'service' && c.auth.linking.tokenEncryptionKeys;
    };
    expect(keys({ TOKEN_ENCRYPTION_KEYS: `k2:${k2.toString('base64')}, k1:${k1.toString('base64')}` })).toEqual([
      { id: 'k2', key: k2 },
      { id: 'k1', key: k1 },
    ]);
    expect(keys({ TOKEN_ENCRYPTION_KEYS: `k2:${k2.toString('base64')}`, TOKEN_ENCRYPTION_KEY: KEY })).toEqual([
      { id: 'k2', key: k2 },
      { id: '', key: Buffer.alloc(32, 9) },
    ]);
  });

  it('names every bad entry of TOKEN_ENCRYPTION_KEYS without echoing a key', () => {
    const short = Buffer.alloc(16, 3).toString('base64');
    const good = Buffer.alloc(32, 4).toString('base64');
    const text = problems({ ...tenant, ...linking, AUTH_MODE: 'linked', TOKEN_ENCRYPTION_KEYS: `${good},k1:${short},k2:${good},k2:${good}` });
    expect(text).toEqual([
      'TOKEN_ENCRYPTION_KEYS: entry 1 needs an id of letters, digits, _ or - before a colon (id:base64)',
      'TOKEN_ENCRYPTION_KEYS: the key k1 must be 32 random bytes in base64, as `openssl rand -base64 32` prints',
      'TOKEN_ENCRYPTION_KEYS: the id k2 is used twice',
    ]);
    expect(text.join('\n')).not.toContain(short);
  });

  it('refuses an unknown mode, plain http for PUBLIC_URL, and a tenant whose login host cannot be derived', () => {
    expect(problems({ ...tenant, AUTH_MODE: 'user' }).join()).toMatch(/AUTH_MODE must be one of service, linked, linked-required/);
    const text = problems({ ...tenant, ...linking, AUTH_MODE: 'linked', PUBLIC_URL: 'http://bot.example.com', SAIL_BASE_URL: 'https://iam.acme.com' }).join('\n');
    expect(text).toMatch(/PUBLIC_URL must use https/);
    expect(text).toMatch(/SAIL_LOGIN_URL is missing/);
    const c = loadConfig({ ...tenant, ...linking, AUTH_MODE: 'linked', SAIL_BASE_URL: 'https://iam.acme.com', SAIL_LOGIN_URL: 'https://acme.login.sailpoint.com/' });
    expect(c.auth.mode !== 'service' && c.auth.linking.loginUrl).toBe('https://acme.login.sailpoint.com');
  });

  it('in sandbox mode the sandbox’s OAuth client and sign-in page are used', () => {
    const c = loadConfig({ ...base, AUTH_MODE: 'linked', PUBLIC_URL: 'http://localhost:3000', TOKEN_ENCRYPTION_KEY: KEY });
    expect(c.auth.mode !== 'service' && c.auth.linking).toMatchObject({ oauthClientId: 'sandbox-oauth', oauthClientSecret: 'sandbox-oauth-secret', loginUrl: undefined });
  });
});

describe('notification settings', () => {
  it('default to a 60 s poll with half the ISC rate limit, reminders after 24 h, quiet 20:00–08:00', () => {
    expect(loadConfig(base).notify).toEqual({ users: [], pollIntervalMs: 60_000, remindAfterMs: 24 * 3600_000, quietHours: { start: 1200, end: 480 }, pollRateShare: 0.5, sweep: true, sweepIntervalMs: 30_000, workItemCeilingMs: 3600_000 });
  });

  it('read NOTIFY_USERS (ids and lower-cased emails), the numbers, and QUIET_HOURS=off', () => {
    const c = loadConfig({
      ...base,
      NOTIFY_USERS: 'U0AAA1, Ada@Example.com ,U0AAA1',
      POLL_INTERVAL_SECONDS: '300',
      REMIND_AFTER_HOURS: '8',
      QUIET_HOURS: 'off',
      POLL_RATE_SHARE: '0.25',
      NOTIFY_SWEEP: 'off',
      SWEEP_INTERVAL_SECONDS: '20',
      WORK_ITEM_POLL_CEILING_SECONDS: '7200',
    });
    expect(c.notify).toEqual({
      users: ['U0AAA1', 'ada@example.com'],
      pollIntervalMs: 300_000,
      remindAfterMs: 8 * 3600_000,
      quietHours: undefined,
      pollRateShare: 0.25,
      sweep: false,
      sweepIntervalMs: 20_000,
      workItemCeilingMs: 7200_000,
    });
  });

  it('name every bad value', () => {
    const text = problems({ ...base, NOTIFY_USERS: 'U0AAA1,bob', POLL_INTERVAL_SECONDS: '5', REMIND_AFTER_HOURS: '0', QUIET_HOURS: '22-06', POLL_RATE_SHARE: '1.5' }).join('\n');
    expect(text).toMatch(/NOTIFY_USERS must list Slack user ids or emails \(bad: bob\)/);
    expect(text).toMatch(/POLL_INTERVAL_SECONDS must be a whole number from 10 to 86400/);
    expect(text).toMatch(/REMIND_AFTER_HOURS must be a whole number from 1 to 720/);
    expect(text).toMatch(/QUIET_HOURS must be a range of local times such as 20:00-08:00, or off \(got "22-06"\)/);
    expect(text).toMatch(/POLL_RATE_SHARE must be a number from 0.05 to 1 \(got "1.5"\)/);
  });
});

describe('several replicas (REDIS_URL)', () => {
  it('without REDIS_URL the file store in DATA_DIR is used', () => {
    expect(loadConfig(base).redis).toBeUndefined();
  });

  it('reads the URL (TLS, password, database), the key prefix and the leader lease', () => {
    expect(loadConfig({ ...base, REDIS_URL: 'rediss://:pw@redis.acme.com:6380/2' }).redis).toEqual({
      url: 'rediss://:pw@redis.acme.com:6380/2',
      keyPrefix: 'isc-workitems:',
      leaseMs: 15_000,
    });
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: 'bot-b:', LEADER_LEASE_SECONDS: '30' }).redis).toMatchObject({ keyPrefix: 'bot-b:', leaseMs: 30_000 });
  });

  it('names every bad value without echoing the URL (it may hold a password)', () => {
    const text = problems({ ...base, REDIS_URL: 'http://:hunter2@redis.example.com', REDIS_KEY_PREFIX: 'a b', LEADER_LEASE_SECONDS: '1' }).join('\n');
    expect(text).toMatch(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ \(TLS\) URL/);
    expect(text).toMatch(/REDIS_KEY_PREFIX must be 1 to 64 letters/);
    expect(text).toMatch(/LEADER_LEASE_SECONDS must be a whole number from 3 to 300/);
    expect(text).not.toContain('hunter2');
    expect(problems({ ...base, REDIS_URL: 'redis://:hunter2@host/not-a-db' }).join('\n')).toMatch(/REDIS_URL may end with a database number only/);
  });
});

describe('under a flood', () => {
  it('default to 100 waiting requests, a 2 s wait for reads and 10 reads per user in 10 s, and read each', () => {
    const d = loadConfig(base);
    expect([d.isc.queueMax, d.isc.readWaitMs, d.slack.userRequestsPer10s]).toEqual([100, 2_000, 10]);
    const c = loadConfig({ ...base, SAIL_QUEUE_MAX: '40', SAIL_READ_WAIT_MS: '1500', USER_REQUESTS_PER_10S: '5' });
    expect([c.isc.queueMax, c.isc.readWaitMs, c.slack.userRequestsPer10s]).toEqual([40, 1_500, 5]);
  });

  it('name every bad value', () => {
    const text = problems({ ...base, SAIL_QUEUE_MAX: '0', SAIL_READ_WAIT_MS: 'soon', USER_REQUESTS_PER_10S: '2.5' }).join('\n');
    expect(text).toMatch(/SAIL_QUEUE_MAX must be a whole number from 1 to 100000/);
    expect(text).toMatch(/SAIL_READ_WAIT_MS must be a whole number from 100 to 60000/);
    expect(text).toMatch(/USER_REQUESTS_PER_10S must be a whole number from 1 to 1000/);
  });
});

describe('the audit trail in PostgreSQL (DATABASE_URL)', () => {
  it('is off without DATABASE_URL, and takes a postgres:// or postgresql:// URL', () => {
    expect(loadConfig(base).audit.databaseUrl).toBeUndefined();
    expect(loadConfig({ ...base, DATABASE_URL: 'postgres://bot:pw@db.acme.internal:5432/isc?sslmode=require' }).audit.databaseUrl).toBe('postgres://bot:pw@db.acme.internal:5432/isc?sslmode=require');
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://127.0.0.1/isc' }).audit.databaseUrl).toBe('postgresql://127.0.0.1/isc');
  });

  it.each(['mysql://bot:hunter2@db.example.com/isc', 'postgres://bot:hunter2@', 'hunter2'])('refuses %s without echoing it', (DATABASE_URL) => {
    const text = problems({ ...base, DATABASE_URL }).join('\n');
    expect(text).toMatch(/DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(text).not.toContain('hunter2');
  });
});

describe('Slack boundaries', () => {
  it('by default serve the bot token’s own workspace and post response_urls only to hooks.slack.com', () => {
    const { slack } = loadConfig(base);
    expect(slack.teamIds).toBeUndefined();
    expect(slack.enterpriseId).toBeUndefined();
    expect(slack.appId).toBeUndefined();
    expect([...slack.responseUrlHosts]).toEqual(['hooks.slack.com']);
  });

  it('read SLACK_TEAM_IDS, SLACK_ENTERPRISE_ID, SLACK_APP_ID and the extra response_url hosts (GovSlack)', () => {
    const { slack } = loadConfig({ ...base, SLACK_TEAM_IDS: 'T0AAA, T0BBB', SLACK_ENTERPRISE_ID: 'E0ORG', SLACK_APP_ID: 'A0APP', SLACK_RESPONSE_URL_HOSTS: 'Hooks.Slack-Gov.com' });
    expect([...slack.teamIds!]).toEqual(['T0AAA', 'T0BBB']);
    expect(slack.enterpriseId).toBe('E0ORG');
    expect(slack.appId).toBe('A0APP');
    expect([...slack.responseUrlHosts]).toEqual(['hooks.slack.com', 'hooks.slack-gov.com']);
  });

  it('name every bad value', () => {
    expect(problems({ ...base, SLACK_TEAM_IDS: 'acme', SLACK_ENTERPRISE_ID: 'E0A,E0B', SLACK_APP_ID: 'T0APP', SLACK_RESPONSE_URL_HOSTS: 'https://hooks.slack-gov.com/' })).toEqual([
      'SLACK_TEAM_IDS must list ids like T0123ABCD (bad: acme)',
      'SLACK_ENTERPRISE_ID takes one organisation id',
      'SLACK_APP_ID must list ids like A0123ABCD (bad: T0APP)',
      'SLACK_RESPONSE_URL_HOSTS must list host names such as hooks.slack-gov.com, without https:// or a path (bad: https://hooks.slack-gov.com/)',
    ]);
  });
});

describe('loadConfig: silent wrong starts stop with the fix', () => {
  const withoutTenant = { SLACK_BOT_TOKEN: 'xoxb-123-456-abc', SLACK_SIGNING_SECRET: 'signing-secret-value' };

  it('runs on the demo tenant only when SAIL_BASE_URL=sandbox says so', () => {
    expect(problems(withoutTenant)).toEqual([
      "SAIL_BASE_URL is missing: set it to your tenant's API base (https://{tenant}.api.identitynow.com), or set SAIL_BASE_URL=sandbox to try the bot on an embedded demo tenant; npm run demo tries it without Slack too",
    ]);
    expect(problems({ ...withoutTenant, SAIL_CLIENT_ID: 'id', SAIL_CLIENT_SECRET: 'secret' })).toEqual([
      "SAIL_BASE_URL is missing: SAIL_CLIENT_ID / SAIL_CLIENT_SECRET are set, so set SAIL_BASE_URL to your tenant's API base, https://{tenant}.api.identitynow.com",
    ]);
    expect(loadConfig({ ...withoutTenant, SAIL_BASE_URL: 'Sandbox' }).isc.baseUrl).toBe('sandbox');
  });

  it('asks "did you mean" for a misspelled setting of one of its families, and leaves other variables alone', () => {
    expect(problems({ ...base, REDIS_ULR: 'redis://127.0.0.1:6379', SLACK_BOT_TOKN: 'xoxb-1', redis_url: 'redis://x', DIGEST_CHANEL: 'C1' })).toEqual([
      'REDIS_ULR is not a setting of the bot: did you mean REDIS_URL?',
      'SLACK_BOT_TOKN is not a setting of the bot: did you mean SLACK_BOT_TOKEN?',
      'redis_url is not a setting of the bot: did you mean REDIS_URL?',
      'DIGEST_CHANEL is not a setting of the bot: did you mean DIGEST_CHANNEL?',
    ]);
    expect(problems({ ...base, SLACK_BOT_TOKEN_FLE: '/run/secrets/x' })).toEqual(['SLACK_BOT_TOKEN_FLE is not a setting of the bot: did you mean SLACK_BOT_TOKEN_FILE?']);
    // Another tool's variable of the same family, Kubernetes' service links, the shell's own.
    expect(problems({ ...base, SLACK_WEBHOOK_URL: 'https://hooks', REDIS_PORT: 'tcp://10.0.0.1:6379', REDIS_SERVICE_HOST: '10.0.0.1', PATH: '/bin', HOME: '/root' })).toEqual([]);
  });

  it('refuses the example values of .env.example without echoing them', () => {
    const example = fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8');
    const value = (name: string) => new RegExp(`^#? ?${name}=(.+)$`, 'm').exec(example)?.[1];
    const env = {
      ...base,
      SLACK_BOT_TOKEN: value('SLACK_BOT_TOKEN')!,
      SLACK_SIGNING_SECRET: value('SLACK_SIGNING_SECRET')!,
      REDIS_URL: value('REDIS_URL')!,
      AUTH_MODE: 'linked',
      PUBLIC_URL: value('PUBLIC_URL')!,
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    };
    const text = problems(env).join('\n');
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'REDIS_URL', 'PUBLIC_URL']) {
      expect(text).toContain(`${name} still holds the example value from .env.example`);
      expect(text).not.toContain(value(name));
    }
  });

  it('lists every variable of .env.example as a setting, so none of them is taken for a typo', () => {
    const example = fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8');
    const names = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(40);
    // Read by Node.js and the HTTP clients themselves, in either case (https_proxy), so not checked for typos.
    const platform = ['HTTPS_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS'];
    expect(names.filter((n) => !KNOWN_SETTINGS.includes(n) && !platform.includes(n))).toEqual([]);
    expect(problems({ ...base, https_proxy: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128', no_proxy: 'localhost', NODE_EXTRA_CA_CERTS: '/ca.pem' })).toEqual([]);
  });
});

describe('loadConfig: secrets from files (NAME_FILE)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-secrets-'));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it.each(SECRET_SETTINGS.filter((n) => n !== 'DATABASE_URL' && n !== 'TOKEN_ENCRYPTION_KEY' && n !== 'TOKEN_ENCRYPTION_KEYS'))('reads %s from its _FILE, trimmed', (name) => {
    const value = { SLACK_BOT_TOKEN: 'xoxb-from-file', SLACK_APP_TOKEN: 'xapp-from-file', REDIS_URL: 'redis://:pw@127.0.0.1:6379/3', ISC_TRIGGER_SECRET: 'a-trigger-secret-from-a-file-0123456789' }[name as string] ?? 'from-a-file';
    const env = { ...base, SAIL_BASE_URL: 'https://acme.api.identitynow.com', SAIL_CLIENT_ID: 'id', SAIL_CLIENT_SECRET: 'secret', AUTH_MODE: 'linked', PUBLIC_URL: 'https://bot.acme.com', TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 2).toString('base64'), SAIL_OAUTH_CLIENT_ID: 'o', SAIL_OAUTH_CLIENT_SECRET: 'os' };
    delete (env as Record<string, string>)[name];
    const c = loadConfig({ ...env, [`${name}_FILE`]: file(name, `${value}\n`) });
    const read = { SLACK_BOT_TOKEN: c.slack.botToken, SLACK_SIGNING_SECRET: c.slack.signingSecret, SLACK_APP_TOKEN: c.slack.appToken, SAIL_CLIENT_SECRET: c.isc.clientSecret, SAIL_OAUTH_CLIENT_SECRET: c.auth.mode !== 'service' && c.auth.linking.oauthClientSecret, REDIS_URL: c.redis?.url, ISC_TRIGGER_SECRET: c.requests.triggerSecret }[name as string];
    expect(read).toBe(value);
  });

  it('reads TOKEN_ENCRYPTION_KEY and TOKEN_ENCRYPTION_KEYS from a file', () => {
    const keyOf = (env: Record<string, string>) => {
      const c = loadConfig({ ...base, AUTH_MODE: 'linked', PUBLIC_URL: 'http://localhost:3000', ...env });
      return c.auth.mode !== 'service' && c.auth.linking.tokenEncryptionKeys[0].key;
    };
    expect(keyOf({ TOKEN_ENCRYPTION_KEY_FILE: file('key', `${Buffer.alloc(32, 7).toString('base64')}\n`) })).toEqual(Buffer.alloc(32, 7));
    expect(keyOf({ TOKEN_ENCRYPTION_KEYS_FILE: file('keys', `k2:${Buffer.alloc(32, 8).toString('base64')},k1:${Buffer.alloc(32, 7).toString('base64')}\n`) })).toEqual(Buffer.alloc(32, 8));
  });

  it('refuses both NAME and NAME_FILE, and names a file it cannot read, without its contents', () => {
    expect(problems({ ...base, SLACK_BOT_TOKEN_FILE: file('token', 'xoxb-a') })).toEqual(['SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set: set only one of them']);
    const { SLACK_SIGNING_SECRET: _, ...rest } = base;
    expect(problems({ ...rest, SLACK_SIGNING_SECRET_FILE: path.join(dir, 'missing') })).toEqual([
      `SLACK_SIGNING_SECRET_FILE: cannot read ${path.join(dir, 'missing')} (ENOENT)`,
      'SLACK_SIGNING_SECRET is missing: the Signing Secret from "Basic Information" (required in HTTP mode, i.e. without SLACK_APP_TOKEN)',
    ]);
    expect(problems({ ...rest, SLACK_SIGNING_SECRET_FILE: file('empty', '\n') }).join('\n')).toContain('SLACK_SIGNING_SECRET_FILE: ');
  });
});
