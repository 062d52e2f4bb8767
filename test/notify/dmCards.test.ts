import type { NotifyDeps } from '../../src/notify/deps';
import { DmCards, keyed, type KeyedItem } from '../../src/notify/dmCards';
import type { DmPort, DmRef } from '../../src/notify/dmPort';
import { Ledger, type Announcement } from '../../src/notify/ledger';
import type { AnnouncementReceipts, Receipt, ReminderClaim } from '../../src/notify/receipts';
import type { RenderedMessage } from '../../src/blocks/types';
import { MemoryStateStore } from '../../src/store/memoryStore';
import { approval, workItem } from '../blocks/fixtures';

// The claims behind each DM and reminder, on the real ledger (a memory store) and receipts the test
// scripts: what is claimed where, what is given back when a post fails, and what an operator is told.

const T0 = Date.parse('2030-01-07T17:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const item = (id: string): KeyedItem => keyed({ kind: 'workItem', item: workItem({ id, approvalItems: [approval(1, { value: `Group-${id}` })] }) })!;

type Log = { level: 'info' | 'warn'; msg: string; ctx?: Record<string, unknown> };

/** Receipts that claim whatever they are asked, unless a test scripts otherwise. */
function scriptedReceipts(): jest.Mocked<AnnouncementReceipts> {
  return {
    durable: true,
    claim: jest.fn(async (_user: string, keys: readonly string[]) => ({ won: [...keys], announced: new Map<string, Receipt>() })),
    release: jest.fn(async () => undefined),
    record: jest.fn(async () => undefined),
    find: jest.fn(async () => new Map<string, Receipt>()),
    claimReminder: jest.fn(async (_user: string, keys: readonly string[]) => ({ won: new Map(keys.map((k) => [k, null])), refused: [] })),
    releaseReminder: jest.fn(async () => undefined),
    forget: jest.fn(async () => undefined),
    prune: jest.fn(async () => 0),
  } as unknown as jest.Mocked<AnnouncementReceipts>;
}

const clock = { now: T0 };
beforeEach(() => {
  clock.now = T0;
});

function setup(receipts: AnnouncementReceipts = scriptedReceipts(), store = new MemoryStateStore(() => clock.now)) {
  const ledger = new Ledger(store, () => new Date(clock.now));
  const logs: Log[] = [];
  const posts: Array<{ userId: string; message: RenderedMessage; thread?: DmRef }> = [];
  /** fault: every post fails; gate: the next post waits for it. */
  const slack: { fault?: Error; gate?: Promise<void> } = {};
  const dms: DmPort = {
    async postDm(userId, message, thread) {
      const gate = slack.gate;
      slack.gate = undefined;
      await gate;
      if (slack.fault) throw slack.fault;
      posts.push({ userId, message, ...(thread ? { thread } : {}) });
      return { channel: `D${userId}`, ts: `${posts.length}.0` };
    },
    updateDm: async () => undefined,
    lookupByEmail: async () => undefined,
  };
  const ctx = {
    config: { isc: { uiBaseUrl: 'https://acme.identitynow.com' } },
    directory: { peekIdentity: () => undefined, timeZone: async () => 'UTC', locale: async () => undefined },
    inbox: { decisionsOf: async () => ({}) },
    logger: { debug() {}, error() {}, info: (msg: string, c?: Record<string, unknown>) => logs.push({ level: 'info', msg, ctx: c }), warn: (msg: string, c?: Record<string, unknown>) => logs.push({ level: 'warn', msg, ctx: c }) },
    now: () => new Date(clock.now),
  } as unknown as NotifyDeps;
  const cards = new DmCards({ ctx, ledger, dms, receipts });
  const logged = (pattern: RegExp) => logs.filter((l) => pattern.test(l.msg));
  return { ledger, cards, logs, logged, posts, slack };
}

/** The items a post lists: a DM names its item, a summary each of its items. */
const named = (message: RenderedMessage, ids: string[]) => ids.filter((id) => JSON.stringify(message).includes(`Group-${id}`));

describe('announcing: the ledger claims, then the receipts claim, then the post', () => {
  it('claims in the receipts at one moment, posts, and records the receipt before the ledger’s record of the post', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, posts } = setup(receipts);
    let ledgerAtRecord: Announcement | undefined;
    receipts.record.mockImplementation(async () => {
      ledgerAtRecord = await ledger.get('U1', 'w1');
    });
    await cards.announce('U1', item('w1'));
    expect(receipts.claim).toHaveBeenCalledWith('U1', ['w1'], { kind: 'dm', at: iso(T0), replacing: [] });
    expect(posts).toHaveLength(1);
    expect(receipts.record).toHaveBeenCalledWith('U1', ['w1'], { channel: 'DU1', ts: '1.0', kind: 'dm', announcedAt: iso(T0) });
    expect(ledgerAtRecord).toMatchObject({ status: 'claimed' });
    expect(await ledger.get('U1', 'w1')).toEqual({ status: 'posted', kind: 'dm', at: iso(T0), channel: 'DU1', ts: '1.0' });
  });

  it('an item the ledger settled before (an earlier arrival) replaces its receipt; an abandoned claim taken over does not', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger } = setup(receipts);
    const abandoned = (await ledger.claim('U1', 'w2', 'dm'))!;
    await ledger.restore('U1', 'w1', { kind: 'dm', announcedAt: iso(T0 - 86_400_000), channel: 'DU1', ts: '0.1' });
    await ledger.update('U1', 'w1', { status: 'settled' });
    const settled = (await ledger.get('U1', 'w1'))!;
    clock.now += 3600_000;
    await cards.summarise('U1', [{ entry: item('w1'), previous: settled }, { entry: item('w2'), previous: abandoned }, { entry: item('w3') }]);
    expect(receipts.claim).toHaveBeenCalledWith('U1', ['w1', 'w2', 'w3'], { kind: 'summary', at: iso(clock.now), replacing: ['w1'] });
  });

  it('an item the receipts show announced is restored over this claim, one claimed elsewhere is given back; only the rest is posted, and the operator is told how many', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, posts, logged } = setup(receipts);
    const receipt: Receipt = { channel: 'DU1', ts: '0.5', kind: 'dm', announcedAt: iso(T0 - 3600_000) };
    receipts.claim.mockResolvedValueOnce({ won: ['w1'], announced: new Map([['w2', receipt]]) });
    await cards.summarise('U1', [{ entry: item('w1') }, { entry: item('w2') }, { entry: item('w3') }]);
    expect(posts).toHaveLength(1);
    expect(named(posts[0].message, ['w1', 'w2', 'w3'])).toEqual(['w1']);
    expect(await ledger.get('U1', 'w2')).toEqual({ status: 'posted', kind: 'dm', at: receipt.announcedAt, channel: 'DU1', ts: '0.5' });
    expect(await ledger.get('U1', 'w3')).toBeUndefined();
    expect(receipts.record).toHaveBeenCalledWith('U1', ['w1'], expect.objectContaining({ kind: 'summary' }));
    expect(logged(/announced, or being announced, by another claim/).map((l) => l.ctx)).toEqual([{ userId: 'U1', items: 2 }]);
  });

  it('nothing is posted when the receipts let no claim through, and nothing is logged when they let every one through', async () => {
    const receipts = scriptedReceipts();
    const { cards, posts, logs } = setup(receipts);
    await cards.summarise('U1', [{ entry: item('w1') }]);
    expect(posts).toHaveLength(1);
    expect(logs).toEqual([]);
    receipts.claim.mockResolvedValueOnce({ won: [], announced: new Map() });
    await cards.summarise('U1', [{ entry: item('w2') }, { entry: item('w3') }]);
    expect(posts).toHaveLength(1);
    expect(receipts.record).toHaveBeenCalledTimes(1);
  });

  it('the receipts are not asked for items the ledger did not let through', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, posts } = setup(receipts);
    await ledger.claim('U1', 'w1', 'dm');
    await cards.announce('U1', item('w1'));
    expect(receipts.claim).not.toHaveBeenCalled();
    expect(posts).toEqual([]);
  });

  it('PostgreSQL failing to claim: posted on the ledger’s claim alone, and said so', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, posts, logged } = setup(receipts);
    receipts.claim.mockRejectedValueOnce(new Error('connection refused'));
    await cards.announce('U1', item('w1'));
    expect(posts).toHaveLength(1);
    expect(await ledger.get('U1', 'w1')).toMatchObject({ status: 'posted' });
    expect(logged(/Could not claim a notification in PostgreSQL/).map((l) => [l.level, l.ctx])).toEqual([['warn', { userId: 'U1', items: 1, error: 'connection refused' }]]);
    // Something other than an Error is written as text.
    receipts.claim.mockRejectedValueOnce('timeout');
    await cards.announce('U1', item('w2'));
    expect(logged(/Could not claim a notification in PostgreSQL/)[1].ctx).toEqual({ userId: 'U1', items: 1, error: 'timeout' });
  });

  it('receipts that keep nothing are never asked to claim', async () => {
    const none = { ...scriptedReceipts(), durable: false } as jest.Mocked<AnnouncementReceipts>;
    none.claim.mockResolvedValue({ won: [], announced: new Map() });
    const { cards, posts } = setup(none);
    await cards.announce('U1', item('w1'));
    expect(none.claim).not.toHaveBeenCalled();
    expect(posts).toHaveLength(1);
  });

  it('a failed post gives back both claims (the receipts’ by the claim’s time) and fails; a failed give-back is logged, the post’s error still thrown', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, slack, logged } = setup(receipts);
    slack.fault = new Error('slack down');
    clock.now += 1;
    await expect(cards.summarise('U1', [{ entry: item('w1') }, { entry: item('w2') }])).rejects.toThrow('slack down');
    expect(await ledger.get('U1', 'w1')).toBeUndefined();
    expect(await ledger.get('U1', 'w2')).toBeUndefined();
    expect(receipts.release).toHaveBeenCalledWith('U1', ['w1', 'w2'], iso(T0 + 1));
    expect(receipts.record).not.toHaveBeenCalled();
    expect(logged(/./)).toEqual([]);

    receipts.release.mockRejectedValueOnce(new Error('connection refused'));
    await expect(cards.announce('U1', item('w3'))).rejects.toThrow('slack down');
    expect(logged(/Could not give back the claims of a notification that failed/).map((l) => [l.level, l.ctx])).toEqual([['warn', { userId: 'U1', items: 1, error: 'connection refused' }]]);
  });

  it('a receipt PostgreSQL could not write is logged; the ledger still records the post', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, logged } = setup(receipts);
    receipts.record.mockRejectedValueOnce(new Error('connection refused'));
    await cards.announce('U1', item('w1'));
    expect(await ledger.get('U1', 'w1')).toMatchObject({ status: 'posted', ts: '1.0' });
    expect(logged(/Could not write the receipts of a notification/).map((l) => [l.level, l.ctx])).toEqual([['warn', { userId: 'U1', items: 1, error: 'connection refused' }]]);
  });

  it('a post the store could not record, or whose claim was taken over meanwhile, is logged, with whether a receipt keeps it', async () => {
    const failing = new MemoryStateStore(() => clock.now);
    const { cards, logged } = setup(scriptedReceipts(), failing);
    const compareAndSet = failing.compareAndSet.bind(failing);
    failing.compareAndSet = async (key, expected, next, ttlMs) => {
      if ((next as Announcement | undefined)?.status === 'posted') throw new Error('Connection is closed.');
      return compareAndSet(key, expected, next, ttlMs);
    };
    await cards.announce('U1', item('w1'));
    expect(logged(/went out but the state store could not record it/).map((l) => l.ctx)).toEqual([{ userId: 'U1', items: 1, receipts: true, error: 'Connection is closed.' }]);
    failing.compareAndSet = async (key, expected, next, ttlMs) => {
      if ((next as Announcement | undefined)?.status === 'posted') throw 'READONLY';
      return compareAndSet(key, expected, next, ttlMs);
    };
    await cards.announce('U1', item('w3'));
    expect(logged(/went out but the state store could not record it/)[1].ctx).toMatchObject({ error: 'READONLY' });

    failing.compareAndSet = async (key, expected, next, ttlMs) => ((next as Announcement | undefined)?.status === 'posted' ? false : compareAndSet(key, expected, next, ttlMs));
    await cards.announce('U1', item('w2'));
    expect(logged(/posted after its claim had been taken over/).map((l) => l.ctx)).toEqual([{ userId: 'U1' }]);
  });
});

describe('restore: items the ledger has no record of, announced before as their receipts show', () => {
  const receipt: Receipt = { channel: 'DU1', ts: '0.5', kind: 'dm', announcedAt: iso(T0 - 3600_000) };

  it('restores each found receipt into the ledger, except where a claim got there first; says how many', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, logged } = setup(receipts);
    receipts.find.mockResolvedValueOnce(new Map([['w1', receipt], ['w2', { ...receipt, ts: '0.6' }]]));
    const claim = await ledger.claim('U1', 'w2', 'dm');
    const restored = await cards.restore('U1', ['w1', 'w2', 'w3']);
    expect(receipts.find).toHaveBeenCalledWith('U1', ['w1', 'w2', 'w3']);
    expect([...restored]).toEqual([['w1', { status: 'posted', kind: 'dm', at: receipt.announcedAt, channel: 'DU1', ts: '0.5' }]]);
    expect(await ledger.get('U1', 'w2')).toEqual(claim);
    expect(logged(/restored from their receipts/).map((l) => [l.level, l.ctx])).toEqual([['info', { userId: 'U1', items: 1 }]]);
  });

  it('asks nothing of receipts that keep nothing, nor for no keys, and logs nothing when nothing was restored', async () => {
    const receipts = scriptedReceipts();
    const { cards, logs } = setup(receipts);
    expect((await cards.restore('U1', [])).size).toBe(0);
    await cards.restore('U1', ['w1']);
    expect(receipts.find).toHaveBeenCalledTimes(1);
    expect(logs).toEqual([]);
    const none = { ...scriptedReceipts(), durable: false } as jest.Mocked<AnnouncementReceipts>;
    const { cards: without } = setup(none);
    expect((await without.restore('U1', ['w1'])).size).toBe(0);
    expect(none.find).not.toHaveBeenCalled();
    // What the sweep reads before it looks receipts up.
    expect([cards.keepsReceipts, without.keepsReceipts]).toEqual([true, false]);
  });

  it('a lookup that fails restores nothing and says the items are announced again', async () => {
    const receipts = scriptedReceipts();
    const { cards, logged } = setup(receipts);
    receipts.find.mockRejectedValueOnce(new Error('connection refused'));
    expect((await cards.restore('U1', ['w1', 'w2'])).size).toBe(0);
    expect(logged(/Could not read the notification receipts/).map((l) => [l.level, l.ctx])).toEqual([['warn', { userId: 'U1', items: 2, error: 'connection refused' }]]);
    receipts.find.mockRejectedValueOnce('timeout');
    await cards.restore('U1', ['w1']);
    expect(logged(/Could not read the notification receipts/)[1].ctx).toEqual({ userId: 'U1', items: 1, error: 'timeout' });
  });
});

describe('remind: claimed per day in the ledger, then in the receipts', () => {
  const viewer = { tz: 'Asia/Tokyo', now: new Date(T0) };
  // 17:00 UTC on the 7th is 02:00 on the 8th in Tokyo.
  const day = '2030-01-08';
  const posted: Announcement = { status: 'posted', kind: 'summary', at: iso(T0 - 86_400_000), channel: 'DU1', ts: '0.1' };

  async function postedRecords(ledger: Ledger, ids: string[]) {
    for (const id of ids) await ledger.restore('U1', id, { kind: 'summary', announcedAt: posted.at, channel: 'DU1', ts: '0.1' });
  }

  it('claims the user’s local day in the receipts for the items the ledger let through, replies in the thread, notes the reminder', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, posts } = setup(receipts);
    await postedRecords(ledger, ['w1', 'w2']);
    await ledger.claimReminder('U1', 'w2', day);
    await cards.remind('U1', posted, [item('w1'), item('w2')], viewer);
    expect(receipts.claimReminder).toHaveBeenCalledWith('U1', ['w1'], { day, tz: 'Asia/Tokyo', at: iso(T0) });
    expect(posts.map((p) => [p.thread, named(p.message, ['w1', 'w2'])])).toEqual([[{ channel: 'DU1', ts: '0.1' }, ['w1']]]);
    expect(await ledger.get('U1', 'w1')).toHaveProperty('remindedAt', iso(T0));
    expect(await ledger.get('U1', 'w2')).not.toHaveProperty('remindedAt');
    // Again the same day: the ledger's claims refuse, and the receipts are not asked.
    await cards.remind('U1', posted, [item('w1'), item('w2')], viewer);
    expect(receipts.claimReminder).toHaveBeenCalledTimes(1);
    expect(posts).toHaveLength(1);
  });

  it('a reminder in a DM’s thread waits for the Slack work under way on its item (its DM goes first)', async () => {
    const { cards, posts, slack } = setup();
    let open!: () => void;
    slack.gate = new Promise<void>((resolve) => (open = resolve));
    const announced = cards.announce('U1', item('w1'));
    const reminded = cards.remind('U1', { ...posted, kind: 'dm' }, [item('w1')], viewer);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(posts).toEqual([]);
    open();
    await Promise.all([announced, reminded]);
    expect(posts.map((p) => p.thread)).toEqual([undefined, { channel: 'DU1', ts: '0.1' }]);
  });

  it('items the receipts refuse (reminded today by a claim the store lost) are left out; none left, nothing is sent', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, posts } = setup(receipts);
    await postedRecords(ledger, ['w1', 'w2', 'w3']);
    receipts.claimReminder.mockResolvedValueOnce({ won: new Map([['w1', null]]), refused: ['w2'] });
    await cards.remind('U1', posted, [item('w1'), item('w2')], viewer);
    expect(posts.map((p) => named(p.message, ['w1', 'w2']))).toEqual([['w1']]);
    receipts.claimReminder.mockResolvedValueOnce({ won: new Map(), refused: ['w3'] });
    await cards.remind('U1', posted, [item('w3')], viewer);
    expect(posts).toHaveLength(1);
  });

  it('nothing is claimed for a record without its DM', async () => {
    const receipts = scriptedReceipts();
    const { cards, posts } = setup(receipts);
    await cards.remind('U1', { ...posted, ts: undefined }, [item('w1')], viewer);
    await cards.remind('U1', { ...posted, channel: undefined }, [item('w1')], viewer);
    expect(receipts.claimReminder).not.toHaveBeenCalled();
    expect(posts).toEqual([]);
  });

  it('PostgreSQL failing to claim: sent on the ledger’s claim alone, and said so', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, posts, logged } = setup(receipts);
    await postedRecords(ledger, ['w1']);
    receipts.claimReminder.mockRejectedValueOnce(new Error('connection refused'));
    await cards.remind('U1', posted, [item('w1')], viewer);
    expect(posts).toHaveLength(1);
    expect(logged(/Could not claim a reminder in PostgreSQL/).map((l) => [l.level, l.ctx])).toEqual([['warn', { userId: 'U1', items: 1, error: 'connection refused' }]]);
  });

  it('a failed reply gives back the day’s claims in both places, as of the claim’s time, and fails; a failed give-back is logged', async () => {
    const receipts = scriptedReceipts();
    const { cards, ledger, posts, slack, logged } = setup(receipts);
    await postedRecords(ledger, ['w1', 'w2']);
    const durable: ReminderClaim = { won: new Map([['w1', iso(T0 - 86_400_000)], ['w2', null]]), refused: [] };
    receipts.claimReminder.mockResolvedValueOnce(durable);
    slack.fault = new Error('slack down');
    await expect(cards.remind('U1', posted, [item('w1'), item('w2')], viewer)).rejects.toThrow('slack down');
    expect(receipts.releaseReminder).toHaveBeenCalledWith('U1', durable, iso(T0));
    expect(await ledger.get('U1', 'w1')).not.toHaveProperty('remindedAt');
    expect(logged(/./)).toEqual([]);

    receipts.releaseReminder.mockRejectedValueOnce(new Error('connection refused'));
    receipts.claimReminder.mockResolvedValueOnce(durable);
    await expect(cards.remind('U1', posted, [item('w1'), item('w2')], viewer)).rejects.toThrow('slack down');
    expect(logged(/Could not give back the reminder claims/).map((l) => [l.level, l.ctx])).toEqual([['warn', { userId: 'U1', items: 2, error: 'connection refused' }]]);

    slack.fault = undefined;
    await cards.remind('U1', posted, [item('w1'), item('w2')], viewer);
    expect(posts).toHaveLength(1);
  });
});
