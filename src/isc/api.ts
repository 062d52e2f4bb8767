import type {
  AccountSelection,
  JsonPatchOperation,
  Page,
  PageParams,
  PublicIdentity,
  TaskStatus,
  WorkItem,
  WorkItemForward,
  WorkItemsCount,
  WorkItemsSummary,
} from './types';

export interface OwnerParam {
  /** Needed with a token that has no user context (client credentials), or for an admin acting for someone. */
  ownerId?: string;
}

/** ISC Work Items API: v3 (`/v3/work-items`) or v1 (`/work-items/v1`). One method per spec operation. */
export interface WorkItemsApi {
  listWorkItems(params?: PageParams & OwnerParam): Promise<Page<WorkItem>>;
  getCompletedWorkItems(params?: PageParams & OwnerParam): Promise<Page<WorkItem>>;
  getCountWorkItems(params?: OwnerParam): Promise<WorkItemsCount>;
  getCountCompletedWorkItems(params?: OwnerParam): Promise<WorkItemsCount>;
  getWorkItemsSummary(params?: OwnerParam): Promise<WorkItemsSummary>;
  getWorkItem(id: string): Promise<WorkItem>;
  completeWorkItem(id: string, body?: string | null): Promise<WorkItem>;
  sendWorkItemForward(id: string, forward: WorkItemForward): Promise<void>;
  approveApprovalItem(id: string, approvalItemId: string): Promise<WorkItem>;
  rejectApprovalItem(id: string, approvalItemId: string): Promise<WorkItem>;
  approveApprovalItemsInBulk(id: string): Promise<WorkItem>;
  rejectApprovalItemsInBulk(id: string): Promise<WorkItem>;
  submitAccountSelection(id: string, selection: AccountSelection): Promise<WorkItem>;
  /** Walks every page of listWorkItems (limit ≤ 250 per request). */
  iterateWorkItems(params?: { ownerId?: string; pageSize?: number }): AsyncIterable<WorkItem>;
}

export interface TaskStatusListParams extends PageParams {
  /** SCIM-like filter, e.g. `completionStatus eq "ERROR"` or `completionStatus isnull`. */
  filters?: string;
  /** e.g. `-created`. */
  sorters?: string;
}

/** ISC Task Management API: v2024 (`/v2024/task-status`) or v1 (`/task-status/v1`). */
export interface TaskManagementApi {
  /** Total of pending tasks, from `X-Total-Count` of a HEAD (v2024) or a `count=true&limit=1` GET (v1). */
  getPendingTaskHeaders(params?: PageParams): Promise<{ total: number }>;
  getPendingTasks(params?: PageParams): Promise<Page<TaskStatus>>;
  getTaskStatus(id: string): Promise<TaskStatus>;
  getTaskStatusList(params?: TaskStatusListParams): Promise<Page<TaskStatus>>;
  updateTaskStatus(id: string, patch: JsonPatchOperation[]): Promise<TaskStatus>;
}

/** ISC Public Identities API, used to map Slack users (by email) to ISC identities. */
export interface IdentitiesApi {
  /** `GET /public-identities?filters=email eq "…"`; null when no identity has that email. */
  findIdentityByEmail(email: string): Promise<PublicIdentity | null>;
  /** `GET /public-identities?filters=id eq "…"`; null when unknown. */
  getIdentityById(id: string): Promise<PublicIdentity | null>;
}

export interface IscClient {
  workItems: WorkItemsApi;
  taskManagement: TaskManagementApi;
  identities: IdentitiesApi;
}
