import { HOME_ACTION } from '../../src/blocks/home';
import { validateView } from '../../src/blocks/limits';
import { readPrefs } from '../../src/notify/preferences';
import { SEED_ACCESS_REQUEST_APPROVALS, SEED_GENERIC_APPROVALS } from '../../src/sandbox/approvalSeed';
import { SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { slackInteraction } from '../support/slackStandIn';
import { startHarness, USERS, type Harness } from '../support/botHarness';

// The Home tab as a dashboard through the real bot: filters kept per person, the notification
// settings changing what is stored, "Decided today", Retry after a kind failed, and someone the bot
// cannot match to ISC.

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const A = SEED_ACCESS_REQUEST_APPROVALS;
const G = SEED_GENERIC_APPROVALS;
type View = { blocks: Array<Record<string, any>> };
const json = (v: unknown) => JSON.stringify(v);

/** Runs `act`, then returns the Home view it published. */
async function published(act: () => Promise<unknown>): Promise<View> {
  const before = h.slack.callsTo('views.publish').length;
  await act();
  await h.slack.waitFor(() => h.slack.callsTo('views.publish').length > before);
  const { view, user_id } = h.slack.callsTo('views.publish')[before].args as { view: View; user_id: string };
  expect(validateView(view as never)).toEqual([]);
  expect(user_id).toBeDefined();
  return view;
}
const openHome = (user: string) => published(() => h.event({ type: 'app_home_opened', user, channel: 'D0X', tab: 'home', event_ts: '1.0' }));
const clickHome = (user: string, actionId: string, value: string) => published(() => h.click(user, actionId, value, { home: true }));
const block = (view: View, id: string) => view.blocks.find((b) => b.block_id === id);
const elements = (view: View) => view.blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]);

describe('Home tab', () => {
  it('one heading, every item without paging, and the filters; Risky is kept for the next visit', async () => {
    const home = await openHome(USERS.ada.id);
    expect(home.blocks.filter((b) => b.type === 'header')).toHaveLength(1);
    expect(json(home)).not.toMatch(/page_next|Next ▶/);
    expect(block(home, 'home_auth')).toBeUndefined();
    expect(json(home)).toContain(SEED_WORK_ITEMS.adaSingleApproval);
    expect(json(home)).toContain(G.adaOverdue);
    const filters = block(home, 'home_filters')!.elements.map((e: any) => e.text.text);
    expect(filters[0]).toBe('All (15)');
    const risky = await clickHome(USERS.ada.id, HOME_ACTION.filter.risky, 'risky');
    expect(json(risky)).toContain(A.adaSodViolation);
    expect(json(risky)).not.toContain(SEED_WORK_ITEMS.adaSingleApproval);
    expect(json(risky)).not.toContain(G.adaOverdue);
    expect(block(risky, 'home_filters')!.elements.find((e: any) => e.style === 'primary').action_id).toBe(HOME_ACTION.filter.risky);
    // Kept in the store: the next visit (any replica) shows the same filter.
    const again = await openHome(USERS.ada.id);
    expect(block(again, 'home_filters')!.elements.find((e: any) => e.style === 'primary').action_id).toBe(HOME_ACTION.filter.risky);
    const overdue = await clickHome(USERS.ada.id, HOME_ACTION.filter.overdue, 'overdue');
    expect(json(overdue)).toContain(G.adaOverdue);
    expect(json(overdue)).not.toContain(A.adaPlain);
  });

  it('"Decided today" counts what the person decided through the bot', async () => {
    const before = await openHome(USERS.ada.id);
    expect(block(before, 'home_summary')!.text.text).toContain('✅ Decided today: 0');
    const after = await published(() => h.click(USERS.ada.id, 'ar_approve', { i: A.adaPlain }, { home: true }));
    expect(h.sandbox.getAccessRequestApprovalState(A.adaPlain)?.decision?.state).toBe('APPROVED');
    expect(block(after, 'home_summary')!.text.text).toContain('✅ Decided today: 1');
    // Ben decided nothing.
    expect(block(await openHome(USERS.ben.id), 'home_summary')!.text.text).toContain('✅ Decided today: 0');
  });

  it('notification settings change what is stored and the tab shows it', async () => {
    const store = h.bot.store;
    await openHome(USERS.ada.id);
    const off = await clickHome(USERS.ada.id, HOME_ACTION.dms, 'off');
    expect((await h.bot.notifier.subscriptions.get(USERS.ada.id))?.on).toBe(false);
    expect(block(off, 'home_settings')!.text.text).toContain('Messages for new items: *off*');
    const on = await clickHome(USERS.ada.id, HOME_ACTION.dms, 'on');
    expect(block(on, 'home_settings')!.text.text).toContain('Messages for new items: *on*');
    const noReminders = await clickHome(USERS.ada.id, HOME_ACTION.reminders, 'off');
    expect(await readPrefs(store, USERS.ada.id)).toEqual({ reminders: false });
    expect(block(noReminders, 'home_settings')!.text.text).toContain('Reminders: *off*');
    await clickHome(USERS.ada.id, HOME_ACTION.reminders, 'on');
    const hours = await published(() =>
      h.interact(
        slackInteraction('block_actions', USERS.ada.id, {
          container: { type: 'view', view_id: 'VHOME' },
          view: { id: 'VHOME', type: 'home', blocks: [], private_metadata: '', callback_id: '', state: { values: {} }, hash: 'h' },
          actions: [{ action_id: HOME_ACTION.hours, block_id: 'home_settings_actions', type: 'static_select', action_ts: '1.0', selected_option: { text: { type: 'plain_text', text: '09:00–17:00' }, value: '09:00-17:00' } }],
        }) as never,
      ),
    );
    expect(await readPrefs(store, USERS.ada.id)).toEqual({ reminders: true, workingHours: '09:00-17:00' });
    expect(elements(hours).find((e) => e.action_id === HOME_ACTION.hours).initial_option.value).toBe('09:00-17:00');
    expect(block(hours, 'home_settings')!.text.text).toContain('Reminders: *on only 09:00–17:00 your time*');
  });

  it("a kind that failed shows Couldn't load — Retry; Retry reads it again", async () => {
    h.fault = (req) => (req.method === 'GET' && req.path.startsWith('/generic-approvals') ? { kind: 'status', status: 500 } : undefined);
    const failed = await openHome(USERS.ada.id);
    expect(block(failed, 'home_failed_generic')!.text.text).toMatch(/Couldn't load your workflow approvals/);
    expect(block(failed, 'home_summary')!.text.text).toMatch(/^\*at least 11 waiting on you\*/);
    h.fault = undefined;
    const retried = await clickHome(USERS.ada.id, HOME_ACTION.retry, 'retry');
    expect(block(retried, 'home_failed_generic')).toBeUndefined();
    expect(json(retried)).toContain(G.adaOverdue);
  });

  it('says how the bot acts in ISC only when the person has to do something (connect their account)', async () => {
    await h.close();
    h = await startHarness({ AUTH_MODE: 'linked' });
    const home = await openHome(USERS.ada.id);
    expect(block(home, 'home_auth')!.elements[0].text).toMatch(/`\/workitems connect`/);
  });

  it('someone without an ISC identity is told what to do in their words', async () => {
    const home = await openHome(USERS.ghost.id);
    const text = block(home, 'home_no_identity')!.text.text;
    expect(text).toMatch(/Ask your IT help desk to connect your Slack account to your ISC account/);
    expect(text).not.toMatch(/IDENTITY_MAP|service identity|scope/);
  });
});
