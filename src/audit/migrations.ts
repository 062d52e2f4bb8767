import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../log';
import { GENESIS } from './chain';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The bot's schema in PostgreSQL, in order. A migration once released is never edited: a change is a
 * new one with the next number. Each runs in the transaction that records it in schema_migrations.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit trail: an append-only, hash-chained table and its head',
    sql: `
CREATE TABLE audit_trail (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  prev char(64) NOT NULL,
  hash char(64) NOT NULL,
  -- The record's JSON without seq, prev and hash (query it as record::jsonb).
  record text NOT NULL
);
CREATE INDEX audit_trail_at ON audit_trail (at);

CREATE TABLE audit_chain_head (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq bigint NOT NULL,
  hash char(64) NOT NULL
);
INSERT INTO audit_chain_head (seq, hash) VALUES (0, '${GENESIS}');

-- Records are never changed. They are deleted only by the retention, which sets isc_bot.audit_prune
-- for its own transaction and appends a prune mark to the chain (--verify checks for it).
CREATE FUNCTION audit_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('isc_bot.audit_prune', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE ON audit_trail
  FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only();
CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail
  FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only();

-- The head only moves on, one record at a time.
CREATE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.seq = OLD.seq + 1 THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_chain_head only moves to the next record: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only();
`,
  },
  {
    version: 2,
    name: 'notification receipts: what was announced to whom, so that a state store that lost its state does not announce it again',
    sql: `
-- One row per (Slack user, item key) announced: the DM (or first-poll summary) that did it. Deleted
-- when the item settles, pruned 30 days after the announcement. Not part of the audit trail.
CREATE TABLE notification_receipts (
  slack_user text NOT NULL,
  item_key text NOT NULL,
  channel text NOT NULL,
  ts text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('dm', 'summary')),
  announced_at timestamptz NOT NULL,
  -- The last reminder about the item (once a day at most), so that none is sent twice across a loss.
  reminded_at timestamptz,
  PRIMARY KEY (slack_user, item_key)
);
CREATE INDEX notification_receipts_announced_at ON notification_receipts (announced_at);
`,
  },
  {
    version: 3,
    name: 'notification claims: a receipt is written before the DM is posted, so that a claim in flight survives a loss of the state store',
    sql: `
-- A row without a channel and ts is a claim: the DM is being posted since announced_at. Completed
-- with the DM's channel and ts once posted; deleted when the post fails; taken over when abandoned.
ALTER TABLE notification_receipts
  ALTER COLUMN channel DROP NOT NULL,
  ALTER COLUMN ts DROP NOT NULL,
  ADD CONSTRAINT notification_receipts_posted_or_claimed CHECK ((channel IS NULL) = (ts IS NULL));
`,
  },
  {
    version: 4,
    name: 'durable claims: what must happen once is claimed outside the state store too',
    sql: `
-- One row per claim (an access-review notice to a reviewer, …), held until expires_at; taken over
-- once expired, deleted when what it claimed did not happen, pruned daily.
CREATE TABLE durable_claims (
  claim_key text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX durable_claims_expires_at ON durable_claims (expires_at);
`,
  },
];

/** Any number, the same in every replica: taken for the transaction, so two replicas starting at once migrate one after the other. */
const MIGRATION_LOCK = 0x15c_a0d1;

/** Runs `work` in a transaction on one connection of the pool: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** Applies the migrations the database does not have yet, in order; returns their versions. */
export async function migrate(pool: Pool, logger: Logger, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const { applied, done } = await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied, done };
  });
  const newer = [...done].filter((v) => !migrations.some((m) => m.version === v));
  if (newer.length) logger.warn('The database has migrations this version of the bot does not know (a newer version ran against it)', { versions: newer });
  if (applied.length) logger.info('Applied database migrations', { versions: applied });
  return applied;
}
