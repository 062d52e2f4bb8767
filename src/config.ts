import fs from 'node:fs';
import path from 'node:path';
import type { LogLevel } from './log';

export type WorkItemsApiVersion = 'v3' | 'v1';
export type TaskStatusApiVersion = 'v2024' | 'v1';
export type IdentitiesApiVersion = 'v3' | 'v1';

export interface IscConfig {
  /** 'sandbox' starts the embedded demo tenant; otherwise the tenant's API base, e.g. https://acme.api.identitynow.com */
  baseUrl: string | 'sandbox';
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  rateLimitPer10s: number;
  versions: { workItems: WorkItemsApiVersion; taskManagement: TaskStatusApiVersion; identities: IdentitiesApiVersion };
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
}

export interface Config {
  isc: IscConfig;
  slack: SlackConfig;
  /** Slack user id or email → ISC identity id, from the IDENTITY_MAP file. */
  identityMap: ReadonlyMap<string, string>;
  dataDir: string;
  logLevel: LogLevel;
  identityCacheTtlMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example and the README.`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Collects every problem instead of stopping at the first, so one start-up names every bad variable. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  optional(name: string): string | undefined {
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

function withTrailingSlash(url: string | undefined): string | undefined {
  return url === undefined ? undefined : `${url}/`;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const r = new EnvReader(env);

  const rawBase = r.optional('SAIL_BASE_URL');
  const sandbox = rawBase === undefined || rawBase.toLowerCase() === 'sandbox';
  const baseUrl = sandbox ? 'sandbox' : r.url('SAIL_BASE_URL', rawBase) ?? '';
  const clientId = sandbox ? r.optional('SAIL_CLIENT_ID') ?? 'sandbox' : r.required('SAIL_CLIENT_ID', 'the client id of an ISC API client or personal access token');
  const clientSecret = sandbox
    ? r.optional('SAIL_CLIENT_SECRET') ?? 'sandbox-secret'
    : r.required('SAIL_CLIENT_SECRET', 'the secret of that API client or personal access token');
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

  const config: Config = {
    isc: {
      baseUrl,
      clientId,
      clientSecret,
      timeoutMs: r.integer('SAIL_TIMEOUT_MS', 10_000, 500, 120_000),
      rateLimitPer10s: r.integer('SAIL_RATE_LIMIT_PER_10S', 90, 1, 100),
      versions: {
        workItems: r.oneOf('SAIL_WORK_ITEMS_API', ['v3', 'v1'] as const, 'v3'),
        taskManagement: r.oneOf('SAIL_TASK_STATUS_API', ['v2024', 'v1'] as const, 'v2024'),
        identities: r.oneOf('SAIL_IDENTITIES_API', ['v3', 'v1'] as const, 'v3'),
      },
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
    },
    identityMap: readIdentityMap(r, r.optional('IDENTITY_MAP'), cwd),
    dataDir: path.resolve(cwd, r.optional('DATA_DIR') ?? './data'),
    logLevel: r.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    identityCacheTtlMs: r.integer('IDENTITY_CACHE_TTL_SECONDS', 3600, 0, 86_400) * 1000,
  };
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}
