import type { Pool } from 'pg';
import type { Logger } from '../log';
import type { DmRef } from './dmPort';
import type { Announcement } from './ledger';

/** Where an item was announced to a user: the DM (or summary) that did it, and when. */
export interface Receipt extends DmRef {
  kind: Announcement['kind'];
  announcedAt: string;
  /** The last reminder sent about it, if any. */
  remindedAt?: string;
}

/**
 * A durable record of what was announced to whom, outside the state store: after the store lost its
 * state (a flushed or restarted Redis without persistence), the ledger is empty and a poll would
 * announce every pending item again. Before announcing an item the ledger has no record of, the poll
 * looks here; an item with a receipt is restored into the ledger as posted (Ledger.restore) and not
 * announced again. Written after the DM is posted and recorded in the ledger, best effort; deleted
 * when the item settles; pruned past RECEIPT_RETENTION_MS. Not evidence: the audit trail is.
 */
export interface AnnouncementReceipts {
  /** Whether anything is kept (false: the no-op, the poll never asks). */
  readonly durable: boolean;
  /** The items `keys` announced to the user in the DM at `where`. */
  record(slackUserId: string, keys: readonly string[], where: Receipt): Promise<void>;
  /** The receipts of those of `keys` that have one, by key: one query however many keys. */
  find(slackUserId: string, keys: readonly string[]): Promise<Map<string, Receipt>>;
  /** A reminder about the items went out at `at` (the next is due a day later, loss or not). */
  reminded(slackUserId: string, keys: readonly string[], at: string): Promise<void>;
  /** The item settled (left the user's queue): a later arrival is a new announcement. */
  forget(slackUserId: string, key: string): Promise<void>;
  /** Deletes the receipts older than the retention; returns how many. */
  prune(): Promise<number>;
}

/** A receipt is kept this long after its announcement (as the ledger keeps a settled record). */
export const RECEIPT_RETENTION_MS = 30 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;

/**
 * Without DATABASE_URL: nothing is kept. A single process on the file store does not lose its state
 * the way a flushed Redis does (the file is written before a claim counts), and several replicas
 * already need PostgreSQL for the audit trail.
 */
export const noReceipts: AnnouncementReceipts = {
  durable: false,
  record: async () => undefined,
  find: async () => new Map(),
  reminded: async () => undefined,
  forget: async () => undefined,
  prune: async () => 0,
};

interface Row {
  item_key: string;
  channel: string;
  ts: string;
  kind: string;
  announced_at: Date;
  reminded_at: Date | null;
}

/** The receipts in PostgreSQL: the table notification_receipts (migration 2), on the audit trail's pool. */
export class PgAnnouncementReceipts implements AnnouncementReceipts {
  readonly durable = true;
  private nextPruneAt = 0;
  private readonly now: () => Date;

  constructor(
    private readonly pool: Pool,
    private readonly opts: { logger: Logger; now?: () => Date; retentionMs?: number },
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  async record(slackUserId: string, keys: readonly string[], where: Receipt): Promise<void> {
    if (!keys.length) return;
    await this.pool.query(
      `INSERT INTO notification_receipts (slack_user, item_key, channel, ts, kind, announced_at)
       SELECT $1, k, $3, $4, $5, $6 FROM unnest($2::text[]) AS k
       ON CONFLICT (slack_user, item_key) DO UPDATE SET channel = EXCLUDED.channel, ts = EXCLUDED.ts, kind = EXCLUDED.kind, announced_at = EXCLUDED.announced_at, reminded_at = NULL`,
      [slackUserId, [...keys], where.channel, where.ts, where.kind, where.announcedAt],
    );
    // The leader records: once a day it also drops what is past the retention.
    if (this.now().getTime() >= this.nextPruneAt) await this.prune();
  }

  async find(slackUserId: string, keys: readonly string[]): Promise<Map<string, Receipt>> {
    const found = new Map<string, Receipt>();
    if (!keys.length) return found;
    const { rows } = await this.pool.query<Row>(
      'SELECT item_key, channel, ts, kind, announced_at, reminded_at FROM notification_receipts WHERE slack_user = $1 AND item_key = ANY($2::text[]) AND announced_at >= $3',
      [slackUserId, [...keys], this.cutoff()],
    );
    for (const row of rows) {
      found.set(row.item_key, {
        channel: row.channel,
        ts: row.ts,
        kind: row.kind === 'summary' ? 'summary' : 'dm',
        announcedAt: row.announced_at.toISOString(),
        ...(row.reminded_at ? { remindedAt: row.reminded_at.toISOString() } : {}),
      });
    }
    return found;
  }

  async reminded(slackUserId: string, keys: readonly string[], at: string): Promise<void> {
    if (!keys.length) return;
    await this.pool.query('UPDATE notification_receipts SET reminded_at = $3 WHERE slack_user = $1 AND item_key = ANY($2::text[])', [slackUserId, [...keys], at]);
  }

  async forget(slackUserId: string, key: string): Promise<void> {
    await this.pool.query('DELETE FROM notification_receipts WHERE slack_user = $1 AND item_key = $2', [slackUserId, key]);
  }

  async prune(): Promise<number> {
    this.nextPruneAt = this.now().getTime() + DAY_MS;
    const { rowCount } = await this.pool.query('DELETE FROM notification_receipts WHERE announced_at < $1', [this.cutoff()]);
    if (rowCount) this.opts.logger.info('Deleted notification receipts past the retention', { receipts: rowCount });
    return rowCount ?? 0;
  }

  private cutoff(): Date {
    return new Date(this.now().getTime() - (this.opts.retentionMs ?? RECEIPT_RETENTION_MS));
  }
}
