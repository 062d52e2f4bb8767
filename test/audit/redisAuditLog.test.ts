import { RedisAuditLog } from '../../src/audit/redisAuditLog';
import { redisFixture } from '../support/redis';
import { auditRecord, mockLogger, readAll } from './helpers';

// The audit trail as a Redis stream, against the real Redis (REDIS_URL overrides 127.0.0.1:6379).

const redis = redisFixture('redisAuditLog');
let seq = 0;

/** A log on its own stream key, through a store (one replica's connection). */
async function open(opts: { retentionDays?: number; now?: () => Date; key?: string; url?: string } = {}) {
  const store = await redis.open(opts.url ? { url: opts.url } : {});
  const log = mockLogger();
  return { log, store, audit: new RedisAuditLog(store.client, { retentionDays: opts.retentionDays ?? 400, logger: log, now: opts.now, key: opts.key ?? `audit-${++seq}` }) };
}

it('appends records that another replica reads back, oldest first, from a given time', async () => {
  const { audit: writer } = await open({ key: 'shared' });
  const { audit: reader } = await open({ key: 'shared' });
  const now = Date.now();
  await writer.append(auditRecord(1, new Date(now - 10 * 60_000).toISOString()));
  await reader.append(auditRecord(2, new Date(now).toISOString(), { phase: 'outcome', outcome: 'done', trackingId: 't-1' }));
  expect(await readAll(reader)).toEqual([auditRecord(1, new Date(now - 10 * 60_000).toISOString()), auditRecord(2, new Date(now).toISOString(), { phase: 'outcome', outcome: 'done', trackingId: 't-1' })]);
  expect((await readAll(writer, new Date(now - 60_000))).map((r) => r.decisionId)).toEqual(['d2']);
});

it('two replicas appending at once lose nothing, and an export pages through more than one batch', async () => {
  const { audit: a } = await open({ key: 'busy' });
  const { audit: b } = await open({ key: 'busy' });
  const at = new Date().toISOString();
  await Promise.all(Array.from({ length: 1200 }, (_, i) => (i % 2 ? a : b).append(auditRecord(i, at))));
  const read = await readAll(a);
  expect(read).toHaveLength(1200);
  expect(new Set(read.map((r) => r.decisionId)).size).toBe(1200);
});

it('trims entries past the retention, and never what is within it', async () => {
  let clock = Date.now();
  const { audit } = await open({ retentionDays: 1, now: () => new Date(clock) });
  for (let i = 0; i < 5; i++) await audit.append(auditRecord(i, new Date(clock).toISOString()));
  await audit.prune();
  expect(await readAll(audit)).toHaveLength(5);
  // Two days on, every entry is past a one-day retention.
  clock += 2 * 24 * 3600_000;
  await audit.prune();
  // Only the prune mark, which says where the chain now starts, so that it still verifies.
  expect(await readAll(audit)).toEqual([expect.objectContaining({ action: 'prune', pruned: { throughSeq: 5, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } })]);
  expect(await audit.verify()).toMatchObject({ ok: true, count: 1, head: { seq: 6 } });
});

it('prunes by stream id: the older records go, the newer stay, and a prune mark keeps the chain verifiable', async () => {
  let clock = Date.now();
  const { audit } = await open({ retentionDays: 1, now: () => new Date(clock) });
  for (let i = 1; i <= 3; i++) await audit.append(auditRecord(i, new Date().toISOString()));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const between = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await audit.append(auditRecord(4, new Date().toISOString()));
  clock = between + 24 * 3600_000;
  await audit.prune();
  expect((await readAll(audit)).map((r) => r.decisionId)).toEqual(['d4', 'prune-3']);
  expect(await audit.verify()).toMatchObject({ ok: true, count: 2, head: { seq: 5 } });
});

it('skips an unreadable entry with a warning', async () => {
  const { audit, store, log } = await open({ key: 'torn' });
  await store.client.xadd('torn', '*', 'r', '{"decisionId":"d1","pha');
  await audit.append(auditRecord(2, new Date().toISOString()));
  expect((await readAll(audit)).map((r) => r.decisionId)).toEqual(['d2']);
  expect(log.warn).toHaveBeenCalledWith(expect.stringMatching(/unreadable/), expect.anything());
});

it('throws when Redis cannot be reached, so the caller does not call ISC', async () => {
  const { audit } = await open({ url: redis.link.url });
  redis.link.cut();
  try {
    await expect(audit.append(auditRecord(1, new Date().toISOString()))).rejects.toThrow();
  } finally {
    redis.link.restore();
  }
});
