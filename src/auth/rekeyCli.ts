// `npm run rekey`: seals every linked account's ISC tokens again with the first key of
// TOKEN_ENCRYPTION_KEYS, so an older key can then be removed from the list without anyone
// reconnecting. With REDIS_URL it runs beside the bots; with the file store, while the bot is stopped
// (it holds DATA_DIR).
import fs from 'node:fs';
import { ConfigError, loadConfig, withoutIscSettings, withoutSlackSettings } from '../config';
import { createLogger, redact, registerSecret, writeToStderr, type Logger } from '../log';
import { FileStateStore } from '../store/fileStore';
import { RedisStateStore } from '../store/redisStore';
import { LinkedAccounts } from './linkedAccounts';
import { TokenCipher } from './tokenCrypto';

type Env = Record<string, string | undefined>;

/** Writes what it did to `out`; returns the process exit code (1 when some link could not be opened). */
export async function runRekeyCli(env: Env, out: (text: string) => void, err: (text: string) => void, logger?: Logger): Promise<number> {
  const config = loadConfig(withoutIscSettings(withoutSlackSettings(env)));
  if (config.auth.mode === 'service') {
    err('AUTH_MODE is service: no linked accounts are kept, so there is nothing to re-encrypt. Run this with the bot\'s own settings.\n');
    return 2;
  }
  const keys = config.auth.linking.tokenEncryptionKeys;
  for (const { key } of keys) registerSecret(key.toString('base64'));
  const log = logger ?? createLogger(config.logLevel, writeToStderr, config.logFormat);
  const store = config.redis
    ? await RedisStateStore.connect({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger: log })
    : await FileStateStore.open(config.dataDir, { onLockLost: (message) => log.error(message) });
  try {
    const report = await new LinkedAccounts(store, new TokenCipher(keys), { logger: log }).resealAll();
    const current = keys[0].id ? `the key "${keys[0].id}"` : 'TOKEN_ENCRYPTION_KEY';
    out(`Re-encrypted ${report.resealed} linked account(s) with ${current}; ${report.unchanged} needed nothing.\n`);
    if (!report.unreadable.length) return 0;
    err(
      `${report.unreadable.length} linked account(s) could not be decrypted with any key listed, and were left as they are (their users must run /workitems connect again): ${report.unreadable.join(', ')}\n`,
    );
    return 1;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
  runRekeyCli(process.env, write(process.stdout), write(process.stderr)).then(
    (code) => void (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(e instanceof ConfigError ? `${e.message}\n` : redact(`rekey failed: ${e instanceof Error ? e.message : String(e)}\n`));
      process.exit(1);
    },
  );
}
