// `npm run digest -- --dry-run`: reads ISC (the embedded sandbox with SAIL_BASE_URL=sandbox) and
// prints the digest's Block Kit JSON. It never posts and never writes the state store, which a
// running bot owns (it reads a snapshot of the state file without taking DATA_DIR's lock, or Redis
// when REDIS_URL is set); `/workitems digest` posts it.
import fs from 'node:fs';
import { WebClient } from '@slack/web-api';
import { ConfigError, loadConfig, withoutSlackSettings } from '../config';
import { connectIsc } from '../isc/connect';
import { proxiedFetch } from '../proxy';
import { createLogger, redact, registerSecret, writeToStderr, type Logger } from '../log';
import { FileStateStore } from '../store/fileStore';
import { RedisStateStore } from '../store/redisStore';
import { IdentityDirectory } from '../workitems/identityDirectory';
import { Subscriptions } from '../notify/subscriptions';
import { DigestService } from './digestService';

type Env = Record<string, string | undefined>;

const USAGE = 'Usage: npm run digest -- --dry-run   (prints the digest and its task-health post as Block Kit JSON; post it with /workitems digest)\n';

/** Prints the digest JSON to `out`; returns the process exit code. */
export async function runDigestCli(args: readonly string[], env: Env, out: (text: string) => void, logger?: Logger): Promise<number> {
  if (!args.includes('--dry-run')) {
    process.stderr.write(USAGE);
    return 2;
  }
  // Slack is only needed to map Slack user ids in DIGEST_OWNERS, so a dry run does not insist on its settings.
  const config = loadConfig(withoutSlackSettings(env));
  const log = logger ?? createLogger(config.logLevel, writeToStderr, config.logFormat);
  for (const secret of [config.isc.clientSecret, config.slack.botToken]) registerSecret(secret);
  const { isc, sandbox } = await connectIsc(config, log);
  try {
    const fetch = proxiedFetch();
    // No retries: a dry run should fail fast rather than wait out Slack's half-hour retry schedule.
    const slack = new WebClient(config.slack.botToken, {
      retryConfig: { retries: 0 },
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
      // Through HTTPS_PROXY, as the bot's own clients.
      ...(fetch ? { fetch } : {}),
    });
    const directory = new IdentityDirectory({ slack, identities: isc.identities, overrides: config.identityMap, ttlMs: config.identityCacheTtlMs, logger: log });
    const store = config.redis
      ? await RedisStateStore.connect({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger: log })
      : await FileStateStore.snapshot(config.dataDir);
    try {
      // The approvers of the real digest: DIGEST_OWNERS and the bot's subscribers, as the store records them.
      const subscriptions = new Subscriptions({ store, configured: [], lookupByEmail: async () => undefined, logger: log });
      const knownApprovers = () => subscriptions.activeUserIds();
      const posts = await new DigestService({ config, isc, directory, store, logger: log, now: () => new Date(), knownApprovers }, slack).buildPosts();
      // The two posts, in order: the approvers' digest, then task health for admins.
      out(JSON.stringify([posts.digest, posts.tasks], null, 2) + '\n');
    } finally {
      await store.close();
    }
    return 0;
  } finally {
    await sandbox?.close();
  }
}

if (require.main === module) {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  runDigestCli(process.argv.slice(2), process.env, (text) => process.stdout.write(text)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(e instanceof ConfigError ? `${e.message}\n` : redact(`digest failed: ${e instanceof Error ? e.message : String(e)}\n`));
      process.exit(1);
    },
  );
}
