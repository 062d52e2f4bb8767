import type { ActionOutcome as Outcome, Authorization as Auth, ItemKind } from '../decisions/actionPipeline';
import { ItemService, type ItemServiceOptions } from '../decisions/itemService';
import { type DecisionKind, type Decisions, WHOLE_ITEM } from '../decisions/decision';
import type { IscClient } from '../isc/api';
import type { AccountSelection, ApprovalItemDetails, Page, PageParams, WorkItem, WorkItemsSummary } from '../isc/types';
import type { IscIdentityRef } from './identityDirectory';


export type WorkItemAction =
  | { kind: 'approve' | 'reject'; workItemId: string; approvalItemId: string }
  | { kind: 'approveAll' | 'rejectAll' | 'complete'; workItemId: string }
  | { kind: 'forward'; workItemId: string; target: IscIdentityRef; targetSlackUserId?: string; comment: string; notify: boolean }
  | { kind: 'selectAccounts'; workItemId: string; selection: AccountSelection };

export type ActionOutcome = Outcome<WorkItem>;
export type Authorization = Auth<WorkItem>;

export type ListKind = 'pending' | 'completed';

/** A page of someone's work items, pending or completed (the completed list is work items only). */
export interface WorkItemListPage {
  kind: ListKind;
  items: WorkItem[];
  offset: number;
  pageSize: number;
  /** From X-Total-Count; undefined when unknown. */
  total?: number;
  /** Per-item decisions, keyed by work item id. */
  decisions?: Record<string, Decisions>;
}

const DECISION_KIND: Record<WorkItemAction['kind'], DecisionKind> = {
  approve: 'approved',
  reject: 'rejected',
  approveAll: 'approved',
  rejectAll: 'rejected',
  complete: 'completed',
  forward: 'forwarded',
  selectAccounts: 'accounts_submitted',
};

export function isPendingApprovalItem(item: WorkItem, approval: ApprovalItemDetails): boolean {
  return item.state === 'Pending' && (approval.state === 'Pending' || approval.state == null);
}

export function pendingApprovalItems(item: WorkItem): ApprovalItemDetails[] {
  return (item.approvalItems ?? []).filter((a) => isPendingApprovalItem(item, a));
}

/** undefined when the action fits; 'decided' when ISC already shows it decided; else a message. */
function checkFits(item: WorkItem, action: WorkItemAction): 'decided' | string | undefined {
  if (item.state !== 'Pending') return 'decided';
  switch (action.kind) {
    case 'approve':
    case 'reject': {
      const approval = item.approvalItems?.find((a) => a.id === action.approvalItemId);
      if (!approval) return 'That approval item is no longer part of this work item. Press Refresh to see it as it is now.';
      return isPendingApprovalItem(item, approval) ? undefined : 'decided';
    }
    case 'approveAll':
    case 'rejectAll':
      return pendingApprovalItems(item).length ? undefined : 'decided';
    case 'selectAccounts':
      return item.form ? undefined : 'This work item has no account-selection form.';
    default:
      return undefined;
  }
}

async function execute(client: IscClient, item: WorkItem, action: WorkItemAction): Promise<WorkItem> {
  const api = client.workItems;
  switch (action.kind) {
    case 'approve':
      return api.approveApprovalItem(action.workItemId, action.approvalItemId);
    case 'reject':
      return api.rejectApprovalItem(action.workItemId, action.approvalItemId);
    case 'approveAll':
      return api.approveApprovalItemsInBulk(action.workItemId);
    case 'rejectAll':
      return api.rejectApprovalItemsInBulk(action.workItemId);
    case 'complete':
      return api.completeWorkItem(action.workItemId);
    case 'selectAccounts':
      return api.submitAccountSelection(action.workItemId, action.selection);
    case 'forward':
      await api.sendWorkItemForward(action.workItemId, {
        targetOwnerId: action.target.id,
        comment: action.comment,
        sendNotifications: action.notify,
      });
      // ISC answers a forward with no body: the item is the same, with its new owner.
      return { ...item, ownerId: action.target.id, ownerName: action.target.name };
  }
}

/** The approval item a decision is about, or WHOLE_ITEM. */
const decisionKey = (action: WorkItemAction): string => (action.kind === 'approve' || action.kind === 'reject' ? action.approvalItemId : WHOLE_ITEM);

/** How the pipeline names this kind (audit trail, logs, store keys, messages). */
const WORK_ITEM_NAMES = { auditKind: 'work-item', logName: 'work-item', idField: 'workItemId', keyPrefix: '', noun: 'work item', ownerRole: 'current owner' };

/** Work items (ISC's Task Manager): what differs from the other kinds; the action pipeline does the rest. */
export class WorkItemService extends ItemService<WorkItem, WorkItemAction> {
  readonly kind: ItemKind<WorkItem, WorkItemAction>;

  constructor(private readonly opts: ItemServiceOptions<WorkItem>) {
    super(opts);
    this.kind = {
      ...WORK_ITEM_NAMES,
      itemId: (action) => action.workItemId,
      part: decisionKey,
      read: (id) => opts.isc.workItems.getWorkItem(id),
      owners: (item) => ({ ids: item.ownerId ? [item.ownerId] : [], name: item.ownerName ?? undefined }),
      parties: (item) => ({ requesterId: item.requesterId }),
      bindsDuties: (action) => action.kind !== 'complete' && action.kind !== 'selectAccounts',
      describe: (item) => ({
        ...(item.name ? { name: item.name } : {}),
        ...(item.ownerId ? { ownerId: item.ownerId } : {}),
        ...(item.ownerName ? { ownerName: item.ownerName } : {}),
      }),
      auditDetails: (action) => ({
        ...(action.kind === 'approve' || action.kind === 'reject' ? { part: action.approvalItemId } : {}),
        ...(action.kind === 'forward' ? { comment: action.comment, target: { identityId: action.target.id, name: action.target.name } } : {}),
      }),
      fits: checkFits,
      execute,
      decision: (action) => ({
        kind: DECISION_KIND[action.kind],
        ...(action.kind === 'forward' ? { forwardedTo: { slackUserId: action.targetSlackUserId, name: action.target.name } } : {}),
      }),
      onChanged: opts.onItemChanged,
    };
  }

  /** A page of the owner's completed work items (the pending ones come through the inbox, with the other kinds). */
  async completedPage(ownerId: string, offset: number, pageSize: number): Promise<WorkItemListPage> {
    const page = await this.opts.isc.workItems.getCompletedWorkItems({ ownerId, offset, limit: pageSize, count: true });
    return { kind: 'completed', items: page.items, offset, pageSize, total: page.total, decisions: await this.decisionsForItems(page.items) };
  }

  protected listPending(ownerId: string, page: PageParams): Promise<Page<WorkItem>> {
    return this.opts.isc.workItems.listWorkItems({ ownerId, ...page });
  }

  summary(ownerId: string): Promise<WorkItemsSummary> {
    return this.opts.isc.workItems.getWorkItemsSummary({ ownerId });
  }

  /** How many work items wait on the owner, without reading them. */
  async pendingCount(ownerId: string): Promise<number> {
    return (await this.opts.isc.workItems.getCountWorkItems({ ownerId })).count ?? 0;
  }
}
