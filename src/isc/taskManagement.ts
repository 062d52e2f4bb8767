import type { TaskManagementApi } from './api';
import type { IscHttp, Query } from './http';
import { taskStatusPaths, type TaskManagementVersion } from './paths';
import type { PageParams, TaskStatus } from './types';

// The v2024 spec stopped requiring this in 2025-07; ISC documents it as harmless where not needed,
// and SDK 1.x still sends it.
const EXPERIMENTAL = { 'X-SailPoint-Experimental': 'true' };

export function createTaskManagementApi(http: IscHttp, version: TaskManagementVersion): TaskManagementApi {
  const paths = taskStatusPaths(version);
  const list = (operation: string, path: string, query: Query, page: PageParams, method: 'GET' | 'HEAD' = 'GET') =>
    http.list<TaskStatus>({ operation, method, path, query, headers: EXPERIMENTAL }, page);
  // v1 has no pending-tasks path; the v2024 deprecation note names its replacement, the filtered list.
  const pending =
    paths.pendingTasks === undefined
      ? { path: paths.list, query: { filters: 'completionStatus isnull' } }
      : { path: paths.pendingTasks, query: {} };

  return {
    getPendingTaskHeaders: async (params = {}) => {
      const page =
        paths.pendingTasks === undefined
          ? await list('getPendingTaskHeaders', pending.path, pending.query, { limit: 1, count: true })
          : await list('getPendingTaskHeaders', pending.path, pending.query, { ...params, count: true }, 'HEAD');
      // list() throws unless a count=true page carries X-Total-Count, so `total` is always set here.
      return { total: page.total ?? 0 };
    },
    getPendingTasks: async (params = {}) => list('getPendingTasks', pending.path, pending.query, params),
    getTaskStatus: async (id) =>
      http.json<TaskStatus>({ operation: 'getTaskStatus', method: 'GET', path: paths.item(id), headers: EXPERIMENTAL }),
    getTaskStatusList: async ({ filters, sorters, ...page } = {}) => list('getTaskStatusList', paths.list, { filters, sorters }, page),
    updateTaskStatus: async (id, patch) =>
      http.json<TaskStatus>({
        operation: 'updateTaskStatus',
        method: 'PATCH',
        path: paths.item(id),
        body: patch,
        headers: { ...EXPERIMENTAL, 'Content-Type': 'application/json-patch+json' },
      }),
  };
}
