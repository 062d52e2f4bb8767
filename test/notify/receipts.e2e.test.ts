import type { Announcement } from '../../src/notify/ledger';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { startHarness, USERS, type Harness } from '../support/botHarness';
import { pgFixture } from '../support/postgres';
import { deleteKeys, testPrefix, TEST_REDIS_URL } from '../support/redis';
import { newApproval } from './rig';

// The real bot on Redis with DATABASE_URL: its notifier leaves receipts in the trail's database, and a
// Redis that lost its state (the test's keys deleted, as by a FLUSHALL) does not make it announce again.

const prefix = testPrefix('receipts-e2e');
const pg = pgFixture('receipts_e2e');
let h: Harness;
let url: string;
beforeEach(async () => {
  url = await pg.freshUrl();
  h = await startHarness({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, DATABASE_URL: url, NOTIFY_USERS: USERS.ada.id });
});
afterEach(() => h.close());
afterAll(() => deleteKeys(prefix));

// Item announcements only: the access-review notices run on their own timer, and the rate limiter's
// hold after the loss can delay the one due at start past the flush.
const dms = () =>
  h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === `D${USERS.ada.id}` && !c.args.thread_ts && !/access review/i.test(String(c.args.text)));

it('announced before a flush, not announced after it; the DM’s receipt is in PostgreSQL and the ledger points at it again', async () => {
  await h.bot.notifier.runCycle();
  const x = newApproval(h.sandbox, SEED_IDENTITIES.ada.id, 'Access Request: Receipt X');
  await h.bot.notifier.runCycle();
  const { ts, kind } = (await h.bot.store.get<Announcement>(`notify:dm:${USERS.ada.id}:${x.id}`))!;
  expect(kind).toBe('dm');
  expect(await pg.sql('SELECT channel, ts, kind FROM notification_receipts WHERE slack_user = $1 AND item_key = $2', [USERS.ada.id, x.id], url)).toEqual([
    { channel: `D${USERS.ada.id}`, ts, kind: 'dm' },
  ]);

  await deleteKeys(prefix);
  const before = dms().length;
  // NOTIFY_USERS are subscribed again by the next poll; the one after it is their first of the new period.
  await h.bot.notifier.runCycle();
  await h.bot.notifier.runCycle();
  // Had X been announced again, its record would point at the summary that listed it.
  expect(await h.bot.store.get<Announcement>(`notify:dm:${USERS.ada.id}:${x.id}`)).toMatchObject({ status: 'posted', kind: 'dm', ts });
  expect(dms().slice(before)).toEqual([]);
});
