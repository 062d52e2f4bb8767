import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import { RedisStateStore } from '../store/redisStore';
import type { StateStore } from '../store/store';
import type { AuditLog } from './auditLog';
import { FileAuditLog } from './fileAuditLog';
import { PgAuditLog } from './pgAuditLog';
import { RedisAuditLog } from './redisAuditLog';

/**
 * The audit trail: in PostgreSQL with DATABASE_URL (its schema migrated first); else in the state
 * store's backend: a Redis stream shared by every replica when Redis is used (through `store`'s
 * connection, or one of its own for the export CLI, closed with the log), otherwise JSON-lines files
 * in DATA_DIR/audit.
 */
export async function openAuditLog(config: Pick<Config, 'dataDir' | 'audit' | 'redis'>, logger: Logger, store?: StateStore): Promise<AuditLog> {
  const opts = { retentionDays: config.audit.retentionDays, logger };
  if (config.audit.databaseUrl) return PgAuditLog.open(config.audit.databaseUrl, opts);
  if (store instanceof RedisStateStore) return new RedisAuditLog(store.client, opts);
  if (config.redis) {
    const own = await RedisStateStore.connect({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger });
    return new RedisAuditLog(own.client, { ...opts, onClose: () => own.close() });
  }
  return FileAuditLog.open(path.join(config.dataDir, 'audit'), opts);
}
