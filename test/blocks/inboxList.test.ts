import { ACTION, AR_ACTION, decodeApprovalValue, decodePageValue, GA_ACTION } from '../../src/blocks/actions';
import { countsText, renderInboxList, renderInboxPage, renderInboxSummary } from '../../src/blocks/inboxList';
import { LIMITS, validateMessage } from '../../src/blocks/limits';
import { COMPACT_APPROVAL_ITEMS } from '../../src/blocks/workItemCard';
import { WHOLE_ITEM } from '../../src/decisions/decision';
import { FORBIDDEN, HOSTILE, accessRequest, approval, buttons, genericApproval, inboxPage, mrkdwnTexts, opts, sodViolation, withViolations, workItem } from './fixtures';

const wis = (n: number, from = 0) => Array.from({ length: n }, (_, k) => workItem({ id: `wi-${from + k}`, name: `Work item ${from + k}` }));
const ars = (n: number, from = 0) => Array.from({ length: n }, (_, k) => accessRequest({ id: `ar-${from + k}` }));
const gas = (n: number, from = 0) => Array.from({ length: n }, (_, k) => genericApproval({ id: `ga-${from + k}` }));

/** The decoded Previous / Next / Refresh values, by action id. */
function paging(blocks: ReturnType<typeof renderInboxList>['blocks']): Record<string, unknown> {
  return Object.fromEntries(
    buttons(blocks)
      .filter((b) => [ACTION.pageNext, ACTION.pagePrev, ACTION.refresh].includes(b.action_id))
      .map((b) => [b.action_id, decodePageValue(b.value)?.list]),
  );
}
/** "Showing 1–5 of 12", the range line above Previous / Next. */
const range = (blocks: ReturnType<typeof renderInboxList>['blocks']) => mrkdwnTexts(blocks.filter((b) => b.block_id === 'page_range'))[0];
/** The cards' lead sentences, in the page's order. */
const leads = (blocks: ReturnType<typeof renderInboxList>['blocks']) => {
  const out: string[] = [];
  blocks.forEach((b, i) => blocks[i + 1]?.type !== undefined && b.type === 'section' && !b.block_id && out.push(mrkdwnTexts([b])[0].split('\n')[0]));
  return out;
};

describe('a page of the inbox', () => {
  it('one queue, the counts of every kind, and "Showing 1–5 of 12" over all of them', () => {
    const recent = Array.from({ length: 2 }, (_, k) => workItem({ id: `wi-${k}`, created: '2026-11-22T10:00:00Z' }));
    const m = renderInboxList(inboxPage({ workItem: recent, accessRequest: ars(2), generic: gas(1) }, { totals: { workItem: 2, accessRequest: 7, generic: 3 } }), opts);
    expect(m.text).toBe('You have 12 pending items in ISC: 2 work items, 7 access requests and 3 workflow approvals');
    expect(mrkdwnTexts(m.blocks)[0]).toBe('*Waiting on you in ISC*\nWork items: 2 · Access requests: 7 · Workflow approvals: 3');
    expect(range(m.blocks)).toBe('Showing 1–5 of 12');
    // No heading per kind: the cards in the queue's order (the overdue workflow approval of the last kind, then the high-privilege requests, then the work items).
    expect(m.blocks.filter((b) => /^sec_/.test(b.block_id ?? ''))).toEqual([]);
    expect(leads(m.blocks)[0]).toContain('(workflow approval · high priority)');
    expect(leads(m.blocks).slice(1, 3).every((l) => l.includes('high privilege'))).toBe(true);
    expect(leads(m.blocks).slice(3).every((l) => l.includes('(work item)'))).toBe(true);
    // Next names only where the next page starts in the queue.
    expect(paging(m.blocks)).toEqual({
      [ACTION.pageNext]: { kind: 'pending', offset: 5 },
      [ACTION.refresh]: { kind: 'pending', offset: 0 },
    });
    expect(validateMessage(m)).toEqual([]);
  });

  it('Previous and Next go a page back and on in the queue, whatever the kinds', () => {
    const page = inboxPage({ generic: gas(5, 2) }, { start: { offset: 13 }, totals: { workItem: 6, accessRequest: 5, generic: 9 } });
    const m = renderInboxList(page, opts);
    expect(range(m.blocks)).toBe('Showing 14–18 of 20');
    expect(paging(m.blocks)).toEqual({
      [ACTION.pagePrev]: { kind: 'pending', offset: 8 },
      [ACTION.pageNext]: { kind: 'pending', offset: 18 },
      [ACTION.refresh]: { kind: 'pending', offset: 13 },
    });
    // Every card's buttons return to this page after an action.
    for (const b of buttons(m.blocks).filter((b) => b.action_id === GA_ACTION.approve)) expect(decodeApprovalValue(b.value)?.list).toEqual({ kind: 'pending', offset: 13 });
    expect(buttons(m.blocks).filter((b) => b.action_id === GA_ACTION.approve)).toHaveLength(5);
  });

  it('Next starts right after the last card shown; none on the last page', () => {
    const m = renderInboxList(inboxPage({ workItem: wis(5) }, { totals: { workItem: 5, accessRequest: 0, generic: 4 } }), opts);
    expect(paging(m.blocks)[ACTION.pageNext]).toEqual({ kind: 'pending', offset: 5 });
    const last = renderInboxList(inboxPage({ generic: gas(4) }, { start: { offset: 5 }, totals: { workItem: 5, accessRequest: 0, generic: 4 } }), opts);
    expect(range(last.blocks)).toBe('Showing 6–9 of 9');
    expect(paging(last.blocks)[ACTION.pageNext]).toBeUndefined();
  });

  it('cards that do not fit are left for the next page, which starts at the first one not shown', () => {
    // Room for the heading, the range and paging, and two cards of 4 blocks (text, context, buttons, divider).
    const m = renderInboxPage(inboxPage({ workItem: wis(1), accessRequest: ars(3) }, { totals: { workItem: 1, accessRequest: 3, generic: 0 } }), opts, { blocks: 11, chars: 12_000 });
    expect(m.blocks.length).toBeLessThanOrEqual(11);
    // The queue's first two (the stale work item, then one access request); Next starts at the third.
    expect(buttons(m.blocks).filter((b) => b.action_id === AR_ACTION.details)).toHaveLength(1);
    expect(paging(m.blocks)[ACTION.pageNext]).toEqual({ kind: 'pending', offset: 2 });
    expect(leads(m.blocks)[0]).toContain('(work item)');
    expect(range(m.blocks)).toBe('Showing 1–2 of 4');
    // And 100 of each kind in one page still makes a valid message.
    const many = renderInboxList(inboxPage({ workItem: wis(100), accessRequest: ars(100), generic: gas(100) }, { pageSize: 300 }), opts);
    expect(validateMessage(many)).toEqual([]);
    expect(many.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
  });

  it(`${5} cards of the largest compact size of every kind fit one message`, () => {
    const worstWi = workItem({ approvalItems: Array.from({ length: 10 }, (_, i) => approval(i)), remediationItems: [{ applicationName: 'x' }], form: { title: 'f' }, errors: ['e'] });
    const worstAr = accessRequest({ ...withViolations(Array.from({ length: 9 }, (_, i) => sodViolation(`p${i}`))), previousReviewersComments: [{ comment: 'x' }], forwardHistory: [{}] });
    for (const page of [
      inboxPage({ workItem: [worstWi, { ...worstWi, id: 'w2' }], accessRequest: [worstAr, { ...worstAr, id: 'a2' }], generic: gas(1) }),
      inboxPage({ accessRequest: Array.from({ length: 5 }, (_, i) => ({ ...worstAr, id: `a${i}` })) }),
      inboxPage({ generic: gas(5) }),
    ]) {
      const m = renderInboxList(page, opts);
      expect(validateMessage(m)).toEqual([]);
      expect(buttons(m.blocks).filter((b) => /_details$/.test(b.action_id)).length).toBeGreaterThan(0);
    }
    expect(COMPACT_APPROVAL_ITEMS).toBe(3);
  });

  it('the item just acted on is shown first but does not move the pages', () => {
    const page = inboxPage({ accessRequest: ars(3, 1) }, { totals: { workItem: 0, accessRequest: 3, generic: 0 } });
    const section = page.sections[1];
    section.items = [accessRequest({ id: 'ar-0', actionInProcess: 'APPROVED' }), ...section.items] as never;
    section.decisions = { 'ar-0': { [WHOLE_ITEM]: { kind: 'approved', bySlackUserId: 'U0BOB', at: '2026-11-22T12:00:00Z' } } };
    section.pinnedId = 'ar-0';
    const m = renderInboxList(page, opts);
    expect(range(m.blocks)).toBe('Showing 1–3 of 3');
    // First, and its outcome is its headline.
    expect(leads(m.blocks)[0]).toMatch(/^\*✅ Approved by <@U0BOB> · /);
    expect(paging(m.blocks)[ACTION.pageNext]).toBeUndefined();
  });

  it("a kind that could not be read: a Couldn't load section with Retry and the tracking id, the others shown, no count claimed", () => {
    const m = renderInboxList(inboxPage({ workItem: wis(1), generic: gas(1) }, { failures: { accessRequest: { message: 'ISC refused this (403 Forbidden)', trackingId: 'abc123' } } }), opts);
    expect(mrkdwnTexts(m.blocks)[0]).toBe('*Waiting on you in ISC*\nWork items: 1 · Workflow approvals: 1');
    const failed = m.blocks.find((b) => b.block_id === 'failed_accessRequest') as Record<string, any>;
    expect(failed.text.text).toBe("Couldn't load access requests from ISC just now.");
    expect(failed.accessory).toMatchObject({ action_id: ACTION.retry, text: { text: 'Retry' } });
    expect(decodePageValue(failed.accessory.value)?.list).toEqual({ kind: 'pending', offset: 0 });
    expect(mrkdwnTexts(m.blocks)).toContain('_unavailable_ (tracking id `abc123`)');
    expect(m.text).toBe('You have at least 2 pending items: 1 work item and 1 workflow approval in ISC (access requests could not be loaded)');
    expect(leads(m.blocks)).toHaveLength(2);
  });

  it('empty: all caught up; past the end: back with Previous', () => {
    const none = renderInboxList(inboxPage({}), opts);
    expect(mrkdwnTexts(none.blocks)).toContain("Nothing waits on you in ISC — you're all caught up.");
    expect(none.text).toBe('You have nothing pending in ISC');
    const past = renderInboxList(inboxPage({}, { start: { offset: 8 }, totals: { workItem: 2, accessRequest: 0, generic: 3 } }), opts);
    expect(mrkdwnTexts(past.blocks)).toContain('No more items here — go back with Previous.');
    // Back to the last page there is: five back from the end of the 5 items, the first.
    expect(paging(past.blocks)[ACTION.pagePrev]).toEqual({ kind: 'pending', offset: 0 });
  });

  it('an admin looking at someone else: headed with their name, the subject carried in every button', () => {
    const m = renderInboxPage(inboxPage({ accessRequest: ars(1) }), { ...opts, subjectSlackUserId: 'U0SUBJECT' }, { blocks: 50, chars: 12000 });
    expect(mrkdwnTexts(m.blocks)[0]).toMatch(/^\*Pending for <@U0SUBJECT>\*/);
    for (const b of buttons(m.blocks).filter((b) => !b.url)) expect((decodeApprovalValue(b.value) ?? decodePageValue(b.value))?.u).toBe('U0SUBJECT');
  });

  it('escapes ISC text from every kind', () => {
    const page = inboxPage({
      workItem: [workItem({ name: HOSTILE, description: HOSTILE })],
      accessRequest: [accessRequest({ requestedObject: { name: HOSTILE, description: HOSTILE }, requesterComment: { comment: HOSTILE } })],
      generic: [genericApproval({ name: [{ value: HOSTILE }], description: [{ value: HOSTILE }] })],
    });
    for (const text of mrkdwnTexts(renderInboxList(page, opts).blocks)) for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
  });
});

describe('counts', () => {
  it('countsText names the kinds there are', () => {
    expect(countsText({ workItem: 1, accessRequest: 0, generic: 2 })).toBe('1 work item and 2 workflow approvals');
    expect(countsText({})).toBe('nothing');
    expect(countsText({ workItem: 1000, accessRequest: 1, generic: 1 })).toBe('1,000 work items, 1 access request and 1 workflow approval');
  });

  it('the summary: each kind and the total; a kind ISC would not give makes the total a lower bound', () => {
    const ok = renderInboxSummary({ pending: { workItem: { count: 3 }, accessRequest: { count: 2 }, generic: { count: 1 } }, workItemsCompleted: 9, accessRequestsDecided: { approved: 4, rejected: 1 } });
    expect(ok.text).toBe('You have 6 pending items in ISC: 3 work items, 2 access requests and 1 workflow approval');
    expect(mrkdwnTexts(ok.blocks)[0]).toBe(
      '*Waiting on you in ISC: 6*\n*Work items:* 3 open · 9 completed\n*Access requests:* 2 pending · 4 approved · 1 rejected\n*Workflow approvals:* 1 pending',
    );
    const partial = renderInboxSummary({ pending: { workItem: { count: 3 }, accessRequest: { failure: { message: 'x', trackingId: 't1' } }, generic: { count: 1 } } }, 'U0SUBJECT');
    expect(partial.text).toBe('<@U0SUBJECT> has at least 4 pending items in ISC: 3 work items and 1 workflow approval');
    expect(mrkdwnTexts(partial.blocks)[0]).toMatch(/^\*Waiting on <@U0SUBJECT> in ISC: ≥ 4\*\n.*\n\*Access requests:\* couldn't be loaded _unavailable_ \(tracking id `t1`\)/);
  });
});
