import { ACTION, decodeItemValue, decodePageValue } from '../../src/blocks/actions';
import { LIMITS, validateBlocks, validateMessage } from '../../src/blocks/limits';
import { WHOLE_ITEM } from '../../src/decisions/decision';
import type { WorkItemListPage } from '../../src/workitems/workItemService';
import { LIST_PAGE_SIZE, renderPage, renderWorkItemList } from '../../src/blocks/workItemList';
import { approval, buttons, formItem, manualAction, mrkdwnTexts, opts, workItem } from './fixtures';

const page = (extra: Partial<WorkItemListPage> = {}): WorkItemListPage => ({
  kind: 'pending',
  items: [workItem(), manualAction(), formItem()],
  offset: 0,
  pageSize: LIST_PAGE_SIZE,
  total: 3,
  ...extra,
});
const items = (n: number, approvals = 1) =>
  Array.from({ length: n }, (_, k) => workItem({ id: `wi-${k}`, approvalItems: Array.from({ length: approvals }, (_, i) => approval(i)) }));
const paging = (blocks: ReturnType<typeof renderWorkItemList>['blocks']) =>
  Object.fromEntries(
    buttons(blocks)
      .filter((b) => [ACTION.pagePrev, ACTION.pageNext, ACTION.refresh].includes(b.action_id))
      .map((b) => [b.action_id, decodePageValue(b.value)]),
  );

describe('snapshots', () => {
  it.each([
    ['pending list', () => renderWorkItemList(page({ decisions: { 'manual-1': { [WHOLE_ITEM]: { kind: 'completed', bySlackUserId: 'U0ALICE1', at: '2026-11-22T12:00:00Z' } } } }), opts)],
    ['completed list', () =>
      renderWorkItemList(
        page({ kind: 'completed', items: [workItem({ state: 'Finished', completed: '2026-11-21T08:00:00Z', approvalItems: [approval(1, { state: 'Finished' })] })], offset: 5, total: 6 }),
        opts,
      )],
    ['empty list', () => renderWorkItemList(page({ items: [], total: 0 }), opts)],
    ['list for another user', () => renderWorkItemList(page({ items: [workItem()], total: 1 }), { ...opts, subjectSlackUserId: 'U0SUBJECT' })],
  ])('%s', (_, render) => {
    const message = render();
    expect(validateMessage(message)).toEqual([]);
    expect(message).toMatchSnapshot();
  });
});

describe('header and text', () => {
  it('counts, ranges and a plain fallback text', () => {
    const m = renderWorkItemList(page({ items: items(5), offset: 5, total: 23 }), opts);
    expect(m.text).toBe('You have 23 pending work items');
    expect(mrkdwnTexts(m.blocks)[0]).toBe('*Your pending work items* · Showing 6–10 of 23');
  });

  it('names the subject for admins', () => {
    const m = renderWorkItemList(page({ items: items(1), total: 1 }), { ...opts, subjectSlackUserId: 'U0SUBJECT' });
    expect(m.text).toBe('<@U0SUBJECT> has 1 pending work item');
    expect(mrkdwnTexts(m.blocks)[0]).toBe('*Pending work items for <@U0SUBJECT>* · Showing 1–1 of 1');
  });

  it('accepts a custom title, escaped', () => {
    const m = renderWorkItemList(page(), { ...opts, title: 'Items <!here>' });
    expect(mrkdwnTexts(m.blocks)[0]).toContain('*Items &lt;!here&gt;*');
  });

  it('empty state', () => {
    const m = renderWorkItemList(page({ items: [], total: 0 }), opts);
    expect(m.text).toBe("No pending work items — you're all caught up.");
    expect(buttons(m.blocks).map((b) => b.action_id)).toEqual([ACTION.refresh]);
  });
});

describe('paging', () => {
  it('card buttons in a list carry the list kind and offset, so the list is redrawn on the same page', () => {
    const m = renderWorkItemList(page({ items: items(2), offset: 10, total: 12 }), opts);
    const approve = buttons(m.blocks).find((b) => b.action_id === ACTION.approve)!;
    expect(decodeItemValue(approve.value)).toEqual({ w: 'wi-0', a: 'ai-0', list: { kind: 'pending', offset: 10 } });
  });

  it('Previous / Next / Refresh carry kind, offset and subject', () => {
    const m = renderWorkItemList(page({ items: items(5), offset: 5, total: 23 }), { ...opts, subjectSlackUserId: 'U0SUBJECT' });
    expect(paging(m.blocks)).toEqual({
      [ACTION.pagePrev]: { list: { kind: 'pending', offset: 0 }, u: 'U0SUBJECT' },
      [ACTION.pageNext]: { list: { kind: 'pending', offset: 10 }, u: 'U0SUBJECT' },
      [ACTION.refresh]: { list: { kind: 'pending', offset: 5 }, u: 'U0SUBJECT' },
    });
  });

  it('no Next on the last page, no Previous on the first', () => {
    const m = renderWorkItemList(page({ items: items(3), offset: 20, total: 23 }), opts);
    expect(Object.keys(paging(m.blocks))).toEqual([ACTION.pagePrev, ACTION.refresh]);
    const first = renderWorkItemList(page({ items: items(5), total: 23 }), opts);
    expect(Object.keys(paging(first.blocks))).toEqual([ACTION.pageNext, ACTION.refresh]);
  });

  it('with an unknown total, Next appears when the page is full', () => {
    const full = renderWorkItemList(page({ items: items(LIST_PAGE_SIZE), total: undefined }), opts);
    // Next continues from the first card the message had room for (all of them, or fewer by size).
    const shown = buttons(full.blocks).filter((b) => b.action_id === ACTION.details).length;
    expect(shown).toBeGreaterThanOrEqual(8);
    expect(paging(full.blocks)[ACTION.pageNext]).toEqual({ list: { kind: 'pending', offset: shown } });
    expect(full.text).toBe(`Your pending work items (Showing 1–${shown})`);
    const partial = renderWorkItemList(page({ items: items(2), total: undefined }), opts);
    expect(paging(partial.blocks)[ACTION.pageNext]).toBeUndefined();
  });

  it('cards that do not fit are not skipped: Next continues from the first one not shown', () => {
    const m = renderWorkItemList(page({ items: items(100), total: 100 }), opts);
    expect(validateMessage(m)).toEqual([]);
    const shown = buttons(m.blocks).filter((b) => b.action_id === ACTION.details).length;
    expect(shown).toBeGreaterThan(0);
    expect(paging(m.blocks)[ACTION.pageNext]).toEqual({ list: { kind: 'pending', offset: shown } });
    expect(mrkdwnTexts(m.blocks).join('\n')).toContain(`${100 - shown} more work items on the next page`);
  });
});

describe('limits', () => {
  it(`LIST_PAGE_SIZE (${LIST_PAGE_SIZE}) cards of the largest compact size fit in ${LIMITS.messageBlocks} blocks`, () => {
    const worst = Array.from({ length: LIST_PAGE_SIZE }, (_, k) =>
      workItem({ id: `wi-${k}`, approvalItems: Array.from({ length: 10 }, (_, i) => approval(i)), remediationItems: [{ applicationName: 'x' }], form: { title: 'f' }, errors: ['e'] }),
    );
    const p = page({ items: worst, offset: 5, total: 50 });
    // Blocks only (no character budget): every card is shown, at its largest, with paging.
    const m = renderPage(p, { ...opts, subjectSlackUserId: 'U0SUBJECT' }, { blocks: LIMITS.messageBlocks, chars: Infinity });
    expect(buttons(m.blocks).filter((b) => b.action_id === ACTION.details)).toHaveLength(LIST_PAGE_SIZE);
    // Per-line buttons are in Details; each list card has Approve all / Reject all.
    expect(buttons(m.blocks).filter((b) => b.action_id === ACTION.approveAll)).toHaveLength(LIST_PAGE_SIZE);
    expect(Object.keys(paging(m.blocks))).toEqual([ACTION.pagePrev, ACTION.pageNext, ACTION.refresh]);
    expect(validateBlocks(m.blocks, LIMITS.messageBlocks)).toEqual([]);
    // And as a real message (character budget too) it is valid.
    expect(validateMessage(renderWorkItemList(p, opts))).toEqual([]);
  });

  it('100 work items in one page stay within every message limit, with unique block_ids', () => {
    for (const approvals of [0, 1, 3, 60]) {
      const m = renderWorkItemList(page({ items: items(100, approvals), total: 500 }), opts);
      expect(validateMessage(m)).toEqual([]);
      expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    }
  });
});
