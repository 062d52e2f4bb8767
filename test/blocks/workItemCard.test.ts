import type { KnownBlock } from '@slack/types';
import { ACTION, decodeItemValue } from '../../src/blocks/actions';
import { LIMITS, validateBlocks, validateMessage } from '../../src/blocks/limits';
import { type Decision, WHOLE_ITEM } from '../../src/decisions/decision';
import { COMPACT_CARD_MAX_BLOCKS, iscWorkItemUrl, renderWorkItemCard } from '../../src/blocks/workItemCard';
import { renderWorkItemDetail } from '../../src/blocks/workItemList';
import { FORBIDDEN, HOSTILE, ISC_UI, NOW, actionIds, approval, buttons, formItem, linkifiedMrkdwn, manualAction, mrkdwnTexts, opts, workItem } from './fixtures';

const compact = (item = workItem(), extra = {}) => renderWorkItemCard(item, { ...opts, ...extra, mode: 'compact' });
const full = (item = workItem(), extra = {}) => renderWorkItemCard(item, { ...opts, ...extra, mode: 'full' });
const decided = (kind: Decision['kind'], extra: Partial<Decision> = {}): Decision => ({ kind, bySlackUserId: 'U0ALICE1', at: '2026-11-22T12:45:00Z', ...extra });
const several = (n: number) => workItem({ approvalItems: Array.from({ length: n }, (_, i) => approval(i + 1)) });
const ok = (blocks: KnownBlock[]) => expect(validateMessage({ text: 'x', blocks })).toEqual([]);

describe('snapshots', () => {
  it.each([
    ['one approval item', () => compact()],
    ['one approval item, full', () => full()],
    ['several approval items', () => compact(several(5))],
    ['several approval items, full', () => full(several(3))],
    ['manual action', () => compact(manualAction())],
    ['manual action, full', () => full(manualAction())],
    ['form item', () => full(formItem())],
    ['decided approval items', () =>
      full(
        workItem({ approvalItems: [approval(1), approval(2, { state: 'Rejected' }), approval(3)] }),
        { decisions: { 'ai-1': decided('approved') } },
      )],
    ['forwarded whole item, on the old owner\'s card', () =>
      compact(workItem(), { subjectIdentityId: 'id-old-owner', decisions: { [WHOLE_ITEM]: decided('forwarded', { forwardedTo: { slackUserId: 'U0BOB001', name: 'Bob' } }) } })],
    ['completed item', () => compact(workItem({ state: 'Finished', completed: '2026-11-21T08:00:00Z', approvalItems: [approval(1, { state: 'Finished' })] }))],
    ['item with ISC errors and no name', () => full(workItem({ name: null, type: 'PolicyVioloation', errors: ['Connector timed out', 'Retry failed'] }))],
  ])('%s', (_, render) => {
    const blocks = render();
    ok(blocks);
    expect(blocks).toMatchSnapshot();
  });
});

describe('buttons', () => {
  it('one pending approval item: Approve, Reject, Forward, Details, Open in ISC', () => {
    expect(actionIds(compact())).toEqual([ACTION.approve, ACTION.reject, ACTION.forward, ACTION.details, ACTION.openInIsc]);
    expect(actionIds(full())).toEqual([ACTION.approve, ACTION.reject, ACTION.forward, ACTION.openInIsc]);
  });

  it('several pending approval items: Approve all / Reject all, with confirm dialogs that count them; per-line buttons only in Details', () => {
    expect(buttons(compact(several(3))).filter((b) => b.action_id === ACTION.approve)).toHaveLength(0);
    const all = buttons(full(several(3)));
    const approveAll = all.find((b) => b.action_id === ACTION.approveAll)!;
    const rejectAll = all.find((b) => b.action_id === ACTION.rejectAll)!;
    expect(approveAll.confirm.text.text).toContain('Approve all 3 pending approval items');
    expect(rejectAll.confirm.text.text).toContain('Reject all 3 pending approval items');
    expect(rejectAll.style).toBe('danger');
    expect(all.filter((b) => b.action_id === ACTION.approve)).toHaveLength(3);
  });

  it('Reject always asks for confirmation; Approve is primary', () => {
    for (const b of buttons(full(several(2)))) {
      if (b.action_id === ACTION.reject) expect(b.confirm).toMatchObject({ style: 'danger', confirm: { text: 'Reject' } });
      if (b.action_id === ACTION.approve) expect(b).toMatchObject({ style: 'primary' });
    }
  });

  it('values decode with decodeItemValue and carry the subject for admins', () => {
    const all = [...buttons(full(several(2), { subjectSlackUserId: 'U0SUBJECT' })), ...buttons(compact(several(2), { subjectSlackUserId: 'U0SUBJECT' })).filter((b) => b.action_id === ACTION.details)];
    const approve = all.filter((b) => b.action_id === ACTION.approve).map((b) => decodeItemValue(b.value));
    expect(approve).toEqual([
      { w: '2c9180835d2e5168015d32f890ca1581', a: 'ai-1', u: 'U0SUBJECT' },
      { w: '2c9180835d2e5168015d32f890ca1581', a: 'ai-2', u: 'U0SUBJECT' },
    ]);
    for (const id of [ACTION.approveAll, ACTION.forward, ACTION.details]) {
      expect(decodeItemValue(all.find((b) => b.action_id === id)!.value)).toEqual({ w: '2c9180835d2e5168015d32f890ca1581', u: 'U0SUBJECT' });
    }
  });

  it('Complete (with confirm) for a pending item without approval items or form', () => {
    const all = buttons(compact(manualAction()));
    expect(all.map((b) => b.action_id)).toEqual([ACTION.complete, ACTION.forward, ACTION.details, ACTION.openInIsc]);
    expect(all[0].confirm.text.text).toContain('Remove access on the HR mainframe');
  });

  it('Select accounts for a pending item with a form', () => {
    expect(actionIds(compact(formItem()))).toEqual([ACTION.selectAccounts, ACTION.forward, ACTION.details, ACTION.openInIsc]);
  });

  it('an approval item decided in Slack shows who and when, without buttons; the rest stays live', () => {
    const blocks = full(several(2), { decisions: { 'ai-1': decided('approved') } });
    const texts = mrkdwnTexts(blocks).join('\n');
    expect(texts).toContain('✅ Approved by <@U0ALICE1> · <!date^1795351500^');
    const approves = buttons(blocks).filter((b) => b.action_id === ACTION.approve);
    expect(approves.map((b) => decodeItemValue(b.value)?.a)).toEqual(['ai-2']);
    expect(actionIds(blocks)).not.toContain(ACTION.approveAll);
  });

  it('an approval item decided in ISC shows its state and no buttons', () => {
    const blocks = full(workItem({ approvalItems: [approval(1, { state: 'Rejected' }), approval(2)] }));
    expect(mrkdwnTexts(blocks).join('\n')).toContain('❌ Rejected');
    expect(buttons(blocks).filter((b) => b.action_id === ACTION.approve).map((b) => decodeItemValue(b.value)?.a)).toEqual(['ai-2']);
  });

  it.each([
    ['rejected', '❌ Rejected by <@U0ALICE1>'],
    ['completed', '✅ Completed by <@U0ALICE1>'],
    ['accounts_submitted', '✅ Accounts submitted by <@U0ALICE1>'],
  ] as const)('a whole item %s in Slack has no action buttons', (kind, line) => {
    const blocks = compact(several(2), { decisions: { [WHOLE_ITEM]: decided(kind) } });
    expect(mrkdwnTexts(blocks).join('\n')).toContain(line);
    expect(actionIds(blocks)).toEqual([ACTION.details, ACTION.openInIsc]);
  });

  describe('a forward through the bot is not a final decision', () => {
    const BOB = '2c91808a77ff216301782327a50f09e1'; // the item's owner now
    const forwarded = { [WHOLE_ITEM]: decided('forwarded', { forwardedTo: { slackUserId: 'U0BOB001', name: 'Bob' } }) };
    const line = /Forwarded to <@U0BOB001> by <@U0ALICE1> · <!date\^1795351500\^/;

    it.each([
      ['compact', compact, [ACTION.approveAll, ACTION.rejectAll, ACTION.forward, ACTION.details]],
      ['full', full, [ACTION.approveAll, ACTION.rejectAll, ACTION.forward]],
    ] as const)('the new owner sees it live in %s mode, every button, with the forward as history', (_mode, render, ids) => {
      const blocks = render(several(2), { subjectIdentityId: BOB, decisions: forwarded });
      expect(mrkdwnTexts(blocks).join('\n')).toMatch(line);
      for (const id of ids) expect(actionIds(blocks)).toContain(id);
      // Per-line buttons live in Details (full mode); the list card has Approve all / Reject all.
      expect(actionIds(blocks).filter((id) => id === ACTION.approve)).toHaveLength(render === full ? 2 : 0);
    });

    it("the old owner's card (and anyone's who does not own it now) says \"Forwarded to … by … · when\", with no action buttons", () => {
      const blocks = compact(several(2), { subjectIdentityId: 'id-old-owner', decisions: forwarded });
      expect(mrkdwnTexts(blocks).join('\n')).toMatch(line);
      expect(actionIds(blocks)).toEqual([ACTION.details, ACTION.openInIsc]);
    });

    it('a card that does not know whose items it is among leaves the decision to the click: live', () => {
      expect(actionIds(compact(workItem(), { decisions: forwarded }))).toContain(ACTION.approve);
    });

    it('a final decision still settles every card, the owner’s too', () => {
      const blocks = compact(several(2), { subjectIdentityId: BOB, decisions: { [WHOLE_ITEM]: decided('approved') } });
      expect(actionIds(blocks)).toEqual([ACTION.details, ACTION.openInIsc]);
    });
  });

  it('forwarded to someone without a Slack account names them (escaped)', () => {
    const blocks = compact(workItem(), { decisions: { [WHOLE_ITEM]: decided('forwarded', { forwardedTo: { name: 'Eve <ISC>' } }) } });
    expect(mrkdwnTexts(blocks).join('\n')).toContain('Forwarded to Eve &lt;ISC&gt; by <@U0ALICE1>');
  });

  it('a whole item that is not Pending has no action buttons', () => {
    for (const state of ['Finished', 'Rejected', 'Expired', 'Canceled', 'Returned'] as const) {
      expect(actionIds(full({ ...several(3), state }))).toEqual([ACTION.openInIsc]);
    }
  });

  it('no Open in ISC without a base URL; the link is built in one place', () => {
    expect(actionIds(compact(workItem(), { iscUiBaseUrl: undefined }))).not.toContain(ACTION.openInIsc);
    const open = buttons(compact()).find((b) => b.action_id === ACTION.openInIsc)!;
    expect(open.url).toBe(iscWorkItemUrl(`${ISC_UI}/`, '2c9180835d2e5168015d32f890ca1581'));
    expect(open.url).toBe(`${ISC_UI}/ui/d/work-items/2c9180835d2e5168015d32f890ca1581`);
  });

  it('ids that cannot travel in a button value get no action buttons', () => {
    const blocks = compact(workItem({ id: 'bad id/with spaces' }));
    expect(actionIds(blocks)).toEqual([ACTION.openInIsc]);
  });
});

describe('limits', () => {
  it('60 approval items: compact stays small, full fits one message and says how many are left', () => {
    const item = several(60);
    const c = compact(item);
    ok(c);
    expect(c.length).toBeLessThanOrEqual(COMPACT_CARD_MAX_BLOCKS);
    expect(mrkdwnTexts(c).join('\n')).toContain('and 59 more* (work item)');
    expect(mrkdwnTexts(c).join('\n')).toContain('60 lines: decide them all here, or each in *Details*');

    const detail = renderWorkItemDetail(item, opts);
    expect(validateMessage(detail)).toEqual([]);
    const shown = buttons(detail.blocks).filter((b) => b.action_id === ACTION.approve).length;
    expect(shown).toBeGreaterThan(3);
    expect(mrkdwnTexts(detail.blocks).join('\n')).toContain(`… and ${60 - shown} more approval items — use *Approve all* / *Reject all*`);
  });

  it('full mode in a modal-sized budget shows more approval items', () => {
    const blocks = full(several(60), { budget: { blocks: LIMITS.viewBlocks, chars: Infinity } });
    expect(validateBlocks(blocks, LIMITS.viewBlocks)).toEqual([]);
    expect(buttons(blocks).filter((b) => b.action_id === ACTION.approve).length).toBeGreaterThanOrEqual(40);
  });

  it('a 5,000-character description is cut: 160 in compact, ≤ 3000 in full', () => {
    const item = workItem({ description: 'x'.repeat(5000) });
    const c = compact(item);
    ok(c);
    expect(mrkdwnTexts(c)[0]).toContain(`${'x'.repeat(159)}…`);
    expect(mrkdwnTexts(c)[0]).not.toContain('x'.repeat(160));
    const f = full(item);
    ok(f);
    const desc = mrkdwnTexts(f).find((t) => t.startsWith('xxx'))!;
    expect(desc.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(desc.endsWith('…')).toBe(true);
  });

  it('200-character values in every field stay within every limit', () => {
    const long = (c: string) => c.repeat(200);
    const item = workItem({
      id: 'L'.repeat(128),
      name: long('N'),
      description: long('D'),
      requesterDisplayName: long('R'),
      ownerName: long('O'),
      approvalItems: Array.from({ length: 4 }, (_, i) =>
        approval(i, { id: `${i}${'A'.repeat(127)}`, application: long('P'), name: long('M'), operation: long('E'), value: long('V'), account: long('C') }),
      ),
      remediationItems: [{ applicationName: long('H'), attributeName: long('T'), attributeValue: long('U'), nativeIdentity: long('I') }],
      form: { title: long('F'), subtitle: long('S'), sections: [] },
      errors: [long('X'), long('Y'), long('Z')],
    });
    const subject = { subjectSlackUserId: 'U'.repeat(100) };
    for (const blocks of [compact(item, subject), full(item, subject)]) {
      expect(validateBlocks(blocks, LIMITS.messageBlocks)).toEqual([]);
      for (const b of buttons(blocks)) {
        expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
        if (b.value) expect(b.value.length).toBeLessThanOrEqual(LIMITS.buttonValue);
        if (b.confirm) expect(b.confirm.text.text.length).toBeLessThanOrEqual(LIMITS.confirmText);
      }
    }
    expect(validateMessage(renderWorkItemDetail(item, { ...opts, ...subject }))).toEqual([]);
  });

  it('block_ids are prefixed with the work item id, unique and ≤ 255', () => {
    const blocks = full(several(10));
    const ids = blocks.map((b) => b.block_id).filter(Boolean) as string[];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id.startsWith('2c9180835d2e5168015d32f890ca1581:'))).toBe(true);
    const huge = compact(workItem({ id: 'z'.repeat(400) }));
    expect(validateBlocks(huge, LIMITS.messageBlocks)).toEqual([]);
  });
});

describe('hostile mrkdwn from ISC', () => {
  const item = workItem({
    name: HOSTILE,
    description: HOSTILE,
    requesterDisplayName: HOSTILE,
    ownerName: HOSTILE,
    approvalItems: [approval(1, { application: HOSTILE, name: HOSTILE, value: HOSTILE, account: HOSTILE, operation: HOSTILE })],
    remediationItems: [{ applicationName: HOSTILE, attributeValue: HOSTILE, targetDisplayName: HOSTILE }],
    form: { title: HOSTILE, subtitle: HOSTILE },
    errors: [HOSTILE],
  });

  it.each(['compact', 'full'] as const)('renders as text in %s mode', (mode) => {
    const blocks = renderWorkItemCard(item, { ...opts, mode });
    const texts = mrkdwnTexts(blocks);
    for (const t of texts) for (const bad of FORBIDDEN) expect(t).not.toContain(bad);
    expect(texts.join('\n')).toContain('&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; *bold*');
    expect(texts.join('\n')).not.toContain('&amp;amp;');
  });

  it.each(['compact', 'full'] as const)('sets verbatim on every mrkdwn text in %s mode, so bare URLs and #channel names in ISC text stay text', (mode) => {
    const bare = workItem({ name: 'see https://evil.example #general', description: 'www.evil.example #general', approvalItems: [approval(1, { value: 'https://evil.example' })] });
    const blocks = renderWorkItemCard(bare, { ...opts, mode });
    expect(mrkdwnTexts(blocks).join('\n')).toContain('https://evil.example');
    expect(linkifiedMrkdwn(blocks)).toEqual([]);
  });

  it('the detail message text is escaped too', () => {
    const { text } = renderWorkItemDetail(item, opts);
    for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
  });
});

describe('time zones', () => {
  it('the same item has the same date token and zone-specific fallbacks', () => {
    const la = mrkdwnTexts(full(workItem(), { viewer: { tz: 'America/Los_Angeles', now: NOW } })).join('\n');
    const tokyo = mrkdwnTexts(full(workItem(), { viewer: { tz: 'Asia/Tokyo', now: NOW } })).join('\n');
    const token = `<!date^${Date.parse('2026-11-19T09:30:00Z') / 1000}^{date_short_pretty} {time}|`;
    expect(la).toContain(`${token}Nov 19, 2026 01:30 GMT-8>`);
    expect(tokyo).toContain(`${token}Nov 19, 2026 18:30 GMT+9>`);
    // The age badge of the lead sentence.
    expect(mrkdwnTexts(compact(workItem(), { viewer: { tz: 'Asia/Tokyo', now: NOW } }))[0]).toContain('waiting 3 days');
  });
});
