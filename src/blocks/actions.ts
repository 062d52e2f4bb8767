// The contract between the Block Kit builders and the Bolt listeners: action ids, callback ids and
// the compact JSON carried in button values and modal private_metadata.
import type { InboxKind } from '../inbox/items';

export const ACTION = {
  approve: 'wi_approve',
  reject: 'wi_reject',
  approveAll: 'wi_approve_all',
  rejectAll: 'wi_reject_all',
  complete: 'wi_complete',
  forward: 'wi_forward',
  selectAccounts: 'wi_select_accounts',
  openInIsc: 'wi_open_in_isc',
  details: 'wi_details',
  /** A card's overflow menu; each option's value is `actionId|buttonValue` (see SlackRouter). */
  more: 'wi_more',
  /** Reads a kind of the inbox that failed to load again (its value is a page value). */
  retry: 'wi_retry',
  pageNext: 'wi_page_next',
  pagePrev: 'wi_page_prev',
  refresh: 'wi_refresh',
  /** The link button of `/workitems connect` (ISC's sign-in page). */
  connect: 'account_connect',
  /** ISC task buttons (admins only); their value is the task id. */
  taskDetails: 'task_details',
  taskTerminate: 'task_terminate',
} as const;

/** Buttons of an access-request approval card; their value is an ApprovalActionValue. */
export const AR_ACTION = {
  approve: 'ar_approve',
  /** Opens the decision form with a comment (approve). */
  approveWithComment: 'ar_approve_comment',
  /** Opens the decision form (reject, with the reason). */
  reject: 'ar_reject',
  forward: 'ar_forward',
  details: 'ar_details',
  more: 'ar_more',
} as const;

/** Buttons of a generic approval card; their value is an ApprovalActionValue. */
export const GA_ACTION = {
  /** Decides at once, or opens the decision form when the approval requires a comment to approve. */
  approve: 'ga_approve',
  /** Opens the decision form: shown instead of Approve when the approval requires a comment to approve. */
  approveWithComment: 'ga_approve_comment',
  reject: 'ga_reject',
  reassign: 'ga_reassign',
  comment: 'ga_comment',
  details: 'ga_details',
  more: 'ga_more',
} as const;

export const VIEW = {
  forward: 'wi_forward_modal',
  selectAccounts: 'wi_select_accounts_modal',
  /** Approve with a comment, or reject with the reason, of an access request. */
  arDecide: 'ar_decide_modal',
  arForward: 'ar_forward_modal',
  gaDecide: 'ga_decide_modal',
  gaReassign: 'ga_reassign_modal',
  gaComment: 'ga_comment_modal',
} as const;

/** A section of the inbox as button values name it. */
const SECTION_CODES: Record<InboxKind, string> = { workItem: 'w', accessRequest: 'a', generic: 'g' };
const SECTION_BY_CODE = new Map(Object.entries(SECTION_CODES).map(([kind, code]) => [code, kind as InboxKind]));

/**
 * Where a list page starts: the pending inbox at a section and an offset within it (work items when
 * no section is named), or the completed work items at an offset.
 */
export interface ListPosition {
  kind: 'pending' | 'completed';
  offset: number;
  section?: InboxKind;
}

/** The list part of a button value: `k`, `o` and, inside the inbox's approval sections, `s`. */
interface ListValue {
  k?: 'pending' | 'completed';
  o?: number;
  s?: string;
}

/** Value of every work-item button. Short keys keep it far below Slack's 2000-character limit. */
export interface ItemActionValue extends ListValue {
  /** Work item id. */
  w: string;
  /** Approval item id (approve / reject of one approval item). */
  a?: string;
  /** Slack user whose items are shown, when an admin acts for someone else. */
  u?: string;
}

/** Value of every access-request and generic approval button. */
export interface ApprovalActionValue extends ListValue {
  /** The approval id. */
  i: string;
  u?: string;
}

/** Value of Next / Previous / Refresh buttons. */
export interface PageActionValue {
  k: 'pending' | 'completed';
  o: number;
  s?: string;
  u?: string;
}

/**
 * A card button's value, compact: `w=<id>&a=<id>&k=p&o=10&u=<user>` (`k` p for pending, c for
 * completed). Not JSON: a JSON value is escaped again inside the message's JSON (every quote costs
 * two characters), and ten cards' values would not leave room for ten cards in Slack's 12 000
 * characters. Ids are checked by isValidId, so they never hold `&` or `=`. Old JSON values still decode.
 */
export function encodeValue(value: ItemActionValue | ApprovalActionValue): string {
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => `${key}=${key === 'k' ? String(v)[0] : String(v)}`)
    .join('&');
}

/** The list part of a card's button values (nothing for a card shown on its own). */
export function listValue(list: ListPosition | undefined): ListValue {
  if (!list) return {};
  const s = list.kind === 'pending' && list.section && list.section !== 'workItem' ? { s: SECTION_CODES[list.section] } : {};
  // An offset of 0 is left out (decodeList reads none as 0): ten cards' values fit one message.
  return { k: list.kind, ...(list.offset ? { o: list.offset } : {}), ...s };
}

/** The value of a paging button that starts a page at `list`. */
export function pageValue(list: ListPosition, subjectSlackUserId?: string): string {
  // JSON: three per message, so the compact form would save little.
  return JSON.stringify({ ...(listValue(list) as PageActionValue), ...(subjectSlackUserId ? { u: subjectSlackUserId } : {}) });
}

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Whether an id can travel in a button value (the builders offer no buttons for ids that could not). */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

const optionalId = (v: unknown) => v === undefined || isValidId(v);
const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The list position a value names; undefined when it names none; null when it is malformed. */
function decodeList(v: Partial<ListValue>): ListPosition | undefined | null {
  if (v.k === undefined) return v.s === undefined ? undefined : null;
  if (v.k !== 'pending' && v.k !== 'completed') return null;
  if (v.o !== undefined && !isOffset(v.o)) return null;
  const section = v.s === undefined ? undefined : SECTION_BY_CODE.get(v.s);
  if (v.s !== undefined && (!section || v.k !== 'pending')) return null;
  return { kind: v.k, offset: v.o ?? 0, ...(section ? { section } : {}) };
}

/** The keys a compact value may carry (encodeValue). */
const COMPACT_KEYS = new Set(['w', 'a', 'i', 'k', 'o', 's', 'u']);

/** A compact value's fields; undefined when it is malformed (an unknown or repeated key, a bad offset). */
function parseCompact(raw: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const pair of raw.split('&')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const v = pair.slice(eq + 1);
    if (eq <= 0 || !COMPACT_KEYS.has(key) || key in out) return undefined;
    if (key === 'o' && !/^\d{1,9}$/.test(v)) return undefined;
    out[key] = key === 'o' ? Number(v) : key === 'k' ? ({ p: 'pending', c: 'completed' } as Record<string, string>)[v] ?? v : v;
  }
  return out;
}

function parse<T>(raw: string | undefined): Partial<T> | undefined {
  if (raw && !raw.startsWith('{')) return parseCompact(raw) as Partial<T> | undefined;
  try {
    const v: unknown = JSON.parse(raw ?? '');
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}

/** A decoded button value: the item, the subject an admin looks at, and the list the card was shown in. */
export type Decoded<V> = Omit<V, keyof ListValue> & { list?: ListPosition };

/** Parses a work-item button value; undefined when it is malformed (never trust the payload). */
export function decodeItemValue(raw: string | undefined): Decoded<ItemActionValue> | undefined {
  const v = parse<ItemActionValue>(raw);
  if (!v || !isValidId(v.w) || !optionalId(v.a) || !optionalId(v.u)) return undefined;
  const list = decodeList(v);
  if (list === null) return undefined;
  return { w: v.w, ...(v.a ? { a: v.a } : {}), ...(v.u ? { u: v.u } : {}), ...(list ? { list } : {}) };
}

/** Parses an approval button value (either kind); undefined when it is malformed. */
export function decodeApprovalValue(raw: string | undefined): Decoded<ApprovalActionValue> | undefined {
  const v = parse<ApprovalActionValue>(raw);
  if (!v || !isValidId(v.i) || !optionalId(v.u)) return undefined;
  const list = decodeList(v);
  if (list === null || list?.kind === 'completed') return undefined;
  return { i: v.i, ...(v.u ? { u: v.u } : {}), ...(list ? { list } : {}) };
}

export function decodePageValue(raw: string | undefined): { list: ListPosition; u?: string } | undefined {
  const v = parse<PageActionValue>(raw);
  // No offset is the first page (listValue leaves an offset of 0 out).
  if (!v || (v.o !== undefined && !isOffset(v.o)) || !optionalId(v.u)) return undefined;
  const list = decodeList(v);
  if (!list) return undefined;
  return { list, ...(v.u ? { u: v.u } : {}) };
}

/**
 * private_metadata of the modals opened from a card: the item (`w` a work item, `i` an approval),
 * where the card lives, to update it after submit.
 */
export interface ModalMetadata extends ListValue {
  w?: string;
  i?: string;
  u?: string;
  /** response_url of an ephemeral card, so it can be replaced after submit. */
  r?: string;
  /** true when opened from the Home tab. */
  h?: boolean;
  /** The decision forms: approve (with a comment) or reject. */
  v?: 'approve' | 'reject';
  /** The comment is required (ISC refuses the decision without one). */
  q?: boolean;
}

/** Parses a modal's private_metadata; undefined when it is malformed or names no valid item. */
export type FormMetadata = Decoded<ModalMetadata>;

export function decodeModalMetadata(raw: string | undefined): FormMetadata | undefined {
  const v = parse<ModalMetadata>(raw);
  if (!v || (v.w === undefined) === (v.i === undefined) || !optionalId(v.w) || !optionalId(v.i) || !optionalId(v.u)) return undefined;
  if ((v.r !== undefined && typeof v.r !== 'string') || (v.v !== undefined && v.v !== 'approve' && v.v !== 'reject')) return undefined;
  const list = decodeList(v);
  if (list === null) return undefined;
  return {
    ...(v.w ? { w: v.w } : { i: v.i }),
    ...(v.u ? { u: v.u } : {}),
    ...(v.r ? { r: v.r } : {}),
    ...(v.h === true ? { h: true } : {}),
    ...(v.v ? { v: v.v } : {}),
    ...(v.q === true ? { q: true } : {}),
    ...(list ? { list } : {}),
  };
}
