import type { ViewStateValues } from '../../src/blocks/modals';
import {
  ACCOUNT_FIELDS,
  FORWARD_FIELDS,
  readAccountSelection,
  renderAccountSelectionModal,
  renderForwardModal,
  renderLoadingModal,
  renderModalMessage,
  renderWorkItemModal,
} from '../../src/blocks/modals';
import { VIEW, type ModalMetadata } from '../../src/blocks/actions';
import { LIMITS, validateView } from '../../src/blocks/limits';
import type { FormItem } from '../../src/isc/types';
import { BROADCASTS_AND_LINKS, FORBIDDEN, HOSTILE, actionIds, approval, formItem, mrkdwnTexts, opts, workItem } from './fixtures';

const metadata: ModalMetadata = { w: 'form-1', r: `https://hooks.slack.com/actions/T0/1/${'x'.repeat(60)}` };
const withFields = (formItems: FormItem[]) => formItem({ form: { title: 'Accounts', sections: [{ formItems }] } });
const inputs = (blocks: Array<Record<string, any>>) => blocks.filter((b) => b.type === 'input');

describe('forward modal', () => {
  const view = renderForwardModal(workItem(), metadata);

  it('matches the snapshot and the limits', () => {
    expect(validateView(view)).toEqual([]);
    expect(view).toMatchSnapshot();
  });

  it('has a user picker, a required comment and a pre-checked notify box', () => {
    expect(view.callback_id).toBe(VIEW.forward);
    expect(JSON.parse(view.private_metadata!)).toEqual(metadata);
    const f = FORWARD_FIELDS;
    const [target, comment, notify] = inputs(view.blocks as any);
    expect(target).toMatchObject({ block_id: f.targetBlock, dispatch_action: true, element: { type: 'users_select', action_id: f.targetAction } });
    expect(comment).toMatchObject({ block_id: f.commentBlock, element: { type: 'plain_text_input', action_id: f.commentAction, multiline: true, max_length: 1000 } });
    expect(comment.optional).toBeUndefined();
    expect(notify).toMatchObject({ block_id: f.notifyBlock, optional: true, element: { type: 'checkboxes', action_id: f.notifyAction } });
    expect(notify.element.initial_options).toEqual(notify.element.options);
  });

  it('refuses metadata that Slack would not keep', () => {
    expect(() => renderForwardModal(workItem(), { ...metadata, r: 'x'.repeat(3000) })).toThrow(RangeError);
  });

  it('escapes ISC text', () => {
    const texts = mrkdwnTexts(renderForwardModal(workItem({ name: HOSTILE, ownerName: HOSTILE, requesterDisplayName: HOSTILE }), metadata).blocks);
    for (const t of texts) for (const bad of FORBIDDEN) expect(t).not.toContain(bad);
  });
});

describe('account selection modal', () => {
  it('matches the snapshot: a select for allowed values, a text input otherwise', () => {
    const view = renderAccountSelectionModal(formItem(), metadata);
    expect(validateView(view)).toEqual([]);
    expect(view.callback_id).toBe(VIEW.selectAccounts);
    const [account, justification] = inputs(view.blocks as any);
    expect(account.element.type).toBe('static_select');
    expect(account.optional).toBe(false);
    expect(justification.element).toMatchObject({ type: 'plain_text_input', initial_value: 'Needed for Q4' });
    expect(view).toMatchSnapshot();
  });

  it('40 fields with 150 allowed values each stay within limits', () => {
    const fields = Array.from({ length: 40 }, (_, i) => ({
      name: `field.${i}/${'n'.repeat(150)}`,
      label: 'L'.repeat(300),
      required: true,
      allowedValues: Array.from({ length: 150 }, (_, j) => ({ value: `v${j}-${'x'.repeat(100)}`, label: `Value ${j} ${'y'.repeat(100)}` })),
    }));
    const view = renderAccountSelectionModal(withFields(fields), metadata);
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    const select = inputs(view.blocks as any)[0].element;
    expect(select.options).toBeUndefined();
    expect(select.option_groups.map((g: any) => g.options.length)).toEqual([100, 50]);
  });

  it('readAccountSelection rebuilds { fieldName: value } for odd and long names', () => {
    const names = ['account', 'sel.ect:ed account/ñ 😀', 'n'.repeat(200)];
    const view = renderAccountSelectionModal(
      withFields(names.map((name, i) => ({ name, ...(i === 0 ? { allowedValues: ['a', 'b'] } : {}) }))),
      metadata,
    );
    const ids = inputs(view.blocks as any).map((b) => b.block_id as string);
    expect(ids.every((id) => id.length <= LIMITS.blockId)).toBe(true);
    const values: ViewStateValues = {
      intro: {},
      [ids[0]]: { [ACCOUNT_FIELDS.actionId]: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'b' }, value: 'b' } } },
      [ids[1]]: { [ACCOUNT_FIELDS.actionId]: { type: 'plain_text_input', value: 'jdoe' } },
      [ids[2]]: { [ACCOUNT_FIELDS.actionId]: { type: 'plain_text_input', value: null } },
    };
    expect(readAccountSelection(values)).toEqual({ account: 'b', [names[1]]: 'jdoe' });
  });

  it('keeps duplicate field names apart and pre-selects the current value', () => {
    const view = renderAccountSelectionModal(withFields([{ name: 'a', allowedValues: ['x', 'y'], value: 'y' }, { name: 'a' }]), metadata);
    const [first, second] = inputs(view.blocks as any);
    expect(first.block_id).not.toBe(second.block_id);
    expect(first.element.initial_option.value).toBe('y');
  });

  it.each([
    ['no fields', withFields([])],
    ['too many fields', withFields(Array.from({ length: 120 }, (_, i) => ({ name: `f${i}` })))],
    ['a field name longer than a block_id', withFields([{ name: 'n'.repeat(300) }])],
    ['a value longer than an option value', withFields([{ name: 'a', allowedValues: ['v'.repeat(151)] }])],
  ])('points to ISC instead of a partial form: %s', (_, item) => {
    const view = renderAccountSelectionModal(item, metadata);
    expect(view.submit).toBeUndefined();
    expect(view.callback_id).toBeUndefined();
    expect(mrkdwnTexts(view.blocks)[0]).toContain('Please complete this work item in ISC.');
    expect(validateView(view)).toEqual([]);
  });
});

describe('message and loading modals', () => {
  it('escape and clamp', () => {
    const view = renderModalMessage('A very long title that Slack would refuse', HOSTILE);
    expect(validateView(view)).toEqual([]);
    expect(view.title.text.length).toBeLessThanOrEqual(LIMITS.viewTitle);
    for (const bad of BROADCASTS_AND_LINKS) expect(mrkdwnTexts(view.blocks)[0]).not.toContain(bad);
    expect(mrkdwnTexts(renderModalMessage('Forward work item', 'Forwarded to <@U0BOB001>.').blocks)).toEqual(['Forwarded to <@U0BOB001>.']);
    expect(view).toMatchSnapshot();
  });

  it('loading', () => {
    const view = renderLoadingModal('Forward work item');
    expect(validateView(view)).toEqual([]);
    expect(view).toMatchSnapshot();
    expect(mrkdwnTexts(renderLoadingModal('Forward work item', 'Forwarding…').blocks)).toEqual(['⏳ Forwarding…']);
  });
});

describe('work item modal', () => {
  it('shows one item in full with live buttons, within the modal limits', () => {
    const item = workItem({ approvalItems: Array.from({ length: 60 }, (_, i) => approval(i + 1)), description: HOSTILE.repeat(200) });
    const view = renderWorkItemModal(item, opts);
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(actionIds(view.blocks)).toEqual(expect.arrayContaining(['wi_approve', 'wi_reject', 'wi_approve_all', 'wi_reject_all', 'wi_forward']));
    for (const text of mrkdwnTexts(view.blocks)) for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
  });
});
