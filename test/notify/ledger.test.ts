import { CLAIM_LEASE_MS, Ledger, type Announcement } from '../../src/notify/ledger';
import { MemoryStateStore } from '../../src/store/memoryStore';

// The record of what was announced to whom, on a store whose clock the test moves.

const T0 = Date.parse('2026-03-02T09:00:00Z');
const DAY = 24 * 3600_000;

function setup() {
  const clock = { now: T0 };
  const store = new MemoryStateStore(() => clock.now);
  const ledger = new Ledger(store, () => new Date(clock.now));
  // A second replica on the same store.
  const other = new Ledger(store, () => new Date(clock.now));
  return { clock, store, ledger, other };
}

describe('claim', () => {
  it('only one of two replicas wins a new announcement; the loser gets nothing to post', async () => {
    const { ledger, other } = setup();
    const won = await ledger.claim('U1', 'w1', 'dm');
    expect(won).toEqual({ status: 'claimed', kind: 'dm', at: new Date(T0).toISOString() });
    expect(await other.claim('U1', 'w1', 'dm')).toBeUndefined();
    expect(await ledger.get('U1', 'w1')).toEqual(won);
  });

  it('takes over a record only if it is still the one the poll saw (compare-and-set)', async () => {
    const { ledger, other, clock } = setup();
    const abandoned = (await ledger.claim('U1', 'w1', 'dm'))!;
    clock.now += CLAIM_LEASE_MS;
    const taken = await other.claim('U1', 'w1', 'dm', abandoned);
    expect(taken).toMatchObject({ status: 'claimed', at: new Date(clock.now).toISOString() });
    expect(await ledger.claim('U1', 'w1', 'dm', abandoned)).toBeUndefined();
  });

  it('indexes the item under the user and the user under the item, each apart from the others', async () => {
    const { ledger } = setup();
    await ledger.claim('U1', 'w1', 'summary');
    await ledger.claim('U2', 'w1', 'dm');
    await ledger.claim('U2', 'w2', 'dm');
    expect([...(await ledger.ofUser('U1')).keys()]).toEqual(['w1']);
    expect([...(await ledger.ofUser('U2')).keys()].sort()).toEqual(['w1', 'w2']);
    expect((await ledger.holdersOf('w1')).sort()).toEqual(['U1', 'U2']);
    expect(await ledger.holdersOf('w2')).toEqual(['U2']);
  });

  it('the index of an item’s holders lasts 90 days from the last claim, outliving every record it points to', async () => {
    const { ledger, clock } = setup();
    await ledger.claim('U1', 'w1', 'dm');
    clock.now += 90 * DAY - 1;
    expect(await ledger.holdersOf('w1')).toEqual(['U1']);
    clock.now += 1;
    expect(await ledger.holdersOf('w1')).toEqual([]);
  });

  it('a claim abandoned for good expires after 7 days, and ofUser drops its index entry', async () => {
    const { ledger, store, clock } = setup();
    await ledger.claim('U1', 'w1', 'dm');
    clock.now += 7 * DAY - 1;
    expect(await ledger.get('U1', 'w1')).toBeDefined();
    clock.now += 1;
    expect(await ledger.get('U1', 'w1')).toBeUndefined();
    expect((await ledger.ofUser('U1')).size).toBe(0);
    expect(await store.members('notify:dm-items:U1')).toEqual([]);
  });
});

describe('needsAnnouncement', () => {
  it('a new item, a settled record (pending again), or a claim older than the lease; not a fresh claim or a posted record', async () => {
    const { ledger, clock } = setup();
    const claim = (await ledger.claim('U1', 'w1', 'dm'))!;
    expect(ledger.needsAnnouncement(undefined)).toBe(true);
    expect(ledger.needsAnnouncement(claim)).toBe(false);
    clock.now += CLAIM_LEASE_MS - 1;
    expect(ledger.needsAnnouncement(claim)).toBe(false);
    clock.now += 1;
    expect(ledger.needsAnnouncement(claim)).toBe(true);
    const posted: Announcement = { status: 'posted', kind: 'dm', at: new Date(T0).toISOString(), channel: 'D1', ts: '1.1' };
    expect(ledger.needsAnnouncement(posted)).toBe(false);
    expect(ledger.needsAnnouncement({ ...posted, status: 'settled' })).toBe(true);
  });
});

describe('posted, release', () => {
  it('records the post of its own claim; a claim taken over meanwhile is left as the other replica has it', async () => {
    const { ledger, other, clock } = setup();
    const mine = (await ledger.claim('U1', 'w1', 'dm'))!;
    expect(await ledger.posted('U1', 'w1', mine, { channel: 'D1', ts: '1.1' })).toBe(true);
    expect(await ledger.get('U1', 'w1')).toEqual({ status: 'posted', kind: 'dm', at: new Date(T0).toISOString(), channel: 'D1', ts: '1.1' });

    const stale = (await ledger.claim('U1', 'w2', 'dm'))!;
    clock.now += CLAIM_LEASE_MS;
    const theirs = (await other.claim('U1', 'w2', 'dm', stale))!;
    expect(await ledger.posted('U1', 'w2', stale, { channel: 'D1', ts: '2.2' })).toBe(false);
    await ledger.release('U1', 'w2', stale);
    expect(await ledger.get('U1', 'w2')).toEqual(theirs);
    await other.release('U1', 'w2', theirs);
    expect(await ledger.get('U1', 'w2')).toBeUndefined();
  });
});

describe('restore (from a receipt, after the store lost its state)', () => {
  const receipt = { kind: 'dm' as const, announcedAt: new Date(T0 - DAY).toISOString(), channel: 'DU1', ts: '1.5' };

  it('puts back a posted record at the original DM and announcement time, indexed both ways; no claim can be taken over it', async () => {
    const { ledger, other, clock } = setup();
    const restored = await ledger.restore('U1', 'w1', receipt);
    expect(restored).toEqual({ status: 'posted', kind: 'dm', at: receipt.announcedAt, channel: 'DU1', ts: '1.5' });
    expect(await ledger.get('U1', 'w1')).toEqual(restored);
    expect([...(await ledger.ofUser('U1')).keys()]).toEqual(['w1']);
    expect(await ledger.holdersOf('w1')).toEqual(['U1']);
    expect(ledger.needsAnnouncement(restored)).toBe(false);
    expect(await other.claim('U1', 'w1', 'dm')).toBeUndefined();
    // A posted record does not expire.
    clock.now += 60 * DAY;
    expect(await ledger.get('U1', 'w1')).toEqual(restored);
  });

  it('carries the last reminder, so that the day’s reminder is not sent again', async () => {
    const { ledger } = setup();
    const remindedAt = new Date(T0 - 3600_000).toISOString();
    expect(await ledger.restore('U1', 'w1', { ...receipt, remindedAt })).toEqual({ status: 'posted', kind: 'dm', at: receipt.announcedAt, channel: 'DU1', ts: '1.5', remindedAt });
    expect(await ledger.get('U1', 'w1')).toHaveProperty('remindedAt', remindedAt);
    expect(Object.keys((await ledger.restore('U1', 'w2', receipt))!)).not.toContain('remindedAt');
  });

  it('never replaces a record: a replica that claimed the item meanwhile keeps its claim, and restoring twice restores once', async () => {
    const { ledger, other } = setup();
    const claim = (await other.claim('U1', 'w1', 'summary'))!;
    expect(await ledger.restore('U1', 'w1', receipt)).toBeUndefined();
    expect(await ledger.get('U1', 'w1')).toEqual(claim);
    // The claim's post is recorded as usual.
    expect(await other.posted('U1', 'w1', claim, { channel: 'DU1', ts: '9.9' })).toBe(true);

    expect(await ledger.restore('U1', 'w2', receipt)).toBeDefined();
    expect(await other.restore('U1', 'w2', { ...receipt, ts: '2.0' })).toBeUndefined();
    expect(await ledger.get('U1', 'w2')).toMatchObject({ ts: '1.5' });
  });

  it('over the caller’s own claim (the receipts showed the item announced): replaces that claim only, indexed both ways', async () => {
    const { ledger, other, store, clock } = setup();
    const claim = (await ledger.claim('U1', 'w1', 'dm'))!;
    await store.removeMember('notify:dm-items:U1', 'w1');
    expect(await ledger.restore('U1', 'w1', receipt, { ...claim, at: new Date(T0 - 1).toISOString() })).toBeUndefined();
    expect(await ledger.get('U1', 'w1')).toEqual(claim);
    const restored = await ledger.restore('U1', 'w1', receipt, claim);
    expect(restored).toEqual({ status: 'posted', kind: 'dm', at: receipt.announcedAt, channel: 'DU1', ts: '1.5' });
    expect(await ledger.get('U1', 'w1')).toEqual(restored);
    expect([...(await ledger.ofUser('U1')).keys()]).toEqual(['w1']);
    // Over a claim that is no longer there, nothing is put back (the store lost it: the next poll restores).
    expect(await other.restore('U1', 'w3', receipt, claim)).toBeUndefined();
    expect(await ledger.get('U1', 'w3')).toBeUndefined();
    clock.now += 60 * DAY;
    expect(await ledger.get('U1', 'w1')).toEqual(restored);
  });
});

describe('update', () => {
  it('settling starts a 30-day expiry; a posted record does not expire', async () => {
    const { ledger, clock } = setup();
    const claim = (await ledger.claim('U1', 'w1', 'dm'))!;
    await ledger.posted('U1', 'w1', claim, { channel: 'D1', ts: '1.1' });
    await ledger.update('U1', 'w1', { remindedAt: 'x' });
    clock.now += 60 * DAY;
    expect(await ledger.get('U1', 'w1')).toMatchObject({ status: 'posted', remindedAt: 'x' });
    await ledger.update('U1', 'w1', { status: 'settled' });
    clock.now += 30 * DAY - 1;
    expect(await ledger.get('U1', 'w1')).toMatchObject({ status: 'settled' });
    clock.now += 1;
    expect(await ledger.get('U1', 'w1')).toBeUndefined();
  });

  it('marks a record stale and clears the mark; a missing record stays missing', async () => {
    const { ledger } = setup();
    const claim = (await ledger.claim('U1', 'w1', 'dm'))!;
    await ledger.posted('U1', 'w1', claim, { channel: 'D1', ts: '1.1' });
    await ledger.update('U1', 'w1', { stale: true });
    expect(await ledger.get('U1', 'w1')).toMatchObject({ stale: true });
    await ledger.update('U1', 'w1', { stale: false });
    expect(await ledger.get('U1', 'w1')).not.toHaveProperty('stale');
    await ledger.update('U1', 'w9', { status: 'settled' });
    expect(await ledger.get('U1', 'w9')).toBeUndefined();
  });
});

describe('claimReminder', () => {
  it('one reminder per person, item and day: the second claim of a day fails, another day or item or person is its own', async () => {
    const { ledger, other } = setup();
    const mine = await ledger.claimReminder('U1', 'w1', '2026-03-02');
    expect(mine).toBeDefined();
    expect(await other.claimReminder('U1', 'w1', '2026-03-02')).toBeUndefined();
    expect(await other.claimReminder('U1', 'w1', '2026-03-03')).toBeDefined();
    expect(await other.claimReminder('U1', 'w2', '2026-03-02')).toBeDefined();
    expect(await other.claimReminder('U2', 'w1', '2026-03-02')).toBeDefined();
    await mine!.release();
    expect(await other.claimReminder('U1', 'w1', '2026-03-02')).toBeDefined();
  });

  it('a claim lasts two days, past its day in every time zone', async () => {
    const { ledger, clock } = setup();
    await ledger.claimReminder('U1', 'w1', '2026-03-02');
    clock.now += 2 * DAY - 1;
    expect(await ledger.claimReminder('U1', 'w1', '2026-03-02')).toBeUndefined();
    clock.now += 1;
    expect(await ledger.claimReminder('U1', 'w1', '2026-03-02')).toBeDefined();
  });
});
