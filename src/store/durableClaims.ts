import type { Pool } from 'pg';
import type { Logger } from '../log';

/** A claim that survives a loss of the state store; released when what it claimed did not happen. */
export interface DurableClaim {
  release(): Promise<void>;
}

/**
 * Claims of things that must happen once (a DM of a kind that has no receipt of its own), kept in
 * PostgreSQL beside the state store's claim: a flushed or restarted Redis without persistence forgets
 * what it claimed, and the next cycle would send it again. Without DATABASE_URL nothing is kept.
 */
export interface DurableClaims {
  readonly durable: boolean;
  /** The claim of `key` for `ttlMs`, or undefined when a claim of it is still held. */
  claim(key: string, ttlMs: number): Promise<DurableClaim | undefined>;
  /** Deletes the claims that have expired; returns how many. */
  prune(): Promise<number>;
}

export const noDurableClaims: DurableClaims = {
  durable: false,
  claim: async () => ({ release: async () => undefined }),
  prune: async () => 0,
};

const DAY_MS = 24 * 3600_000;

/** The claims in the table durable_claims (migration 4), on the audit trail's pool. */
export class PgDurableClaims implements DurableClaims {
  readonly durable = true;
  private nextPruneAt = 0;
  private readonly now: () => Date;

  constructor(
    private readonly pool: Pool,
    private readonly opts: { logger: Logger; now?: () => Date },
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  async claim(key: string, ttlMs: number): Promise<DurableClaim | undefined> {
    const now = this.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    const { rows } = await this.pool.query(
      `INSERT INTO durable_claims (claim_key, expires_at) VALUES ($1, $2)
       ON CONFLICT (claim_key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE durable_claims.expires_at <= $3
       RETURNING claim_key`,
      [key, expiresAt, now],
    );
    if (now.getTime() >= this.nextPruneAt) await this.prune();
    if (!rows.length) return undefined;
    return { release: () => this.pool.query('DELETE FROM durable_claims WHERE claim_key = $1 AND expires_at = $2', [key, expiresAt]).then(() => undefined) };
  }

  async prune(): Promise<number> {
    const now = this.now();
    this.nextPruneAt = now.getTime() + DAY_MS;
    const { rowCount } = await this.pool.query('DELETE FROM durable_claims WHERE expires_at <= $1', [now]);
    if (rowCount) this.opts.logger.info('Deleted expired claims', { claims: rowCount });
    return rowCount ?? 0;
  }
}
