import type { ItemKind } from '../decisions/actionPipeline';
import { ItemService, type ItemServiceOptions } from '../decisions/itemService';
import { WHOLE_ITEM } from '../decisions/decision';
import type { IscClient } from '../isc/api';
import { IscError } from '../isc/errors';
import type { ApprovalSummary, Page, PageParams } from '../isc/types';
import type { IscIdentityRef } from '../workitems/identityDirectory';
import { awaitsDecision, type AccessRequestApproval } from './accessRequestApproval';

export type AccessRequestAction =
  | { kind: 'approve' | 'reject'; approvalId: string; comment?: string }
  | { kind: 'forward'; approvalId: string; target: IscIdentityRef; targetSlackUserId?: string; comment: string };

/** Ids travel into a SCIM filter: only the characters an ISC id has. */
const FILTER_SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function fits(item: AccessRequestApproval, action: AccessRequestAction): 'decided' | string | undefined {
  if (!awaitsDecision(item)) return 'decided';
  if (action.kind === 'reject' && item.commentRequiredWhenRejected && !action.comment?.trim()) {
    return 'ISC requires a reason to reject this access request: give one in the form. Nothing was changed in ISC.';
  }
  if (action.kind === 'forward' && action.target.id === item.owner?.id) return 'That person already owns this access request; pick someone else.';
  return undefined;
}

async function execute(client: IscClient, item: AccessRequestApproval, action: AccessRequestAction): Promise<AccessRequestApproval> {
  const api = client.accessRequestApprovals;
  switch (action.kind) {
    case 'approve':
      await api.approveAccessRequest(action.approvalId, action.comment?.trim() || undefined);
      // Accepted (202): ISC carries it out shortly after, as the pending list's actionInProcess shows meanwhile.
      return { ...item, actionInProcess: 'APPROVED' };
    case 'reject':
      await api.rejectAccessRequest(action.approvalId, action.comment?.trim() || undefined);
      return { ...item, actionInProcess: 'REJECTED' };
    case 'forward':
      await api.forwardAccessRequest(action.approvalId, { newOwnerId: action.target.id, comment: action.comment });
      return { ...item, owner: { type: 'IDENTITY', id: action.target.id, name: action.target.name } };
  }
}

/** How the pipeline names this kind (audit trail, logs, store keys, messages). */
const ACCESS_REQUEST_NAMES = { auditKind: 'access-request-approval', logName: 'access-request approval', idField: 'approvalId', keyPrefix: 'ar:', noun: 'access request', ownerRole: 'current approver' };

/** Access-request approvals (ISC's Approvals → Requested): what differs from the other kinds. */
export class AccessRequestApprovalService extends ItemService<AccessRequestApproval, AccessRequestAction> {
  readonly kind: ItemKind<AccessRequestApproval, AccessRequestAction>;

  constructor(private readonly opts: ItemServiceOptions<AccessRequestApproval>) {
    super(opts);
    this.kind = {
      ...ACCESS_REQUEST_NAMES,
      itemId: (action) => action.approvalId,
      part: () => WHOLE_ITEM,
      read: (id) => this.read(id),
      owners: (a) => ({ ids: a.owner?.id ? [a.owner.id] : [], name: a.owner?.name }),
      parties: (a) => ({ requesterId: a.requester?.id, requestedForId: a.requestedFor?.id }),
      bindsDuties: () => true,
      describe: (a) => ({
        ...(a.requestedObject?.name || a.name ? { name: a.requestedObject?.name || a.name } : {}),
        ...(a.owner?.id ? { ownerId: a.owner.id } : {}),
        ...(a.owner?.name ? { ownerName: a.owner.name } : {}),
      }),
      auditDetails: (action) => ({
        ...(action.comment ? { comment: action.comment } : {}),
        ...(action.kind === 'forward' ? { target: { identityId: action.target.id, name: action.target.name } } : {}),
      }),
      fits,
      execute,
      decision: (action) =>
        action.kind === 'forward'
          ? { kind: 'forwarded', forwardedTo: { slackUserId: action.targetSlackUserId, name: action.target.name } }
          : { kind: action.kind === 'approve' ? 'approved' : 'rejected' },
      onChanged: opts.onItemChanged,
    };
  }

  /**
   * The approval as ISC has it now: the access-request API has no read by id, so the pending list is
   * filtered by id (the service identity reads everyone's), then the completed one.
   */
  async read(id: string): Promise<AccessRequestApproval> {
    const api = this.opts.isc.accessRequestApprovals;
    const notFound = () => new IscError({ kind: 'http', method: 'GET', path: `/access-request-approvals/${id}`, status: 404 });
    if (!FILTER_SAFE_ID.test(id)) throw notFound();
    const byId = { filters: `id eq "${id}"`, limit: 1 };
    const [pending] = (await api.listPendingApprovals(byId)).items;
    if (pending) return pending;
    const [completed] = (await api.listCompletedApprovals(byId)).items;
    if (completed) return completed;
    throw notFound();
  }

  /** `owner-id` = the approver: the access requests waiting on them. */
  protected listPending(ownerId: string, page: PageParams): Promise<Page<AccessRequestApproval>> {
    return this.opts.isc.accessRequestApprovals.listPendingApprovals({ ownerId, ...page });
  }

  summary(ownerId: string): Promise<ApprovalSummary> {
    return this.opts.isc.accessRequestApprovals.getAccessRequestApprovalSummary({ ownerId });
  }
}
