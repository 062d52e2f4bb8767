import type { AccessRequestApprovalListParams, AccessRequestApprovalsApi } from './api';
import type { IscHttp } from './http';
import { accessRequestApprovalPaths, type AccessRequestApprovalsVersion } from './paths';
import type { ApprovalSummary, CompletedApproval, PendingApproval } from './types';

/** ForwardApprovalDto's bounds for both fields. */
const FORWARD_MAX_LENGTH = 255;

export function createAccessRequestApprovalsApi(http: IscHttp, version: AccessRequestApprovalsVersion): AccessRequestApprovalsApi {
  const paths = accessRequestApprovalPaths(version);
  const list = <T>(operation: string, path: string, { ownerId, filters, sorters, ...page }: AccessRequestApprovalListParams) =>
    http.list<T>({ operation, method: 'GET', path, query: { 'owner-id': ownerId, filters, sorters } }, page);
  // Decisions answer 202 with `{}`: nothing to return.
  const decide = async (operation: string, path: string, body?: unknown) => {
    await http.request({ operation, method: 'POST', path, body });
  };

  // Every method is async, so that an invalid id rejects instead of throwing synchronously.
  return {
    listPendingApprovals: async (params = {}) => list<PendingApproval>('listPendingApprovals', paths.pending, params),
    listCompletedApprovals: async (params = {}) => list<CompletedApproval>('listCompletedApprovals', paths.completed, params),
    approveAccessRequest: async (approvalId, comment) =>
      decide('approveAccessRequest', paths.approve(approvalId), comment === undefined ? undefined : { comment }),
    // The reject body is required by the spec, its comment is not (unless commentRequiredWhenRejected).
    rejectAccessRequest: async (approvalId, comment) =>
      decide('rejectAccessRequest', paths.reject(approvalId), comment === undefined ? {} : { comment }),
    forwardAccessRequest: async (approvalId, { newOwnerId, comment }) => {
      for (const [name, value] of [['newOwnerId', newOwnerId], ['comment', comment]] as const) {
        if (typeof value !== 'string' || value.length < 1 || value.length > FORWARD_MAX_LENGTH) {
          throw new TypeError(`forwardAccessRequest needs a ${name} of 1 to ${FORWARD_MAX_LENGTH} characters (required by ISC)`);
        }
      }
      await decide('forwardAccessRequest', paths.forward(approvalId), { newOwnerId, comment });
    },
    getAccessRequestApprovalSummary: async ({ ownerId, fromDate } = {}) =>
      http.json<ApprovalSummary>({
        operation: 'getAccessRequestApprovalSummary',
        method: 'GET',
        path: paths.summary,
        query: { 'owner-id': ownerId, 'from-date': fromDate },
      }),
  };
}
