import { validateMessage } from '../../src/blocks/limits';
import {
  renderFirstPollSummary,
  renderGoneDm,
  renderNewItemDm,
  renderNotifySetting,
  renderReminder,
  renderSettledElsewhereDm,
  SUMMARY_ITEMS,
} from '../../src/blocks/notifications';
import { renderWorkItemDetail } from '../../src/blocks/workItemList';
import { ACTION } from '../../src/blocks/actions';
import type { InboxItem } from '../../src/inbox/items';
import { accessRequest, actionIds, approval, FORBIDDEN, HOSTILE, mrkdwnTexts, opts, sodViolation, viewer, withViolations, workItem } from './fixtures';

const wi = (over: Parameters<typeof workItem>[0] = {}): InboxItem => ({ kind: 'workItem', item: workItem(over) });
const hostileItem = workItem({ name: HOSTILE, requesterDisplayName: HOSTILE, ownerName: HOSTILE, description: HOSTILE, approvalItems: [approval(1, { name: HOSTILE })] });
const hostile: InboxItem = { kind: 'workItem', item: hostileItem };
const manyApprovals = workItem({ approvalItems: Array.from({ length: 60 }, (_, i) => approval(i, { value: `${'CN=x,'.repeat(40)}${i}` })) });

function expectSafe(texts: string[]): void {
  for (const text of texts) for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
}

describe('renderNewItemDm', () => {
  it('is the /workitems card with its buttons, under a notification text of its own', () => {
    const dm = renderNewItemDm(wi(), opts);
    expect(dm.blocks).toEqual(renderWorkItemDetail(workItem(), opts).blocks);
    expect(dm.text).toBe('New work item: Add CN=Group 1,OU=Groups,DC=acme,DC=com on Active Directory');
    expect(actionIds(dm.blocks)).toContain(ACTION.approve);
    expect(validateMessage(dm)).toEqual([]);
  });

  it('the push text of an access request leads with its risk: the SoD conflict first, else high privilege', () => {
    const ar = (over: Parameters<typeof accessRequest>[0]): InboxItem => ({ kind: 'accessRequest', item: accessRequest(over) });
    expect(renderNewItemDm(ar({ ...withViolations([sodViolation()]), privilegeLevel: 'HIGH' }), opts).text).toMatch(/^SoD conflict: Create and approve payments · New access request: /);
    const three = withViolations([sodViolation('A'), sodViolation('B'), sodViolation('C')]);
    expect(renderNewItemDm(ar(three), opts).text).toMatch(/^SoD conflict: A, B and 1 more · New access request: /);
    expect(renderNewItemDm(ar({ privilegeLevel: 'HIGH' }), opts).text).toMatch(/^High privilege: New access request: /);
    expect(renderNewItemDm(ar({ privilegeLevel: 'LOW' }), opts).text).toMatch(/^New access request: /);
    expect(renderNewItemDm(ar(withViolations([sodViolation(HOSTILE)])), opts).text).not.toContain('<!channel>');
  });

  it('escapes ISC text', () => {
    const dm = renderNewItemDm(hostile, opts);
    expect(dm.text).not.toContain('<!channel>');
    expectSafe(mrkdwnTexts(dm.blocks));
  });
});

describe('renderSettledElsewhereDm', () => {
  it('decided in ISC: the final card, the owner and when, no buttons but the ISC link', () => {
    const item = workItem({ state: 'Finished', completed: '2026-11-22T12:00:00Z', approvalItems: [approval(1, { state: 'Finished' })] });
    const dm = renderSettledElsewhereDm({ kind: 'workItem', item }, opts);
    expect(actionIds(dm.blocks)).toEqual([ACTION.openInIsc]);
    const last = mrkdwnTexts(dm.blocks).at(-1);
    expect(last).toMatch(/^Decided in ISC, not in Slack · owner Bob Smith · <!date\^1795348800\^/);
    expect(dm.text).toBe('Work item: Add CN=Group 1,OU=Groups,DC=acme,DC=com on Active Directory (decided in ISC)');
    expect(validateMessage(dm)).toEqual([]);
  });

  it('reassigned in ISC: says to whom, and drops every action, the pending ones too', () => {
    const dm = renderSettledElsewhereDm(wi({ ownerName: 'Ben Builder', modified: '2026-11-22T12:00:00Z' }), { ...opts, iscUiBaseUrl: undefined });
    expect(actionIds(dm.blocks)).toEqual([]);
    expect(dm.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(mrkdwnTexts(dm.blocks).at(-1)).toMatch(/^Reassigned in ISC to Ben Builder · <!date/);
  });

  it('stays within Slack limits for the largest item, and escapes ISC text', () => {
    expect(validateMessage(renderSettledElsewhereDm({ kind: 'workItem', item: { ...manyApprovals, state: 'Rejected' } }, opts))).toEqual([]);
    expectSafe(mrkdwnTexts(renderSettledElsewhereDm({ kind: 'workItem', item: { ...hostileItem, state: 'Finished' } }, opts).blocks));
  });
});

describe('renderFirstPollSummary', () => {
  it('lists the items waiting, with the first SUMMARY_ITEMS named and the rest counted', () => {
    const items = Array.from({ length: SUMMARY_ITEMS + 3 }, (_, i) => wi({ id: `wi-${i}`, name: `Request ${i}`, approvalItems: [] }));
    const summary = renderFirstPollSummary(items, viewer);
    expect(summary.text).toBe(`You have ${SUMMARY_ITEMS + 3} work items pending in ISC`);
    const text = mrkdwnTexts(summary.blocks).join('\n');
    expect(text).toContain('• *Request 0* — from Jane Doe · 3 days old');
    expect(text).not.toContain(`Request ${SUMMARY_ITEMS}*`);
    expect(text).toContain('… and 3 more');
    expect(text).toContain('`/workitems notify off`');
    expect(actionIds(summary.blocks)).toEqual([]);
    expect(validateMessage(summary)).toEqual([]);
  });

  it('says "1 work item" and escapes ISC text', () => {
    const summary = renderFirstPollSummary([hostile], viewer);
    expect(summary.text).toBe('You have 1 work item pending in ISC');
    expectSafe(mrkdwnTexts(summary.blocks));
  });
});

describe('renderReminder', () => {
  it('one item: its name and age, pointing at the buttons of the DM above', () => {
    const reminder = renderReminder([wi()], viewer, 'dm');
    expect(reminder.text).toBe('⏰ Still waiting for you after 3 days: *Add CN=Group 1,OU=Groups,DC=acme,DC=com on Active Directory*');
    expect(mrkdwnTexts(reminder.blocks)[0]).toContain('the buttons above');
    expect(validateMessage(reminder)).toEqual([]);
  });

  it('the items of a summary: one reply listing them, pointing at /workitems', () => {
    const reminder = renderReminder([wi(), wi({ id: 'b', name: 'Other', approvalItems: [] })], viewer, 'summary');
    expect(reminder.text).toBe('⏰ 2 work items are still waiting for you');
    expect(mrkdwnTexts(reminder.blocks)[0]).toMatch(/• \*Other\*.*\nType `\/workitems` to act on them\.$/s);
    expectSafe(mrkdwnTexts(renderReminder([hostile], viewer, 'summary').blocks));
  });
});

describe('renderNotifySetting and renderGoneDm', () => {
  it('says how notifications are set, with the reminder delay and the quiet hours', () => {
    expect(renderNotifySetting(true, { remindAfterMs: 24 * 3600_000, quietHours: { start: 1200, end: 480 } }).text).toMatch(
      /Notifications are on: .* more than 24 hours \(never between 20:00–08:00 your time\)\. `\/workitems notify off` stops them\.$/,
    );
    expect(renderNotifySetting(true, { remindAfterMs: 3600_000 }).text).toMatch(/more than 1 hour\. /);
    expect(renderNotifySetting(false, { remindAfterMs: 3600_000 }).text).toMatch(/Notifications are off\. `\/workitems notify on` turns them back on\./);
  });

  it('a deleted item: a notice with no buttons', () => {
    expect(renderGoneDm().text).toMatch(/no longer in ISC/);
    expect(actionIds(renderGoneDm().blocks)).toEqual([]);
  });
});
