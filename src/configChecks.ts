import fs from 'node:fs';
import path from 'node:path';

type Env = Record<string, string | undefined>;

/** Settings that hold a secret: each may instead be read from the file NAME_FILE names (a mounted Secret). */
export const SECRET_SETTINGS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SAIL_CLIENT_SECRET',
  'SAIL_OAUTH_CLIENT_SECRET',
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_ENCRYPTION_KEYS',
  'REDIS_URL',
  'DATABASE_URL',
  'ISC_TRIGGER_SECRET',
] as const;

/**
 * Every setting the bot reads (besides those loadConfig asks for, which it adds), for "did you mean".
 * A variable of one of these families (the part before the first `_`) that is not a setting but is
 * spelled nearly like one is a typo that would otherwise be ignored in silence.
 */
export const KNOWN_SETTINGS: readonly string[] = [
  ...SECRET_SETTINGS,
  ...SECRET_SETTINGS.map((name) => `${name}_FILE`),
  'PORT',
  'SLACK_API_URL',
  'SLACK_TEAM_IDS',
  'SLACK_ENTERPRISE_ID',
  'SLACK_APP_ID',
  'SLACK_RESPONSE_URL_HOSTS',
  'ADMIN_SLACK_USER_IDS',
  'SAIL_BASE_URL',
  'SAIL_CLIENT_ID',
  'SAIL_TIMEOUT_MS',
  'SAIL_RATE_LIMIT_PER_10S',
  'SAIL_QUEUE_MAX',
  'SAIL_READ_WAIT_MS',
  'USER_REQUESTS_PER_10S',
  'SAIL_WORK_ITEMS_API',
  'SAIL_TASK_STATUS_API',
  'SAIL_IDENTITIES_API',
  'SAIL_ACCESS_REQUEST_APPROVALS_API',
  'SAIL_OAUTH_CLIENT_ID',
  'SAIL_LOGIN_URL',
  'ISC_UI_URL',
  'IDENTITY_MAP',
  'IDENTITY_CACHE_TTL_SECONDS',
  'DATA_DIR',
  'REDIS_KEY_PREFIX',
  'LEADER_LEASE_SECONDS',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'DIGEST_CHANNEL',
  'DIGEST_ADMIN_CHANNEL',
  'DIGEST_SCHEDULE',
  'DIGEST_TIMEZONE',
  'DIGEST_OWNERS',
  'DIGEST_GRACE_MINUTES',
  'STALE_AFTER_DAYS',
  'STUCK_AFTER_HOURS',
  'NOTIFY_USERS',
  'POLL_INTERVAL_SECONDS',
  'POLL_RATE_SHARE',
  'NOTIFY_SWEEP',
  'SWEEP_INTERVAL_SECONDS',
  'WORK_ITEM_POLL_CEILING_SECONDS',
  'REMIND_AFTER_HOURS',
  'QUIET_HOURS',
  'AUTH_MODE',
  'PUBLIC_URL',
  'AUDIT_RETENTION_DAYS',
  'REQUEST_FOLLOW_SECONDS',
  'REVIEW_NOTICE_SECONDS',
  'GIT_COMMIT',
];

/**
 * The environment with every NAME_FILE read into NAME (its contents trimmed, as `echo … > file` and
 * Kubernetes Secrets add a newline). NAME and NAME_FILE both set is an error: which one wins would
 * be a guess.
 */
export function readSecretFiles(env: Env, cwd: string, problems: string[]): Env {
  const out: Env = { ...env };
  for (const name of SECRET_SETTINGS) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) {
      problems.push(`${name} and ${name}_FILE are both set: set only one of them`);
      continue;
    }
    const full = path.resolve(cwd, file);
    try {
      out[name] = fs.readFileSync(full, 'utf8').trim();
    } catch (e) {
      problems.push(`${name}_FILE: cannot read ${full} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    if (!out[name]) problems.push(`${name}_FILE: ${full} is empty`);
  }
  return out;
}

/** Optimal string alignment distance: Levenshtein's, with a swap of two neighbours counting as one edit (ULR → URL). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

const family = (name: string) => name.split('_')[0];

/**
 * "Did you mean" for each variable that is not a setting but is within a typo of one in the same
 * family (REDIS_ULR, SLACK_BOT_TOKN, redis_url). A variable of the family far from every setting (another
 * tool's SLACK_WEBHOOK_URL) is left alone.
 */
export function misspelledSettings(env: Env, known: ReadonlySet<string>): string[] {
  const families = new Set([...known].map(family));
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.has(name) || !env[name]?.trim()) continue;
    const upper = name.toUpperCase();
    if (!families.has(family(upper))) continue;
    const allowed = upper.length <= 8 ? 1 : 2;
    let best: { name: string; distance: number } | undefined;
    for (const candidate of known) {
      if (family(candidate) !== family(upper)) continue;
      const distance = editDistance(upper, candidate);
      if (distance <= allowed && (!best || distance < best.distance)) best = { name: candidate, distance };
    }
    if (best) problems.push(`${name} is not a setting of the bot: did you mean ${best.name}?`);
  }
  return problems;
}

/** The example values of .env.example and the README: `your-…`, and URLs on the reserved example.com/.org/.net domains. */
const PLACEHOLDER = /(^|[^a-z0-9])your[-_]|:\/\/([^/@\s]*@)?([\w-]+\.)*example\.(com|org|net)([:/]|$)/i;

/** Settings that still hold an example value copied from .env.example. The value is not echoed: it may be a secret after all. */
export function placeholderSettings(env: Env, known: ReadonlySet<string>): string[] {
  return [...known]
    .filter((name) => PLACEHOLDER.test(env[name]?.trim() ?? ''))
    .map((name) => `${name} still holds the example value from .env.example: replace it with your own`);
}
