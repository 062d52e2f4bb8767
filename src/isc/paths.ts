// ISC serves each API in two layouts: the legacy `/{version}/{service}/...` (v3, v2024), deprecated
// since August 2026, and the per-service `/{service}/v1/...` that replaces the year-based versions.

export type WorkItemsVersion = 'v3' | 'v1';
export type TaskManagementVersion = 'v2024' | 'v1';
export type IdentitiesVersion = 'v3' | 'v1';
export type AccessRequestApprovalsVersion = 'v3' | 'v1';

/** Layout per API. Generic approvals exist only as `/generic-approvals/v1`, so they have no setting. */
export interface ApiVersions {
  workItems: WorkItemsVersion;
  taskManagement: TaskManagementVersion;
  identities: IdentitiesVersion;
  accessRequestApprovals: AccessRequestApprovalsVersion;
}

export const DEFAULT_VERSIONS: ApiVersions = { workItems: 'v1', taskManagement: 'v1', identities: 'v1', accessRequestApprovals: 'v1' };

/** The legacy layout of every API that has one. */
export const LEGACY_VERSIONS: ApiVersions = { workItems: 'v3', taskManagement: 'v2024', identities: 'v3', accessRequestApprovals: 'v3' };

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

export function accessRequestApprovalPaths(version: AccessRequestApprovalsVersion) {
  const root = serviceRoot('access-request-approvals', version);
  const approval = (approvalId: string) => `${root}/${pathId(approvalId)}`;
  return {
    pending: `${root}/pending`,
    completed: `${root}/completed`,
    summary: `${root}/approval-summary`,
    approve: (approvalId: string) => `${approval(approvalId)}/approve`,
    reject: (approvalId: string) => `${approval(approvalId)}/reject`,
    forward: (approvalId: string) => `${approval(approvalId)}/forward`,
  };
}

export function genericApprovalPaths() {
  const root = serviceRoot('generic-approvals', 'v1');
  const approval = (id: string) => `${root}/${pathId(id)}`;
  return {
    list: root,
    approval,
    approve: (id: string) => `${approval(id)}/approve`,
    reject: (id: string) => `${approval(id)}/reject`,
    reassign: (id: string) => `${approval(id)}/reassign`,
    comments: (id: string) => `${approval(id)}/comments`,
    bulkApprove: `${root}/bulk-approve`,
    bulkReject: `${root}/bulk-reject`,
  };
}

/** Requesting access: `/access-requests/v1` (create, cancel), its status and the requestable objects (v1 only). */
export function accessRequestPaths() {
  const root = serviceRoot('access-requests', 'v1');
  return {
    create: root,
    cancel: `${root}/cancel`,
    status: serviceRoot('access-request-status', 'v1'),
    requestableObjects: serviceRoot('requestable-objects', 'v1'),
  };
}

/** Access reviews: `/certifications/v1` (v1 only). */
export function certificationPaths() {
  const root = serviceRoot('certifications', 'v1');
  const certification = (id: string) => `${root}/${pathId(id)}`;
  return {
    list: root,
    certification,
    items: (id: string) => `${certification(id)}/access-review-items`,
    decide: (id: string) => `${certification(id)}/decide`,
    signOff: (id: string) => `${certification(id)}/sign-off`,
    reassign: (id: string) => `${certification(id)}/reassign`,
    reassignAsync: (id: string) => `${certification(id)}/reassign-async`,
  };
}

/** Work reassignment (out of office): `/reassignment-configurations/v1` (v1 only, experimental). */
export function reassignmentConfigurationPaths() {
  const root = serviceRoot('reassignment-configurations', 'v1');
  return {
    create: root,
    identity: (identityId: string) => `${root}/${pathId(identityId)}`,
    configType: (identityId: string, configType: string) => `${root}/${pathId(identityId)}/${pathId(configType)}`,
  };
}

/** Certification campaigns: `/campaigns/v1` (v1 only). */
export const campaignPaths = () => ({ list: serviceRoot('campaigns', 'v1') });

/** Services the bot calls whose per-service v1 layout is published (the contracts the bot is built on). */
const V1_SERVICES = new Set(['work-items', 'task-status', 'public-identities', 'access-request-approvals', 'generic-approvals', 'certifications']);

/**
 * The per-service path that replaces a legacy one, e.g. `/v3/work-items/x` → `/work-items/v1/x`;
 * undefined when the path is not in a legacy layout or its successor is not known. v1 has no
 * pending-tasks path: its replacement is the task list filtered on `completionStatus isnull`.
 */
export function successorPath(path: string): string | undefined {
  const m = /^\/(?:v3|v2024|v2025|v2026|beta)\/([^/]+)(\/.*)?$/.exec(path);
  if (!m || !V1_SERVICES.has(m[1])) return undefined;
  const [, service, rest = ''] = m;
  if (service === 'task-status' && rest === '/pending-tasks') return '/task-status/v1?filters=completionStatus isnull';
  return `/${service}/v1${rest}`;
}
