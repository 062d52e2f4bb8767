import type { ViewOutput } from '@slack/bolt';
import type { InputBlock, KnownBlock, ModalView, PlainTextElement, PlainTextOption } from '@slack/types';
import type { AccountSelection, FormItem, WorkItem } from '../isc/types';
import { type ModalMetadata, VIEW } from './actions';
import { LIMITS, plain, section, VIEW_BUDGET } from './limits';
import { escapeKeepingMentions, escapeTruncate, plainTruncate, truncate } from './mrkdwn';
import type { CardOptions } from './types';
import { renderWorkItemCard, workItemTitle } from './workItemCard';

/** `view.state.values` of a submitted modal. */
export type ViewStateValues = ViewOutput['state']['values'];

/** Inputs of the Forward modal; the notify checkbox is ticked when its selected_options are not empty. */
export const FORWARD_FIELDS = {
  targetBlock: 'fwd_target',
  targetAction: 'fwd_target',
  commentBlock: 'fwd_comment',
  commentAction: 'fwd_comment',
  notifyBlock: 'fwd_notify',
  notifyAction: 'fwd_notify',
} as const;

export const FORWARD_COMMENT_MAX = 1000;

/**
 * Account-selection inputs: block_id `acct:<index>:<field name>` (the index keeps ids unique, the
 * name lets readAccountSelection rebuild the body without the work item), action_id constant.
 */
export const ACCOUNT_FIELDS = { blockPrefix: 'acct:', actionId: 'acct_value' } as const;

/** A form's title that names its item: "Forward: Add Reports Vie…" (Slack cuts titles at 24 characters). */
export function itemFormTitle(verb: string, itemTitle: string): string {
  return plainTruncate(`${verb}: ${itemTitle.replace(/\s+/g, ' ').trim()}`, LIMITS.viewTitle);
}

export function modal(title: string, blocks: KnownBlock[], extra: Partial<ModalView> = {}): ModalView {
  return { type: 'modal', title: plain(title, LIMITS.viewTitle), close: plain('Cancel', LIMITS.viewTitle), blocks, ...extra };
}

export function privateMetadata(metadata: object): string {
  const json = JSON.stringify(metadata);
  if (json.length > LIMITS.privateMetadata) throw new RangeError(`private_metadata is ${json.length} characters`);
  return json;
}

function intro(item: WorkItem): KnownBlock {
  const requester = escapeTruncate(item.requesterDisplayName ?? item.requesterId, 200, 'unknown');
  return section(`*${escapeTruncate(workItemTitle(item), 300)}*\nRequested by ${requester}`, 'intro');
}

/** A modal with just a message (refusals, results, errors); the text is escaped, user mentions kept. */
export function renderModalMessage(title: string, text: string): ModalView {
  const body = truncate(escapeKeepingMentions(text.trim() || '—'), LIMITS.sectionText);
  return modal(title, [section(body, 'message')], { close: plain('Close', LIMITS.viewTitle) });
}

/** Opened at once with the 3-second trigger_id, then replaced with views.update. */
export function renderLoadingModal(title: string, text = 'Loading…'): ModalView {
  return modal(title, [section(`⏳ ${escapeTruncate(text, 200)}`, 'loading')]);
}

export function renderForwardModal(item: WorkItem, metadata: ModalMetadata): ModalView {
  const f = FORWARD_FIELDS;
  const notify = { text: plain('Notify the new owner', LIMITS.optionText), value: 'notify' };
  const currentOwner = escapeTruncate(item.ownerName ?? item.ownerId, 200, 'unknown');
  const blocks: KnownBlock[] = [
    intro(item),
    section(`Currently owned by ${currentOwner}.`, 'owner_now'),
    {
      type: 'input',
      block_id: f.targetBlock,
      // Picking someone sends a block action, so the listener can look them up before submit.
      dispatch_action: true,
      label: plain('New owner', LIMITS.inputLabel),
      element: { type: 'users_select', action_id: f.targetAction, placeholder: plain('Choose a person', LIMITS.placeholder) },
    },
    {
      type: 'input',
      block_id: f.commentBlock,
      label: plain('Comment', LIMITS.inputLabel),
      hint: plain('Required by ISC; the new owner sees it.', LIMITS.hint),
      element: { type: 'plain_text_input', action_id: f.commentAction, multiline: true, max_length: FORWARD_COMMENT_MAX },
    },
    {
      type: 'input',
      block_id: f.notifyBlock,
      optional: true,
      label: plain('Notification', LIMITS.inputLabel),
      element: { type: 'checkboxes', action_id: f.notifyAction, options: [notify], initial_options: [notify] },
    },
  ];
  return modal(itemFormTitle('Forward', workItemTitle(item)), blocks, {
    callback_id: VIEW.forward,
    submit: plain('Forward', LIMITS.viewTitle),
    private_metadata: privateMetadata(metadata),
  });
}

interface Choice {
  value: string;
  text: string;
}

function choices(field: FormItem): Choice[] {
  const seen = new Set<string>();
  const out: Choice[] = [];
  for (const v of field.allowedValues ?? []) {
    const choice = typeof v === 'string' ? { value: v, text: v } : { value: v.value, text: v.label ?? v.displayName ?? v.value };
    if (typeof choice.value === 'string' && !seen.has(choice.value)) {
      seen.add(choice.value);
      out.push(choice);
    }
  }
  return out;
}

/** Beyond 100 values Slack needs option groups (at most 100 groups of 100). */
function optionGroups(options: PlainTextOption[]): Array<{ label: PlainTextElement; options: PlainTextOption[] }> {
  const size = LIMITS.selectOptions;
  return Array.from({ length: Math.ceil(options.length / size) }, (_, g) => {
    const chunk = options.slice(g * size, (g + 1) * size);
    return { label: plain(`Values ${g * size + 1}–${g * size + chunk.length}`, LIMITS.optionText), options: chunk };
  });
}

const accountBlockId = (index: number, name: string) => `${ACCOUNT_FIELDS.blockPrefix}${index}:${name}`;

function fieldInput(field: FormItem & { name: string }, index: number): InputBlock {
  const current = typeof field.value === 'string' || typeof field.value === 'number' ? String(field.value) : undefined;
  const options: PlainTextOption[] = choices(field).map((c) => ({ text: plain(c.text, LIMITS.optionText), value: c.value }));
  const initial = options.find((o) => o.value === current);
  const element: InputBlock['element'] = options.length
    ? {
        type: 'static_select',
        action_id: ACCOUNT_FIELDS.actionId,
        placeholder: plain('Choose…', LIMITS.placeholder),
        ...(options.length > LIMITS.selectOptions ? { option_groups: optionGroups(options) } : { options }),
        ...(initial ? { initial_option: initial } : {}),
      }
    : {
        type: 'plain_text_input',
        action_id: ACCOUNT_FIELDS.actionId,
        ...(current ? { initial_value: current.slice(0, LIMITS.text) } : {}),
      };
  return {
    type: 'input',
    block_id: accountBlockId(index, field.name),
    optional: !field.required,
    label: plain(field.label || field.name, LIMITS.inputLabel),
    element,
  };
}

/** Why a form cannot be shown in Slack, or undefined when it can. */
function unsupported(fields: Array<FormItem & { name: string }>, room: number): string | undefined {
  if (fields.length === 0) return 'This form has no fields Slack can show.';
  if (fields.length > room) return `This form has ${fields.length} fields, more than Slack can show (${room}).`;
  if (fields.some((f, i) => accountBlockId(i, f.name).length > LIMITS.blockId)) {
    return 'This form has a field name too long for Slack.';
  }
  const values = fields.flatMap(choices);
  if (values.some((c) => c.value.length > LIMITS.optionValue)) return 'This form has a value too long for Slack.';
  if (fields.some((f) => choices(f).length > LIMITS.selectOptions * LIMITS.optionGroups)) return 'This form has too many values for Slack.';
  return undefined;
}

/**
 * One input per form field (a select when ISC lists allowed values). Forms Slack cannot represent
 * faithfully get a message pointing to ISC instead of a partial form.
 */
export function renderAccountSelectionModal(item: WorkItem, metadata: ModalMetadata): ModalView {
  const form = item.form;
  const fields = (form?.sections ?? [])
    .flatMap((s) => s.formItems ?? [])
    .filter((f): f is FormItem & { name: string } => typeof f.name === 'string' && f.name.length > 0);
  const head: KnownBlock[] = [intro(item)];
  const formTitle = [escapeTruncate(form?.title, 300), escapeTruncate(form?.subtitle, 1000)].filter(Boolean).join('\n');
  if (formTitle) head.push(section(formTitle, 'form_title'));
  const problem = unsupported(fields, LIMITS.viewBlocks - head.length);
  if (problem) return renderModalMessage('Select accounts', `${problem} Please complete this work item in ISC.`);
  // A form of one field needs it, whatever ISC's definition says: submitting it empty would select nothing.
  return modal(itemFormTitle('Accounts', workItemTitle(item)), [...head, ...fields.map((f, i) => fieldInput(fields.length === 1 ? { ...f, required: true } : f, i))], {
    callback_id: VIEW.selectAccounts,
    submit: plain('Submit', LIMITS.viewTitle),
    private_metadata: privateMetadata(metadata),
  });
}

/** Rebuilds ISC's `{ fieldName: value }` body from a submitted account-selection modal; empty fields are left out. */
export function readAccountSelection(values: ViewStateValues): AccountSelection {
  const selection: AccountSelection = {};
  for (const [blockId, actions] of Object.entries(values)) {
    if (!blockId.startsWith(ACCOUNT_FIELDS.blockPrefix)) continue;
    const rest = blockId.slice(ACCOUNT_FIELDS.blockPrefix.length);
    const name = rest.slice(rest.indexOf(':') + 1);
    const state = actions[ACCOUNT_FIELDS.actionId];
    const value = state?.selected_option?.value ?? state?.value;
    if (name && value) selection[name] = value;
  }
  return selection;
}

/** One work item in full as a modal (Details from the Home tab), with its buttons live. */
export function renderWorkItemModal(item: WorkItem, opts: CardOptions): ModalView {
  return modal('Work item', renderWorkItemCard(item, { ...opts, mode: 'full', budget: VIEW_BUDGET }), { close: plain('Close', LIMITS.viewTitle) });
}
