import type { GenericApprovalsApi, GetApprovalsParams } from './api';
import type { IscHttp } from './http';
import { genericApprovalPaths } from './paths';
import type { Approval } from './types';

/** The list filter for approvals still waiting on a decision (an Approval itself has no status field). */
export const PENDING_FILTER = 'status eq "PENDING"';

/**
 * What the inbox asks for "generic approvals pending for this identity": the approvals that list it as
 * an approver, still pending, with their comments. `approverId` works with the bot's service token (an
 * admin) and with the person's own linked token alike; `mine` would mean the service identity.
 */
export function pendingApprovalsQuery(approverId: string): GetApprovalsParams {
  return { approverId, filters: PENDING_FILTER, includeComments: true };
}

function approvalsQuery(p: Omit<GetApprovalsParams, 'limit' | 'offset' | 'count'>) {
  return {
    mine: p.mine,
    requesterId: p.requesterId,
    requesteeId: p.requesteeId,
    approverId: p.approverId,
    filters: p.filters,
    'include-comments': p.includeComments,
    'include-approvers': p.includeApprovers,
    'include-reassignment-history': p.includeReassignmentHistory,
    'include-batch-info': p.includeBatchInfo,
  };
}

export function createGenericApprovalsApi(http: IscHttp): GenericApprovalsApi {
  const paths = genericApprovalPaths();
  const post = (operation: string, path: string, body?: unknown) => http.request({ operation, method: 'POST', path, body });
  const returning = (operation: string, path: string, body?: unknown) => http.json<Approval>({ operation, method: 'POST', path, body });

  // Every method is async, so that an invalid id rejects instead of throwing synchronously.
  return {
    getApprovals: async ({ limit, offset, count, ...rest } = {}) =>
      http.list<Approval>({ operation: 'getApprovals', method: 'GET', path: paths.list, query: approvalsQuery(rest) }, { limit, offset, count }),
    countApprovals: async (params = {}) => {
      const page = await http.list<Approval>(
        { operation: 'getApprovals', method: 'GET', path: paths.list, query: { ...approvalsQuery(params), 'count-only': true } },
        { count: true },
      );
      // list() throws unless a count=true page carries X-Total-Count, so `total` is always set here.
      return page.total ?? 0;
    },
    getApproval: async (id) => http.json<Approval>({ operation: 'getApproval', method: 'GET', path: paths.approval(id) }),
    approveApproval: async (id, request) => returning('approveApproval', paths.approve(id), request),
    rejectApproval: async (id, request) => {
      await post('rejectApproval', paths.reject(id), request);
    },
    updateApprovalsReassign: async (id, request) => {
      if (!request?.reassignTo) throw new TypeError('updateApprovalsReassign needs reassignTo (the identity to reassign to)');
      await post('updateApprovalsReassign', paths.reassign(id), request);
    },
    updateApprovalsComments: async (id, request) => {
      if (!request?.comment?.trim()) throw new TypeError('updateApprovalsComments needs a non-empty comment');
      return returning('updateApprovalsComments', paths.comments(id), request);
    },
    approveApprovalInBulk: async (request) => {
      if (!request?.approvalIds?.length) throw new TypeError('approveApprovalInBulk needs at least one approval id');
      await post('approveApprovalInBulk', paths.bulkApprove, request);
    },
    rejectApprovalInBulk: async (request) => {
      if (!request?.approvalIds?.length) throw new TypeError('rejectApprovalInBulk needs at least one approval id');
      await post('rejectApprovalInBulk', paths.bulkReject, request);
    },
  };
}
