import type { WorkItemsApi } from './api';
import type { IscHttp } from './http';
import { workItemPaths, type WorkItemsVersion } from './paths';
import type { WorkItem } from './types';

export function createWorkItemsApi(http: IscHttp, version: WorkItemsVersion): WorkItemsApi {
  const paths = workItemPaths(version);
  const get = <T>(operation: string, path: string, ownerId?: string) => http.json<T>({ operation, method: 'GET', path, query: { ownerId } });
  const post = (operation: string, path: string, body?: unknown) => http.json<WorkItem>({ operation, method: 'POST', path, body });

  // Every method is async, so that an invalid id rejects instead of throwing synchronously.
  const api: WorkItemsApi = {
    listWorkItems: async ({ ownerId, ...page } = {}) =>
      http.list<WorkItem>({ operation: 'listWorkItems', method: 'GET', path: paths.list, query: { ownerId } }, page),
    getCompletedWorkItems: async ({ ownerId, ...page } = {}) =>
      http.list<WorkItem>({ operation: 'getCompletedWorkItems', method: 'GET', path: paths.completed, query: { ownerId } }, page),
    getCountWorkItems: async ({ ownerId } = {}) => get('getCountWorkItems', paths.count, ownerId),
    getCountCompletedWorkItems: async ({ ownerId } = {}) => get('getCountCompletedWorkItems', paths.completedCount, ownerId),
    getWorkItemsSummary: async ({ ownerId } = {}) => get('getWorkItemsSummary', paths.summary, ownerId),
    getWorkItem: async (id) => get('getWorkItem', paths.item(id)),
    // The spec's body is `string, nullable`: without a comment ISC must get JSON `null`, not `{}`.
    completeWorkItem: async (id, body = null) => post('completeWorkItem', paths.item(id), body),
    sendWorkItemForward: async (id, { targetOwnerId, comment, sendNotifications = true }) => {
      if (!targetOwnerId || !comment) {
        throw new TypeError('sendWorkItemForward needs a targetOwnerId and a comment (both required by ISC)');
      }
      await http.request({
        operation: 'sendWorkItemForward',
        method: 'POST',
        path: paths.forward(id),
        body: { targetOwnerId, comment, sendNotifications },
      });
    },
    approveApprovalItem: async (id, approvalItemId) => post('approveApprovalItem', paths.approve(id, approvalItemId)),
    rejectApprovalItem: async (id, approvalItemId) => post('rejectApprovalItem', paths.reject(id, approvalItemId)),
    approveApprovalItemsInBulk: async (id) => post('approveApprovalItemsInBulk', paths.bulkApprove(id)),
    rejectApprovalItemsInBulk: async (id) => post('rejectApprovalItemsInBulk', paths.bulkReject(id)),
    submitAccountSelection: async (id, selection) => post('submitAccountSelection', paths.accountSelection(id), selection),
  };
  return api;
}
