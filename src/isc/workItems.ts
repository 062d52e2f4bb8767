import type { WorkItemsApi } from './api';
import { MAX_PAGE_SIZE, type IscHttp } from './http';
import { workItemPaths, type WorkItemsVersion } from './paths';
import type { WorkItem } from './types';

export function createWorkItemsApi(http: IscHttp, version: WorkItemsVersion): WorkItemsApi {
  const paths = workItemPaths(version);
  const get = <T>(path: string, ownerId?: string) => http.json<T>({ method: 'GET', path, query: { ownerId } });
  const post = (path: string, body?: unknown) => http.json<WorkItem>({ method: 'POST', path, body });

  // Every method is async, so that an invalid id rejects instead of throwing synchronously.
  const api: WorkItemsApi = {
    listWorkItems: async ({ ownerId, ...page } = {}) =>
      http.list<WorkItem>({ method: 'GET', path: paths.list, query: { ownerId } }, page),
    getCompletedWorkItems: async ({ ownerId, ...page } = {}) =>
      http.list<WorkItem>({ method: 'GET', path: paths.completed, query: { ownerId } }, page),
    getCountWorkItems: async ({ ownerId } = {}) => get(paths.count, ownerId),
    getCountCompletedWorkItems: async ({ ownerId } = {}) => get(paths.completedCount, ownerId),
    getWorkItemsSummary: async ({ ownerId } = {}) => get(paths.summary, ownerId),
    getWorkItem: async (id) => get(paths.item(id)),
    // The spec's body is `string, nullable`: without a comment ISC must get JSON `null`, not `{}`.
    completeWorkItem: async (id, body = null) => post(paths.item(id), body),
    sendWorkItemForward: async (id, { targetOwnerId, comment, sendNotifications = true }) => {
      if (!targetOwnerId || !comment) {
        throw new TypeError('sendWorkItemForward needs a targetOwnerId and a comment (both required by ISC)');
      }
      await http.request({ method: 'POST', path: paths.forward(id), body: { targetOwnerId, comment, sendNotifications } });
    },
    approveApprovalItem: async (id, approvalItemId) => post(paths.approve(id, approvalItemId)),
    rejectApprovalItem: async (id, approvalItemId) => post(paths.reject(id, approvalItemId)),
    approveApprovalItemsInBulk: async (id) => post(paths.bulkApprove(id)),
    rejectApprovalItemsInBulk: async (id) => post(paths.bulkReject(id)),
    submitAccountSelection: async (id, selection) => post(paths.accountSelection(id), selection),
    async *iterateWorkItems({ ownerId, pageSize = MAX_PAGE_SIZE } = {}) {
      if (!Number.isInteger(pageSize) || pageSize < 1) {
        throw new RangeError(`pageSize must be a positive integer (got ${pageSize})`);
      }
      const limit = Math.min(pageSize, MAX_PAGE_SIZE);
      for (let offset = 0; ; offset += limit) {
        const { items } = await api.listWorkItems({ ownerId, limit, offset });
        yield* items;
        if (items.length < limit) return;
      }
    },
  };
  return api;
}
