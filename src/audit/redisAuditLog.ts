import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import type { AuditLog, AuditRecord } from './auditLog';

const DAY_MS = 24 * 3600_000;
/** Entries read per XRANGE call while exporting. */
const READ_BATCH = 500;
/** Stream ids carry Redis's clock, records the bot's: read a little before `since`, then filter on `at`. */
const CLOCK_MARGIN_MS = 3600_000;

export interface RedisAuditLogOptions {
  retentionDays: number;
  logger: Logger;
  now?: () => Date;
  /** Stream key (under the client's key prefix). */
  key?: string;
  /** Called by close(): the connection when this log opened its own (the export CLI). */
  onClose?: () => Promise<void>;
}

/**
 * The audit trail as one Redis stream shared by every replica. Each record is one XADD, which Redis
 * applies atomically and in order; append() resolves once Redis has it (as durable as the server's
 * persistence: run it with appendonly yes, as the README says). Entries older than the retention are
 * trimmed by stream id (XADD … MINID), never rewritten. Redis unreachable: append() throws, so the
 * caller does not call ISC.
 */
export class RedisAuditLog implements AuditLog {
  private readonly now: () => Date;
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisAuditLogOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.key = opts.key ?? 'audit';
  }

  private cutoffMs(): number {
    return this.now().getTime() - this.opts.retentionDays * DAY_MS;
  }

  async append(record: AuditRecord): Promise<void> {
    // `~`: Redis trims whole macro-nodes only, cheaply; a record may outlive the retention a little, never the reverse.
    await this.redis.xadd(this.key, 'MINID', '~', String(this.cutoffMs()), '*', 'r', JSON.stringify(record));
  }

  async *readSince(since: Date): AsyncIterable<AuditRecord> {
    let start = String(Math.max(0, since.getTime() - CLOCK_MARGIN_MS));
    for (;;) {
      const entries = await this.redis.xrange(this.key, start, '+', 'COUNT', READ_BATCH);
      for (const [id, fields] of entries) {
        const raw = fields[fields.indexOf('r') + 1];
        let record: AuditRecord;
        try {
          record = JSON.parse(raw) as AuditRecord;
        } catch {
          this.opts.logger.warn('Skipped an unreadable entry of the audit stream', { id });
          continue;
        }
        if (Date.parse(record.at) >= since.getTime()) yield record;
      }
      if (entries.length < READ_BATCH) return;
      start = `(${entries[entries.length - 1][0]}`;
    }
  }

  async prune(): Promise<void> {
    await this.redis.xtrim(this.key, 'MINID', String(this.cutoffMs()));
  }

  async close(): Promise<void> {
    await this.opts.onClose?.();
  }
}
