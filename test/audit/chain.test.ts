import type { AuditRecord } from '../../src/audit/auditLog';
import { canonicalJson, chainHash, EMPTY_HEAD, GENESIS, link, pruneMark, SerialQueue, verifyChain, type ChainedRecord, type ChainHead } from '../../src/audit/chain';

// The chain itself, on records in memory: what every trail (file, Redis, PostgreSQL) verifies with.

const record = (n: number, extra: Partial<AuditRecord> = {}): AuditRecord => ({
  decisionId: `d${n}`,
  phase: 'outcome',
  at: `2026-12-07T10:00:0${n % 10}.000Z`,
  slackUserId: 'U0ADA0001',
  item: { kind: 'work-item', id: `w${n}` },
  action: 'approve',
  outcome: 'done',
  ...extra,
});

function chain(n: number, from: ChainHead = EMPTY_HEAD): ChainedRecord[] {
  const out: ChainedRecord[] = [];
  let head = from;
  for (let i = 1; i <= n; i++) {
    const r = link(record(head.seq + 1), head);
    out.push(r);
    head = { seq: r.seq, hash: r.hash };
  }
  return out;
}

async function* each<T>(items: T[]): AsyncIterable<T> {
  for (const i of items) yield i;
}

const verify = (items: Array<AuditRecord & Partial<ChainedRecord>>, head?: ChainHead) => verifyChain(each(items), head);

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves out undefined members, so a record read back in another key order hashes the same', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: 'x' }], c: null }, e: undefined })).toBe('{"a":{"c":null,"d":[1,{"x":"x","z":1}]},"b":1}');
    expect(canonicalJson([undefined, 'a'])).toBe('[null,"a"]');
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    const r = record(1, { comment: 'ok', target: { identityId: 'i1', name: 'Ben' } });
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(r).reverse()))) as AuditRecord;
    expect(Object.keys(reordered)[0]).not.toBe(Object.keys(r)[0]);
    expect(chainHash(reordered, 1, GENESIS)).toBe(chainHash(r, 1, GENESIS));
  });

  it('keys that differ only in order of comparison sort the same way every time', () => {
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe('{"a":2,"b":1,"c":3}');
    expect(canonicalJson({ c: 3, a: 2, b: 1 })).toBe('{"a":2,"b":1,"c":3}');
    expect(canonicalJson({ aa: 1, a: 2 })).toBe('{"a":2,"aa":1}');
  });
});

describe('verifyChain', () => {
  it('verifies a whole chain from the genesis and says where it ends', async () => {
    const c = chain(3);
    // The genesis is what the trails' stored heads start from (the PostgreSQL head row too).
    expect(GENESIS).toBe('0'.repeat(64));
    expect(c[0]).toMatchObject({ seq: 1, prev: GENESIS });
    expect(await verify(c, { seq: 3, hash: c[2].hash })).toEqual({ ok: true, count: 3, head: { seq: 3, hash: c[2].hash }, unchainedBefore: 0 });
    expect(await verify([])).toEqual({ ok: true, count: 0, head: EMPTY_HEAD, unchainedBefore: 0 });
  });

  it('takes records from before the chain began only before its first link', async () => {
    const c = chain(2);
    expect(await verify([record(90), record(91), ...c])).toMatchObject({ ok: true, count: 2, unchainedBefore: 2 });
    expect(await verify([c[0], record(92), c[1]])).toEqual({ ok: false, count: 1, seq: 2, problem: 'a record without its chain fields follows record 1' });
    // Any one chain field missing makes it unchained.
    for (const field of ['seq', 'prev', 'hash'] as const) {
      const { [field]: _gone, ...partial } = c[1];
      expect(await verify([c[0], partial as AuditRecord])).toMatchObject({ ok: false, seq: 2, problem: 'a record without its chain fields follows record 1' });
    }
  });

  it('names the missing record, or the missing run of records', async () => {
    const c = chain(5);
    expect(await verify([c[0], c[2], c[3]])).toEqual({ ok: false, count: 1, seq: 3, problem: 'record 2 is missing after record 1' });
    expect(await verify([c[0], c[3]])).toEqual({ ok: false, count: 1, seq: 4, problem: 'records 2 to 3 are missing after record 1' });
  });

  it('catches an edited record at its own hash, and one whose hash was recomputed at the next link', async () => {
    const c = chain(3);
    const edited = { ...c[1], comment: 'edited' };
    expect(await verify([c[0], edited, c[2]])).toEqual({ ok: false, count: 1, seq: 2, problem: 'its content does not match its hash (it was changed)' });
    const rehashed = { ...edited, hash: chainHash(edited, 2, c[0].hash) };
    expect(await verify([c[0], rehashed, c[2]])).toEqual({ ok: false, count: 2, seq: 3, problem: 'its link to record 2 does not hold (that record was changed, or replaced)' });
  });

  it('a chain that starts after record 1 holds only with the prune mark that names where', async () => {
    const all = chain(4);
    const mark = link(pruneMark({ seq: 2, hash: all[1].hash }, new Date('2026-12-07T11:00:00Z')), { seq: 4, hash: all[3].hash });
    expect(await verify([all[2], all[3], mark])).toMatchObject({ ok: true, count: 3 });
    expect(await verify([all[2], all[3]])).toEqual({
      ok: false,
      count: 2,
      seq: 3,
      problem: 'the chain starts at record 3, but no prune mark says records 1 to 2 were deleted by the retention',
    });
    // A mark for another place does not do.
    const wrong = link(pruneMark({ seq: 1, hash: all[0].hash }, new Date('2026-12-07T11:00:00Z')), { seq: 4, hash: all[3].hash });
    expect(await verify([all[2], all[3], wrong])).toMatchObject({ ok: false, seq: 3 });
    // Records 1 to 2 deleted and record 3 re-linked to the genesis: no mark says so.
    const forged = chain(1, { seq: 2, hash: GENESIS });
    expect(forged[0]).toMatchObject({ seq: 3, prev: GENESIS });
    expect(await verify(forged)).toMatchObject({ ok: false, seq: 3 });
    // A chain at record 1 that does not start at the genesis is not whole either.
    const elsewhere = chain(1, { seq: 0, hash: 'f'.repeat(64) });
    expect(await verify(elsewhere)).toMatchObject({ ok: false, seq: 1 });
  });

  it('the prune mark is a record of the trail, by the bot, on the retention', () => {
    expect(pruneMark({ seq: 7, hash: 'h' }, new Date('2026-12-07T11:00:00Z'))).toEqual({
      decisionId: 'prune-7',
      phase: 'outcome',
      at: '2026-12-07T11:00:00.000Z',
      slackUserId: 'bot',
      item: { kind: 'audit-trail', id: 'retention' },
      action: 'prune',
      outcome: 'done',
      pruned: { throughSeq: 7, hash: 'h' },
    });
  });

  it('a head that disagrees with where the chain ends (a deleted or added last record) breaks it', async () => {
    const c = chain(3);
    expect(await verify(c.slice(0, 2), { seq: 3, hash: c[2].hash })).toEqual({
      ok: false,
      count: 2,
      seq: 3,
      problem: "the trail's head is record 3, but the chain ends at record 2 (records were deleted or added past it)",
    });
    expect(await verify(c, { seq: 3, hash: 'f'.repeat(64) })).toMatchObject({ ok: false, seq: 4 });
    expect(await verify(c, { seq: 2, hash: c[2].hash })).toMatchObject({ ok: false, seq: 3 });
  });
});

describe('SerialQueue', () => {
  it('runs work one after another, a failure not stopping the next, and drain waits for all of it', async () => {
    const q = new SerialQueue();
    const order: string[] = [];
    const slow = q.run(async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('a');
    });
    const failing = q.run(async () => {
      order.push('b');
      throw new Error('no');
    });
    const last = q.run(async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('c');
    });
    await q.drain();
    expect(order).toEqual(['a', 'b', 'c']);
    await expect(failing).rejects.toThrow('no');
    await Promise.all([slow, last]);
  });
});
