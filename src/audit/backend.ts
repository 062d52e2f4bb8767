import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { AuditLog } from './auditLog';
import { FileAuditLog } from './fileAuditLog';

/** The audit trail in the state store's backend: JSON-lines files in DATA_DIR/audit. */
export function openAuditLog(config: Pick<Config, 'dataDir' | 'audit'>, logger: Logger): Promise<AuditLog> {
  return FileAuditLog.open(path.join(config.dataDir, 'audit'), { retentionDays: config.audit.retentionDays, logger });
}
