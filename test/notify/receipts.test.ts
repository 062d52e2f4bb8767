import { createIscClient } from '../../src/isc/client';
import type { Pool } from 'pg';
import { silentLogger, type Logger } from '../../src/log';
import { MIGRATIONS, migrate } from '../../src/audit/migrations';
import { PgAuditLog } from '../../src/audit/pgAuditLog';
import { CLAIM_LEASE_MS, type Announcement } from '../../src/notify/ledger';
import type { Notifier } from '../../src/notify/notifier';
import { noReceipts, PgAnnouncementReceipts, RECEIPT_RETENTION_MS, type AnnouncementReceipts } from '../../src/notify/receipts';
import type { RedisStateStore } from '../../src/store/redisStore';
import { pgFixture } from '../support/postgres';
import { deleteKeys, redisFixture } from '../support/redis';
import { dmChannel, newApproval, PEOPLE, startRig, type Rig } from './rig';

const pg = pgFixture('notify_receipts');
const redis = redisFixture('notify-receipts');
const lucy = PEOPLE.lucy;

let rig: Rig;
let store: RedisStateStore;
let prefix: string;
let tests = 0;
let log: PgAuditLog | undefined;
let notifier: Notifier;
let receipts: PgAnnouncementReceipts;

/** A replica on Redis (its own key prefix) with the receipts in a fresh PostgreSQL schema, or none. */
async function start(durable: boolean): Promise<void> {
  rig = await startRig({ QUIET_HOURS: 'off', REMIND_AFTER_HOURS: '2' }, '2030-01-07T17:00:00Z');
  prefix = `${redis.prefix}${++tests}:`;
  store = await redis.open({ keyPrefix: prefix });
  log = durable ? await PgAuditLog.open(await pg.freshUrl(), { retentionDays: 400, logger: silentLogger }) : undefined;
  receipts = log ? new PgAnnouncementReceipts(log.pool, { logger: silentLogger, now: () => new Date(rig.clock.now) }) : (undefined as never);
  notifier = rig.replica(store, log ? receipts : noReceipts);
}

async function stop(): Promise<void> {
  await notifier.stop();
  await rig.close();
  await log?.close();
  await deleteKeys(prefix);
}

const cycle = () => notifier.runCycle();
const record = (userId: string, key: string) => store.get<Announcement>(`notify:dm:${userId}:${key}`);
const lucyIdentity = () => rig.sandbox.identityForEmail(lucy.email).id!;
/** Lucy's DMs and summaries (not thread replies). Items are told apart by their ledger records, not by how cards word them. */
const topLevel = () => rig.posts(lucy.id).filter((p) => !p.thread_ts);
/** X was announced again: its record now points at a summary that listed it, not at its own DM. */
const announcedAgain = async (x: { id: string; ts: string }) => {
  const now = await record(lucy.id, x.id);
  return now?.ts !== x.ts;
};

/** Lucy subscribed, her first summary sent, then item X announced in a DM of its own: X's id and the DM's ts. */
async function announceX(): Promise<{ id: string; approvalItemId: string; ts: string }> {
  await notifier.subscriptions.touch(lucy.id);
  await cycle();
  const before = topLevel().length;
  const x = newApproval(rig.sandbox, lucyIdentity(), 'Access Request: Item X');
  await cycle();
  expect(topLevel()).toHaveLength(before + 1);
  const { ts, kind } = (await record(lucy.id, x.id))!;
  expect({ ts, kind }).toEqual({ ts: expect.any(String), kind: 'dm' });
  return { ...x, ts: ts! };
}

/** What a FLUSHALL does to this replica's state: every key gone; the sentinel makes the replica subscribe Lucy again. */
async function loseTheStore(): Promise<void> {
  await deleteKeys(prefix);
  notifier.subscriptions.forgetTouched();
  await notifier.subscriptions.touch(lucy.id);
}

describe('receipts in PostgreSQL: what was announced survives a loss of the state store', () => {
  beforeEach(() => start(true));
  afterEach(stop);

  it('after the store lost its state, the next poll does not announce X again but does announce the new Y; the ledger points at X’s DM again', async () => {
    const x = await announceX();
    await loseTheStore();
    const y = newApproval(rig.sandbox, lucyIdentity(), 'Access Request: Item Y');
    const before = rig.posts(lucy.id).length;
    await cycle();
    const after = rig.posts(lucy.id).slice(before);
    // One message: the new period's summary, of Y alone (the demo items of her first summary had receipts too).
    expect(after).toHaveLength(1);
    expect(after[0].text).toMatch(/^You have 1 work item pending/);
    expect(await record(lucy.id, y.id)).toMatchObject({ status: 'posted', kind: 'summary' });
    expect(await record(lucy.id, x.id)).toMatchObject({ status: 'posted', kind: 'dm', channel: dmChannel(lucy.id), ts: x.ts });
    // Y's summary left a receipt of its own.
    expect([...(await receipts.find(lucy.id, [x.id])).values()]).toEqual([expect.objectContaining({ ts: x.ts, kind: 'dm' })]);
    await cycle();
    expect(rig.posts(lucy.id)).toHaveLength(before + 1);
  });

  it('a reminder for X after the loss is a reply in the thread of X’s original DM', async () => {
    const x = await announceX();
    await loseTheStore();
    await cycle();
    rig.clock.now += 2 * 3600_000 + 60_000;
    await cycle();
    const replies = rig.posts(lucy.id).filter((p) => p.thread_ts === x.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0].text).toMatch(/^⏰ Still waiting for you/);
  });

  it('a reminder sent before the loss is not sent again after it (the day’s reminder claims went with the store); the next day’s is', async () => {
    const x = await announceX();
    const reminders = () => rig.posts(lucy.id).filter((p) => p.thread_ts === x.ts);
    rig.clock.now += 2 * 3600_000 + 60_000;
    await cycle();
    expect(reminders()).toHaveLength(1);
    await loseTheStore();
    rig.clock.now += 60_000;
    await cycle();
    await cycle();
    expect(reminders()).toHaveLength(1);
    expect(await record(lucy.id, x.id)).toMatchObject({ status: 'posted', ts: x.ts, remindedAt: expect.any(String) });
    rig.clock.now += 24 * 3600_000;
    await cycle();
    expect(reminders()).toHaveLength(2);
  });

  it('an item that settled (decided in ISC) leaves no receipt behind', async () => {
    const x = await announceX();
    const key = x.id;
    expect((await receipts.find(lucy.id, [key])).size).toBe(1);
    const webUi = createIscClient({ baseUrl: rig.sandbox.url, clientId: rig.sandbox.clientId, clientSecret: rig.sandbox.clientSecret });
    await webUi.workItems.approveApprovalItem(x.id, x.approvalItemId);
    await cycle();
    expect(await record(lucy.id, key)).toMatchObject({ status: 'settled' });
    expect((await receipts.find(lucy.id, [key])).size).toBe(0);
    expect((await log!.pool.query('SELECT count(*)::int AS n FROM notification_receipts WHERE item_key = $1', [key])).rows).toEqual([{ n: 0 }]);
  });

  it('a DM whose claim the flush took before its post was recorded still leaves a receipt: the next poll does not announce it again', async () => {
    await notifier.subscriptions.touch(lucy.id);
    await cycle();
    await notifier.stop();
    // The flush lands between the claim and the record of the post (the record's compare-and-set finds nothing).
    let flushed = false;
    const flushing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'compareAndSet') return Reflect.get(target, prop, receiver);
        return async (key: string, expected: Announcement | undefined, next: Announcement | undefined, ttlMs?: number) => {
          if (!flushed && key.startsWith('notify:dm:') && expected?.status === 'claimed' && next?.status === 'posted') {
            flushed = true;
            await loseTheStore();
          }
          return target.compareAndSet(key, expected, next, ttlMs);
        };
      },
    });
    notifier = rig.replica(flushing, receipts);
    await notifier.subscriptions.touch(lucy.id);
    const before = topLevel().length;
    newApproval(rig.sandbox, lucyIdentity(), 'Access Request: Item X');
    await cycle();
    expect(flushed).toBe(true);
    // X's DM, and nothing else: the new period's summary has nothing left to list.
    expect(topLevel()).toHaveLength(before + 1);
    await cycle();
    await cycle();
    expect(topLevel()).toHaveLength(before + 1);
  });

  it('a DM claimed just before the store lost its state, and polled for by another replica before it is posted, goes out once', async () => {
    await notifier.subscriptions.touch(lucy.id);
    await cycle();
    const other = rig.replica(store, receipts);
    const before = topLevel().length;
    const x = newApproval(rig.sandbox, lucyIdentity(), 'Access Request: Item X');
    let otherPolled = false;
    rig.beforePost = async () => {
      rig.beforePost = undefined;
      await loseTheStore();
      await other.runCycle();
      otherPolled = true;
    };
    try {
      await cycle();
      await other.runCycle();
      await cycle();
    } finally {
      await other.stop();
    }
    expect(otherPolled).toBe(true);
    expect(topLevel()).toHaveLength(before + 1);
    expect(await record(lucy.id, x.id)).toMatchObject({ status: 'posted', kind: 'dm' });
    expect(rig.logs.join('\n')).toMatch(/being announced, by another claim/);
  });

  it('a DM whose record the store cannot take (Redis restarting) is not posted again: its receipt was written first', async () => {
    await notifier.subscriptions.touch(lucy.id);
    await cycle();
    await notifier.stop();
    let failed = false;
    const restarting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'compareAndSet') return Reflect.get(target, prop, receiver);
        return async (key: string, expected: Announcement | undefined, next: Announcement | undefined, ttlMs?: number) => {
          if (!failed && key.startsWith('notify:dm:') && expected?.status === 'claimed' && next?.status === 'posted') {
            failed = true;
            await loseTheStore();
            throw new Error('Connection is closed.');
          }
          return target.compareAndSet(key, expected, next, ttlMs);
        };
      },
    });
    notifier = rig.replica(restarting, receipts);
    await notifier.subscriptions.touch(lucy.id);
    const before = topLevel().length;
    newApproval(rig.sandbox, lucyIdentity(), 'Access Request: Item X');
    await cycle();
    expect(failed).toBe(true);
    await cycle();
    // Past the claim lease too: the claim in PostgreSQL was completed, not abandoned.
    rig.clock.now += CLAIM_LEASE_MS + 60_000;
    await cycle();
    expect(topLevel()).toHaveLength(before + 1);
    expect(rig.logs.join('\n')).toMatch(/went out but the state store could not record it/);
  });

  it('a reminder claimed just before the store lost its state, and polled for by another replica before it is sent, goes out once', async () => {
    const x = await announceX();
    const reminders = () => rig.posts(lucy.id).filter((p) => p.thread_ts === x.ts);
    const other = rig.replica(store, receipts);
    rig.clock.now += 2 * 3600_000 + 60_000;
    rig.beforePost = async () => {
      rig.beforePost = undefined;
      await loseTheStore();
      await other.runCycle();
    };
    try {
      await cycle();
      await other.runCycle();
    } finally {
      await other.stop();
    }
    expect(reminders()).toHaveLength(1);
  });

  it('a claim whose post failed is given back in PostgreSQL too: the next poll announces the item', async () => {
    await notifier.subscriptions.touch(lucy.id);
    await cycle();
    const before = topLevel().length;
    const x = newApproval(rig.sandbox, lucyIdentity(), 'Access Request: Item X');
    rig.slackFault = (method) => (method === 'chat.postMessage' ? new Error('slack down') : undefined);
    await cycle();
    rig.slackFault = undefined;
    expect((await log!.pool.query('SELECT count(*)::int AS n FROM notification_receipts WHERE item_key = $1', [x.id])).rows).toEqual([{ n: 0 }]);
    await loseTheStore();
    await cycle();
    expect(topLevel().length).toBeGreaterThan(before);
    expect([...(await receipts.find(lucy.id, [x.id])).keys()]).toEqual([x.id]);
  });

  it('records lost but not the subscription (keys evicted): the sweep finds the access request and generic approval new again, and restores them instead of a DM each', async () => {
    await notifier.subscriptions.touch(lucy.id);
    await cycle();
    const before = rig.posts(lucy.id).length;
    const kinds = (await store.members(`notify:dm-items:${lucy.id}`)).map((key) => key.split(':')[0]);
    expect(kinds).toEqual(expect.arrayContaining(['ar', 'ga']));
    for (const lost of ['notify:dm:', 'notify:dm-items:', 'notify:sweep:']) await deleteKeys(`${prefix}${lost}`);
    await cycle();
    await cycle();
    expect(rig.posts(lucy.id)).toHaveLength(before);
    expect(rig.logs.join('\n')).toMatch(/restored from their receipts/);
  });

  it('a receipt that cannot be read (PostgreSQL down) does not stop the poll: the item is announced again rather than not at all', async () => {
    const x = await announceX();
    await loseTheStore();
    const find = receipts.find.bind(receipts);
    receipts.find = () => Promise.reject(new Error('connection refused'));
    try {
      await cycle();
    } finally {
      receipts.find = find;
    }
    expect(await announcedAgain(x)).toBe(true);
    expect(rig.logs.join('\n')).toMatch(/Could not read the notification receipts/);
  });
});

describe('without DATABASE_URL', () => {
  beforeEach(() => start(false));
  afterEach(stop);

  it('nothing is kept outside the store: after a loss the summary lists X again, as before', async () => {
    const x = await announceX();
    await loseTheStore();
    await cycle();
    expect(await announcedAgain(x)).toBe(true);
    expect(await record(lucy.id, x.id)).toMatchObject({ status: 'posted', kind: 'summary' });
  });
});

describe('PgAnnouncementReceipts', () => {
  let pool: PgAuditLog;
  let now: number;
  let r: AnnouncementReceipts;
  let infos: Array<[string, Record<string, unknown> | undefined]>;
  beforeEach(async () => {
    pool = await PgAuditLog.open(await pg.freshUrl(), { retentionDays: 400, logger: silentLogger });
    now = Date.parse('2030-01-07T10:00:00Z');
    infos = [];
    const logger: Logger = { ...silentLogger, info: (msg, ctx) => infos.push([msg, ctx]) };
    r = new PgAnnouncementReceipts(pool.pool, { logger, now: () => new Date(now) });
  });
  afterEach(() => pool.close());

  it('records one row per user and item, finds them in one query, forgets one', async () => {
    await r.record('U1', ['workItem:a', 'workItem:b'], { channel: 'DU1', ts: '1.1', kind: 'summary', announcedAt: new Date(now).toISOString() });
    await r.record('U2', ['workItem:a'], { channel: 'DU2', ts: '2.1', kind: 'dm', announcedAt: new Date(now).toISOString() });
    const found = await r.find('U1', ['workItem:a', 'workItem:b', 'workItem:c']);
    expect([...found.keys()].sort()).toEqual(['workItem:a', 'workItem:b']);
    expect(found.get('workItem:a')).toEqual({ channel: 'DU1', ts: '1.1', kind: 'summary', announcedAt: new Date(now).toISOString() });
    await r.forget('U1', 'workItem:a');
    expect([...(await r.find('U1', ['workItem:a', 'workItem:b'])).keys()]).toEqual(['workItem:b']);
    expect((await r.find('U2', ['workItem:a'])).get('workItem:a')).toMatchObject({ ts: '2.1', kind: 'dm' });
    // A later announcement of the same item (forwarded back) replaces the receipt.
    await r.record('U2', ['workItem:a'], { channel: 'DU2', ts: '2.9', kind: 'dm', announcedAt: new Date(now).toISOString() });
    expect((await r.find('U2', ['workItem:a'])).get('workItem:a')).toMatchObject({ ts: '2.9' });
    // A reminder is noted on the receipt; a new announcement of the item starts without one.
    const at = new Date(now + 3600_000).toISOString();
    await r.claimReminder('U1', ['workItem:b', 'workItem:c'], { day: '2030-01-07', tz: 'UTC', at });
    expect((await r.find('U1', ['workItem:b'])).get('workItem:b')).toEqual({ channel: 'DU1', ts: '1.1', kind: 'summary', announcedAt: new Date(now).toISOString(), remindedAt: at });
    await r.record('U1', ['workItem:b'], { channel: 'DU1', ts: '3.1', kind: 'dm', announcedAt: at });
    expect((await r.find('U1', ['workItem:b'])).get('workItem:b')).not.toHaveProperty('remindedAt');
  });

  it('keeps receipts for 30 days: older ones are neither found nor kept (pruned at start, and daily when recording)', async () => {
    const old = new Date(now - RECEIPT_RETENTION_MS - 60_000).toISOString();
    const count = async () => (await pool.pool.query('SELECT count(*)::int AS n FROM notification_receipts')).rows[0].n;
    // The first record of the day prunes (nothing yet); the old row comes after it.
    await r.record('U1', ['workItem:new'], { channel: 'DU1', ts: '1.2', kind: 'dm', announcedAt: new Date(now - 29 * 24 * 3600_000).toISOString() });
    await r.record('U1', ['workItem:old'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: old });
    expect(await count()).toBe(2);
    expect([...(await r.find('U1', ['workItem:old', 'workItem:new'])).keys()]).toEqual(['workItem:new']);
    // A day later the next record prunes the old one.
    now += 24 * 3600_000;
    await r.record('U1', ['workItem:later'], { channel: 'DU1', ts: '1.3', kind: 'dm', announcedAt: new Date(now).toISOString() });
    expect((await pool.pool.query('SELECT item_key FROM notification_receipts ORDER BY item_key')).rows).toEqual([{ item_key: 'workItem:later' }, { item_key: 'workItem:new' }]);
    // The one announced 30 days and a minute before is pruned at the next start.
    now += 24 * 3600_000;
    expect(await r.prune()).toBe(1);
    // Each prune that deleted something says how much; the first, which found nothing, says nothing.
    expect(infos).toEqual([
      ['Deleted notification receipts past the retention', { receipts: 1 }],
      ['Deleted notification receipts past the retention', { receipts: 1 }],
    ]);
  });

  it('without a clock of its own, goes by the real time', async () => {
    const real = new PgAnnouncementReceipts(pool.pool, { logger: silentLogger });
    await real.record('U1', ['workItem:a'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: new Date().toISOString() });
    expect([...(await real.find('U1', ['workItem:a'])).keys()]).toEqual(['workItem:a']);
  });

  it('one round trip per call, and none when there is nothing to ask', async () => {
    const queries: unknown[] = [];
    const counted = new Proxy(pool.pool, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return (...args: Parameters<Pool['query']>) => {
          queries.push(args[0]);
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
    const c = new PgAnnouncementReceipts(counted, { logger: silentLogger, now: () => new Date(now) });
    // Today's prune is done.
    await c.prune();
    queries.length = 0;
    expect(await c.claim('U1', [], { kind: 'dm', at: at(), replacing: [] })).toEqual({ won: [], announced: new Map() });
    await c.release('U1', [], at());
    await c.record('U1', [], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at() });
    expect((await c.find('U1', [])).size).toBe(0);
    expect(await c.claimReminder('U1', [], { day: '2030-01-07', tz: 'UTC', at: at() })).toEqual({ won: new Map(), refused: [] });
    // A reminder claim that won nothing (no receipts) has nothing to give back.
    await c.releaseReminder('U1', { won: new Map(), refused: [] }, at());
    expect(queries).toEqual([]);
    // A claim that wins every key asks once; one that does not asks again for the receipts of the rest.
    expect((await c.claim('U1', ['workItem:a'], { kind: 'dm', at: at(), replacing: [] })).won).toEqual(['workItem:a']);
    expect(queries).toHaveLength(1);
    await c.record('U1', ['workItem:a'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at() });
    expect(queries).toHaveLength(2);
    expect((await c.claim('U1', ['workItem:a'], { kind: 'dm', at: at(1), replacing: [] })).announced.size).toBe(1);
    expect(queries).toHaveLength(4);
  });

  const at = (offsetMs = 0) => new Date(now + offsetMs).toISOString();
  const rows = async () => (await pool.pool.query('SELECT slack_user, item_key, channel, ts FROM notification_receipts ORDER BY slack_user, item_key')).rows;

  it('a database from before the claims (migration 2) keeps its receipts when migration 3 lets a receipt be a claim', async () => {
    const { Pool } = await import('pg');
    const old = new Pool({ connectionString: await pg.freshUrl() });
    try {
      await migrate(old, silentLogger, MIGRATIONS.filter((m) => m.version <= 2));
      const before = new PgAnnouncementReceipts(old, { logger: silentLogger, now: () => new Date(now) });
      await before.record('U1', ['workItem:a'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at() });
      await expect(before.claim('U1', ['workItem:b'], { kind: 'dm', at: at(), replacing: [] })).rejects.toThrow(/null value in column "channel"/);
      expect(await migrate(old, silentLogger)).toEqual([3, 4]);
      expect((await before.claim('U1', ['workItem:a', 'workItem:b'], { kind: 'dm', at: at(), replacing: [] })).won).toEqual(['workItem:b']);
      await expect(old.query("INSERT INTO notification_receipts (slack_user, item_key, channel, ts, kind, announced_at) VALUES ('U1', 'workItem:c', 'DU1', NULL, 'dm', now())")).rejects.toThrow(/notification_receipts_posted_or_claimed/);
    } finally {
      await old.end();
    }
  });

  it('claims an announcement before it is posted: one claim wins, the receipt completes it, and a later claim finds the receipt', async () => {
    expect(await r.claim('U1', ['workItem:a', 'workItem:b'], { kind: 'dm', at: at(), replacing: [] })).toEqual({ won: ['workItem:a', 'workItem:b'], announced: new Map() });
    // A claim in flight is not a receipt: nothing to restore from it, and nobody else wins it.
    expect((await r.find('U1', ['workItem:a'])).size).toBe(0);
    expect(await r.claim('U1', ['workItem:a', 'workItem:c'], { kind: 'summary', at: at(1000), replacing: [] })).toEqual({ won: ['workItem:c'], announced: new Map() });
    // Another user's claim of the same item is theirs.
    expect((await r.claim('U2', ['workItem:a'], { kind: 'dm', at: at(), replacing: [] })).won).toEqual(['workItem:a']);
    await r.record('U1', ['workItem:a'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at(2000) });
    const again = await r.claim('U1', ['workItem:a'], { kind: 'dm', at: at(3000), replacing: [] });
    expect(again.won).toEqual([]);
    expect(again.announced.get('workItem:a')).toEqual({ channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at(2000) });
  });

  it('a claim is given back only by its own caller (the same claim time), and only while it is a claim', async () => {
    await r.claim('U1', ['workItem:a', 'workItem:b'], { kind: 'dm', at: at(), replacing: [] });
    await r.release('U1', ['workItem:a'], at(1));
    await r.release('U2', ['workItem:a'], at());
    expect(await rows()).toHaveLength(2);
    await r.release('U1', ['workItem:a'], at());
    expect((await rows()).map((row) => row.item_key)).toEqual(['workItem:b']);
    await r.record('U1', ['workItem:b'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at() });
    await r.release('U1', ['workItem:b'], at());
    expect(await rows()).toEqual([{ slack_user: 'U1', item_key: 'workItem:b', channel: 'DU1', ts: '1.1' }]);
  });

  it('an abandoned claim is taken over after the claim lease; a receipt past the retention, or of an arrival the caller replaces, is claimed over', async () => {
    await r.claim('U1', ['workItem:a'], { kind: 'dm', at: at(), replacing: [] });
    expect((await r.claim('U1', ['workItem:a'], { kind: 'dm', at: at(CLAIM_LEASE_MS - 1), replacing: [] })).won).toEqual([]);
    expect((await r.claim('U1', ['workItem:a'], { kind: 'dm', at: at(CLAIM_LEASE_MS), replacing: [] })).won).toEqual(['workItem:a']);
    // Replacing overrides a receipt, not a live claim.
    expect((await r.claim('U1', ['workItem:a'], { kind: 'dm', at: at(CLAIM_LEASE_MS + 1), replacing: ['workItem:a'] })).won).toEqual([]);
    await r.record('U1', ['workItem:a'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at() });
    expect((await r.claim('U1', ['workItem:a'], { kind: 'dm', at: at(1), replacing: ['workItem:b'] })).won).toEqual([]);
    expect((await r.claim('U1', ['workItem:a'], { kind: 'dm', at: at(2), replacing: ['workItem:a'] })).won).toEqual(['workItem:a']);
    expect(await rows()).toEqual([{ slack_user: 'U1', item_key: 'workItem:a', channel: null, ts: null }]);
    await r.record('U1', ['workItem:old'], { channel: 'DU1', ts: '0.1', kind: 'dm', announcedAt: new Date(now - RECEIPT_RETENTION_MS - 1).toISOString() });
    expect((await r.claim('U1', ['workItem:old'], { kind: 'dm', at: at(), replacing: [] })).won).toEqual(['workItem:old']);
  });

  it('claims made at the same moment by two replicas (two connections): exactly one wins each item', async () => {
    const second = new PgAnnouncementReceipts(pool.pool, { logger: silentLogger, now: () => new Date(now) });
    const keys = Array.from({ length: 20 }, (_, i) => `workItem:${i}`);
    for (let round = 0; round < 5; round++) {
      const user = `U${round}`;
      const [one, two] = await Promise.all([r.claim(user, keys, { kind: 'dm', at: at(), replacing: [] }), second.claim(user, keys, { kind: 'summary', at: at(1), replacing: [] })]);
      expect([...one.won, ...two.won].sort()).toEqual([...keys].sort());
    }
  });

  it('claims a reminder per local day: refused the same day in the user’s time zone, won the next; a key without a receipt is neither', async () => {
    await r.record('U1', ['workItem:a'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at() });
    // 2030-01-07T10:00Z is 02:00 in Los Angeles: the 7th there.
    const first = await r.claimReminder('U1', ['workItem:a', 'workItem:none'], { day: '2030-01-07', tz: 'America/Los_Angeles', at: at() });
    expect(first).toEqual({ won: new Map([['workItem:a', null]]), refused: [] });
    expect(await r.claimReminder('U1', ['workItem:a'], { day: '2030-01-07', tz: 'America/Los_Angeles', at: at(1000) })).toEqual({ won: new Map(), refused: ['workItem:a'] });
    // In Tokyo the same instant is already the 7th at 19:00, so the 8th there is another day.
    expect((await r.claimReminder('U1', ['workItem:a'], { day: '2030-01-08', tz: 'Asia/Tokyo', at: at(2000) })).won).toEqual(new Map([['workItem:a', at()]]));
    expect((await r.find('U1', ['workItem:a'])).get('workItem:a')?.remindedAt).toBe(at(2000));
  });

  it('a reminder claim whose post failed puts back the reminder noted before; a claim made since is kept', async () => {
    await r.record('U1', ['workItem:a', 'workItem:b'], { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at() });
    await r.claimReminder('U1', ['workItem:a'], { day: '2030-01-06', tz: 'UTC', at: at(-86_400_000) });
    const claim = await r.claimReminder('U1', ['workItem:a', 'workItem:b'], { day: '2030-01-07', tz: 'UTC', at: at() });
    expect(claim.won).toEqual(new Map([['workItem:a', at(-86_400_000)], ['workItem:b', null]]));
    await r.releaseReminder('U1', claim, at());
    const found = await r.find('U1', ['workItem:a', 'workItem:b']);
    expect(found.get('workItem:a')?.remindedAt).toBe(at(-86_400_000));
    expect(found.get('workItem:b')).not.toHaveProperty('remindedAt');
    const again = await r.claimReminder('U1', ['workItem:a'], { day: '2030-01-07', tz: 'UTC', at: at(5) });
    await r.releaseReminder('U1', claim, at());
    expect((await r.find('U1', ['workItem:a'])).get('workItem:a')?.remindedAt).toBe(at(5));
    expect(again.won.size).toBe(1);
  });

  it('reminder claims made at the same moment by two replicas: one wins', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `workItem:${i}`);
    await r.record('U1', keys, { channel: 'DU1', ts: '1.1', kind: 'dm', announcedAt: at() });
    const second = new PgAnnouncementReceipts(pool.pool, { logger: silentLogger, now: () => new Date(now) });
    const [one, two] = await Promise.all([r.claimReminder('U1', keys, { day: '2030-01-07', tz: 'UTC', at: at() }), second.claimReminder('U1', keys, { day: '2030-01-07', tz: 'UTC', at: at(1) })]);
    expect([...one.won.keys(), ...two.won.keys()].sort()).toEqual([...keys].sort());
    expect([...one.refused, ...two.refused].sort()).toEqual([...keys].sort());
  });
});

describe('noReceipts (no DATABASE_URL)', () => {
  it('keeps nothing, so it stops nothing: every claim won, no receipt found, no reminder refused; the poll is told not to ask', async () => {
    expect(noReceipts.durable).toBe(false);
    const at = '2030-01-07T10:00:00.000Z';
    expect(await noReceipts.claim('U1', ['workItem:a', 'workItem:b'], { kind: 'dm', at, replacing: [] })).toEqual({ won: ['workItem:a', 'workItem:b'], announced: new Map() });
    expect(await noReceipts.find('U1', ['workItem:a'])).toEqual(new Map());
    expect(await noReceipts.claimReminder('U1', ['workItem:a'], { day: '2030-01-07', tz: 'UTC', at })).toEqual({ won: new Map(), refused: [] });
    expect(await noReceipts.prune()).toBe(0);
  });
});
