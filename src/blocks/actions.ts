// The contract between the Block Kit builders and the Bolt listeners: action ids, callback ids and
// the compact JSON carried in button values and modal private_metadata.

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
  pageNext: 'wi_page_next',
  pagePrev: 'wi_page_prev',
  refresh: 'wi_refresh',
  /** The link button of `/workitems connect` (ISC's sign-in page). */
  connect: 'account_connect',
  /** ISC task buttons (admins only); their value is the task id. */
  taskDetails: 'task_details',
  taskTerminate: 'task_terminate',
} as const;

export const VIEW = {
  forward: 'wi_forward_modal',
  selectAccounts: 'wi_select_accounts_modal',
} as const;

/** Value of every work-item button. Short keys keep it far below Slack's 2000-character limit. */
export interface ItemActionValue {
  /** Work item id. */
  w: string;
  /** Approval item id (approve / reject of one approval item). */
  a?: string;
  /** Slack user whose items are shown, when an admin acts for someone else. */
  u?: string;
  /** The list the card was shown in (kind and offset), so it is redrawn on the same page. */
  k?: 'pending' | 'completed';
  o?: number;
}

/** Value of Next / Previous / Refresh buttons. */
export interface PageActionValue {
  k: 'pending' | 'completed';
  o: number;
  u?: string;
}

export function encodeValue(value: ItemActionValue | PageActionValue): string {
  return JSON.stringify(value);
}

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Whether an id can travel in a button value (the builders offer no buttons for ids that could not). */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** Parses a work-item button value; undefined when it is malformed (never trust the payload). */
export function decodeItemValue(raw: string | undefined): ItemActionValue | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<ItemActionValue>;
    if (typeof v.w !== 'string' || !ID.test(v.w)) return undefined;
    if (v.a !== undefined && (typeof v.a !== 'string' || !ID.test(v.a))) return undefined;
    if (v.u !== undefined && (typeof v.u !== 'string' || !ID.test(v.u))) return undefined;
    if (v.k !== undefined && v.k !== 'pending' && v.k !== 'completed') return undefined;
    if (v.o !== undefined && (typeof v.o !== 'number' || !Number.isInteger(v.o) || v.o < 0)) return undefined;
    return { w: v.w, ...(v.a ? { a: v.a } : {}), ...(v.u ? { u: v.u } : {}), ...(v.k ? { k: v.k, o: v.o ?? 0 } : {}) };
  } catch {
    return undefined;
  }
}

export function decodePageValue(raw: string | undefined): PageActionValue | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<PageActionValue>;
    if (v.k !== 'pending' && v.k !== 'completed') return undefined;
    if (typeof v.o !== 'number' || !Number.isInteger(v.o) || v.o < 0) return undefined;
    if (v.u !== undefined && (typeof v.u !== 'string' || !ID.test(v.u))) return undefined;
    return { k: v.k, o: v.o, ...(v.u ? { u: v.u } : {}) };
  } catch {
    return undefined;
  }
}

/** private_metadata of the Forward and Select-accounts modals: where the card lives, to update it after submit. */
export interface ModalMetadata {
  w: string;
  u?: string;
  /** Channel and ts of the message holding the card (absent for the Home tab / ephemeral). */
  c?: string;
  t?: string;
  /** response_url of an ephemeral card, so it can be replaced after submit. */
  r?: string;
  /** true when opened from the Home tab. */
  h?: boolean;
  /** The list the card was shown in (from ItemActionValue), so it is redrawn on the same page. */
  k?: 'pending' | 'completed';
  o?: number;
}
