import type { AnyBlock } from '@slack/types';
import type { ApprovalItemDetails, WorkItem } from '../../src/isc/types';
import type { CardOptions, Viewer } from '../../src/blocks/types';
import type { AccessRequestApproval } from '../../src/approvals/accessRequestApproval';
import type { AnyInboxSection, InboxKind, InboxPage, InboxPosition, SectionFailure } from '../../src/inbox/inbox';
import type { Approval } from '../../src/isc/types';

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
export function buttons(blocks: readonly AnyBlock[]): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  for (const b of blocks as unknown as Array<Record<string, any>>) {
    for (const e of b.elements ?? []) if (e.type === 'button') out.push(e);
    if (b.accessory?.type === 'button') out.push(b.accessory);
  }
  return out;
}

export const actionIds = (blocks: readonly AnyBlock[]) => buttons(blocks).map((b) => b.action_id as string);

/** An inbox page holding these items of each kind (totals default to the items given). */
export function inboxPage(
  items: { workItem?: WorkItem[]; accessRequest?: AccessRequestApproval[]; generic?: Approval[] },
  opts: { start?: InboxPosition; pageSize?: number; totals?: Partial<Record<InboxKind, number>>; failures?: Partial<Record<InboxKind, SectionFailure>> } = {},
): InboxPage {
  const start = opts.start ?? { section: 'workItem', offset: 0 };
  const sections = (['workItem', 'accessRequest', 'generic'] as const).map((kind) => {
    const list = (items[kind] ?? []) as Array<{ id?: string }>;
    const failure = opts.failures?.[kind];
    return {
      kind,
      offset: kind === start.section ? start.offset : 0,
      items: list,
      decisions: {},
      ...(failure ? { failure } : { total: opts.totals?.[kind] ?? list.length }),
    } as AnyInboxSection;
  });
  return { start, pageSize: opts.pageSize ?? 5, sections };
}
