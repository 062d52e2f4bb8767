import type { AnyBlock } from '@slack/types';
import type { ApprovalItemDetails, WorkItem } from '../../src/isc/types';
import type { CardOptions, Viewer } from '../../src/blocks/types';
import type { AccessRequestApproval } from '../../src/approvals/accessRequestApproval';
import type { AnyInboxSection, InboxItem, InboxKind, InboxPage, InboxPosition } from '../../src/inbox/inbox';
import { byUrgency } from '../../src/home/filters';
import { SHARED_VALUE_PREFIX } from '../../src/blocks/cardParts';
import type { SectionFailure } from '../../src/isc/errors';
import type { Approval, PendingApproval, SodViolationContext } from '../../src/isc/types';

export const NOW = new Date('2026-11-22T13:00:00Z');
export const viewer: Viewer = { tz: 'Europe/Paris', now: NOW };
export const ISC_UI = 'https://acme.identitynow.com';
export const opts: CardOptions = { viewer, iscUiBaseUrl: ISC_UI };

export const HOSTILE = '<!channel> <@U123> <https://evil.example|click> & *bold*';
/** Broadcasts and links: never live in any text built from ISC data. */
export const BROADCASTS_AND_LINKS = ['<!channel>', '<https://evil', '<!here>', '<!everyone>'];
/** Nothing of ISC's may be live in a card, not even a user mention. */
export const FORBIDDEN = [...BROADCASTS_AND_LINKS, '<@U123>'];

export function approval(n: number, extra: Partial<ApprovalItemDetails> = {}): ApprovalItemDetails {
  return {
    id: `ai-${n}`,
    application: 'Active Directory',
    name: 'memberOf',
    operation: 'Add',
    value: `CN=Group ${n},OU=Groups,DC=acme,DC=com`,
    account: 'jdoe',
    state: 'Pending',
    ...extra,
  };
}

export function workItem(extra: Partial<WorkItem> = {}): WorkItem {
  return {
    id: '2c9180835d2e5168015d32f890ca1581',
    name: 'Access request for Jane Doe',
    type: 'Approval',
    state: 'Pending',
    requesterId: '2c91808a77ff216301782327a50f09bf',
    requesterDisplayName: 'Jane Doe',
    ownerId: '2c91808a77ff216301782327a50f09e1',
    ownerName: 'Bob Smith',
    created: '2026-11-19T09:30:00Z',
    modified: '2026-11-19T09:30:00Z',
    description: 'Jane needs to manage the deployment groups for the Q4 release.',
    approvalItems: [approval(1)],
    remediationItems: null,
    form: null,
    errors: [],
    ...extra,
  };
}

export const manualAction = (extra: Partial<WorkItem> = {}): WorkItem =>
  workItem({
    id: 'manual-1',
    name: 'Remove access on the HR mainframe',
    type: 'ManualAction',
    description: 'Provisioning to a disconnected source: remove the account by hand, then mark this complete.',
    approvalItems: null,
    remediationItems: [
      {
        id: 'rem-1',
        applicationName: 'HR Mainframe',
        attributeName: 'role',
        attributeOperation: 'Remove',
        attributeValue: 'PAYROLL_ADMIN',
        nativeIdentity: 'JDOE01',
        targetDisplayName: 'Jane Doe',
      },
    ],
    ...extra,
  });

export const formItem = (extra: Partial<WorkItem> = {}): WorkItem =>
  workItem({
    id: 'form-1',
    name: 'Select an account for Jane Doe',
    type: 'Form',
    approvalItems: null,
    description: 'Jane has several accounts on Active Directory; choose the one to provision.',
    form: {
      id: 'f-1',
      name: 'account-selection',
      title: 'Account selection',
      subtitle: 'Choose the account that receives the new access',
      sections: [
        {
          name: 's1',
          label: 'Accounts',
          formItems: [
            { name: 'account', label: 'Account', type: 'select', required: true, allowedValues: ['jdoe', 'jdoe-admin', { value: 'jd2', label: 'Jane Doe (test)' }] },
            { name: 'justification', label: 'Justification', type: 'text', required: false, value: 'Needed for Q4' },
          ],
        },
      ],
    },
    ...extra,
  });

/** Every mrkdwn text in blocks (and nested elements, confirm dialogs, fields). */
export function mrkdwnTexts(blocks: readonly AnyBlock[] | unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

/** Every mrkdwn text object in blocks that Slack would auto-link (no `verbatim: true`): bare URLs and #channel names in ISC text would turn live. */
export function linkifiedMrkdwn(blocks: unknown): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && o.verbatim !== true) out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

/** Every button in blocks. */
/**
 * The buttons among the blocks, an overflow menu's options among them as the buttons they stand for
 * (`actionId|value`, or `actionId` with the value its actions block's id carries, as the router
 * dispatches them), marked `overflow: true`.
 */
export function buttons(blocks: readonly AnyBlock[]): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  const add = (e: Record<string, any>, blockId?: string) => {
    if (e?.type === 'button') out.push(withSharedValue(e, blockId));
    if (e?.type === 'overflow') out.push(...overflowButtons(e, blockId));
  };
  for (const b of blocks as unknown as Array<Record<string, any>>) {
    for (const e of b.elements ?? []) add(e, b.block_id);
    add(b.accessory, b.block_id);
  }
  return out;
}

/** A card's button without a value of its own, with the one its block's id carries (as the router gives it). */
export function withSharedValue(e: Record<string, any>, blockId?: string): Record<string, any> {
  return e.type === 'button' && e.value === undefined && !e.url && blockId?.startsWith(SHARED_VALUE_PREFIX) ? { ...e, value: blockId.slice(SHARED_VALUE_PREFIX.length) } : e;
}

/** An overflow menu's options as the buttons they stand for (`blockId`: the id of the block it is in). */
export function overflowButtons(menu: Record<string, any>, blockId?: string): Array<Record<string, any>> {
  const shared = blockId?.startsWith(SHARED_VALUE_PREFIX) ? blockId.slice(SHARED_VALUE_PREFIX.length) : undefined;
  return (menu.options ?? []).map((o: Record<string, any>) => {
    const cut = o.value.indexOf('|');
    const value = cut < 0 ? (o.url ? undefined : shared) : o.value.slice(cut + 1);
    return {
      type: 'button',
      overflow: true,
      action_id: cut < 0 ? o.value : o.value.slice(0, cut),
      text: o.text,
      ...(value === undefined ? {} : { value }),
      ...(o.url ? { url: o.url } : {}),
    };
  });
}

export const actionIds = (blocks: readonly AnyBlock[]) => buttons(blocks).map((b) => b.action_id as string);

/**
 * An inbox page holding these items of each kind (totals default to the items given), in the queue's
 * order as the inbox sorts it (most urgent first), the page starting at `start`.
 */
export function inboxPage(
  items: { workItem?: WorkItem[]; accessRequest?: AccessRequestApproval[]; generic?: Approval[] },
  opts: { start?: InboxPosition; pageSize?: number; totals?: Partial<Record<InboxKind, number>>; failures?: Partial<Record<InboxKind, SectionFailure>> } = {},
): InboxPage {
  const start = opts.start ?? { offset: 0 };
  const kinds = ['workItem', 'accessRequest', 'generic'] as const;
  const queue = kinds.flatMap((kind) => ((items[kind] ?? []) as Array<{ id?: string }>).map((item) => ({ kind, item }) as InboxItem)).sort(byUrgency(NOW, 3));
  const at = new Map(queue.map((e, i) => [e.item, start.offset + i]));
  const sections = kinds.map((kind) => {
    const list = queue.filter((e) => e.kind === kind).map((e) => e.item as { id?: string });
    const failure = opts.failures?.[kind];
    return {
      kind,
      items: list,
      positions: Object.fromEntries(list.map((i) => [i.id ?? '', at.get(i)!])),
      decisions: {},
      ...(failure ? { failure } : { total: opts.totals?.[kind] ?? list.length }),
    } as AnyInboxSection;
  });
  const length = sections.reduce((n, s) => n + (s.failure ? 0 : (s.total ?? 0)), 0);
  return { start, pageSize: opts.pageSize ?? 5, length, sections };
}

/** A pending access-request approval for Bob, requested by Jane for herself. */
export function accessRequest(extra: Partial<PendingApproval> = {}): PendingApproval {
  return {
    id: '2c9180835d2e5168015d32f890ca9a01',
    accessRequestId: '2c9180835d2e5168015d32f890ca9b01',
    name: 'Payments Administrator',
    created: '2026-11-22T09:00:00Z',
    modified: '2026-11-22T09:00:00Z',
    requestType: 'GRANT_ACCESS',
    requester: { type: 'IDENTITY', id: '2c91808a77ff216301782327a50f09bf', name: 'Jane Doe' },
    requestedFor: { type: 'IDENTITY', id: '2c91808a77ff216301782327a50f09bf', name: 'Jane Doe' },
    owner: { type: 'IDENTITY', id: '2c91808a77ff216301782327a50f09e1', name: 'Bob Smith' },
    requestedObject: { id: 'obj-1', name: 'Payments Administrator', description: 'Creates vendors and payment runs', type: 'ROLE' },
    requesterComment: { comment: 'Covering payment runs', created: '2026-11-22T09:00:00Z', author: { type: 'IDENTITY', id: '2c91808a77ff216301782327a50f09bf', name: 'Jane Doe' } },
    previousReviewersComments: [],
    forwardHistory: [],
    commentRequiredWhenRejected: false,
    privilegeLevel: 'HIGH',
    startDate: '2026-11-23T00:00:00Z',
    removeDate: '2026-12-31T00:00:00Z',
    sodViolationContext: null,
    ...extra,
  };
}

/** One violated SoD policy: the identity has `has` and would get `gets`. */
export function sodViolation(policy = 'Create and approve payments', has = 'AP Invoice Entry', gets = 'AP Payment Approval'): SodViolationContext {
  return {
    policy: { type: 'SOD_POLICY', id: `pol-${policy.length}`, name: policy },
    conflictingAccessCriteria: {
      leftCriteria: { criteriaList: [{ existing: true, type: 'ENTITLEMENT', id: 'e1', name: has }] },
      rightCriteria: { criteriaList: [{ existing: false, type: 'ENTITLEMENT', id: 'e2', name: gets }] },
    },
  };
}

export const withViolations = (violations: SodViolationContext[]): Partial<PendingApproval> => ({
  sodViolationContext: { state: 'SUCCESS', violationCheckResult: { violationContexts: violations, violatedPolicies: violations.map((v) => v.policy!) } },
});

/** A pending generic approval waiting on Bob (identity …09e1), from Jane. */
export function genericApproval(extra: Partial<Approval> = {}): Approval {
  const bob = { identityID: '2c91808a77ff216301782327a50f09e1', type: 'IDENTITY' as const, name: 'Bob Smith', serialOrder: 0 };
  const jane = { identityID: '2c91808a77ff216301782327a50f09bf', type: 'IDENTITY' as const, name: 'Jane Doe' };
  return {
    id: '5a9db000-0000-0000-0000-0000000000a1',
    type: 'GENERIC_APPROVAL',
    approvers: [bob],
    assignedTo: [bob],
    createdDate: '2026-11-20T09:00:00Z',
    // A day before NOW: overdue.
    dueDate: '2026-11-21T09:00:00Z',
    priority: 'HIGH',
    name: [
      { value: 'Quarterly firewall review', locale: 'en-US' },
      { value: 'Vierteljährliche Firewall-Prüfung', locale: 'de-DE' },
    ],
    description: [{ value: 'Confirm the inbound rules are still needed.', locale: 'en-US' }],
    requester: jane,
    requestee: jane,
    comments: [{ author: jane, comment: 'Rules exported to CHG-1', createdDate: '2026-11-20T09:00:00Z', commentId: 'c1' }],
    approvalConfig: { requiresComment: 'OFF' },
    ...extra,
  };
}
