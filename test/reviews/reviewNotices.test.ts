import { RV_ACTION } from '../../src/blocks/reviews';
import type { RenderedMessage } from '../../src/blocks/types';
import type { IdentityCertificationDto } from '../../src/isc/types';
import { silentLogger } from '../../src/log';
import { MAX_REVIEWERS_PER_CYCLE, ReviewNotices, reminderDue } from '../../src/reviews/reviewNotices';
import { ReviewService } from '../../src/reviews/reviewService';
import { SEED_CERTIFICATIONS as C } from '../../src/sandbox/certificationSeed';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { MemoryStateStore } from '../../src/store/memoryStore';
import { PgDurableClaims, type DurableClaims } from '../../src/store/durableClaims';
import { PgAuditLog } from '../../src/audit/pgAuditLog';
import { pgFixture } from '../support/postgres';
import type { IdentityDirectory } from '../../src/workitems/identityDirectory';
import { completeCertification, useSandboxIsc } from '../support/sandboxIsc';

// Access-review DMs against the sandbox tenant: a new certification DMs its reviewer once (across
// replicas), reminders 3 days and 1 day before the due date go once each within the reviewer's
// working hours, and a DM Slack did not take is sent on the next cycle.

const T0 = new Date('2026-12-01T12:00:00.000Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let clock = T0;
beforeEach(() => (clock = T0));
const tenant = useSandboxIsc(() => clock);

interface Sent {
  user: string;
  message: RenderedMessage;
}

function rig(people: Record<string, { id: string; name: string }> = { UADA: SEED_IDENTITIES.ada, UBEN: SEED_IDENTITIES.ben, UMAYA: SEED_IDENTITIES.manager }, claims?: DurableClaims) {
  const store = new MemoryStateStore();
  const sent: Sent[] = [];
  // The bot first looks a day before T0: the seeded reviews (due at T0 + 3 days) are not due within 3 days yet.
  const state = { now: new Date(T0.getTime() - DAY), failDms: false };
  const zones: Record<string, string> = { UADA: 'Asia/Tokyo' };
  const directory = {
    identityFor: async (u: string) => (people[u] ? { id: people[u].id, name: people[u].name } : null),
    timeZone: async (u: string) => zones[u] ?? 'UTC',
  } as unknown as IdentityDirectory;
  const service = new ReviewService({ isc: tenant().isc, directory, store, admins: new Set(), logger: silentLogger });
  // Replicas in step: each list waits (a little) for the other replica's list of the same reviewer, so
  // both look at the same certifications at the same moment, as two leaders after a split would.
  const arrived = new Map<string, Array<() => void>>();
  const reviews = {
    openCertifications: async (u: string, id: string) => {
      const certs = await service.openCertifications(u, id);
      const waiting = arrived.get(u) ?? [];
      arrived.set(u, waiting);
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length >= 2) waiting.splice(0).forEach((go) => go());
        else setTimeout(resolve, 30);
      });
      return certs;
    },
  };
  const notices = () =>
    new ReviewNotices({
      reviews,
      directory,
      reviewers: async () => Object.keys(people),
      store,
      dms: {
        postDm: async (user, message) => {
          await new Promise((r) => setTimeout(r, 2));
          if (state.failDms) throw new Error('slack down');
          sent.push({ user, message });
          return { channel: `D${user}`, ts: String(sent.length) };
        },
      },
      logger: silentLogger,
      now: () => state.now,
      quietHours: { start: 20 * 60, end: 8 * 60 },
      claims,
    });
  /** What each DM is: user, kind (from its text) and the certification its Review button opens. */
  const seen = () =>
    sent.map(({ user, message }) => {
      const button = (message.blocks as Array<Record<string, any>>).find((b) => b.accessory?.action_id === RV_ACTION.open)?.accessory;
      return `${user} ${message.text.startsWith('New') ? 'new' : 'due'} ${button ? JSON.parse(button.value).c : undefined}`;
    });
  return { store, sent, state, notices, seen };
}

/** Ada hands one item of her quarterly review to Maya: ISC creates a certification for Maya, now. */
async function reassignToMaya(): Promise<string> {
  const { isc } = tenant();
  const [item] = (await isc.certifications.listIdentityAccessReviewItems(C.adaQuarterly, { limit: 1 })).items;
  await isc.certifications.reassignIdentityCertifications(C.adaQuarterly, { reassignTo: SEED_IDENTITIES.manager.id, reason: 'Maya owns this system', reassign: [{ id: item.id!, type: 'ITEM' }] });
  const mine = await isc.certifications.listIdentityCertifications({ reviewerIdentity: SEED_IDENTITIES.manager.id });
  return mine.items[0].id!;
}

test('a certification assigned after the bot first looked DMs its reviewer once, even with two watchers on one store; older ones are not announced', async () => {
  const r = rig();
  const [a, b] = [r.notices(), r.notices()];
  // Open before the bot first looked: not new to anyone.
  await Promise.all([a.cycle(), b.cycle()]);
  expect(r.sent).toEqual([]);

  clock = new Date(T0.getTime() + HOUR);
  r.state.now = clock;
  const assigned = await reassignToMaya();
  await Promise.all([a.cycle(), b.cycle(), a.cycle()]);
  await Promise.all([a.cycle(), b.cycle()]);
  // (Ben's review is due within 3 days by now: his reminder is another test's matter.)
  const maya = () => r.sent.filter((s) => s.user === 'UMAYA');
  expect(r.seen().filter((s) => s.startsWith('UMAYA'))).toEqual([`UMAYA new ${assigned}`]);
  expect(maya()).toHaveLength(1);
  // The Review button opens the review at its first page, as the list's does.
  const button = (maya()[0].message.blocks as Array<Record<string, any>>).find((block) => block.accessory)!.accessory;
  expect(button).toMatchObject({ action_id: RV_ACTION.open, text: { text: 'Review' } });
  expect(JSON.parse(button.value)).toEqual({ c: assigned, o: 0 });
  expect(JSON.stringify(maya()[0].message.blocks)).toMatch(/new access review to do in ISC/);
  // Due within 3 days already: the "new" DM said so, no separate 3-day reminder.
  r.state.now = new Date(T0.getTime() + 12 * HOUR);
  await a.cycle();
  expect(maya()).toHaveLength(1);
});

test('reminders 3 days and 1 day before the due date, once each, within the reviewer’s working hours, none for a signed certification', async () => {
  const r = rig();
  const watcher = r.notices();
  await watcher.cycle();
  expect(r.sent).toEqual([]);

  // Ben decides everything and signs off: no reminders for him.
  await completeCertification(tenant().isc, C.benQuarterly);

  // Ada's quarterly review is due at T0 + 3 days: within 3 days, but 13:00 UTC is 22:00 in Tokyo,
  // quiet; at 00:00 UTC it is 09:00 there.
  r.state.now = new Date(T0.getTime() + 1 * HOUR);
  await watcher.cycle();
  expect(r.seen()).toEqual([]);
  r.state.now = new Date(T0.getTime() + 12 * HOUR);
  await Promise.all([watcher.cycle(), r.notices().cycle()]);
  await watcher.cycle();
  expect(r.seen()).toEqual([`UADA due ${C.adaQuarterly}`]);
  expect(JSON.stringify(r.sent[0].message.blocks)).toMatch(/due in 3 days.*300 items still undecided/);

  // Within the last day: 13:00 UTC is 22:00 in Tokyo, quiet; 23:00 UTC is 08:00 there.
  r.state.now = new Date(T0.getTime() + 2 * DAY + 1 * HOUR);
  await watcher.cycle();
  expect(r.sent).toHaveLength(1);
  r.state.now = new Date(T0.getTime() + 2 * DAY + 11 * HOUR);
  await Promise.all([watcher.cycle(), r.notices().cycle()]);
  await watcher.cycle();
  expect(r.seen()).toEqual([`UADA due ${C.adaQuarterly}`, `UADA due ${C.adaQuarterly}`]);
  expect(JSON.stringify(r.sent[1].message.blocks)).toMatch(/due in 13 hours/);
  expect(r.sent.map((s) => s.user)).not.toContain('UBEN');
});

test('a DM Slack did not take is sent on the next cycle, not lost', async () => {
  const r = rig();
  const watcher = r.notices();
  await watcher.cycle();
  clock = new Date(T0.getTime() + HOUR);
  r.state.now = new Date(T0.getTime() + 12 * HOUR);
  const assigned = await reassignToMaya();
  r.state.failDms = true;
  await watcher.cycle();
  expect(r.sent).toEqual([]);
  r.state.failDms = false;
  await watcher.cycle();
  expect(r.seen().sort()).toEqual([`UADA due ${C.adaQuarterly}`, `UMAYA new ${assigned}`]);
});

describe('with DATABASE_URL: the notices are claimed in PostgreSQL too', () => {
  const pg = pgFixture('review_notices');
  let log: PgAuditLog;
  let claims: PgDurableClaims;
  beforeEach(async () => {
    log = await PgAuditLog.open(await pg.freshUrl(), { retentionDays: 400, logger: silentLogger });
    claims = new PgDurableClaims(log.pool, { logger: silentLogger, now: () => clock });
  });
  afterEach(() => log.close());

  /** Ada's 3-day reminder sent, then the store loses its state (a flushed Redis): what the next cycles send. */
  async function afterLoss(r: ReturnType<typeof rig>): Promise<string[]> {
    const watcher = r.notices();
    await watcher.cycle();
    r.state.now = new Date(T0.getTime() + 12 * HOUR);
    await watcher.cycle();
    expect(r.seen()).toEqual([`UADA due ${C.adaQuarterly}`]);
    r.store.restore(new Map());
    await watcher.cycle();
    await r.notices().cycle();
    return r.seen().slice(1);
  }

  test('a reminder sent before the state store lost its state is not sent again after it', async () => {
    expect(await afterLoss(rig(undefined, claims))).toEqual([]);
  });

  test('(without PostgreSQL the store’s claim is all there is: after the loss the reminder goes again)', async () => {
    expect(await afterLoss(rig())).toEqual([`UADA due ${C.adaQuarterly}`]);
  });

  test('the reminder a "new" DM stood for is not sent after a loss either', async () => {
    const r = rig(undefined, claims);
    const watcher = r.notices();
    await watcher.cycle();
    clock = new Date(T0.getTime() + HOUR);
    r.state.now = clock;
    const assigned = await reassignToMaya();
    await watcher.cycle();
    expect(r.seen().filter((s) => s.startsWith('UMAYA'))).toEqual([`UMAYA new ${assigned}`]);
    r.store.restore(new Map());
    // 10:00 UTC, Maya's working hours, with the review due in 2 days.
    r.state.now = new Date(T0.getTime() + 22 * HOUR);
    await watcher.cycle();
    expect(r.seen().filter((s) => s.startsWith('UMAYA'))).toEqual([`UMAYA new ${assigned}`]);
  });

  test('a DM Slack did not take gives back its claim in PostgreSQL too, and goes on the next cycle', async () => {
    const r = rig(undefined, claims);
    const watcher = r.notices();
    await watcher.cycle();
    r.state.now = new Date(T0.getTime() + 12 * HOUR);
    r.state.failDms = true;
    await watcher.cycle();
    r.state.failDms = false;
    expect(r.sent).toEqual([]);
    await watcher.cycle();
    expect(r.seen()).toEqual([`UADA due ${C.adaQuarterly}`]);
  });

  test('PostgreSQL down: the store’s claim decides alone, and the notice goes', async () => {
    const r = rig(undefined, { durable: true, claim: () => Promise.reject(new Error('connection refused')), prune: async () => 0 });
    const watcher = r.notices();
    await watcher.cycle();
    r.state.now = new Date(T0.getTime() + 12 * HOUR);
    await watcher.cycle();
    await watcher.cycle();
    expect(r.seen()).toEqual([`UADA due ${C.adaQuarterly}`]);
  });
});

test('a cycle reads at most a bounded number of reviewers, one certification list each, and the next cycle goes on with the rest', async () => {
  const people = Object.fromEntries(Array.from({ length: MAX_REVIEWERS_PER_CYCLE + 5 }, (_, i) => [`U${String(i).padStart(3, '0')}`, SEED_IDENTITIES.manager]));
  const r = rig(people);
  const lists = () => tenant().sandbox.stats().requests['GET /certifications'] ?? 0;
  const watcher = r.notices();
  await watcher.cycle();
  expect(lists()).toBe(MAX_REVIEWERS_PER_CYCLE);
  const before = lists();
  const spy = jest.spyOn(ReviewService.prototype, 'openCertifications');
  await watcher.cycle();
  expect(lists() - before).toBe(MAX_REVIEWERS_PER_CYCLE);
  // The five not read in the first cycle come first in the second.
  expect(spy.mock.calls.slice(0, 5).map(([u]) => u)).toEqual(['U020', 'U021', 'U022', 'U023', 'U024']);
  spy.mockRestore();
});

test('no reminder for a signed or completed certification, or one with nothing undecided', () => {
  const c: IdentityCertificationDto = { id: 'c1', due: new Date(T0.getTime() + 12 * HOUR).toISOString(), decisionsMade: 1, decisionsTotal: 3 };
  expect(reminderDue(c, T0)).toBe('due1');
  expect(reminderDue({ ...c, due: new Date(T0.getTime() + 2 * DAY).toISOString() }, T0)).toBe('due3');
  expect(reminderDue({ ...c, due: new Date(T0.getTime() + 4 * DAY).toISOString() }, T0)).toBeUndefined();
  expect(reminderDue({ ...c, phase: 'SIGNED' }, T0)).toBeUndefined();
  expect(reminderDue({ ...c, completed: true }, T0)).toBeUndefined();
  expect(reminderDue({ ...c, decisionsMade: 3 }, T0)).toBeUndefined();
});
