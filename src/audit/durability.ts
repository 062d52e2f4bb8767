import type { Redis } from 'ioredis';
import { ConfigError, type Config } from '../config';
import type { Logger } from '../log';

const FIX = 'Set DATABASE_URL to keep the audit trail in PostgreSQL, or';

/**
 * With several replicas (REDIS_URL) the audit trail must outlive a restart of its storage: in
 * PostgreSQL (DATABASE_URL), or in a Redis that persists (append-only file, or RDB snapshots). A Redis
 * that keeps nothing on disk loses the whole trail when it restarts, so the bot refuses to start on
 * one, and says what to change. Throws a ConfigError.
 */
export async function checkTrailDurable(config: Pick<Config, 'audit' | 'redis'>, redis: Redis | undefined, logger: Logger): Promise<void> {
  if (!config.redis || config.audit.databaseUrl || !redis) return;
  let appendonly: string | undefined;
  let save: string | undefined;
  try {
    appendonly = configValue(await redis.config('GET', 'appendonly'));
    save = configValue(await redis.config('GET', 'save'));
  } catch (e) {
    throw new ConfigError([
      `Several replicas (REDIS_URL) need a durable audit trail, and this Redis refuses CONFIG GET (${e instanceof Error ? e.message : String(e)}), ` +
        `so the bot cannot check that it persists. ${FIX} allow CONFIG GET for the bot's Redis user.`,
    ]);
  }
  if (appendonly === 'yes') return;
  if (save) {
    logger.warn('Redis persists by RDB snapshots only: audit records written since the last snapshot are lost if Redis crashes. Set appendonly yes, or DATABASE_URL.', { save });
    return;
  }
  throw new ConfigError([
    'Several replicas (REDIS_URL) need a durable audit trail, and this Redis keeps nothing on disk (appendonly no, save ""): ' +
      `a restart would empty the trail. ${FIX} turn on Redis persistence: appendonly yes (CONFIG SET appendonly yes, and in redis.conf).`,
  ]);
}

/** CONFIG GET answers [name, value] (RESP2) or a map (RESP3). */
function configValue(reply: unknown): string | undefined {
  if (Array.isArray(reply)) return reply.length >= 2 ? String(reply[1]) : undefined;
  if (reply && typeof reply === 'object') return Object.values(reply as Record<string, unknown>).map(String)[0];
  return undefined;
}
