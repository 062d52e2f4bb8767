import { updatePrefs } from '../../src/notify/preferences';
import { WebAPIRateLimitedError } from '@slack/web-api';
import { createIscClient, type IscClientHandle } from '../../src/isc/client';
import { CLAIM_LEASE_MS, type Announcement } from '../../src/notify/ledger';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { Presenter } from '../../src/slack/presenter';
import { actionButtons, dmChannel, eventually, newApproval, PEOPLE, startRig, type Rig } from './rig';

const ada = PEOPLE.ada.id;
const ben = PEOPLE.ben.id;
const json = (v: unknown) => JSON.stringify(v);
/** As the Slack stand-in received it. */
const asSent = (v: unknown) => JSON.parse(JSON.stringify(v));

let rig: Rig;
let webUi: IscClientHandle;
afterEach(() => rig.close());

async function start(env: Record<string, string> = {}, at?: string): Promise<void> {
  rig = await startRig(env, at);
  // Someone deciding in the ISC web UI, outside the bot.
  webUi = createIscClient({ baseUrl: rig.sandbox.url, clientId: rig.sandbox.clientId, clientSecret: rig.sandbox.clientSecret });
}

const cycle = () => rig.notifier.runCycle();
const record = (userId: string, workItemId: string) => rig.store.get<Announcement>(`notify:dm:${userId}:${workItemId}`);

/** Ada subscribed, her first poll done (the summary of what was already waiting). */
async function adaPrimed(): Promise<void> {
  await rig.notifier.subscriptions.touch(ada);
  await cycle();
}

describe('new work items', () => {
  beforeEach(() => start());

  it('first poll: one summary of the items already waiting, not a DM each', async () => {
    await adaPrimed();
    const posts = rig.posts(ada);
    expect(posts).toHaveLength(1);
    expect(posts[0].text).toMatch(/^You have \d+ work items, \d+ access requests and \d+ workflow approvals pending in ISC$/);
    expect(json(posts[0].blocks)).toContain('/workitems notify off');
    expect(actionButtons(posts[0].blocks)).toEqual([]);
    await cycle();
    expect(rig.posts(ada)).toHaveLength(1);
  });

  it('a new item: exactly one DM, with the card and buttons of /workitems; never again, not after a restart', async () => {
    await adaPrimed();
    const { id } = newApproval(rig.sandbox, SEED_IDENTITIES.ada.id);
    await cycle();
    const posts = rig.posts(ada);
    expect(posts).toHaveLength(2);
    expect(posts[1].text).toBe('New work item: Add admin-0 on Payroll');
    const item = rig.sandbox.getWorkItemState(id)!;
    const card = await new Presenter(rig.ctx).detailMessage(ada, { kind: 'workItem', item }, {});
    expect(posts[1].blocks).toEqual(asSent(card.blocks));
    expect(actionButtons(posts[1].blocks)).toEqual(['wi_approve', 'wi_reject', 'wi_forward']);
    expect(await record(ada, id)).toMatchObject({ status: 'posted', kind: 'dm', channel: dmChannel(ada), ts: expect.any(String) });

    await cycle();
    await rig.restart();
    await cycle();
    expect(rig.posts(ada)).toHaveLength(2);
  });

  it('opt-out: no DMs; opting back in summarises what arrived meanwhile', async () => {
    await adaPrimed();
    await rig.notifier.subscriptions.set(ada, false);
    newApproval(rig.sandbox, SEED_IDENTITIES.ada.id);
    await cycle();
    expect(rig.posts(ada)).toHaveLength(1);
    await rig.notifier.subscriptions.set(ada, true);
    await cycle();
    const posts = rig.posts(ada);
    expect(posts).toHaveLength(2);
    expect(posts[1].text).toBe('You have 1 work item pending in ISC');
    // Using the bot again does not undo an opt-out.
    await rig.notifier.subscriptions.set(ada, false);
    expect(await rig.notifier.subscriptions.touch(ada)).toBe(false);
    expect((await rig.notifier.subscriptions.get(ada))?.on).toBe(false);
  });
});

describe('the DM follows its item', () => {
  beforeEach(() => start());

  async function adaHasDm() {
    await adaPrimed();
    const created = newApproval(rig.sandbox, SEED_IDENTITIES.ada.id);
    await cycle();
    const dm = (await record(ada, created.id))!;
    expect(dm.ts).toBeDefined();
    return { ...created, ts: dm.ts! };
  }

  it('decided in the ISC web UI: the poll redraws it final, saying so, with no buttons', async () => {
    const { id, approvalItemId, ts } = await adaHasDm();
    await webUi.workItems.approveApprovalItem(id, approvalItemId);
    await cycle();
    const updates = rig.updates(ada);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ channel: dmChannel(ada), ts });
    expect(actionButtons(updates[0].blocks)).toEqual([]);
    expect(json(updates[0].blocks)).toMatch(/Decided in ISC, not in Slack · owner Ada Approver · <!date\^\d+/);
    expect(json(updates[0].blocks)).toContain('Finished');
    expect((await record(ada, id))?.status).toBe('settled');
    await cycle();
    expect(rig.updates(ada)).toHaveLength(1);
  });

  it('reassigned in ISC: the old owner’s DM says to whom, the new owner gets a DM', async () => {
    await rig.notifier.subscriptions.touch(ben);
    const { id } = await adaHasDm();
    await webUi.workItems.sendWorkItemForward(id, { targetOwnerId: SEED_IDENTITIES.ben.id, comment: 'Ben covers payroll' });
    await cycle();
    const [update] = rig.updates(ada);
    expect(json(update.blocks)).toContain('Reassigned in ISC to Ben Builder');
    expect(actionButtons(update.blocks)).toEqual([]);
    const toBen = rig.posts(ben).filter((p) => p.text.startsWith('New work item'));
    expect(toBen).toHaveLength(1);
    expect(json(toBen[0].blocks)).toContain(id);
  });

  it('acted on in the bot: updated at once, drawn exactly as the click redraws its card', async () => {
    const { id, approvalItemId, ts } = await adaHasDm();
    const outcome = await rig.ctx.service.perform(ada, { kind: 'approve', workItemId: id, approvalItemId });
    if (outcome.status !== 'done') throw new Error(outcome.status);
    await eventually(() => rig.updates(ada).length === 1);
    const [update] = rig.updates(ada);
    expect(update).toMatchObject({ channel: dmChannel(ada), ts });
    expect(json(update.blocks)).toMatch(/Approved by you/);
    expect(actionButtons(update.blocks)).toEqual([]);
    const redrawn = await new Presenter(rig.ctx).detailMessage(ada, { kind: 'workItem', item: outcome.item }, outcome.decisions);
    expect(update.blocks).toEqual(asSent(redrawn.blocks));
    await eventually(async () => (await record(ada, id))?.status === 'settled');
    await cycle();
    expect(rig.updates(ada)).toHaveLength(1);
  });

  it('a failed update is redrawn by the next poll', async () => {
    await adaPrimed();
    const { id, approvalItemId } = newApproval(rig.sandbox, SEED_IDENTITIES.ada.id, 'Two approvals', 2);
    await cycle();
    rig.slackFault = (method) => (method === 'chat.update' ? new Error('socket hang up') : undefined);
    await rig.ctx.service.perform(ada, { kind: 'approve', workItemId: id, approvalItemId });
    await eventually(() => rig.logs.some((l) => l.includes('Could not update a notification DM')));
    await eventually(async () => (await record(ada, id))?.stale === true);
    expect(rig.updates(ada)).toHaveLength(0);
    rig.slackFault = undefined;
    await cycle();
    const updates = rig.updates(ada);
    expect(updates).toHaveLength(1);
    expect(json(updates[0].blocks)).toMatch(/Approved by/);
    // The other approval item can still be acted on.
    expect(actionButtons(updates[0].blocks)).toEqual(['wi_approve', 'wi_reject', 'wi_forward']);
    expect((await record(ada, id))?.stale).toBeUndefined();
  });
});

describe('failures', () => {
  beforeEach(() => start());

  it('ISC 500 during a poll: no crash, logged once, the DM comes with the next poll', async () => {
    await adaPrimed();
    newApproval(rig.sandbox, SEED_IDENTITIES.ada.id);
    rig.fault = (req) => (req.method === 'GET' && req.path === '/work-items/v1' ? { kind: 'status', status: 500 } : undefined);
    await cycle();
    await cycle();
    expect(rig.posts(ada)).toHaveLength(1);
    expect(rig.logs.filter((l) => l.includes('ISC is not answering'))).toHaveLength(1);
    rig.fault = undefined;
    await cycle();
    expect(rig.posts(ada)).toHaveLength(2);
    expect(rig.logs.some((l) => l.includes('ISC answers again'))).toBe(true);
  });

  it('Slack 429 on chat.postMessage: waits Retry-After, then delivers once', async () => {
    await adaPrimed();
    newApproval(rig.sandbox, SEED_IDENTITIES.ada.id);
    let limited = 0;
    rig.slackFault = (method) => (method === 'chat.postMessage' && limited++ === 0 ? new WebAPIRateLimitedError(30) : undefined);
    const before = rig.clock.now;
    await cycle();
    expect(rig.posts(ada)).toHaveLength(2);
    expect(rig.clock.now - before).toBeGreaterThanOrEqual(30_000);
    expect(rig.logs.some((l) => l.includes('Slack rate-limited a notification'))).toBe(true);
  });

  it('Slack down: the claim is released and the next poll delivers, once', async () => {
    await adaPrimed();
    const { id } = newApproval(rig.sandbox, SEED_IDENTITIES.ada.id);
    rig.slackFault = (method) => (method === 'chat.postMessage' ? new Error('getaddrinfo ENOTFOUND slack.com') : undefined);
    await cycle();
    expect(rig.posts(ada)).toHaveLength(1);
    expect(await record(ada, id)).toBeUndefined();
    rig.slackFault = undefined;
    await cycle();
    await cycle();
    expect(rig.posts(ada)).toHaveLength(2);
  });

  it('a claim left by a crash before its post is taken over after the lease, not before', async () => {
    await adaPrimed();
    const { id } = newApproval(rig.sandbox, SEED_IDENTITIES.ada.id);
    await rig.store.set<Announcement>(`notify:dm:${ada}:${id}`, { status: 'claimed', kind: 'dm', at: new Date(rig.clock.now).toISOString() });
    await rig.restart();
    await cycle();
    expect(rig.posts(ada)).toHaveLength(1);
    rig.clock.now += CLAIM_LEASE_MS;
    await cycle();
    expect(rig.posts(ada)).toHaveLength(2);
    expect((await record(ada, id))?.status).toBe('posted');
  });
});

describe('handing the polling on', () => {
  beforeEach(() => start());

  it('stopPolling does not wait for a poll whose ISC list hangs: the request is cut off', async () => {
    await rig.notifier.subscriptions.touch(ada);
    let inFlight!: () => void;
    const requested = new Promise<void>((resolve) => (inFlight = resolve));
    rig.fault = (req) => {
      if (req.method !== 'GET' || req.path.includes('/oauth/') || req.path.includes('identities')) return undefined;
      inFlight();
      return { kind: 'none', delayMs: 30_000 };
    };
    rig.notifier.start();
    await requested;
    const started = performance.now();
    await rig.notifier.stopPolling();
    // Without the cut, the poll would hold on until the request's 2 s timeout.
    expect(performance.now() - started).toBeLessThan(500);
    expect(rig.logs.join('\n')).not.toMatch(/ERROR/);
  });
});

describe('NOTIFY_USERS', () => {
  it('subscribes Slack ids and emails at start; an opt-out survives a restart', async () => {
    await start({ NOTIFY_USERS: `${ben}, ${PEOPLE.ada.email.toUpperCase()}` });
    await cycle();
    expect(rig.posts(ada)).toHaveLength(1);
    for (const userId of [ada, ben]) expect(await rig.notifier.subscriptions.get(userId)).toMatchObject({ on: true, via: 'config' });
    await rig.notifier.subscriptions.set(ada, false);
    await rig.restart();
    newApproval(rig.sandbox, SEED_IDENTITIES.ada.id);
    await cycle();
    expect(rig.posts(ada)).toHaveLength(1);
  });
});

describe('reminders', () => {
  // 05:00 UTC on a Monday in January: 14:00 in Tokyo, 21:00 (the evening before) in Los Angeles.
  const T0 = '2030-01-07T05:00:00Z';
  const at = (iso: string) => {
    rig.clock.now = Date.parse(iso);
  };
  const threadReplies = (userId: string, ts: string) => rig.posts(userId).filter((p) => p.thread_ts === ts);

  it('come in the DM thread after REMIND_AFTER_HOURS, once a day, never in the user’s night (Tokyo and Los Angeles)', async () => {
    await start({}, T0);
    const { kenji, lucy } = PEOPLE;
    for (const p of [kenji, lucy]) await rig.notifier.subscriptions.touch(p.id);
    await cycle();
    const items = Object.fromEntries([kenji, lucy].map((p) => [p.id, newApproval(rig.sandbox, rig.sandbox.identityForEmail(p.email).id!)]));
    await cycle();
    const dmTs = async (p: { id: string }) => (await record(p.id, items[p.id].id))!.ts!;
    const kenjiTs = await dmTs(kenji);
    const lucyTs = await dmTs(lucy);

    at('2030-01-08T04:50:00Z'); // 23 h 50 after the DMs
    await cycle();
    expect(threadReplies(kenji.id, kenjiTs)).toHaveLength(0);

    at('2030-01-08T05:10:00Z'); // Tokyo 14:10, Los Angeles 21:10
    await cycle();
    await cycle();
    const toKenji = threadReplies(kenji.id, kenjiTs);
    expect(toKenji).toHaveLength(1);
    expect(toKenji[0].text).toMatch(/^⏰ Still waiting for you after .*: \*Add admin-0 on Payroll\*$/);
    expect(threadReplies(lucy.id, lucyTs)).toHaveLength(0);
    // The items of Kenji's first-poll summary: one reply in the summary's thread for all of them.
    const summaryReplies = rig.posts(kenji.id).filter((p) => p.thread_ts && p.thread_ts !== kenjiTs);
    expect(summaryReplies).toHaveLength(1);
    expect(summaryReplies[0].text).toMatch(/^⏰ \d+ work items, 1 access request and 1 workflow approval are still waiting for you$/);

    at('2030-01-08T16:05:00Z'); // Los Angeles 08:05, Tokyo 01:05
    await cycle();
    expect(threadReplies(lucy.id, lucyTs)).toHaveLength(1);
    expect(threadReplies(kenji.id, kenjiTs)).toHaveLength(1);

    at('2030-01-09T05:05:00Z'); // less than a day after Kenji's reminder
    await cycle();
    expect(threadReplies(kenji.id, kenjiTs)).toHaveLength(1);
    at('2030-01-09T05:15:00Z');
    await cycle();
    expect(threadReplies(kenji.id, kenjiTs)).toHaveLength(2);
    expect(threadReplies(lucy.id, lucyTs)).toHaveLength(1);
  });

  /** Lucy subscribed with QUIET_HOURS=off and REMIND_AFTER_HOURS=2, a new item DM'd to her: the DM's ts. */
  async function lucysDmWithoutQuietHours(): Promise<string> {
    await start({ QUIET_HOURS: 'off', REMIND_AFTER_HOURS: '2' }, T0);
    await rig.notifier.subscriptions.touch(PEOPLE.lucy.id);
    await cycle();
    const { id } = newApproval(rig.sandbox, rig.sandbox.identityForEmail(PEOPLE.lucy.email).id!);
    await cycle();
    const ts = (await record(PEOPLE.lucy.id, id))!.ts!;
    return ts;
  }

  it('two replicas that both believe they lead (a lease changing hands) send one reminder: it is claimed per person, item and day', async () => {
    const ts = await lucysDmWithoutQuietHours();
    at('2030-01-07T07:30:00Z');
    const other = rig.replica();
    await Promise.all([cycle(), other.runCycle()]);
    await other.stop();
    expect(threadReplies(PEOPLE.lucy.id, ts)).toHaveLength(1);
    // The next day's reminder is another claim.
    at('2030-01-08T07:35:00Z');
    await cycle();
    expect(threadReplies(PEOPLE.lucy.id, ts)).toHaveLength(2);
  });

  it('a reminder Slack failed gives its claim back: the next poll sends it', async () => {
    const ts = await lucysDmWithoutQuietHours();
    at('2030-01-07T07:30:00Z');
    rig.slackFault = (method) => (method === 'chat.postMessage' ? new Error('Slack is down') : undefined);
    await cycle();
    rig.slackFault = undefined;
    expect(threadReplies(PEOPLE.lucy.id, ts)).toHaveLength(0);
    await cycle();
    expect(threadReplies(PEOPLE.lucy.id, ts)).toHaveLength(1);
  });

  it("a person's own choices on the Home tab: reminders off sends none; working hours hold them until then, in their time zone", async () => {
    const ts = await lucysDmWithoutQuietHours();
    await updatePrefs(rig.store, PEOPLE.lucy.id, { reminders: false });
    at('2030-01-07T07:30:00Z'); // 23:30 in Los Angeles
    await cycle();
    expect(threadReplies(PEOPLE.lucy.id, ts)).toHaveLength(0);
    await updatePrefs(rig.store, PEOPLE.lucy.id, { reminders: true, workingHours: '09:00-17:00' });
    await cycle();
    expect(threadReplies(PEOPLE.lucy.id, ts)).toHaveLength(0);
    at('2030-01-07T17:05:00Z'); // 09:05 in Los Angeles
    await cycle();
    expect(threadReplies(PEOPLE.lucy.id, ts)).toHaveLength(1);
  });

  it('QUIET_HOURS=off allows any hour', async () => {
    const ts = await lucysDmWithoutQuietHours();
    at('2030-01-07T07:30:00Z'); // 23:30 in Los Angeles
    await cycle();
    expect(threadReplies(PEOPLE.lucy.id, ts)).toHaveLength(1);
  });
});
