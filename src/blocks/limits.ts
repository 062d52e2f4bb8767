import type {
  ActionsBlock,
  AnyBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
  View,
} from '@slack/types';
import { plainTruncate, truncate } from './mrkdwn';

/** Block Kit limits (Slack API reference), all in characters unless named otherwise. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  text: 3000,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  callbackId: 255,
  privateMetadata: 3000,
  viewTitle: 24,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  contextElements: 10,
  actionElements: 25,
  selectOptions: 100,
  optionGroups: 100,
  optionText: 75,
  optionValue: 150,
  checkboxOptions: 10,
  inputLabel: 2000,
  hint: 2000,
  placeholder: 150,
  accessibilityLabel: 75,
  /**
   * Slack refuses messages whose blocks are "too long" (`msg_blocks_too_long`, observed at ~13.2k
   * characters, undocumented); the JSON length of the blocks, kept under this, is a safe measure.
   */
  messageChars: 12000,
} as const;

/** How much a list of blocks may hold: a block count and a JSON length. */
export interface Budget {
  blocks: number;
  chars: number;
}

export const MESSAGE_BUDGET: Budget = { blocks: LIMITS.messageBlocks, chars: LIMITS.messageChars };
export const VIEW_BUDGET: Budget = { blocks: LIMITS.viewBlocks, chars: Number.POSITIVE_INFINITY };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const textOf = (v: unknown): string | undefined => (isObject(v) ? str(v.text) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

class Checker {
  readonly violations: string[] = [];

  max(path: string, value: string | undefined, max: number, required = false): void {
    if (value === undefined) {
      if (required) this.violations.push(`${path}: missing`);
    } else if (value.length > max) {
      this.violations.push(`${path}: ${value.length} characters > ${max}`);
    } else if (required && value.length === 0) {
      this.violations.push(`${path}: empty`);
    }
  }

  count(path: string, items: unknown[], max: number): void {
    if (items.length > max) this.violations.push(`${path}: ${items.length} items > ${max}`);
  }

  confirm(path: string, c: unknown): void {
    if (!isObject(c)) return;
    this.max(`${path}.title`, textOf(c.title), LIMITS.confirmTitle);
    this.max(`${path}.text`, textOf(c.text), LIMITS.confirmText, true);
    this.max(`${path}.confirm`, textOf(c.confirm), LIMITS.confirmButton);
    this.max(`${path}.deny`, textOf(c.deny), LIMITS.confirmButton);
  }

  options(path: string, options: unknown[], max: number): void {
    this.count(path, options, max);
    options.forEach((o, i) => {
      const option = isObject(o) ? o : {};
      this.max(`${path}[${i}].text`, textOf(option.text), LIMITS.optionText, true);
      this.max(`${path}[${i}].value`, str(option.value), LIMITS.optionValue);
    });
  }

  element(path: string, e: unknown): void {
    if (!isObject(e)) return;
    this.max(`${path}.action_id`, str(e.action_id), LIMITS.actionId);
    this.max(`${path}.placeholder`, textOf(e.placeholder), LIMITS.placeholder);
    this.confirm(`${path}.confirm`, e.confirm);
    switch (e.type) {
      case 'button':
        this.max(`${path}.text`, textOf(e.text), LIMITS.buttonText, true);
        this.max(`${path}.value`, str(e.value), LIMITS.buttonValue);
        this.max(`${path}.url`, str(e.url), LIMITS.url);
        this.max(`${path}.accessibility_label`, str(e.accessibility_label), LIMITS.accessibilityLabel);
        break;
      case 'static_select':
        this.options(`${path}.options`, list(e.options), LIMITS.selectOptions);
        this.count(`${path}.option_groups`, list(e.option_groups), LIMITS.optionGroups);
        list(e.option_groups).forEach((g, i) =>
          this.options(`${path}.option_groups[${i}].options`, list(isObject(g) ? g.options : []), LIMITS.selectOptions),
        );
        break;
      case 'checkboxes':
      case 'radio_buttons':
        this.options(`${path}.options`, list(e.options), LIMITS.checkboxOptions);
        break;
      case 'plain_text_input':
        this.max(`${path}.initial_value`, str(e.initial_value), LIMITS.text);
        break;
    }
  }

  block(path: string, b: unknown): void {
    if (!isObject(b)) return;
    switch (b.type) {
      case 'section': {
        const fields = list(b.fields);
        if (b.text === undefined && fields.length === 0) this.violations.push(`${path}: needs text or fields`);
        if (b.text !== undefined) this.max(`${path}.text`, textOf(b.text), LIMITS.sectionText, true);
        this.count(`${path}.fields`, fields, LIMITS.fields);
        fields.forEach((f, i) => this.max(`${path}.fields[${i}]`, textOf(f), LIMITS.field, true));
        this.element(`${path}.accessory`, b.accessory);
        break;
      }
      case 'header':
        this.max(`${path}.text`, textOf(b.text), LIMITS.header, true);
        break;
      case 'context': {
        const elements = list(b.elements);
        this.count(`${path}.elements`, elements, LIMITS.contextElements);
        elements.forEach((e, i) => this.max(`${path}.elements[${i}]`, textOf(e), LIMITS.text));
        break;
      }
      case 'actions': {
        const elements = list(b.elements);
        this.count(`${path}.elements`, elements, LIMITS.actionElements);
        elements.forEach((e, i) => this.element(`${path}.elements[${i}]`, e));
        const ids = elements.map((e) => (isObject(e) ? e.action_id : undefined)).filter((id) => id !== undefined);
        if (new Set(ids).size !== ids.length) this.violations.push(`${path}: duplicate action_id in one block`);
        break;
      }
      case 'input':
        this.max(`${path}.label`, textOf(b.label), LIMITS.inputLabel, true);
        this.max(`${path}.hint`, textOf(b.hint), LIMITS.hint);
        this.element(`${path}.element`, b.element);
        break;
    }
  }
}

/**
 * Every Block Kit limit this bot can hit, checked recursively: block count, unique block_ids, text
 * lengths, element counts, buttons, confirm dialogs, selects. Returns the violations (empty = valid).
 */
export function validateBlocks(blocks: readonly AnyBlock[], max: number): string[] {
  const c = new Checker();
  c.count('blocks', [...blocks], max);
  const seen = new Set<string>();
  blocks.forEach((block, i) => {
    const id = block.block_id;
    if (id !== undefined) {
      c.max(`blocks[${i}].block_id`, id, LIMITS.blockId);
      if (seen.has(id)) c.violations.push(`blocks[${i}].block_id: duplicate "${id}"`);
      seen.add(id);
    }
    c.block(`blocks[${i}]`, block);
  });
  return c.violations;
}

/** A message (ephemeral, DM, chat.update): a top-level text for notifications and ≤ 50 blocks of bounded size. */
export function validateMessage(message: { text: string; blocks: readonly AnyBlock[] }): string[] {
  const violations = validateBlocks(message.blocks, LIMITS.messageBlocks);
  if (!message.text.trim()) violations.push('text: empty');
  const chars = JSON.stringify(message.blocks).length;
  if (chars > LIMITS.messageChars) violations.push(`blocks: ${chars} JSON characters > ${LIMITS.messageChars}`);
  return violations;
}

/** A modal or Home tab: ≤ 100 blocks, title/submit/close, callback_id and private_metadata lengths. */
export function validateView(view: View): string[] {
  const c = new Checker();
  if (view.type === 'modal') {
    c.max('title', view.title.text, LIMITS.viewTitle, true);
    c.max('submit', view.submit?.text, LIMITS.viewTitle);
    c.max('close', view.close?.text, LIMITS.viewTitle);
  }
  c.max('callback_id', view.callback_id, LIMITS.callbackId);
  c.max('private_metadata', view.private_metadata, LIMITS.privateMetadata);
  return [...c.violations, ...validateBlocks(view.blocks, LIMITS.viewBlocks)];
}

// Limit-safe constructors: every text is clamped here, so the builders cannot exceed a limit by accident.

export function plain(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: plainTruncate(text, max) };
}

/**
 * A mrkdwn text object (already escaped), clamped to `max`. `verbatim: true` stops Slack from turning
 * bare URLs and #channel names (in ISC text) into links; explicit `<@U…>`, `<#C…>` and `<!date…>`
 * tokens, which only the bot writes, still work.
 */
export function mrkdwn(text: string, max: number = LIMITS.text): MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(text, max), verbatim: true };
}

/** A section with mrkdwn text (already escaped), clamped to 3000. */
export function section(text: string, blockId?: string): SectionBlock {
  return { type: 'section', ...(blockId ? { block_id: blockId } : {}), text: mrkdwn(text, LIMITS.sectionText) };
}

export function header(text: string, blockId?: string): HeaderBlock {
  return { type: 'header', ...(blockId ? { block_id: blockId } : {}), text: plain(text, LIMITS.header) };
}

/** A context block with one mrkdwn element (already escaped). */
export function contextBlock(text: string, blockId?: string): ContextBlock {
  return { type: 'context', ...(blockId ? { block_id: blockId } : {}), elements: [mrkdwn(text)] };
}

/** A section field: a bold label over its value (already escaped). */
export function field(label: string, value: string): MrkdwnElement {
  return mrkdwn(`*${label}*\n${value}`, LIMITS.field);
}

export function actionsBlock(elements: Button[], blockId?: string): ActionsBlock {
  return { type: 'actions', ...(blockId ? { block_id: blockId } : {}), elements: elements.slice(0, LIMITS.actionElements) };
}

export const divider = (): DividerBlock => ({ type: 'divider' });

export interface ConfirmSpec {
  title: string;
  text: string;
  confirm: string;
  deny?: string;
  style?: 'primary' | 'danger';
}

export function confirmDialog(spec: ConfirmSpec): ConfirmationDialog {
  return {
    title: plain(spec.title, LIMITS.confirmTitle),
    text: plain(spec.text, LIMITS.confirmText),
    confirm: plain(spec.confirm, LIMITS.confirmButton),
    // Slack's own deny button says "Cancel"; leaving it out keeps a list of cards within its size.
    ...(spec.deny ? { deny: plain(spec.deny, LIMITS.confirmButton) } : {}),
    ...(spec.style ? { style: spec.style } : {}),
  };
}

export interface ButtonSpec {
  actionId: string;
  text: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmSpec;
}

/** A button; a value or url that would not fit is a programming error, not something to cut. */
export function button(spec: ButtonSpec): Button {
  if ((spec.value?.length ?? 0) > LIMITS.buttonValue || (spec.url?.length ?? 0) > LIMITS.url) {
    throw new RangeError(`button ${spec.actionId}: value or url too long`);
  }
  return {
    type: 'button',
    action_id: spec.actionId,
    text: plain(spec.text, LIMITS.buttonText),
    ...(spec.value !== undefined ? { value: spec.value } : {}),
    ...(spec.url !== undefined ? { url: spec.url } : {}),
    ...(spec.style ? { style: spec.style } : {}),
    ...(spec.confirm ? { confirm: confirmDialog(spec.confirm) } : {}),
  };
}

const jsonLength = (block: KnownBlock): number => JSON.stringify(block).length + 1;

/**
 * Keeps whole groups (cards, approval items) while they fit the budget; when some do not, appends
 * a context block with `moreText(hidden)`. Returns the blocks and how many groups were kept.
 */
export function fitBlocks(
  groups: readonly KnownBlock[][],
  budget: Budget,
  moreText: (hidden: number) => string,
): { blocks: KnownBlock[]; shown: number } {
  const all = groups.flat();
  if (all.length <= budget.blocks && JSON.stringify(all).length <= budget.chars) {
    return { blocks: all, shown: groups.length };
  }
  const blocks: KnownBlock[] = [];
  let chars = 2 + jsonLength(contextBlock(moreText(groups.length)));
  let shown = 0;
  for (const group of groups) {
    const size = group.reduce((sum, b) => sum + jsonLength(b), 0);
    if (blocks.length + group.length + 1 > budget.blocks || chars + size > budget.chars) break;
    blocks.push(...group);
    chars += size;
    shown++;
  }
  blocks.push(contextBlock(moreText(groups.length - shown)));
  return { blocks, shown };
}
