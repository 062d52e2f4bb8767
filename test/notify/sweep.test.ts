import type { Announcement } from '../../src/notify/ledger';
import { collectDigest } from '../../src/digest/collect';
import { seenKey, sweptCounts, type SeenRecord } from '../../src/notify/sweep';
import type { Notifier } from '../../src/notify/notifier';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { createIscClient } from '../../src/isc/client';
import type { StateStore } from '../../src/store/store';
import { deleteKeys, openTestStore, testPrefix } from '../support/redis';
import { PEOPLE, startRig, type Rig } from './rig';

// The tenant-wide sweep of access-request and generic approvals: one list of the whole queue instead
// of one per subscriber, a DM once per new item and owner, small records that go with their item.

const ada = PEOPLE.ada.id;
const ben = { type: 'IDENTITY' as const, id: SEED_IDENTITIES.ben.id, name: 'Ben Builder' };

let rig: Rig;
afterEach(() => rig.close());

/** The access-request list requests the sandbox got, by whether they named an owner. */
function watchAccessRequestLists(r: Rig): { whole: number; perOwner: number } {
  const seen = { whole: 0, perOwner: 0 };
  r.fault = (req) => {
    if (req.method === 'GET' && req.path === '/access-request-approvals/v1/pending' && !req.query.get('filters')) {
      if (req.query.get('owner-id')) seen.perOwner++;
      else seen.whole++;
    }
    return undefined;
  };
  return seen;
}

const newAccessRequest = (r: Rig, name = 'Tableau Creators') =>
  r.sandbox.addAccessRequestApproval({ owner: { id: SEED_IDENTITIES.ada.id }, requester: ben, requestedFor: ben, requestedObject: { id: 'o1', name, type: 'ACCESS_PROFILE' } });

const dmsAbout = (r: Rig, text: string) => r.posts(ada).filter((p) => !p.thread_ts && p.text === text);

describe('with an identity that may read the whole queue', () => {
  beforeEach(async () => {
    rig = await startRig();
    await rig.notifier.subscriptions.touch(ada);
    await rig.notifier.subscriptions.touch(PEOPLE.ben.id);
    await rig.notifier.runCycle();
  });

  it('a new access request: one list of the whole queue, not one per subscriber, and one DM to its owner, never again', async () => {
    const lists = watchAccessRequestLists(rig);
    newAccessRequest(rig);
    await rig.notifier.runCycle();
    await rig.notifier.runCycle();
    expect(dmsAbout(rig, 'New access request: Tableau Creators for Ben Builder')).toHaveLength(1);
    expect(lists).toEqual({ whole: 2, perOwner: 0 });
  });

  it('keeps per item only its owners and when it was first seen, and forgets it when it leaves the queue', async () => {
    const approval = newAccessRequest(rig);
    await rig.notifier.runCycle();
    const key = `ar:${approval.id}`;
    const seen = await rig.store.getFields<SeenRecord>(seenKey('accessRequest'));
    expect(seen[key]).toEqual({ o: [SEED_IDENTITIES.ada.id], f: new Date(rig.clock.now).toISOString() });
    // Nothing but the items pending now.
    const pending = await createIscClient({ baseUrl: rig.sandbox.url, clientId: rig.sandbox.clientId, clientSecret: rig.sandbox.clientSecret }).accessRequestApprovals.listPendingApprovals();
    expect(Object.keys(seen).sort()).toEqual(pending.items.map((a) => `ar:${a.id}`).sort());

    const webUi = createIscClient({ baseUrl: rig.sandbox.url, clientId: rig.sandbox.clientId, clientSecret: rig.sandbox.clientSecret });
    await webUi.accessRequestApprovals.approveAccessRequest(approval.id!);
    await rig.notifier.runCycle();
    expect((await rig.store.getFields<SeenRecord>(seenKey('accessRequest')))[key]).toBeUndefined();
    // The sweep saw it leave and settled its DM.
    expect((await rig.store.get<Announcement>(`notify:dm:${ada}:${key}`))?.status).toBe('settled');
    expect(rig.updates(ada)).toHaveLength(1);
  });

  it('the digest counts both approval kinds from the sweep: no summary or count call per approver', async () => {
    const asked: string[] = [];
    rig.fault = (req) => {
      if (req.path.endsWith('/approval-summary') || req.query.get('count-only')) asked.push(req.path);
      return undefined;
    };
    const { ctx } = rig;
    const now = new Date(rig.clock.now);
    const data = await collectDigest(
      { isc: ctx.isc, directory: { identityFor: (id) => ctx.directory.identityFor(id), identityForEmail: async () => null }, logger: ctx.logger, approvalCounts: () => sweptCounts(rig.store) },
      { owners: [ada, PEOPLE.ben.id], now, since: now, staleAfterDays: 3 },
    );
    expect(asked).toEqual([]);
    // The same numbers ISC gives per approver.
    for (const identity of [SEED_IDENTITIES.ada, SEED_IDENTITIES.ben]) {
      const row = data.approvers.find((a) => a.name === identity.name)!;
      expect(row.accessRequests).toBe((await ctx.isc.accessRequestApprovals.getAccessRequestApprovalSummary({ ownerId: identity.id })).pending);
      expect(row.genericApprovals).toBe(await ctx.isc.genericApprovals.countApprovals({ approverId: identity.id, filters: 'status eq "PENDING"' }));
    }
  });
});

describe('two replicas sweeping at once on Redis (a leader handing over)', () => {
  const prefix = testPrefix('sweep');
  const stores: StateStore[] = [];
  let other: Notifier;
  beforeEach(async () => {
    rig = await startRig();
    const [one, two] = [await openTestStore(prefix), await openTestStore(prefix)];
    stores.push(one, two);
    const first = rig.replica(one);
    other = rig.replica(two);
    await first.subscriptions.touch(ada);
    await first.runCycle();
    Object.assign(rig, { notifier: first });
  });
  afterEach(async () => {
    await other.stop();
    for (const s of stores.splice(0)) await s.close();
  });
  afterAll(() => deleteKeys(prefix));

  it('send each new item’s DM once', async () => {
    for (let i = 0; i < 5; i++) newAccessRequest(rig, `Access ${i}`);
    await Promise.all([rig.notifier.runCycle(), other.runCycle(), rig.notifier.runCycle(), other.runCycle()]);
    for (let i = 0; i < 5; i++) expect(dmsAbout(rig, `New access request: Access ${i} for Ben Builder`)).toHaveLength(1);
  });
});

describe('with an identity that may not read the whole queue (no ORG_ADMIN)', () => {
  beforeEach(async () => {
    rig = await startRig({}, undefined, { serviceLevel: 'admin' });
    await rig.notifier.subscriptions.touch(ada);
    await rig.notifier.runCycle();
  });

  it('reads each subscriber’s lists instead, DMs the new item, and says once what the admin can change', async () => {
    const lists = watchAccessRequestLists(rig);
    newAccessRequest(rig);
    await rig.notifier.runCycle();
    await rig.notifier.runCycle();
    expect(dmsAbout(rig, 'New access request: Tableau Creators for Ben Builder')).toHaveLength(1);
    expect(lists.perOwner).toBe(2);
    for (const kind of ['accessRequest', 'generic']) {
      const refused = rig.logs.filter((l) => l.includes(`ISC refused to list every pending ${kind} item`));
      expect(refused).toHaveLength(1);
    }
    expect(rig.logs.find((l) => l.includes('every pending accessRequest item'))).toMatch(/ORG_ADMIN.*idn:access-request-approvals:read/);
  });
});
