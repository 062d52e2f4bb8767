import { createHash } from 'node:crypto';
import type { AuditRecord } from './auditLog';

/**
 * The hash chain every durable trail keeps (one per deployment): record n carries its sequence number,
 * the hash of record n-1 (`prev`) and its own hash, SHA-256 over a canonical serialisation of the record
 * with its `seq` and `prev`. Editing a record breaks its own hash; deleting one breaks the link of the
 * next; deleting the oldest is allowed only by a prune mark on the chain that names where it now starts.
 */
export interface ChainLink {
  seq: number;
  prev: string;
  hash: string;
}

export type ChainedRecord = AuditRecord & ChainLink;

/** The head of a chain: the last record's sequence number and hash; seq 0 and GENESIS when empty. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const GENESIS = '0'.repeat(64);
export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS };

/** JSON with keys sorted at every level and undefined members left out: the same bytes for the same record, whatever stored it. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The record without its chain fields. */
export function unchained(entry: AuditRecord & Partial<ChainLink>): AuditRecord {
  const { seq: _seq, prev: _prev, hash: _hash, ...record } = entry;
  return record;
}

export function chainHash(record: AuditRecord, seq: number, prev: string): string {
  return createHash('sha256').update(canonicalJson({ ...unchained(record), seq, prev })).digest('hex');
}

/** The record as the next link after `head`. */
export function link(record: AuditRecord, head: ChainHead): ChainedRecord {
  const seq = head.seq + 1;
  return { ...unchained(record), seq, prev: head.hash, hash: chainHash(record, seq, head.hash) };
}

/** A mark on the chain, written by the pruning that deleted records 1..throughSeq: the chain may now start after them. */
export function pruneMark(pruned: ChainHead, at: Date): AuditRecord {
  return {
    decisionId: `prune-${pruned.seq}`,
    phase: 'outcome',
    at: at.toISOString(),
    slackUserId: 'bot',
    item: { kind: 'audit-trail', id: 'retention' },
    action: 'prune',
    outcome: 'done',
    pruned: { throughSeq: pruned.seq, hash: pruned.hash },
  };
}

export type VerifyResult =
  | { ok: true; count: number; head: ChainHead; unchainedBefore: number }
  | { ok: false; count: number; seq: number; problem: string };

/**
 * Walks a trail oldest first. Records written before the chain began (no `seq`) may only come before
 * its first link. `head`: where the trail's own head says the chain ends, when it keeps one (a
 * deleted last record is caught only so).
 */
export async function verifyChain(entries: AsyncIterable<AuditRecord & Partial<ChainLink>>, head?: ChainHead): Promise<VerifyResult> {
  let count = 0;
  let unchainedBefore = 0;
  let last: ChainHead | undefined;
  let start: ChainHead | undefined;
  const marks = new Set<string>();
  const broken = (seq: number, problem: string): VerifyResult => ({ ok: false, count, seq, problem });
  for await (const entry of entries) {
    if (entry.seq === undefined || entry.prev === undefined || entry.hash === undefined) {
      if (last) return broken(last.seq + 1, `a record without its chain fields follows record ${last.seq}`);
      unchainedBefore++;
      continue;
    }
    if (last && entry.seq !== last.seq + 1) {
      const missing = entry.seq - 1 === last.seq + 1 ? `record ${last.seq + 1} is` : `records ${last.seq + 1} to ${entry.seq - 1} are`;
      return broken(entry.seq, `${missing} missing after record ${last.seq}`);
    }
    if (last && entry.prev !== last.hash) return broken(entry.seq, `its link to record ${last.seq} does not hold (that record was changed, or replaced)`);
    if (chainHash(entry, entry.seq, entry.prev) !== entry.hash) return broken(entry.seq, 'its content does not match its hash (it was changed)');
    if (entry.pruned) marks.add(`${entry.pruned.throughSeq}:${entry.pruned.hash}`);
    start ??= { seq: entry.seq, hash: entry.prev };
    last = { seq: entry.seq, hash: entry.hash };
    count++;
  }
  if (start && !(start.seq === 1 && start.hash === GENESIS) && !marks.has(`${start.seq - 1}:${start.hash}`)) {
    return broken(start.seq, `the chain starts at record ${start.seq}, but no prune mark says records 1 to ${start.seq - 1} were deleted by the retention`);
  }
  const end = last ?? EMPTY_HEAD;
  if (head && (head.seq !== end.seq || head.hash !== end.hash)) {
    return broken(Math.min(head.seq, end.seq) + 1, `the trail's head is record ${head.seq}, but the chain ends at record ${end.seq} (records were deleted or added past it)`);
  }
  return { ok: true, count, head: end, unchainedBefore };
}

/** Runs appends one after another in this process: each needs the hash of the one before. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the work queued so far has ended. */
  async drain(): Promise<void> {
    await this.tail;
  }
}
