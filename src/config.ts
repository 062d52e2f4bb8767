import fs from 'node:fs';
import path from 'node:path';
import { parseEncryptionKey, parseEncryptionKeys, type EncryptionKey } from './auth/tokenCrypto';
import { KNOWN_SETTINGS, misspelledSettings, placeholderSettings, readSecretFiles } from './configChecks';
import { cronProblem } from './cronSchedule';
import { DEFAULT_VERSIONS, LEGACY_VERSIONS, type ApiVersions } from './isc/paths';
import type { LogFormat, LogLevel } from './log';
import { isIanaTimeZone } from './timeZone';
import { parseQuietHours, type QuietHours } from './quietHours';

export interface IscConfig {
  /** 'sandbox' starts the embedded demo tenant; otherwise the tenant's API base, e.g. https://acme.api.identitynow.com */
  baseUrl: string | 'sandbox';
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  rateLimitPer10s: number;
  /** At most this many requests of this process wait for the rate limiter; more are told ISC is busy. */
  queueMax: number;
  /** How long a read someone waits to see (a list, a page, details, a summary, Home) may wait for the rate limiter. */
  readWaitMs: number;
  /** Path layout per API: the per-service v1 unless a SAIL_*_API setting picks the legacy one. */
  versions: ApiVersions;
  /** Base of the ISC web UI for "Open in ISC" links; undefined in sandbox mode. */
  uiBaseUrl?: string;
}

export interface SlackConfig {
  botToken: string;
  /** Required in HTTP mode; optional in Socket Mode. */
  signingSecret?: string;
  /** Socket Mode when set. */
  appToken?: string;
  port: number;
  apiUrl?: string;
  adminUserIds: ReadonlySet<string>;
  /** Commands, Home refreshes and page turns one Slack user may send in 10 s (clicks on decisions are not counted). */
  userRequestsPer10s: number;
  /**
   * SLACK_TEAM_IDS, SLACK_ENTERPRISE_ID, SLACK_APP_ID: the only workspaces, organisation and app whose
   * requests are served; unset, those of the bot token (Slack's auth.test at start).
   */
  teamIds?: ReadonlySet<string>;
  enterpriseId?: string;
  appId?: string;
  /** Hosts (host[:port]) a response_url may point at: hooks.slack.com and SLACK_RESPONSE_URL_HOSTS. */
  responseUrlHosts: ReadonlySet<string>;
}

export interface DigestConfig {
  /** Channel id; the digest is off without it. */
  channel?: string;
  /** DIGEST_ADMIN_CHANNEL: where task health goes, a post of its own; `channel` without it. */
  adminChannel?: string;
  /** 5-field cron pattern, read in `timeZone`. */
  schedule: string;
  /** IANA time zone of the schedule and of the times in the digest. */
  timeZone: string;
  /** Approvers: Slack user ids and lower-case emails; empty means the bot's own ISC identity. */
  owners: string[];
  graceMinutes: number;
  staleAfterDays: number;
  stuckAfterHours: number;
}

export type AuthMode = 'service' | 'linked' | 'linked-required';

export interface LinkingConfig {
  /** An ISC OAuth client with the AUTHORIZATION_CODE and REFRESH_TOKEN grant types. */
  oauthClientId: string;
  oauthClientSecret: string;
  /** Where browsers reach the bot; ISC redirects to `${publicUrl}/oauth/callback`. */
  publicUrl: string;
  /** ISC's login host for /oauth/authorize; undefined in sandbox mode, where the sandbox serves it. */
  loginUrl?: string;
  /**
   * The keys (AES-256-GCM, 32 bytes) of the linked accounts' tokens at rest: the first encrypts, all
   * decrypt. TOKEN_ENCRYPTION_KEYS, then the single TOKEN_ENCRYPTION_KEY (id '') when set.
   */
  tokenEncryptionKeys: EncryptionKey[];
}

/** service: every action as the bot's identity; linked: linked users act as themselves; linked-required: only they may act. */
export type AuthConfig = { mode: 'service' } | { mode: Exclude<AuthMode, 'service'>; linking: LinkingConfig };

export interface NotifyConfig {
  /** NOTIFY_USERS: Slack user ids and lower-case emails subscribed at start-up (an opt-out is kept). */
  users: string[];
  pollIntervalMs: number;
  remindAfterMs: number;
  /** No reminders in these hours of each user's own day; undefined with QUIET_HOURS=off. */
  quietHours?: QuietHours;
  /** The share of SAIL_RATE_LIMIT_PER_10S the notification poller may use. */
  pollRateShare: number;
  /** NOTIFY_SWEEP: read the approval kinds tenant-wide (off: every subscriber's lists, as before). */
  sweep: boolean;
  /** How often the tenant-wide sweep runs. */
  sweepIntervalMs: number;
  /** The longest a subscriber's work items go unread. */
  workItemCeilingMs: number;
}

export interface AuditConfig {
  /** How long decisions stay on the audit trail (AUDIT_RETENTION_DAYS). */
  retentionDays: number;
  /** DATABASE_URL: the trail in PostgreSQL (a secret: it may hold a password). */
  databaseUrl?: string;
}

export interface RequestsConfig {
  /** How often the leader reads the status of the requests made through the bot (REQUEST_FOLLOW_SECONDS). */
  followIntervalMs: number;
  /** How often the leader looks for new and soon-due access reviews of the subscribers (REVIEW_NOTICE_SECONDS). */
  reviewNoticeIntervalMs: number;
  /**
   * ISC_TRIGGER_SECRET: the bearer token (or basic-auth password) ISC's event triggers send to
   * /isc/triggers; the endpoint is off without it.
   */
  triggerSecret?: string;
}

export interface RedisConfig {
  /** redis:// or rediss:// (TLS), with user, password and database number as needed. */
  url: string;
  /** Before every key, so several bots can share one Redis. */
  keyPrefix: string;
  /** The leader lease: when the replica running the background work dies, another takes over within about this. */
  leaseMs: number;
}

export interface Config {
  isc: IscConfig;
  slack: SlackConfig;
  auth: AuthConfig;
  digest: DigestConfig;
  notify: NotifyConfig;
  audit: AuditConfig;
  requests: RequestsConfig;
  /** Slack user id or email → ISC identity id, from the IDENTITY_MAP file. */
  identityMap: ReadonlyMap<string, string>;
  /** The file store's directory (without REDIS_URL). */
  dataDir: string;
  /** Several replicas share their state in Redis; undefined: one process on the file store. */
  redis?: RedisConfig;
  logLevel: LogLevel;
  /** text (default): one readable line per entry; json: one JSON object per line, for log collectors. */
  logFormat: LogFormat;
  identityCacheTtlMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example and the README.`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const withDefaults = (env: Env, defaults: Env): Env => ({ ...env, ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !env[k]?.trim() && !env[`${k}_FILE`]?.trim())) });

/**
 * For command-line tools that never talk to Slack (or only to map DIGEST_OWNERS): placeholders for the
 * Slack settings the bot itself requires, so that they run where only the ISC or DATA_DIR settings are.
 */
export function withoutSlackSettings(env: Env): Env {
  return withDefaults(env, { SLACK_BOT_TOKEN: 'xoxb-not-used', SLACK_SIGNING_SECRET: 'not-used' });
}

/** For command-line tools that never talk to ISC (the audit export): no tenant needs naming. */
export function withoutIscSettings(env: Env): Env {
  return withDefaults(env, { SAIL_BASE_URL: 'sandbox' });
}

export const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Collects every problem instead of stopping at the first, so one start-up names every bad variable. */
class EnvReader {
  readonly problems: string[] = [];
  /** Every name asked for: the settings, for "did you mean". */
  readonly names = new Set<string>(KNOWN_SETTINGS);
  constructor(readonly env: Env) {}

  optional(name: string): string | undefined {
    this.names.add(name);
    const v = this.env[name]?.trim();
    return v ? v : undefined;
  }

  required(name: string, hint: string): string {
    const v = this.optional(name);
    if (!v) this.problems.push(`${name} is missing: ${hint}`);
    return v ?? '';
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      this.problems.push(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }

  /** An http(s) URL; plain http only for loopback hosts. Returned without a trailing slash. */
  url(name: string, value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      this.problems.push(`${name} is not a valid URL (got "${value}")`);
      return undefined;
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
      this.problems.push(`${name} must use https (plain http is allowed only for 127.0.0.1 / localhost)`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }
}

/** ISC's web UI lives on the tenant host without `.api`: acme.api.identitynow.com → acme.identitynow.com */
export function deriveIscUiBaseUrl(apiBaseUrl: string): string | undefined {
  const u = new URL(apiBaseUrl);
  if (!u.hostname.includes('.api.')) return undefined;
  return `${u.protocol}//${u.hostname.replace('.api.', '.')}`;
}

/** ISC's login host: acme.api.identitynow.com → acme.login.sailpoint.com */
export function deriveIscLoginUrl(apiBaseUrl: string): string | undefined {
  const tenant = /^([a-z0-9-]+)\.api\.identitynow\.com$/i.exec(new URL(apiBaseUrl).hostname)?.[1];
  return tenant ? `https://${tenant}.login.sailpoint.com` : undefined;
}

/** TOKEN_ENCRYPTION_KEYS (`k2:<base64>,k1:<base64>`), then the single TOKEN_ENCRYPTION_KEY, which only decrypts once the list is set. */
function readEncryptionKeys(r: EnvReader): EncryptionKey[] {
  const rawKeys = r.optional('TOKEN_ENCRYPTION_KEYS');
  const rawKey = r.optional('TOKEN_ENCRYPTION_KEY');
  if (!rawKeys && !rawKey) {
    r.problems.push("TOKEN_ENCRYPTION_KEYS is missing: it encrypts the linked accounts' tokens at rest, as id:key pairs such as k1:<key>; generate a key with `openssl rand -base64 32`");
    return [];
  }
  const listed = rawKeys ? parseEncryptionKeys(rawKeys) : { keys: [], problems: [] };
  for (const problem of listed.problems) r.problems.push(`TOKEN_ENCRYPTION_KEYS: ${problem}`);
  const single = rawKey ? parseEncryptionKey(rawKey) : undefined;
  if (rawKey && !single) r.problems.push('TOKEN_ENCRYPTION_KEY must be 32 random bytes in base64, as `openssl rand -base64 32` prints');
  return [...listed.keys, ...(single ? [{ id: '', key: single }] : [])];
}

function readLinking(r: EnvReader, sandbox: boolean, baseUrl: string): LinkingConfig {
  const tokenEncryptionKeys = readEncryptionKeys(r);
  const rawPublicUrl = r.required('PUBLIC_URL', 'the https address where browsers reach the bot; ISC redirects them to PUBLIC_URL/oauth/callback');
  const rawLoginUrl = r.optional('SAIL_LOGIN_URL');
  const loginUrl = rawLoginUrl ? r.url('SAIL_LOGIN_URL', rawLoginUrl) : sandbox || !baseUrl ? undefined : deriveIscLoginUrl(baseUrl);
  if (!rawLoginUrl && !sandbox && baseUrl && !loginUrl) {
    r.problems.push(
      "SAIL_LOGIN_URL is missing: ISC's login host cannot be derived from SAIL_BASE_URL; set it to the origin of the authorizeEndpoint in https://{tenant}.api.identitynow.com/oauth/info",
    );
  }
  const client = (name: string, fallback: string, hint: string) => (sandbox ? r.optional(name) ?? fallback : r.required(name, hint));
  return {
    oauthClientId: client('SAIL_OAUTH_CLIENT_ID', 'sandbox-oauth', 'the client id of an ISC OAuth client with the AUTHORIZATION_CODE and REFRESH_TOKEN grant types'),
    oauthClientSecret: client('SAIL_OAUTH_CLIENT_SECRET', 'sandbox-oauth-secret', 'the secret of that OAuth client'),
    publicUrl: (rawPublicUrl && r.url('PUBLIC_URL', rawPublicUrl)) || '',
    loginUrl,
    tokenEncryptionKeys,
  };
}

function readIdentityMap(reader: EnvReader, file: string | undefined, cwd: string): Map<string, string> {
  const map = new Map<string, string>();
  if (!file) return map;
  const full = path.resolve(cwd, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(full, 'utf8'));
  } catch (e) {
    reader.problems.push(`IDENTITY_MAP: cannot read ${full} as JSON (${(e as Error).message})`);
    return map;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    reader.problems.push(`IDENTITY_MAP: ${full} must hold a JSON object {"U0123ABC": "<ISC identity id>", "a@b.com": "<id>"}`);
    return map;
  }
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== 'string' || !value) {
      reader.problems.push(`IDENTITY_MAP: the value for "${key}" must be an ISC identity id string`);
      continue;
    }
    map.set(key.includes('@') ? key.toLowerCase() : key, value);
  }
  return map;
}

/** Slack's own host for response_urls; SLACK_RESPONSE_URL_HOSTS adds others (GovSlack's). */
export const SLACK_RESPONSE_URL_HOST = 'hooks.slack.com';
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?::\d{1,5})?$/;

/** A comma-separated list of ids that must all match `pattern`, or undefined when unset. */
function readIds(r: EnvReader, name: string, pattern: RegExp, example: string): string[] | undefined {
  const raw = r.optional(name);
  if (raw === undefined) return undefined;
  const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ids.filter((id) => !pattern.test(id));
  if (bad.length || !ids.length) r.problems.push(`${name} must list ids like ${example} (bad: ${bad.join(', ') || '(none given)'})`);
  return ids;
}

/** Which workspaces and app the bot serves, and where it may post a response_url. */
function readSlackBoundaries(r: EnvReader): Pick<SlackConfig, 'teamIds' | 'enterpriseId' | 'appId' | 'responseUrlHosts'> {
  const teamIds = readIds(r, 'SLACK_TEAM_IDS', /^T[A-Z0-9]{2,}$/, 'T0123ABCD');
  const [enterpriseId, ...moreOrgs] = readIds(r, 'SLACK_ENTERPRISE_ID', /^E[A-Z0-9]{2,}$/, 'E0123ABCD') ?? [];
  if (moreOrgs.length) r.problems.push('SLACK_ENTERPRISE_ID takes one organisation id');
  const [appId, ...moreApps] = readIds(r, 'SLACK_APP_ID', /^A[A-Z0-9]{2,}$/, 'A0123ABCD') ?? [];
  if (moreApps.length) r.problems.push('SLACK_APP_ID takes one app id');
  const hosts = (r.optional('SLACK_RESPONSE_URL_HOSTS') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const badHosts = hosts.filter((h) => !HOST.test(h));
  if (badHosts.length) r.problems.push(`SLACK_RESPONSE_URL_HOSTS must list host names such as hooks.slack-gov.com, without https:// or a path (bad: ${badHosts.join(', ')})`);
  return {
    ...(teamIds ? { teamIds: new Set(teamIds) } : {}),
    ...(enterpriseId ? { enterpriseId } : {}),
    ...(appId ? { appId } : {}),
    responseUrlHosts: new Set([SLACK_RESPONSE_URL_HOST, ...hosts]),
  };
}

function withTrailingSlash(url: string | undefined): string | undefined {
  return url === undefined ? undefined : `${url}/`;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+$/;
/** Bounds the digest's ISC calls (two per approver). */
const MAX_DIGEST_OWNERS = 500;

/** A comma-separated list of Slack user ids or emails (emails lower-cased), without repeats. */
function readSlackUsersOrEmails(r: EnvReader, name: string): string[] {
  const entries = (r.optional(name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((e) => (e.includes('@') ? e.toLowerCase() : e));
  const bad = entries.filter((e) => !SLACK_USER_ID.test(e) && !EMAIL.test(e));
  if (bad.length) r.problems.push(`${name} must list Slack user ids or emails (bad: ${bad.join(', ')})`);
  return [...new Set(entries)];
}

function readDigest(r: EnvReader): DigestConfig {
  const channel = r.optional('DIGEST_CHANNEL');
  if (channel && !SLACK_CHANNEL_ID.test(channel)) {
    r.problems.push(`DIGEST_CHANNEL must be a channel id like C0123ABCD (channel details → About), not a name (got "${channel}")`);
  }
  const adminChannel = r.optional('DIGEST_ADMIN_CHANNEL');
  if (adminChannel && !SLACK_CHANNEL_ID.test(adminChannel)) {
    r.problems.push(`DIGEST_ADMIN_CHANNEL must be a channel id like C0123ABCD (channel details → About), not a name (got "${adminChannel}")`);
  }
  const timeZone = r.optional('DIGEST_TIMEZONE') ?? 'UTC';
  const zoneOk = isIanaTimeZone(timeZone);
  if (!zoneOk) r.problems.push(`DIGEST_TIMEZONE must be an IANA time zone such as Europe/Berlin or UTC (got "${timeZone}")`);
  const schedule = r.optional('DIGEST_SCHEDULE') ?? '0 9 * * 1-5';
  const cron = cronProblem(schedule, zoneOk ? timeZone : 'UTC');
  if (cron) r.problems.push(`DIGEST_SCHEDULE must be a 5-field cron pattern such as "0 9 * * 1-5" (${cron})`);
  const owners = readSlackUsersOrEmails(r, 'DIGEST_OWNERS');
  if (owners.length > MAX_DIGEST_OWNERS) r.problems.push(`DIGEST_OWNERS lists ${owners.length} approvers; at most ${MAX_DIGEST_OWNERS} are allowed`);
  return {
    channel,
    ...(adminChannel ? { adminChannel } : {}),
    schedule,
    timeZone,
    owners,
    graceMinutes: r.integer('DIGEST_GRACE_MINUTES', 120, 0, 1440),
    staleAfterDays: r.integer('STALE_AFTER_DAYS', 3, 1, 365),
    stuckAfterHours: r.integer('STUCK_AFTER_HOURS', 6, 1, 720),
  };
}

/** A URL that may hold a password: parsed when it has a host and one of `protocols`, else a problem that never echoes it. */
function readSecretUrl(r: EnvReader, name: string, protocols: string[], problem: string): { url: string; parsed?: URL } | undefined {
  const url = r.optional(name);
  if (!url) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: it may hold a password.
  }
  if (!parsed || !protocols.includes(parsed.protocol) || !parsed.hostname) {
    r.problems.push(problem);
    return { url };
  }
  return { url, parsed };
}

function readRedis(r: EnvReader): RedisConfig | undefined {
  const read = readSecretUrl(r, 'REDIS_URL', ['redis:', 'rediss:'], 'REDIS_URL must be a redis:// or rediss:// (TLS) URL such as rediss://:password@redis.example.com:6380/0');
  if (!read) return undefined;
  const { url, parsed } = read;
  if (parsed && parsed.pathname.length > 1 && !/^\/\d+$/.test(parsed.pathname)) {
    r.problems.push('REDIS_URL may end with a database number only (such as /0)');
  }
  const keyPrefix = r.optional('REDIS_KEY_PREFIX') ?? 'isc-workitems:';
  if (!/^[\w.:-]{1,64}$/.test(keyPrefix)) r.problems.push(`REDIS_KEY_PREFIX must be 1 to 64 letters, digits, _ . : or - (got "${keyPrefix}")`);
  return { url, keyPrefix, leaseMs: r.integer('LEADER_LEASE_SECONDS', 15, 3, 300) * 1000 };
}

function readDatabaseUrl(r: EnvReader): string | undefined {
  const problem = 'DATABASE_URL must be a postgres:// or postgresql:// URL such as postgres://bot:password@db.example.com:5432/isc_bot?sslmode=require';
  return readSecretUrl(r, 'DATABASE_URL', ['postgres:', 'postgresql:'], problem)?.url;
}

/** Long enough that it cannot be guessed: ISC sends it with every event. */
const TRIGGER_SECRET_MIN = 24;

function readRequests(r: EnvReader): RequestsConfig {
  const triggerSecret = r.optional('ISC_TRIGGER_SECRET');
  if (triggerSecret !== undefined && triggerSecret.length < TRIGGER_SECRET_MIN) {
    r.problems.push(`ISC_TRIGGER_SECRET must be at least ${TRIGGER_SECRET_MIN} characters (e.g. openssl rand -hex 32)`);
  }
  return {
    followIntervalMs: r.integer('REQUEST_FOLLOW_SECONDS', 60, 15, 3600) * 1000,
    reviewNoticeIntervalMs: r.integer('REVIEW_NOTICE_SECONDS', 300, 60, 3600) * 1000,
    ...(triggerSecret ? { triggerSecret } : {}),
  };
}

function readNotify(r: EnvReader): NotifyConfig {
  const users = readSlackUsersOrEmails(r, 'NOTIFY_USERS');
  const quiet = r.optional('QUIET_HOURS') ?? '20:00-08:00';
  const quietHours = quiet.toLowerCase() === 'off' ? undefined : parseQuietHours(quiet);
  if (quietHours === null) r.problems.push(`QUIET_HOURS must be a range of local times such as 20:00-08:00, or off (got "${quiet}")`);
  return {
    users,
    pollIntervalMs: r.integer('POLL_INTERVAL_SECONDS', 60, 10, 86_400) * 1000,
    remindAfterMs: r.integer('REMIND_AFTER_HOURS', 24, 1, 720) * 3_600_000,
    quietHours: quietHours ?? undefined,
    pollRateShare: r.number('POLL_RATE_SHARE', 0.5, 0.05, 1),
    sweep: r.oneOf('NOTIFY_SWEEP', ['on', 'off'] as const, 'on') === 'on',
    sweepIntervalMs: r.integer('SWEEP_INTERVAL_SECONDS', 30, 10, 3600) * 1000,
    workItemCeilingMs: r.integer('WORK_ITEM_POLL_CEILING_SECONDS', 3600, 60, 7 * 86_400) * 1000,
  };
}

const VERSION_SETTINGS: { [K in keyof ApiVersions]: string } = {
  workItems: 'SAIL_WORK_ITEMS_API',
  taskManagement: 'SAIL_TASK_STATUS_API',
  identities: 'SAIL_IDENTITIES_API',
  accessRequestApprovals: 'SAIL_ACCESS_REQUEST_APPROVALS_API',
};

/** Each API's layout: its variable picks v1 (the default) or its legacy version. */
function readVersions(r: EnvReader): ApiVersions {
  const pick = <K extends keyof ApiVersions>(api: K) =>
    r.oneOf(VERSION_SETTINGS[api], [DEFAULT_VERSIONS[api], LEGACY_VERSIONS[api]] as const, DEFAULT_VERSIONS[api]) as ApiVersions[K];
  return {
    workItems: pick('workItems'),
    taskManagement: pick('taskManagement'),
    identities: pick('identities'),
    accessRequestApprovals: pick('accessRequestApprovals'),
  };
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const fileProblems: string[] = [];
  const r = new EnvReader(readSecretFiles(env, cwd, fileProblems));
  r.problems.push(...fileProblems);

  // The demo tenant only when asked for: a bot meant for a tenant must not run on demo data in silence.
  const rawBase = r.optional('SAIL_BASE_URL');
  const sandbox = rawBase?.toLowerCase() === 'sandbox';
  if (rawBase === undefined) {
    r.problems.push(
      r.optional('SAIL_CLIENT_ID') || r.optional('SAIL_CLIENT_SECRET')
        ? "SAIL_BASE_URL is missing: SAIL_CLIENT_ID / SAIL_CLIENT_SECRET are set, so set SAIL_BASE_URL to your tenant's API base, https://{tenant}.api.identitynow.com"
        : "SAIL_BASE_URL is missing: set it to your tenant's API base (https://{tenant}.api.identitynow.com), or set SAIL_BASE_URL=sandbox to try the bot on an embedded demo tenant; npm run demo tries it without Slack too",
    );
  }
  const baseUrl = sandbox ? 'sandbox' : rawBase === undefined ? '' : r.url('SAIL_BASE_URL', rawBase) ?? '';
  const credential = (name: string, sandboxValue: string, hint: string) =>
    sandbox ? r.optional(name) ?? sandboxValue : rawBase === undefined ? r.optional(name) ?? '' : r.required(name, hint);
  const clientId = credential('SAIL_CLIENT_ID', 'sandbox', 'the client id of an ISC API client or personal access token');
  const clientSecret = credential('SAIL_CLIENT_SECRET', 'sandbox-secret', 'the secret of that API client or personal access token');
  const uiFromEnv = r.url('ISC_UI_URL', r.optional('ISC_UI_URL'));

  const botToken = r.required('SLACK_BOT_TOKEN', 'the Bot User OAuth Token (xoxb-…) from your Slack app\'s "OAuth & Permissions" page');
  if (botToken && !botToken.startsWith('xoxb-')) r.problems.push('SLACK_BOT_TOKEN must be a bot token starting with xoxb-');
  const appToken = r.optional('SLACK_APP_TOKEN');
  if (appToken && !appToken.startsWith('xapp-')) r.problems.push('SLACK_APP_TOKEN must be an app-level token starting with xapp- (or unset for HTTP mode)');
  const signingSecret = appToken
    ? r.optional('SLACK_SIGNING_SECRET')
    : r.required('SLACK_SIGNING_SECRET', 'the Signing Secret from "Basic Information" (required in HTTP mode, i.e. without SLACK_APP_TOKEN)');

  const admins = (r.optional('ADMIN_SLACK_USER_IDS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const badAdmins = admins.filter((a) => !SLACK_USER_ID.test(a));
  if (badAdmins.length) r.problems.push(`ADMIN_SLACK_USER_IDS must be Slack user ids like U0123ABCD (bad: ${badAdmins.join(', ')})`);

  const authMode = r.oneOf('AUTH_MODE', ['service', 'linked', 'linked-required'] as const, 'service');

  const config: Config = {
    isc: {
      baseUrl,
      clientId,
      clientSecret,
      timeoutMs: r.integer('SAIL_TIMEOUT_MS', 10_000, 500, 120_000),
      rateLimitPer10s: r.integer('SAIL_RATE_LIMIT_PER_10S', 90, 1, 10_000),
      queueMax: r.integer('SAIL_QUEUE_MAX', 100, 1, 100_000),
      readWaitMs: r.integer('SAIL_READ_WAIT_MS', 2_000, 100, 60_000),
      versions: readVersions(r),
      uiBaseUrl: uiFromEnv ?? (sandbox || !baseUrl ? undefined : deriveIscUiBaseUrl(baseUrl)),
    },
    slack: {
      botToken,
      signingSecret,
      appToken,
      port: r.integer('PORT', 3000, 1, 65535),
      // @slack/web-api joins method names onto this base, so it must end with a slash (https://slack.com/api/).
      apiUrl: withTrailingSlash(r.url('SLACK_API_URL', r.optional('SLACK_API_URL'))),
      adminUserIds: new Set(admins),
      userRequestsPer10s: r.integer('USER_REQUESTS_PER_10S', 10, 1, 1_000),
      ...readSlackBoundaries(r),
    },
    auth: authMode === 'service' ? { mode: authMode } : { mode: authMode, linking: readLinking(r, sandbox, baseUrl) },
    digest: readDigest(r),
    notify: readNotify(r),
    audit: { retentionDays: r.integer('AUDIT_RETENTION_DAYS', 400, 1, 3650), databaseUrl: readDatabaseUrl(r) },
    requests: readRequests(r),
    identityMap: readIdentityMap(r, r.optional('IDENTITY_MAP'), cwd),
    dataDir: path.resolve(cwd, r.optional('DATA_DIR') ?? './data'),
    redis: readRedis(r),
    logLevel: r.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    logFormat: r.oneOf('LOG_FORMAT', ['text', 'json'] as const, 'text'),
    identityCacheTtlMs: r.integer('IDENTITY_CACHE_TTL_SECONDS', 3600, 0, 86_400) * 1000,
  };
  r.problems.push(...placeholderSettings(r.env, r.names), ...misspelledSettings(env, r.names));
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}
