import type { RenderedMessage } from '../../src/blocks/types';
import type { IscClient } from '../../src/isc/api';
import type { RequestedItemStatus } from '../../src/isc/types';
import { silentLogger } from '../../src/log';
import type { DmPort } from '../../src/notify/dmPort';
import { RequestWatch } from '../../src/requests/requestWatch';
import { MemoryStateStore } from '../../src/store/memoryStore';

// The follow-up of requests made through the bot: each outcome is announced once, across replicas,
// to the requester and to the person it is for; a settled request is no longer read.

const status = (accessRequestId: string, over: Partial<RequestedItemStatus>): RequestedItemStatus => ({
  accessRequestId,
  name: 'VPN Access',
  type: 'ACCESS_PROFILE',
  state: 'EXECUTING',
  approvalDetails: [{ status: 'PENDING', currentOwner: { type: 'IDENTITY', id: 'ada', name: 'Ada Approver' } }],
  requester: { type: 'IDENTITY', id: 'ben', name: 'Ben Builder' },
  ...over,
});

function rig(statuses: () => RequestedItemStatus[]) {
  const store = new MemoryStateStore();
  const sent: Array<{ user: string; text: string }> = [];
  let lists = 0;
  const isc = {
    accessRequests: {
      listAccessRequestStatus: async () => {
        lists++;
        await new Promise((r) => setTimeout(r, 5));
        return { items: statuses() };
      },
    },
  } as unknown as IscClient;
  const dms: DmPort = {
    postDm: async (user: string, m: RenderedMessage) => {
      sent.push({ user, text: m.text });
      return { channel: `D${user}`, ts: '1' };
    },
    updateDm: async () => undefined,
    lookupByEmail: async () => undefined,
  };
  const watch = () => new RequestWatch({ store, isc, dms, logger: silentLogger });
  return { store, sent, watch, lists: () => lists };
}

test('two replicas announce an approval once, to the requester and the person it is for', async () => {
  let current = [status('r1', {})];
  const r = rig(() => current);
  const [a, b] = [r.watch(), r.watch()];
  await a.follow('UBEN', { forIdentityId: 'cara', forSlackUserId: 'UCARA' }, ['r1']);
  await Promise.all([a.cycle(), b.cycle()]);
  expect(r.sent).toEqual([]);
  current = [status('r1', { approvalDetails: [{ status: 'APPROVED', currentOwner: { type: 'IDENTITY', id: 'ada', name: 'Ada Approver' } }] })];
  await Promise.all([a.cycle(), b.cycle(), a.poke(['cara'])]);
  expect(r.sent).toEqual([
    { user: 'UBEN', text: 'Your request: VPN Access was approved' },
    { user: 'UCARA', text: 'A request for you: VPN Access was approved' },
  ]);
  current = [status('r1', { state: 'REQUEST_COMPLETED', approvalDetails: [{ status: 'APPROVED' }] })];
  await Promise.all([a.cycle(), b.cycle()]);
  expect(r.sent.map((s) => s.text).slice(2)).toEqual(['Your request: VPN Access is granted', 'A request for you: VPN Access is granted']);
  // Settled: no longer read.
  const before = r.lists();
  await a.cycle();
  expect(r.lists()).toBe(before);
});

test('a DM that fails is tried again on the next cycle, not lost', async () => {
  const r = rig(() => [status('r2', { state: 'REJECTED', approvalDetails: [{ status: 'REJECTED', comment: 'No' }] })]);
  const watch = r.watch();
  await watch.follow('UBEN', { forIdentityId: 'ben' }, ['r2']);
  let fail = true;
  const original = (watch as unknown as { opts: { dms: DmPort } }).opts.dms.postDm;
  (watch as unknown as { opts: { dms: DmPort } }).opts.dms.postDm = async (user, m) => {
    if (fail) throw new Error('slack down');
    return original(user, m);
  };
  await watch.cycle();
  expect(r.sent).toEqual([]);
  fail = false;
  await watch.cycle();
  expect(r.sent).toEqual([{ user: 'UBEN', text: 'Your request: VPN Access was rejected' }]);
});

test('a trigger re-reads only the identities it names', async () => {
  const r = rig(() => []);
  const watch = r.watch();
  await watch.follow('UBEN', { forIdentityId: 'ben' }, ['r3']);
  await watch.follow('UCARA', { forIdentityId: 'cara' }, ['r4']);
  await watch.poke(['ben']);
  expect(r.lists()).toBe(1);
  await watch.poke(['nobody']);
  expect(r.lists()).toBe(1);
});
