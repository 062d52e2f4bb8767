import { Pool, type PoolClient } from 'pg';
import { registerSecret, type Logger } from '../log';
import type { AuditLog, AuditRecord } from './auditLog';
import { link, pruneMark, SerialQueue, unchained, verifyChain, type ChainedRecord, type ChainHead, type VerifyResult } from './chain';
import { inTransaction, migrate } from './migrations';

const DAY_MS = 24 * 3600_000;
/** Rows read per query while exporting or verifying. */
const READ_BATCH = 500;

export interface PgAuditLogOptions {
  retentionDays: number;
  logger: Logger;
  now?: () => Date;
  /** Bounds every query, so that a stuck database fails an append (and ISC is not called) instead of holding it. */
  queryTimeoutMs?: number;
}

interface Row {
  seq: string;
  prev: string;
  hash: string;
  record: string;
}

const entryOf = (row: Row): ChainedRecord => ({ ...(JSON.parse(row.record) as AuditRecord), seq: Number(row.seq), prev: row.prev, hash: row.hash });

/**
 * The audit trail in PostgreSQL (DATABASE_URL): the table `audit_trail`, one hash chain per database
 * (or per schema, chosen by the URL's search_path). Every append is one transaction that locks the
 * chain's head row (`SELECT … FOR UPDATE`), inserts the next link and moves the head, so replicas
 * appending at once still form one chain; append() resolves once it is committed. Triggers refuse
 * UPDATE, DELETE and TRUNCATE (migrations.ts) except for the retention, which deletes the oldest
 * records and appends a prune mark in one transaction.
 */
export class PgAuditLog implements AuditLog {
  private readonly now: () => Date;
  private readonly queue = new SerialQueue();
  private nextPruneAt = 0;

  private constructor(
    /** Also the notification receipts' (src/notify/receipts.ts): one pool per replica. */
    readonly pool: Pool,
    private readonly opts: PgAuditLogOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Connects, and brings the schema up to date (versioned migrations) before the first record. */
  static async open(url: string, opts: PgAuditLogOptions): Promise<PgAuditLog> {
    registerSecret(passwordOf(url));
    const timeout = opts.queryTimeoutMs ?? 10_000;
    const pool = new Pool({ connectionString: url, max: 4, connectionTimeoutMillis: timeout, query_timeout: timeout, application_name: 'isc-workitems-bot' });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', (e) => opts.logger.warn('A PostgreSQL connection of the audit trail was lost', { error: e.message }));
    try {
      await migrate(pool, opts.logger);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return new PgAuditLog(pool, opts);
  }

  async append(record: AuditRecord): Promise<void> {
    await this.queue.run(() => inTransaction(this.pool, (client) => this.appendLinked(client, record)));
    if (this.now().getTime() >= this.nextPruneAt) await this.prune();
  }

  /** In the caller's transaction: locks the head, inserts the record as the next link, moves the head. */
  private async appendLinked(client: PoolClient, record: AuditRecord): Promise<void> {
    const head = await this.head(client, 'FOR UPDATE');
    const entry = link(record, head);
    await client.query('INSERT INTO audit_trail (seq, at, prev, hash, record) VALUES ($1, $2, $3, $4, $5)', [
      entry.seq,
      record.at,
      entry.prev,
      entry.hash,
      JSON.stringify(unchained(entry)),
    ]);
    await client.query('UPDATE audit_chain_head SET seq = $1, hash = $2', [entry.seq, entry.hash]);
  }

  private async head(client: Pool | PoolClient, lock = ''): Promise<ChainHead> {
    const { rows } = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM audit_chain_head ${lock}`);
    return { seq: Number(rows[0].seq), hash: rows[0].hash };
  }

  async *readSince(since: Date): AsyncIterable<AuditRecord> {
    for await (const entry of this.entries(since)) yield unchained(entry);
  }

  async verify(): Promise<VerifyResult> {
    // The head first: records appended while the walk runs lie past it, and are not read.
    const head = await this.head(this.pool);
    return verifyChain(this.entries(new Date(0), head.seq), head);
  }

  private async *entries(since: Date, throughSeq = Number.MAX_SAFE_INTEGER): AsyncIterable<ChainedRecord> {
    let after = -1;
    for (;;) {
      const { rows } = await this.pool.query<Row>(
        'SELECT seq, prev, hash, record FROM audit_trail WHERE at >= $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
        [since, after, throughSeq, READ_BATCH],
      );
      for (const row of rows) yield entryOf(row);
      if (rows.length < READ_BATCH) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /** Deletes the records past the retention and marks on the chain, in the same transaction, where it now starts. */
  async prune(): Promise<void> {
    const now = this.now();
    this.nextPruneAt = now.getTime() + DAY_MS;
    const cutoff = new Date(now.getTime() - this.opts.retentionDays * DAY_MS);
    await this.queue.run(() =>
      inTransaction(this.pool, async (client) => {
        await this.head(client, 'FOR UPDATE');
        const { rows } = await client.query<Row>('SELECT seq, prev, hash, record FROM audit_trail WHERE at < $1 ORDER BY seq DESC LIMIT 1', [cutoff]);
        if (!rows.length) return;
        const last = entryOf(rows[0]);
        await client.query("SELECT set_config('isc_bot.audit_prune', 'on', true)");
        const { rowCount } = await client.query('DELETE FROM audit_trail WHERE seq <= $1', [last.seq]);
        await client.query("SELECT set_config('isc_bot.audit_prune', 'off', true)");
        await this.appendLinked(client, pruneMark(last, now));
        this.opts.logger.info('Deleted audit records past the retention', { records: rowCount, throughSeq: last.seq, retentionDays: this.opts.retentionDays });
      }),
    );
  }

  async close(): Promise<void> {
    await this.queue.drain();
    await this.pool.end();
  }
}

function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
