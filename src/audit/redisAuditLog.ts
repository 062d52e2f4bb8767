import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import type { AuditLog, AuditRecord } from './auditLog';
import { EMPTY_HEAD, GENESIS, link, pruneMark, SerialQueue, unchained, verifyChain, type ChainHead, type ChainLink, type VerifyResult } from './chain';

const DAY_MS = 24 * 3600_000;
/** Entries read per XRANGE call while exporting. */
const READ_BATCH = 500;
/** Stream ids carry Redis's clock, records the bot's: read a little before `since`, then filter on `at`. */
const CLOCK_MARGIN_MS = 3600_000;

export interface RedisAuditLogOptions {
  retentionDays: number;
  logger: Logger;
  now?: () => Date;
  /** Stream key (under the client's key prefix); its chain head is `<key>:head`. */
  key?: string;
  /** Called by close(): the connection when this log opened its own (the export CLI). */
  onClose?: () => Promise<void>;
}

/**
 * Appends `ARGV[3]` when the head (`seq:hash`) is still `ARGV[1]`, then moves it to `ARGV[2]`; with
 * `ARGV[4]`, first trims every entry before that stream id (a prune, whose mark ARGV[3] is). 0: the
 * head moved (another replica appended), so the caller links the record again.
 */
const APPEND_LINK = `
local head = redis.call('GET', KEYS[2]) or '0:${GENESIS}'
if head ~= ARGV[1] then return 0 end
if ARGV[4] ~= '' then redis.call('XTRIM', KEYS[1], 'MINID', ARGV[4]) end
redis.call('XADD', KEYS[1], '*', 'r', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

const headText = (h: ChainHead) => `${h.seq}:${h.hash}`;
function parseHead(text: string | null): ChainHead {
  if (!text) return EMPTY_HEAD;
  const [seq, hash] = text.split(':');
  return { seq: Number(seq), hash };
}
/** The stream id right after `id` (`ms-n`): XTRIM MINID keeps it and everything after. */
function nextId(id: string): string {
  const [ms, n] = id.split('-');
  return `${ms}-${Number(n) + 1}`;
}

/**
 * The audit trail as one Redis stream shared by every replica, a hash chain (chain.ts) whose head is
 * kept beside it. Each record is linked to the head read just before and added by a script that
 * checks the head has not moved, so appends from several replicas still form one chain. append()
 * resolves once Redis has it: as durable as the server's persistence, which the bot checks at start
 * with several replicas (durability.ts). Entries older than the retention are trimmed by stream id
 * (XTRIM MINID) at start and daily, never rewritten, with a prune mark. Redis unreachable: append()
 * throws, so the caller does not call ISC.
 */
export class RedisAuditLog implements AuditLog {
  private readonly now: () => Date;
  private readonly key: string;
  private readonly headKey: string;
  private readonly queue = new SerialQueue();
  private nextPruneAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisAuditLogOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.key = opts.key ?? 'audit';
    this.headKey = `${this.key}:head`;
  }

  private cutoffMs(): number {
    return this.now().getTime() - this.opts.retentionDays * DAY_MS;
  }

  async append(record: AuditRecord): Promise<void> {
    await this.queue.run(() => this.appendLinked(() => record));
    if (this.now().getTime() >= this.nextPruneAt) await this.prune();
  }

  /** Links the record `make` gives to the head, until no other replica moved it meanwhile. */
  private async appendLinked(make: () => AuditRecord, trimBefore = ''): Promise<void> {
    for (;;) {
      const head = parseHead(await this.redis.get(this.headKey));
      const entry = link(make(), head);
      const added = await this.redis.eval(APPEND_LINK, 2, this.key, this.headKey, headText(head), headText(entry), JSON.stringify(entry), trimBefore);
      if (added === 1) return;
    }
  }

  async *readSince(since: Date): AsyncIterable<AuditRecord> {
    for await (const entry of this.entries(String(Math.max(0, since.getTime() - CLOCK_MARGIN_MS)))) {
      if (Date.parse(entry.record.at) >= since.getTime()) yield unchained(entry.record);
    }
  }

  async verify(): Promise<VerifyResult> {
    const records = async function* (entries: AsyncIterable<{ record: AuditRecord & Partial<ChainLink> }>) {
      for await (const { record } of entries) yield record;
    };
    const head = parseHead(await this.redis.get(this.headKey));
    return verifyChain(records(this.entries('-')), head);
  }

  private async *entries(from: string): AsyncIterable<{ id: string; record: AuditRecord & Partial<ChainLink> }> {
    let start = from;
    for (;;) {
      const entries = await this.redis.xrange(this.key, start, '+', 'COUNT', READ_BATCH);
      for (const [id, fields] of entries) {
        const raw = fields[fields.indexOf('r') + 1];
        try {
          yield { id, record: JSON.parse(raw) as AuditRecord & Partial<ChainLink> };
        } catch {
          this.opts.logger.warn('Skipped an unreadable entry of the audit stream', { id });
        }
      }
      if (entries.length < READ_BATCH) return;
      start = `(${entries[entries.length - 1][0]}`;
    }
  }

  /** Trims the entries past the retention and marks on the chain where it now starts. */
  async prune(): Promise<void> {
    this.nextPruneAt = this.now().getTime() + DAY_MS;
    await this.queue.run(async () => {
      const [last] = await this.redis.xrevrange(this.key, String(this.cutoffMs()), '-', 'COUNT', 1);
      if (!last) return;
      const [id, fields] = last;
      let newest: AuditRecord & Partial<ChainLink>;
      try {
        newest = JSON.parse(fields[fields.indexOf('r') + 1]) as AuditRecord & Partial<ChainLink>;
      } catch {
        newest = {} as AuditRecord;
      }
      const pruned = newest.seq !== undefined && newest.hash !== undefined ? { seq: newest.seq, hash: newest.hash } : undefined;
      if (pruned) await this.appendLinked(() => pruneMark(pruned, this.now()), nextId(id));
      else await this.redis.xtrim(this.key, 'MINID', nextId(id));
    });
  }

  async close(): Promise<void> {
    await this.queue.drain();
    await this.opts.onClose?.();
  }
}
