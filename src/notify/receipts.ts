import type { Pool } from 'pg';
import type { Logger } from '../log';
import type { DmRef } from './dmPort';
import { CLAIM_LEASE_MS, type Announcement } from './ledger';

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
 * announced again. An announcement is claimed here as well as in the ledger before it is posted (a
 * receipt without its DM yet), so a claim in flight when the store is lost still keeps a second
 * replica from posting it; the receipt is completed with the DM once posted, deleted when the post
 * fails or the item settles, and pruned past RECEIPT_RETENTION_MS. A reminder is claimed on the
 * receipt the same way, per the user's local day. Not evidence: the audit trail is.
 */
export interface AnnouncementReceipts {
  /** Whether anything is kept (false: the no-op, the poll never asks). */
  readonly durable: boolean;
  /**
   * Claims the announcement of `keys` to the user, as of `at`: won where there was no receipt, an
   * abandoned claim (older than CLAIM_LEASE_MS), a receipt past the retention, or a receipt of an
   * earlier arrival the caller replaces (`replacing`: the ledger settled it). A key not won was
   * announced already (its receipt in `announced`) or is being announced by another claim.
   */
  claim(slackUserId: string, keys: readonly string[], opts: { kind: Announcement['kind']; at: string; replacing: readonly string[] }): Promise<ReceiptClaim>;
  /** Gives back the claims made at `at` whose post failed (a claim since taken over is kept). */
  release(slackUserId: string, keys: readonly string[], at: string): Promise<void>;
  /** The items `keys` announced to the user in the DM at `where`: completes their claims. */
  record(slackUserId: string, keys: readonly string[], where: Receipt): Promise<void>;
  /** The receipts of those of `keys` that have one (posted, not merely claimed), by key: one query however many keys. */
  find(slackUserId: string, keys: readonly string[]): Promise<Map<string, Receipt>>;
  /**
   * Claims the reminder about `keys` on the user's local `day` (in `tz`), noting it at `at`: refused
   * for a key whose receipt shows a reminder on that day already. A key without a receipt is neither
   * won nor refused (the ledger's claim alone decides).
   */
  claimReminder(slackUserId: string, keys: readonly string[], opts: { day: string; tz: string; at: string }): Promise<ReminderClaim>;
  /** Puts back what the receipts said before a reminder claim whose post failed. */
  releaseReminder(slackUserId: string, claim: ReminderClaim, at: string): Promise<void>;
  /** The item settled (left the user's queue): a later arrival is a new announcement. */
  forget(slackUserId: string, key: string): Promise<void>;
  /** Deletes the receipts older than the retention; returns how many. */
  prune(): Promise<number>;
}

export interface ReceiptClaim {
  won: string[];
  announced: Map<string, Receipt>;
}

export interface ReminderClaim {
  /** Won, with the reminder each receipt noted before (null: none). */
  won: Map<string, string | null>;
  refused: string[];
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
  claim: async (_user, keys) => ({ won: [...keys], announced: new Map() }),
  release: async () => undefined,
  record: async () => undefined,
  find: async () => new Map(),
  claimReminder: async () => ({ won: new Map(), refused: [] }),
  releaseReminder: async () => undefined,
  forget: async () => undefined,
  prune: async () => 0,
};

interface Row {
  item_key: string;
  channel: string | null;
  ts: string | null;
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

  async claim(slackUserId: string, keys: readonly string[], opts: { kind: Announcement['kind']; at: string; replacing: readonly string[] }): Promise<ReceiptClaim> {
    if (!keys.length) return { won: [], announced: new Map() };
    const at = Date.parse(opts.at);
    // One statement: concurrent claims of a key queue on its row, and the later one finds the earlier's claim.
    const { rows } = await this.pool.query<{ item_key: string }>(
      `INSERT INTO notification_receipts (slack_user, item_key, channel, ts, kind, announced_at)
       SELECT $1, k, NULL, NULL, $3, $4 FROM unnest($2::text[]) AS k
       ON CONFLICT (slack_user, item_key) DO UPDATE SET channel = NULL, ts = NULL, kind = EXCLUDED.kind, announced_at = EXCLUDED.announced_at, reminded_at = NULL
       WHERE (notification_receipts.channel IS NULL AND notification_receipts.announced_at <= $5)
          OR (notification_receipts.channel IS NOT NULL AND (notification_receipts.announced_at < $6 OR notification_receipts.item_key = ANY($7::text[])))
       RETURNING item_key`,
      [slackUserId, [...keys], opts.kind, opts.at, new Date(at - CLAIM_LEASE_MS), this.cutoff(), [...opts.replacing]],
    );
    const won = new Set(rows.map((r) => r.item_key));
    const rest = keys.filter((k) => !won.has(k));
    return { won: keys.filter((k) => won.has(k)), announced: await this.find(slackUserId, rest) };
  }

  async release(slackUserId: string, keys: readonly string[], at: string): Promise<void> {
    if (!keys.length) return;
    await this.pool.query('DELETE FROM notification_receipts WHERE slack_user = $1 AND item_key = ANY($2::text[]) AND channel IS NULL AND announced_at = $3', [slackUserId, [...keys], at]);
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
      'SELECT item_key, channel, ts, kind, announced_at, reminded_at FROM notification_receipts WHERE slack_user = $1 AND item_key = ANY($2::text[]) AND channel IS NOT NULL AND announced_at >= $3',
      [slackUserId, [...keys], this.cutoff()],
    );
    for (const row of rows) {
      found.set(row.item_key, {
        channel: row.channel!,
        ts: row.ts!,
        kind: row.kind === 'summary' ? 'summary' : 'dm',
        announcedAt: row.announced_at.toISOString(),
        ...(row.reminded_at ? { remindedAt: row.reminded_at.toISOString() } : {}),
      });
    }
    return found;
  }

  async claimReminder(slackUserId: string, keys: readonly string[], opts: { day: string; tz: string; at: string }): Promise<ReminderClaim> {
    const claim: ReminderClaim = { won: new Map(), refused: [] };
    if (!keys.length) return claim;
    // The rows are locked first: a concurrent claim waits, then reads the reminder this one noted.
    const { rows } = await this.pool.query<{ item_key: string; won: boolean; previous: Date | null }>(
      `WITH current AS (
         SELECT item_key, reminded_at FROM notification_receipts
         WHERE slack_user = $1 AND item_key = ANY($2::text[]) AND channel IS NOT NULL FOR UPDATE
       ), claimed AS (
         UPDATE notification_receipts r SET reminded_at = $3 FROM current
         WHERE r.slack_user = $1 AND r.item_key = current.item_key
           AND (current.reminded_at IS NULL OR (current.reminded_at AT TIME ZONE $4)::date < $5::date)
         RETURNING r.item_key, current.reminded_at AS previous
       )
       SELECT current.item_key, claimed.item_key IS NOT NULL AS won, claimed.previous FROM current LEFT JOIN claimed USING (item_key)`,
      [slackUserId, [...keys], opts.at, opts.tz, opts.day],
    );
    for (const row of rows) {
      if (row.won) claim.won.set(row.item_key, row.previous ? row.previous.toISOString() : null);
      else claim.refused.push(row.item_key);
    }
    return claim;
  }

  async releaseReminder(slackUserId: string, claim: ReminderClaim, at: string): Promise<void> {
    if (!claim.won.size) return;
    await this.pool.query(
      `UPDATE notification_receipts r SET reminded_at = p.previous
       FROM unnest($2::text[], $3::timestamptz[]) AS p (item_key, previous)
       WHERE r.slack_user = $1 AND r.item_key = p.item_key AND r.reminded_at = $4`,
      [slackUserId, [...claim.won.keys()], [...claim.won.values()], at],
    );
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
