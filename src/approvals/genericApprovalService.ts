import type { ItemKind } from '../decisions/actionPipeline';
import { ItemService, type ItemServiceOptions } from '../decisions/itemService';
import type { IscClient } from '../isc/api';
import { pendingApprovalsQuery, PENDING_FILTER } from '../isc/genericApprovals';
import type { Approval, ApprovalIdentity, Page, PageParams } from '../isc/types';
import type { Logger } from '../log';
import type { IscIdentityRef } from '../workitems/identityDirectory';
import { approvalName, assignedIdentityIds, commentRequired, isPendingApproval, ownerIdentityIds, quorumRefusal } from './genericApproval';

export type GenericApprovalAction =
  | { kind: 'approve' | 'reject'; approvalId: string; comment?: string }
  /** `from`: the approver whose place is handed over (ISC needs it named when the service identity acts). */
  | { kind: 'reassign'; approvalId: string; from: string; target: IscIdentityRef; targetSlackUserId?: string; comment?: string }
  | { kind: 'comment'; approvalId: string; comment: string };

function fits(item: Approval, action: GenericApprovalAction): 'decided' | string | undefined {
  if (!isPendingApproval(item)) return 'decided';
  switch (action.kind) {
    case 'approve':
    case 'reject':
      return commentRequired(item, action.kind) && !action.comment?.trim()
        ? `ISC requires a comment to ${action.kind} this approval: give one in the form. Nothing was changed in ISC.`
        : undefined;
    case 'reassign': {
      const assigned = assignedIdentityIds(item);
      if (!assigned.includes(action.from)) return 'decided';
      return assigned.includes(action.target.id) ? 'That person is already an approver of this approval; pick someone else.' : undefined;
    }
    case 'comment':
      return undefined;
  }
}

/** How the pipeline names this kind (audit trail, logs, store keys, messages). */
const GENERIC_APPROVAL_NAMES = { auditKind: 'generic-approval', logName: 'generic approval', idField: 'approvalId', keyPrefix: 'ga:', noun: 'approval', ownerRole: 'current approvers' };

/** Generic approvals (workflows, Adaptive Approvals): what differs from the other kinds. */
export class GenericApprovalService extends ItemService<Approval, GenericApprovalAction> {
  readonly kind: ItemKind<Approval, GenericApprovalAction>;

  constructor(private readonly opts: ItemServiceOptions<Approval>) {
    super(opts);
    this.kind = {
      ...GENERIC_APPROVAL_NAMES,
      itemId: (action) => action.approvalId,
      // An approval waits on several approvers at once: each decides their own part.
      part: (_action, actorSlackUserId) => actorSlackUserId,
      variant: (action) => (action.kind === 'comment' ? action.comment : undefined),
      read: (id) => opts.isc.genericApprovals.getApproval(id),
      owners: (a) => ({ ids: ownerIdentityIds(a), name: (a.assignedTo ?? []).map((i) => i.name).filter(Boolean).join(', ') || undefined }),
      parties: (a) => ({ requesterId: a.requester?.identityID, requestedForId: a.requestee?.identityID }),
      bindsDuties: (action) => action.kind !== 'comment',
      actingRefusal: (a, action, how) => (action.kind === 'approve' || action.kind === 'reject' ? quorumRefusal(a, how) : undefined),
      describe: (a) => {
        const name = approvalName(a);
        const [owner] = a.assignedTo ?? [];
        return { ...(name ? { name } : {}), ...(owner?.identityID ? { ownerId: owner.identityID } : {}), ...(owner?.name ? { ownerName: owner.name } : {}) };
      },
      auditDetails: (action) => ({
        ...(action.comment ? { comment: action.comment } : {}),
        ...(action.kind === 'reassign' ? { target: { identityId: action.target.id, name: action.target.name } } : {}),
      }),
      fits,
      execute: (client, item, action) => this.execute(client, item, action),
      decision: (action) => {
        if (action.kind === 'comment') return undefined;
        if (action.kind === 'reassign') return { kind: 'reassigned', forwardedTo: { slackUserId: action.targetSlackUserId, name: action.target.name } };
        return { kind: action.kind === 'approve' ? 'approved' : 'rejected' };
      },
      onChanged: opts.onItemChanged,
    };
  }

  private get logger(): Logger {
    return this.opts.logger;
  }

  private async execute(client: IscClient, item: Approval, action: GenericApprovalAction): Promise<Approval> {
    const api = client.genericApprovals;
    const comment = action.comment?.trim() || undefined;
    switch (action.kind) {
      case 'approve':
        return api.approveApproval(action.approvalId, comment ? { comment } : undefined);
      case 'comment':
        return api.updateApprovalsComments(action.approvalId, { comment: action.comment });
      case 'reject':
        await api.rejectApproval(action.approvalId, comment ? { comment } : {});
        // ISC answers 204; with several approvers (a quorum) only a read says whether the approval is complete.
        return this.reread(action.approvalId, item);
      case 'reassign': {
        await api.updateApprovalsReassign(action.approvalId, { reassignFrom: action.from, reassignTo: action.target.id, ...(comment ? { comment } : {}) });
        const to: ApprovalIdentity = { identityID: action.target.id, type: 'IDENTITY', name: action.target.name, ...(action.target.email ? { email: action.target.email } : {}) };
        const swap = (list: ApprovalIdentity[] | undefined) => (list ?? []).map((i) => (i.identityID === action.from ? { ...to, serialOrder: i.serialOrder } : i));
        return { ...item, assignedTo: swap(item.assignedTo), ...(item.approvers ? { approvers: swap(item.approvers) } : {}) };
      }
    }
  }

  /** The approval after an action ISC answered without it; as it was, when ISC cannot be read now (the decision is recorded either way). */
  private async reread(id: string, before: Approval): Promise<Approval> {
    try {
      return await this.opts.isc.genericApprovals.getApproval(id);
    } catch (e) {
      this.logger.warn('Could not read a generic approval again after a decision; its card shows the decision', { approvalId: id, error: String(e) });
      return before;
    }
  }

  /** The approvals listing the approver, still pending, with their comments (pendingApprovalsQuery). */
  protected listPending(approverId: string, page: PageParams): Promise<Page<Approval>> {
    return this.opts.isc.genericApprovals.getApprovals({ ...pendingApprovalsQuery(approverId), ...page });
  }

  /** How many approvals wait on the approver, without reading them. */
  pendingCount(approverId: string): Promise<number> {
    return this.opts.isc.genericApprovals.countApprovals({ approverId, filters: PENDING_FILTER });
  }
}
