import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditLog, AuditRecord } from '../../src/audit/auditLog';
import { GENESIS, type ChainedRecord } from '../../src/audit/chain';
import { FileAuditLog } from '../../src/audit/fileAuditLog';
import { PgAuditLog } from '../../src/audit/pgAuditLog';
import { RedisAuditLog } from '../../src/audit/redisAuditLog';
import { silentLogger } from '../../src/log';
import { pgFixture } from '../support/postgres';
import { redisFixture } from '../support/redis';
import { auditRecord, readAll } from './helpers';

// The same hash-chain guarantees for every durable trail: the file (single process), the Redis stream
// and PostgreSQL, each tampered with the way someone with access to its storage could.

const redis = redisFixture('trails');
const pg = pgFixture('trails');

interface Trail {
  /** One more instance on this trail (another replica, or a restarted process). */
  open(opts?: { now?: () => Date; retentionDays?: number }): Promise<AuditLog>;
  /** Changes record `seq` in place; absent where the storage cannot (a Redis stream entry). */
  edit?(seq: number, change: (r: ChainedRecord) => void): Promise<void>;
  remove(seq: number): Promise<void>;
}

const opened: AuditLog[] = [];
const track = <L extends AuditLog>(log: L) => (opened.push(log), log);
afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
});

function fileTrail(): Trail {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-chain-'));
  const lines = () => {
    const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    return { file: path.join(dir, file), lines: fs.readFileSync(path.join(dir, file), 'utf8').trimEnd().split('\n') };
  };
  const rewrite = (seq: number, change: (lines: string[], i: number) => void) => {
    const { file, lines: all } = lines();
    const i = all.findIndex((l) => (JSON.parse(l) as ChainedRecord).seq === seq);
    change(all, i);
    fs.writeFileSync(file, `${all.join('\n')}\n`);
  };
  return {
    open: async (o = {}) => track(await FileAuditLog.open(dir, { retentionDays: o.retentionDays ?? 400, logger: silentLogger, now: o.now })),
    edit: async (seq, change) =>
      rewrite(seq, (all, i) => {
        const r = JSON.parse(all[i]) as ChainedRecord;
        change(r);
        all[i] = JSON.stringify(r);
      }),
    remove: async (seq) => rewrite(seq, (all, i) => all.splice(i, 1)),
  };
}

let streams = 0;
function redisTrail(): Trail {
  const key = `audit-chain-${++streams}`;
  return {
    open: async (o = {}) => track(new RedisAuditLog((await redis.open()).client, { retentionDays: o.retentionDays ?? 400, logger: silentLogger, now: o.now, key })),
    remove: async (seq) => {
      const store = await redis.open();
      const entries = await store.client.xrange(key, '-', '+');
      const entry = entries.find(([, fields]) => (JSON.parse(fields[1]) as ChainedRecord).seq === seq)!;
      await store.client.xdel(key, entry[0]);
    },
  };
}

async function pgTrail(): Promise<Trail> {
  const url = await pg.freshUrl();
  const bypassing = async (sql: string, values: unknown[]) => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      // Someone who owns the table can switch its guard off: the chain still tells.
      await client.query('ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only');
      await client.query(sql, values);
      await client.query('ALTER TABLE audit_trail ENABLE TRIGGER audit_trail_append_only');
    } finally {
      await client.end();
    }
  };
  return {
    open: async (o = {}) => track(await PgAuditLog.open(url, { retentionDays: o.retentionDays ?? 400, logger: silentLogger, now: o.now })),
    edit: async (seq, change) => {
      const { Client } = await import('pg');
      const client = new Client({ connectionString: url });
      await client.connect();
      const { rows } = await client
        .query<{ record: string; prev: string; hash: string }>('SELECT record, prev, hash FROM audit_trail WHERE seq = $1', [seq])
        .finally(() => client.end());
      const record = { ...(JSON.parse(rows[0].record) as AuditRecord), seq, prev: rows[0].prev, hash: rows[0].hash };
      change(record);
      const { seq: _seq, prev, hash, ...rest } = record;
      await bypassing('UPDATE audit_trail SET record = $2, prev = $3, hash = $4 WHERE seq = $1', [seq, JSON.stringify(rest), prev, hash]);
    },
    remove: (seq) => bypassing('DELETE FROM audit_trail WHERE seq = $1', [seq]),
  };
}

const at = (minutesAgo = 0) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

describe.each([
  ['file', async () => fileTrail()],
  ['Redis stream', async () => redisTrail()],
  ['PostgreSQL', pgTrail],
] as Array<[string, () => Promise<Trail>]>)('the %s trail', (_name, make) => {
  async function withRecords(n: number) {
    const trail = await make();
    const log = await trail.open();
    const records = Array.from({ length: n }, (_, i) => auditRecord(i + 1, at(), { comment: `comment ${i + 1}` }));
    for (const record of records) await log.append(record);
    return { trail, log, records };
  }

  it('links each record to the one before by its hash, from the genesis, and verifies whole', async () => {
    const { log, records } = await withRecords(5);
    expect(await log.verify()).toEqual({ ok: true, count: 5, head: { seq: 5, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }, unchainedBefore: 0 });
    // Readers get the records as written, without the chain's fields.
    expect(await readAll(log)).toEqual(records);
  });

  it('catches an edited record, naming its sequence number', async () => {
    const { trail, log } = await withRecords(5);
    if (!trail.edit) return void (await expect(log.verify()).resolves.toMatchObject({ ok: true }));
    await trail.edit(3, (r) => (r.outcome = 'done'));
    expect(await log.verify()).toMatchObject({ ok: false, seq: 3, count: 2, problem: expect.stringMatching(/does not match its hash/) });
  });

  it('catches an edit whose hash was recomputed too, at the next record', async () => {
    const { trail, log } = await withRecords(5);
    if (!trail.edit) return;
    const { chainHash } = await import('../../src/audit/chain');
    await trail.edit(2, (r) => {
      r.comment = 'changed';
      r.hash = chainHash(r, r.seq, r.prev);
    });
    expect(await log.verify()).toMatchObject({ ok: false, seq: 3, problem: expect.stringMatching(/link to record 2/) });
  });

  it('catches a deleted record, at the record after it', async () => {
    const { trail, log } = await withRecords(5);
    await trail.remove(3);
    expect(await log.verify()).toMatchObject({ ok: false, seq: 4, problem: 'record 3 is missing after record 2' });
  });

  it('catches the oldest records deleted without a prune mark', async () => {
    const { trail, log } = await withRecords(4);
    await trail.remove(1);
    expect(await log.verify()).toMatchObject({ ok: false, seq: 2, problem: expect.stringMatching(/no prune mark/) });
  });

  it('two instances (replicas) appending at once form one valid chain', async () => {
    const trail = await make();
    const [a, b] = [await trail.open(), await trail.open()];
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).append(auditRecord(i, at()))));
    expect(await b.verify()).toMatchObject({ ok: true, count: 60, head: { seq: 60 } });
    expect(new Set((await readAll(a)).map((r) => r.decisionId)).size).toBe(60);
  });

});

// The Redis stream prunes by its entries' ids, which carry Redis' own clock: see redisAuditLog.test.ts.
describe.each([
  ['file', async () => fileTrail()],
  ['PostgreSQL', pgTrail],
] as Array<[string, () => Promise<Trail>]>)('the %s trail', (_name, make) => {
  it('the retention deletes the oldest records and leaves a prune mark, so the chain still verifies', async () => {
    const trail = await make();
    let clock = Date.parse('2026-09-10T10:00:00Z');
    const log = await trail.open({ now: () => new Date(clock), retentionDays: 30 });
    for (let i = 1; i <= 3; i++) await log.append(auditRecord(i, new Date(clock).toISOString()));
    clock = Date.parse('2026-11-20T10:00:00Z');
    await log.append(auditRecord(4, new Date(clock).toISOString()));
    await log.prune();
    const left = await readAll(log);
    expect(left.map((r) => r.decisionId)).toEqual(['d4', 'prune-3']);
    expect(left[1]).toMatchObject({ action: 'prune', pruned: { throughSeq: 3 } });
    expect(await log.verify()).toMatchObject({ ok: true, count: 2, head: { seq: 5 } });
  });
});

describe('the PostgreSQL trail', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of a record, and moving the head back, at the database', async () => {
    const url = await pg.freshUrl();
    const log = track(await PgAuditLog.open(url, { retentionDays: 400, logger: silentLogger }));
    await log.append(auditRecord(1, at()));
    const { Client } = await import('pg');
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await expect(client.query("UPDATE audit_trail SET record = '{}'")).rejects.toThrow(/audit_trail is append-only: UPDATE refused/);
      await expect(client.query('DELETE FROM audit_trail')).rejects.toThrow(/append-only: DELETE refused/);
      await expect(client.query('TRUNCATE audit_trail')).rejects.toThrow(/append-only: TRUNCATE refused/);
      await expect(client.query('UPDATE audit_chain_head SET seq = 0')).rejects.toThrow(/only moves to the next record/);
      expect((await client.query('SELECT count(*)::int AS n FROM audit_trail')).rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('catches the last record deleted, by the head', async () => {
    const trail = await pgTrail();
    const log = await trail.open();
    for (let i = 1; i <= 3; i++) await log.append(auditRecord(i, at()));
    await trail.remove(3);
    expect(await log.verify()).toMatchObject({ ok: false, seq: 3, problem: expect.stringMatching(/head is record 3, but the chain ends at record 2/) });
  });

  it('runs its migrations once, in order, whoever starts first (idempotent, two replicas at once)', async () => {
    const url = await pg.freshUrl();
    const logs = await Promise.all([0, 1, 2].map(() => PgAuditLog.open(url, { retentionDays: 400, logger: silentLogger }).then(track)));
    await logs[0].append(auditRecord(1, at()));
    track(await PgAuditLog.open(url, { retentionDays: 400, logger: silentLogger }));
    const { Client } = await import('pg');
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
      expect((await client.query('SELECT seq::int, hash FROM audit_chain_head')).rows).toEqual([{ seq: 1, hash: expect.not.stringMatching(GENESIS) }]);
    } finally {
      await client.end();
    }
    expect(await logs[2].verify()).toMatchObject({ ok: true, count: 1 });
  });
});
