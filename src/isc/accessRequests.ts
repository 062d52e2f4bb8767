import type { AccessRequestsApi } from './api';
import type { IscHttp } from './http';
import { accessRequestPaths } from './paths';
import type { AccessRequestResponse, RequestableObject, RequestedItemStatus } from './types';

/** CancelAccessRequest's comment: required, 1 to 2000 characters (ISC's UI limit for comments). */
export const CANCEL_COMMENT_MAX = 2000;

export function createAccessRequestsApi(http: IscHttp): AccessRequestsApi {
  const paths = accessRequestPaths();
  // Every method is async, so that bad input rejects instead of throwing synchronously.
  return {
    listRequestableObjects: async ({ identityId, term, types, statuses, filters, limit, offset, count } = {}) =>
      http.list<RequestableObject>(
        {
          operation: 'listRequestableObjects',
          method: 'GET',
          path: paths.requestableObjects,
          query: { 'identity-id': identityId, term, types: types?.join(','), statuses: statuses?.join(','), filters },
        },
        { limit, offset, count },
      ),
    createAccessRequest: async (request) => {
      if (!request.requestedFor?.length) throw new TypeError('createAccessRequest needs at least one requestedFor identity');
      if (!request.requestedItems?.length) throw new TypeError('createAccessRequest needs at least one requested item');
      return http.json<AccessRequestResponse>({ operation: 'createAccessRequest', method: 'POST', path: paths.create, body: request });
    },
    cancelAccessRequest: async (accountActivityId, comment) => {
      if (!accountActivityId) throw new TypeError('cancelAccessRequest needs the accountActivityId (the status accessRequestId)');
      if (!comment.trim() || comment.length > CANCEL_COMMENT_MAX) throw new TypeError(`cancelAccessRequest needs a comment of 1 to ${CANCEL_COMMENT_MAX} characters`);
      await http.request({ operation: 'cancelAccessRequest', method: 'POST', path: paths.cancel, body: { accountActivityId, comment } });
    },
    listAccessRequestStatus: async ({ requestedFor, requestedBy, filters, sorters, limit, offset, count } = {}) =>
      http.list<RequestedItemStatus>(
        {
          operation: 'listAccessRequestStatus',
          method: 'GET',
          path: paths.status,
          query: { 'requested-for': requestedFor, 'requested-by': requestedBy, filters, sorters },
        },
        { limit, offset, count },
      ),
  };
}
