// ISC serves each API in two layouts: the legacy `/{version}/{service}/...` (v3, v2024) and the
// per-service `/{service}/v1/...` that replaces the year-based versions.

export type WorkItemsVersion = 'v3' | 'v1';
export type TaskManagementVersion = 'v2024' | 'v1';
export type IdentitiesVersion = 'v3' | 'v1';

export interface ApiVersions {
  workItems: WorkItemsVersion;
  taskManagement: TaskManagementVersion;
  identities: IdentitiesVersion;
}

export const DEFAULT_VERSIONS: ApiVersions = { workItems: 'v3', taskManagement: 'v2024', identities: 'v3' };

function serviceRoot(service: string, version: string): string {
  return version === 'v1' ? `/${service}/v1` : `/${version}/${service}`;
}

/** Encodes an id as one path segment; `.`/`..` are refused because URL parsing would resolve them. */
export function pathId(id: string): string {
  if (typeof id !== 'string' || id === '' || id === '.' || id === '..') {
    throw new RangeError(`Invalid ISC id ${JSON.stringify(id)}`);
  }
  return encodeURIComponent(id);
}

export function workItemPaths(version: WorkItemsVersion) {
  const root = serviceRoot('work-items', version);
  const item = (id: string) => `${root}/${pathId(id)}`;
  return {
    list: root,
    completed: `${root}/completed`,
    count: `${root}/count`,
    completedCount: `${root}/completed/count`,
    summary: `${root}/summary`,
    item,
    forward: (id: string) => `${item(id)}/forward`,
    approve: (id: string, approvalItemId: string) => `${item(id)}/approve/${pathId(approvalItemId)}`,
    reject: (id: string, approvalItemId: string) => `${item(id)}/reject/${pathId(approvalItemId)}`,
    /** `id` is the work item id. */
    bulkApprove: (id: string) => `${root}/bulk-approve/${pathId(id)}`,
    bulkReject: (id: string) => `${root}/bulk-reject/${pathId(id)}`,
    accountSelection: (id: string) => `${item(id)}/submit-account-selection`,
  };
}

export function taskStatusPaths(version: TaskManagementVersion) {
  const root = serviceRoot('task-status', version);
  return {
    list: root,
    item: (id: string) => `${root}/${pathId(id)}`,
    /** Absent on v1, which lists pending tasks with `filters=completionStatus isnull` instead. */
    pendingTasks: version === 'v1' ? undefined : `${root}/pending-tasks`,
  };
}

export function publicIdentitiesPath(version: IdentitiesVersion): string {
  return serviceRoot('public-identities', version);
}
