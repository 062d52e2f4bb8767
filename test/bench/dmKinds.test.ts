import { isFirstPollSummary, isNewWorkItemDm, isReminder } from '../../bench/dmKinds';
import { renderFirstPollSummary, renderNewItemDm, renderReminder } from '../../src/blocks/notifications';
import type { InboxItem } from '../../src/inbox/items';
import { accessRequest, genericApproval, opts, viewer, workItem } from '../blocks/fixtures';

const wi = (n: number): InboxItem => ({ kind: 'workItem', item: workItem({ id: `wi-${n}`, name: `Soak ${n} single for Approver 1`, approvalItems: [] }) });
/** What a soak approver has at the first poll: its work items plus the sandbox's demo access request and generic approval. */
const firstPoll: InboxItem[] = [...Array.from({ length: 9 }, (_, i) => wi(i)), { kind: 'accessRequest', item: accessRequest() }, { kind: 'generic', item: genericApproval() }];

describe("the soak's notification DM kinds", () => {
  it('recognises the first-poll summary, whatever kinds of item it counts', () => {
    for (const items of [firstPoll, firstPoll.slice(0, 1), firstPoll.slice(-2)]) {
      const summary = renderFirstPollSummary(items, viewer);
      expect(isFirstPollSummary(summary)).toBe(true);
      expect(isNewWorkItemDm(summary)).toBe(false);
    }
    // The soak finds an item in a summary by its title in the blocks.
    expect(JSON.stringify(renderFirstPollSummary(firstPoll, viewer).blocks)).toContain('Soak 8 single for Approver 1');
  });

  it('recognises the DM of a new work item, and not those of other kinds', () => {
    const dm = renderNewItemDm(wi(3), opts);
    expect(isNewWorkItemDm(dm)).toBe(true);
    expect(dm.text).toBe('New work item: Soak 3 single for Approver 1');
    expect(isFirstPollSummary(dm)).toBe(false);
    expect(isNewWorkItemDm(renderNewItemDm({ kind: 'accessRequest', item: accessRequest() }, opts))).toBe(false);
  });

  it('tells a reminder (a thread reply) from both', () => {
    const reply = { ...renderReminder([wi(1)], viewer, 'summary'), thread_ts: '1.000' };
    expect(isReminder(reply)).toBe(true);
    expect(isFirstPollSummary({ ...renderFirstPollSummary(firstPoll, viewer), thread_ts: '1.000' })).toBe(false);
  });
});
