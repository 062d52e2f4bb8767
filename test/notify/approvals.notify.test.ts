import { AR_ACTION, GA_ACTION } from '../../src/blocks/actions';
import { createIscClient, type IscClientHandle } from '../../src/isc/client';
import type { Announcement } from '../../src/notify/ledger';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { actionButtons, dmChannel, eventually, newApproval, PEOPLE, startRig, type Rig } from './rig';

// Notification DMs for the two approval kinds: one DM per new approval with the card and its buttons,
// the DM following the approval (acted on in the bot, or decided or reassigned in ISC), reminders.

const ada = PEOPLE.ada.id;
const json = (v: unknown) => JSON.stringify(v);

let rig: Rig;
let webUi: IscClientHandle;
beforeEach(async () => {
  rig = await startRig();
  webUi = createIscClient({ baseUrl: rig.sandbox.url, clientId: rig.sandbox.clientId, clientSecret: rig.sandbox.clientSecret });
  await rig.notifier.subscriptions.touch(ada);
  await rig.notifier.runCycle();
});
afterEach(() => rig.close());

const cycle = () => rig.notifier.runCycle();
const record = (key: string) => rig.store.get<Announcement>(`notify:dm:${ada}:${key}`);
const ben = { type: 'IDENTITY' as const, id: SEED_IDENTITIES.ben.id, name: 'Ben Builder' };

function newAccessRequest(name = 'Tableau Creators') {
  return rig.sandbox.addAccessRequestApproval({ owner: { id: SEED_IDENTITIES.ada.id }, requester: ben, requestedFor: ben, requestedObject: { id: 'o1', name, type: 'ACCESS_PROFILE' } });
}

function newGenericApproval(name = 'Offsite budget') {
  const approver = { identityID: SEED_IDENTITIES.ada.id, type: 'IDENTITY' as const, name: 'Ada Approver' };
  return rig.sandbox.addGenericApproval({ approvers: [approver], requester: { identityID: ben.id, name: ben.name }, name: [{ value: name, locale: 'en-US' }], createdDate: new Date(rig.clock.now).toISOString() });
}

it('the first poll summarised every kind already waiting, in one message', () => {
  const [summary] = rig.posts(ada);
  expect(summary.text).toMatch(/^You have \d+ work items, 5 access requests and 4 workflow approvals pending in ISC$/);
  expect(actionButtons(summary.blocks)).toEqual([]);
});

it('a new access request: one DM with its card and buttons, never again; decided in ISC, the DM says so with no buttons', async () => {
  const approval = newAccessRequest();
  await cycle();
  const posts = rig.posts(ada);
  expect(posts).toHaveLength(2);
  expect(posts[1].text).toBe('New access request: Tableau Creators for Ben Builder');
  expect(actionButtons(posts[1].blocks)).toEqual([AR_ACTION.approve, AR_ACTION.approveWithComment, AR_ACTION.reject, AR_ACTION.forward]);
  const dm = await record(`ar:${approval.id}`);
  expect(dm).toMatchObject({ status: 'posted', kind: 'dm', channel: dmChannel(ada) });
  await cycle();
  expect(rig.posts(ada)).toHaveLength(2);

  await webUi.accessRequestApprovals.approveAccessRequest(approval.id!);
  await cycle();
  const [update] = rig.updates(ada);
  expect(update.ts).toBe(dm!.ts);
  expect(json(update.blocks)).toMatch(/Decided in ISC, not in Slack · approver Ada Approver/);
  expect(actionButtons(update.blocks)).toEqual([]);
  expect((await record(`ar:${approval.id}`))?.status).toBe('settled');
});

it('a new generic approval: one DM; acted on in the bot, the DM follows at once', async () => {
  const approval = newGenericApproval();
  await cycle();
  const post = rig.posts(ada).at(-1)!;
  expect(post.text).toBe('New workflow approval: Offsite budget');
  expect(actionButtons(post.blocks)).toEqual([GA_ACTION.approve, GA_ACTION.reject, GA_ACTION.reassign, GA_ACTION.comment]);
  const outcome = await rig.ctx.genericApprovals.perform(ada, { kind: 'approve', approvalId: approval.id! });
  expect(outcome.status).toBe('done');
  await eventually(() => rig.updates(ada).length === 1);
  const [update] = rig.updates(ada);
  expect(json(update.blocks)).toContain('Approved by you');
  expect(actionButtons(update.blocks)).toEqual([]);
  await eventually(async () => (await record(`ga:${approval.id}`))?.status === 'settled');
});

it('reassigned in ISC: the DM says to whom', async () => {
  const approval = newGenericApproval();
  await cycle();
  await webUi.genericApprovals.updateApprovalsReassign(approval.id!, { reassignFrom: SEED_IDENTITIES.ada.id, reassignTo: SEED_IDENTITIES.ben.id });
  await cycle();
  const [update] = rig.updates(ada);
  expect(json(update.blocks)).toMatch(/Reassigned in ISC to Ben Builder/);
  expect(actionButtons(update.blocks)).toEqual([]);
});

it('an access request still waiting after REMIND_AFTER_HOURS gets a reminder in its DM thread', async () => {
  const approval = newAccessRequest('Snowflake Analysts');
  await cycle();
  const { ts } = (await record(`ar:${approval.id}`))!;
  rig.clock.now += 25 * 3600_000;
  // Noon the next day in Paris: not in Ada's quiet hours.
  await cycle();
  const replies = rig.posts(ada).filter((p) => p.thread_ts === ts);
  expect(replies).toHaveLength(1);
  expect(replies[0].text).toMatch(/^⏰ Still waiting for you after .*: \*Snowflake Analysts for Ben Builder\*$/);
});

it('a kind ISC refuses to list is left alone for a while, the others still polled, and none of its DMs is taken for gone', async () => {
  const approval = newAccessRequest();
  await cycle();
  rig.fault = (req) => (req.method === 'GET' && req.path === '/access-request-approvals/v1/pending' ? { kind: 'status', status: 403 } : undefined);
  newApproval(rig.sandbox, SEED_IDENTITIES.ada.id, 'Work item meanwhile');
  await cycle();
  await cycle();
  expect(rig.logs.filter((l) => l.includes('ISC refused to list accessRequest items'))).toHaveLength(1);
  expect(rig.posts(ada).at(-1)!.text).toBe('New work item: Add admin-0 on Payroll');
  expect(rig.updates(ada)).toHaveLength(0);
  expect((await record(`ar:${approval.id}`))?.status).toBe('posted');
});
