import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import type { VerifyResult } from './chain';

/** How a decision ended: done in ISC, refused by the bot, failed, or found already decided. */
export type AuditOutcome = 'done' | 'refused' | 'failed' | 'already_decided';

/** Who ISC saw act: the bot's service identity (its API client), or a user's linked account. */
export type AuditActingAs = { kind: 'service'; clientId?: string } | { kind: 'linked'; identityId: string; identityName?: string };

/** What was decided, for any kind of item (work item, access-request approval, generic approval). */
export interface AuditItem {
  /** e.g. `work-item`. */
  kind: string;
  id: string;
  name?: string;
  /** The part of the item decided, e.g. an approval item id; absent for the whole item. */
  part?: string;
  ownerId?: string;
  ownerName?: string;
}

/**
 * One line of the audit trail. A decision that reaches ISC has two: an `intent`, written (and made
 * durable) before ISC is called, and an `outcome` after, with the same `decisionId`. One refused or
 * settled before ISC is called has an outcome only. Records are never changed or deleted, except
 * whole ones past the retention.
 */
export interface AuditRecord {
  decisionId: string;
  phase: 'intent' | 'outcome';
  /** ISO time the record was written. */
  at: string;
  slackUserId: string;
  /** The ISC identity the Slack user maps to; absent when none. */
  actorIdentityId?: string;
  /** Absent when the decision ended before it was known (a refusal). */
  actingAs?: AuditActingAs;
  item: AuditItem;
  /** e.g. approve, reject, approveAll, rejectAll, complete, forward, selectAccounts. */
  action: string;
  comment?: string;
  /** A forward's new owner. */
  target?: { identityId: string; name?: string };
  /** Outcome records only. */
  outcome?: AuditOutcome;
  /** Why it was refused or failed, as the user was told. */
  reason?: string;
  /** ISC's tracking id (request id) of the request: the one that failed or was refused, or the write(s) that succeeded. */
  trackingId?: string;
  /** already_decided: the bot's own request got no clear answer, and ISC then showed it decided. */
  unconfirmed?: true;
  /** A prune mark (chain.ts): the retention deleted records 1..throughSeq, the last with this hash. */
  pruned?: { throughSeq: number; hash: string };
}

/**
 * The append-only audit trail, behind one interface: a table in PostgreSQL (DATABASE_URL), a file of
 * JSON lines in DATA_DIR, or a Redis stream when Redis is used. Each is a hash chain (chain.ts).
 */
export interface AuditLog {
  /** Appends one record as the chain's next link; resolves once it is durable. Throws when it could not be written. */
  append(record: AuditRecord): Promise<void>;
  /** The records written at or after `since`, oldest first. */
  readSince(since: Date): AsyncIterable<AuditRecord>;
  /** Walks the whole chain: where it breaks, the sequence number of the first record whose hash does not hold. */
  verify(): Promise<VerifyResult>;
  /** Drops records older than the retention. */
  prune(): Promise<void>;
  close(): Promise<void>;
}

const MAX_TEXT = 2000;
const cut = (s: string | undefined) => (s === undefined || s.length <= MAX_TEXT ? s : `${s.slice(0, MAX_TEXT - 1)}…`);

/** Everything about one decision that both its records carry. */
export type DecisionFacts = Pick<AuditRecord, 'slackUserId' | 'actorIdentityId' | 'item' | 'action' | 'comment' | 'target'>;
export type OutcomeFacts = Pick<AuditRecord, 'outcome' | 'reason' | 'trackingId' | 'unconfirmed'> & { outcome: AuditOutcome };

/** An intent on the trail, waiting for its outcome. */
export interface AuditedDecision {
  /** Records the outcome. Never throws: the decision has happened, a failed record is logged as an error. */
  finish(outcome: OutcomeFacts): Promise<void>;
}

/**
 * Writes decisions to an AuditLog, for any item kind. `begin` must succeed before ISC is called (it
 * throws otherwise, and the caller must not act); outcomes never throw.
 */
export class AuditTrail {
  constructor(
    private readonly log: AuditLog,
    private readonly opts: { logger: Logger; now?: () => Date; serviceClientId?: string },
  ) {}

  private record(facts: DecisionFacts, phase: AuditRecord['phase'], decisionId: string, extra: Partial<AuditRecord>): AuditRecord {
    return {
      decisionId,
      phase,
      at: (this.opts.now?.() ?? new Date()).toISOString(),
      ...facts,
      comment: cut(facts.comment),
      ...extra,
      reason: cut(extra.reason),
    };
  }

  /** The service identity as the trail names it: with the API client id, which ISC's own logs name. */
  actingAs(acting: { kind: 'service' } | { kind: 'linked'; identityId: string; identityName: string }): AuditActingAs {
    return acting.kind === 'service' ? { kind: 'service', ...(this.opts.serviceClientId ? { clientId: this.opts.serviceClientId } : {}) } : acting;
  }

  /** Writes the intent, durably, before ISC is called. */
  async begin(facts: DecisionFacts, actingAs: AuditActingAs): Promise<AuditedDecision> {
    const decisionId = randomUUID();
    await this.log.append(this.record(facts, 'intent', decisionId, { actingAs }));
    return { finish: (outcome) => this.write(this.record(facts, 'outcome', decisionId, { actingAs, ...outcome })) };
  }

  /**
   * A decision that ended before ISC was asked to act (refused, already decided, a failed read), or a
   * privileged act that changes nothing in ISC (an account link, an admin reading someone's inbox): its outcome only.
   */
  ended(facts: DecisionFacts, outcome: OutcomeFacts): Promise<void> {
    return this.write(this.record(facts, 'outcome', randomUUID(), outcome));
  }

  private async write(record: AuditRecord): Promise<void> {
    try {
      await this.log.append(record);
    } catch (e) {
      this.opts.logger.error('Could not write a decision to the audit trail', {
        decisionId: record.decisionId,
        slackUserId: record.slackUserId,
        action: record.action,
        itemId: record.item.id,
        outcome: record.outcome,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}
