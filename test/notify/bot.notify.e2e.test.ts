import { ACTION, AR_ACTION, decodeItemValue, VIEW } from '../../src/blocks/actions';
import type { Announcement } from '../../src/notify/ledger';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { forwardFormValues, startHarness, USERS, type Harness } from '../support/botHarness';
import { actionButtons, newApproval } from './rig';

// The real bot (Bolt's HTTP receiver, the sandbox ISC tenant, the Slack stand-in) with its notifier.

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ NOTIFY_USERS: USERS.ada.id });
});
afterEach(() => h.close());

const json = (v: unknown) => JSON.stringify(v);
const dmOf = (userId: string) => `D${userId}`;
const inDm = (method: string, userId: string) => h.slack.callsTo(method).filter((c) => c.args.channel === dmOf(userId)).map((c) => c.args as Record<string, any>);
/** A card without its fields block, whose "(N seconds ago)" depends on when it was drawn. */
const timeless = (blocks: Array<Record<string, any>>) => blocks.filter((b) => !String(b.block_id).endsWith(':fields'));

async function responsesTo(id: string): Promise<Array<Record<string, any>>> {
  await h.slack.waitFor(() => h.slack.responses.some((r) => r.id === id));
  return h.slack.responses.filter((r) => r.id === id).map((r) => r.body);
}

it('a button in the DM decides the item; the DM is updated with who and when and no buttons, just as the click redraws it', async () => {
  await h.bot.notifier.runCycle();
  expect(inDm('chat.postMessage', USERS.ada.id)).toHaveLength(1);
  const { id, approvalItemId } = newApproval(h.sandbox, SEED_IDENTITIES.ada.id);
  await h.bot.notifier.runCycle();
  const posts = inDm('chat.postMessage', USERS.ada.id);
  expect(posts).toHaveLength(2);
  expect(actionButtons(posts[1].blocks)).toContain('wi_approve');
  const { ts } = (await h.bot.store.get<Announcement>(`notify:dm:${USERS.ada.id}:${id}`))!;

  await h.click(USERS.ada.id, ACTION.approve, { w: id, a: approvalItemId }, { responseId: 'in-dm' });
  const [redrawn] = await responsesTo('in-dm');
  await h.slack.waitFor(() => inDm('chat.update', USERS.ada.id).length === 1);
  const [update] = inDm('chat.update', USERS.ada.id);
  expect(update.ts).toBe(ts);
  expect(json(update.blocks)).toMatch(/Approved by you/);
  expect(actionButtons(update.blocks)).toEqual([]);
  expect(timeless(update.blocks)).toEqual(timeless(redrawn.blocks));
  expect(h.sandbox.getWorkItemState(id)?.state).toBe('Finished');
});

it('an access-request DM: its Approve decides it, and the DM follows with who and when, as the click redraws it', async () => {
  await h.bot.notifier.runCycle();
  const ben = { type: 'IDENTITY' as const, id: SEED_IDENTITIES.ben.id, name: 'Ben Builder' };
  const approval = h.sandbox.addAccessRequestApproval({ owner: { id: SEED_IDENTITIES.ada.id }, requester: ben, requestedFor: ben, requestedObject: { id: 'o', name: 'Figma Editors', type: 'ACCESS_PROFILE' } });
  await h.bot.notifier.runCycle();
  const [, dm] = inDm('chat.postMessage', USERS.ada.id);
  expect(actionButtons(dm.blocks)).toEqual([AR_ACTION.approve, AR_ACTION.approveWithComment, AR_ACTION.reject, AR_ACTION.forward]);
  await h.click(USERS.ada.id, AR_ACTION.approve, dm.blocks.find((b: any) => b.type === 'actions').elements[0].value, { responseId: 'ar-dm' });
  const [redrawn] = await responsesTo('ar-dm');
  await h.slack.waitFor(() => inDm('chat.update', USERS.ada.id).length === 1);
  const [update] = inDm('chat.update', USERS.ada.id);
  expect(json(update.blocks)).toContain('Approved by you');
  expect(actionButtons(update.blocks)).toEqual([]);
  expect(timeless(update.blocks)).toEqual(timeless(redrawn.blocks));
  expect(h.sandbox.getAccessRequestApprovalState(approval.id!)?.decision?.state).toBe('APPROVED');
});

it('subscribes whoever uses the bot, and `/workitems notify off|on` opts out and back in', async () => {
  const subscriptions = h.bot.notifier.subscriptions;
  expect(await subscriptions.get(USERS.ben.id)).toBeUndefined();
  await h.command(USERS.ben.id, '', 'list');
  await responsesTo('list');
  expect(await subscriptions.get(USERS.ben.id)).toMatchObject({ on: true, via: 'use' });

  await h.event({ type: 'app_home_opened', user: USERS.admin.id, channel: 'D0ADMIN', tab: 'home', event_ts: '1.0' });
  await h.slack.waitFor(() => h.slack.callsTo('views.publish').length === 1);
  expect((await subscriptions.get(USERS.admin.id))?.on).toBe(true);

  await h.command(USERS.ben.id, 'notify off', 'off');
  expect((await responsesTo('off'))[0].text).toMatch(/Notifications are off/);
  expect((await subscriptions.get(USERS.ben.id))?.on).toBe(false);
  await h.command(USERS.ben.id, 'notify', 'status');
  expect((await responsesTo('status'))[0].text).toMatch(/Notifications are off/);
  await h.command(USERS.ben.id, 'notify on', 'on');
  expect((await responsesTo('on'))[0].text).toMatch(/Notifications are on: .* more than 24 hours \(never between 20:00–08:00 your time\)/);
  expect((await subscriptions.get(USERS.ben.id))?.on).toBe(true);
});

it('after a forward through the bot the new owner acts at once, in their list, the item view, Home and their DM; the old owner’s card says "Forwarded to … by … · when"', async () => {
  // Asked for by Maya: Ben may receive it (the seeded items of Ada's are Ben's own requests, which nobody forwards to him).
  const item = 'a0000000000000000000000000000f01';
  const approvalItem = 'a0000000000000000000000000000f02';
  h.sandbox.addWorkItem({
    id: item,
    ownerId: SEED_IDENTITIES.ada.id,
    name: 'Access Request: Payroll admin',
    type: 'Approval',
    requesterId: SEED_IDENTITIES.manager.id,
    requesterDisplayName: 'Maya Manager',
    approvalItems: [{ id: approvalItem, application: 'Payroll', operation: 'Add', name: 'role', value: 'admin', state: 'Pending' }],
  });
  const approveOf = (blocks: Array<Record<string, any>>) =>
    blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).filter((e: Record<string, any>) => e.action_id === ACTION.approve && decodeItemValue(e.value)?.a === approvalItem);
  // Only Ben is polled (a cycle spreads its subscribers over the interval); using the bot subscribes him.
  await h.bot.notifier.subscriptions.set(USERS.ada.id, false);
  await h.command(USERS.ben.id, '', 'ben-before');
  await responsesTo('ben-before');
  await h.bot.notifier.runCycle(); // Ben's first poll: a summary

  // Ada forwards the item to Ben from her list.
  await h.click(USERS.ada.id, ACTION.forward, { w: item, k: 'pending', o: 0 }, { responseId: 'ada-card' });
  await h.slack.waitFor(() => h.slack.callsTo('views.update').length >= 1);
  const form = h.slack.callsTo('views.update')[0].args.view as Record<string, any>;
  await h.submitView(USERS.ada.id, {
    id: 'V1',
    callback_id: VIEW.forward,
    private_metadata: form.private_metadata,
    state: { values: forwardFormValues(USERS.ben.id, 'Ben owns this group') },
  });
  const [adaCard] = await responsesTo('ada-card');
  const forwardedLine = new RegExp(`Forwarded to <@${USERS.ben.id}> by (you|<@${USERS.ada.id}>) · <!date`);
  expect(json(adaCard.blocks)).toMatch(forwardedLine);
  expect(approveOf(adaCard.blocks)).toEqual([]);
  expect(h.sandbox.getWorkItemState(item)?.ownerId).toBe(SEED_IDENTITIES.ben.id);

  await h.command(USERS.ben.id, '', 'ben-list');
  const [list] = await responsesTo('ben-list');
  expect(approveOf(list.blocks)).toHaveLength(1);
  expect(json(list.blocks)).toMatch(forwardedLine);
  await h.command(USERS.ben.id, item, 'ben-item');
  expect(approveOf((await responsesTo('ben-item'))[0].blocks)).toHaveLength(1);
  await h.event({ type: 'app_home_opened', user: USERS.ben.id, channel: 'D0BEN', tab: 'home', event_ts: '1.0' });
  await h.slack.waitFor(() => h.slack.callsTo('views.publish').some((c) => c.args.user_id === USERS.ben.id));
  const home = h.slack.callsTo('views.publish').find((c) => c.args.user_id === USERS.ben.id)!.args.view as Record<string, any>;
  expect(approveOf(home.blocks)).toHaveLength(1);
  await h.bot.notifier.runCycle();
  const dm = inDm('chat.postMessage', USERS.ben.id).find((m) => json(m.blocks).includes(approvalItem))!;
  expect(approveOf(dm.blocks)).toHaveLength(1);

  await h.click(USERS.ben.id, ACTION.approve, approveOf(dm.blocks)[0].value, { responseId: 'ben-approves' });
  expect(json((await responsesTo('ben-approves'))[0].blocks)).toMatch(/Approved by you/);
  expect(h.sandbox.getWorkItemState(item)?.state).toBe('Finished');
  expect(h.sandbox.stats().mutations.map((m) => [m.workItemId, m.status])).toEqual([
    [item, 200],
    [item, 200],
  ]);
});
