import type {
  AccessRequest,
  AccessRequestResponse,
  AccessReviewItem,
  AccountSelection,
  Approval,
  ApprovalApproveRequest,
  ApprovalCommentsRequest,
  ApprovalReassignRequest,
  ApprovalRejectRequest,
  ApprovalSummary,
  BulkApproveRequestDTO,
  BulkRejectRequestDTO,
  CertificationTask,
  CompletedApproval,
  ConfigurationItemRequest,
  ConfigurationResponse,
  ForwardApprovalDto,
  IdentityCertificationDto,
  SlimCampaign,
  JsonPatchOperation,
  Page,
  PageParams,
  PendingApproval,
  PublicIdentity,
  ReassignmentConfigType,
  RequestableObject,
  RequestableObjectType,
  RequestedItemStatus,
  ReviewDecision,
  ReviewReassign,
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

/** ISC Work Items API: v1 (`/work-items/v1`) or v3 (`/v3/work-items`). One method per spec operation. */
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
}

export interface TaskStatusListParams extends PageParams {
  /** SCIM-like filter, e.g. `completionStatus eq "ERROR"` or `completionStatus isnull`. */
  filters?: string;
  /** e.g. `-created`. */
  sorters?: string;
}

/** ISC Task Management API: v1 (`/task-status/v1`) or v2024 (`/v2024/task-status`). */
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
  /**
   * `GET /public-identities?filters=email eq "…"`: up to `limit` (default 10) identities with that email.
   * Several, or inactive ones, are real (a person and their admin account, a contractor record).
   */
  findIdentitiesByEmail(email: string, limit?: number): Promise<PublicIdentity[]>;
  /** `GET /public-identities?filters=id eq "…"`; null when unknown. */
  getIdentityById(id: string): Promise<PublicIdentity | null>;
}

export interface AccessRequestApprovalListParams extends PageParams {
  /**
   * Sent as `owner-id`: the approver whose queue to read. An ORG_ADMIN (the bot's service identity)
   * may name anyone, or leave it out for every approval in the org; anyone else only themselves or `me`.
   */
  ownerId?: string;
  /**
   * e.g. `requestedFor.id eq "…"`. Pending: `id`, `requestedFor.id`, `accessRequestId` (eq, in),
   * `modified`, `created` (eq, in, gt, ge, lt, le). Completed: `id`, `requestedFor.id`, `modified`.
   */
  filters?: string;
  /** `created` or `modified`, `-` for descending. */
  sorters?: string;
}

/**
 * ISC Access Request Approvals API: v1 (`/access-request-approvals/v1`) or v3
 * (`/v3/access-request-approvals`). The approvals of ISC's *Approvals → Requested* queue; not work
 * items. Decisions are answered 202 Accepted: ISC carries them out shortly after, and a re-read
 * pending list may still show the approval with `actionInProcess` set.
 *
 * The inbox's "pending for this identity" is `listPendingApprovals({ ownerId: identityId })`.
 */
export interface AccessRequestApprovalsApi {
  listPendingApprovals(params?: AccessRequestApprovalListParams): Promise<Page<PendingApproval>>;
  listCompletedApprovals(params?: AccessRequestApprovalListParams): Promise<Page<CompletedApproval>>;
  /** Approves; the comment is optional (no body is sent without one). */
  approveAccessRequest(approvalId: string, comment?: string): Promise<void>;
  /**
   * Rejects. ISC refuses it (400) without a comment when the approval's `commentRequiredWhenRejected`
   * is true: check that before calling.
   */
  rejectAccessRequest(approvalId: string, comment?: string): Promise<void>;
  /** Hands the approval to another identity; ISC requires both fields (1–255 characters). */
  forwardAccessRequest(approvalId: string, forward: ForwardApprovalDto): Promise<void>;
  /** Pending / approved / rejected counts; `fromDate` (ISO-8601) limits them to approvals since then. */
  getAccessRequestApprovalSummary(params?: { ownerId?: string; fromDate?: string }): Promise<ApprovalSummary>;
}

export interface GetApprovalsParams extends PageParams {
  /**
   * Only the caller's approvals (`approverId` = the caller). ISC defaults it to true for non-admins and
   * false for admins, so the bot's service identity must name the approver with `approverId` instead.
   */
  mine?: boolean;
  /** requesterId, requesteeId and approverId must be the caller's own identity unless the caller is an admin. */
  requesterId?: string;
  requesteeId?: string;
  /** Approvals that list this identity among their approvers. */
  approverId?: string;
  /**
   * e.g. `status eq "PENDING"`; fields include status, name, priority, type, medium, description,
   * createdDate, dueDate, completedDate, modifiedDate, referenceId, referenceType, requesterId,
   * requesteeId, approverId (eq, ne, in, co, sw; dates also gt, ge, lt, le).
   */
  filters?: string;
  /** List items carry `comments`, `approvers`, `reassignmentHistory`, `batchRequest` only when asked. */
  includeComments?: boolean;
  includeApprovers?: boolean;
  includeReassignmentHistory?: boolean;
  includeBatchInfo?: boolean;
}

/**
 * ISC Generic Approvals API (`/generic-approvals/v1`, no legacy layout): approvals created by
 * workflows and Adaptive Approvals. The inbox's "pending for this identity" is
 * `getApprovals(pendingApprovalsQuery(identityId))`, i.e.
 * `?approverId={id}&filters=status eq "PENDING"&include-comments=true`: an Approval has no status
 * field (pending means no `completedDate`), but the list filters on one. Who it waits on now is
 * `assignedTo` (always in the list); `approvers` only with includeApprovers.
 *
 * Acting with the bot's service token (an admin that is not an approver), ISC first reassigns the
 * approval from one of its approvers, chosen at random, to the admin: the record names the bot's
 * identity, and in a parallel approval possibly in place of someone else. With a linked account the
 * person decides as themselves.
 */
export interface GenericApprovalsApi {
  getApprovals(params?: GetApprovalsParams): Promise<Page<Approval>>;
  /** The total alone (`count-only=true`, from `X-Total-Count`), for counts and summaries. */
  countApprovals(params?: Pick<GetApprovalsParams, 'mine' | 'requesterId' | 'requesteeId' | 'approverId' | 'filters'>): Promise<number>;
  getApproval(id: string): Promise<Approval>;
  /**
   * Approves as the caller; returns the approval. A comment is required when its
   * `approvalConfig.requiresComment` is APPROVAL or ALL.
   */
  approveApproval(id: string, request?: ApprovalApproveRequest): Promise<Approval>;
  /** Rejects (204); a comment is required when `approvalConfig.requiresComment` is REJECTION or ALL. */
  rejectApproval(id: string, request?: ApprovalRejectRequest): Promise<void>;
  /**
   * Reassign (204): `reassignTo` is required; `reassignFrom` defaults to the caller when the approval
   * is assigned to them, so the service token must name the person it reassigns from.
   */
  updateApprovalsReassign(id: string, request: ApprovalReassignRequest): Promise<void>;
  /** Adds a comment; returns the approval with it. */
  updateApprovalsComments(id: string, request: ApprovalCommentsRequest): Promise<Approval>;
  /** Admin only (`sp:approvals:write`); answered 202 Accepted. */
  approveApprovalInBulk(request: BulkApproveRequestDTO): Promise<void>;
  rejectApprovalInBulk(request: BulkRejectRequestDTO): Promise<void>;
}

export interface RequestableObjectListParams extends PageParams {
  /** `identity-id`: what this identity may request (`me` for the token's own user); an admin may name anyone. */
  identityId?: string;
  /** Partial match on name or description; ISC then ignores `filters`. */
  term?: string;
  /** ISC's list takes only ROLE and ACCESS_PROFILE here (entitlements have their own API). */
  types?: Array<Exclude<RequestableObjectType, 'ENTITLEMENT'>>;
  /** `AVAILABLE`, `PENDING`, `ASSIGNED`; only with `identityId`. */
  statuses?: Array<'AVAILABLE' | 'PENDING' | 'ASSIGNED'>;
  /** `id` (eq, in), `name` (eq, in, sw). */
  filters?: string;
}

export interface AccessRequestStatusParams extends PageParams {
  /** `requested-for`: the identity the requests are for (`me`: the token's user). */
  requestedFor?: string;
  /** `requested-by`: who made them. With the bot's service token that is the bot, not the person. */
  requestedBy?: string;
  /** e.g. `accessRequestId eq "…"`. */
  filters?: string;
  /** `created`, `modified`, `accountActivityItemId`, `name`; `-` for descending. */
  sorters?: string;
}

export interface CertificationListParams extends PageParams {
  /** Sent as `reviewer-identity`: the reviewer's identity id, or `me` (the caller, with a user's token). */
  reviewerIdentity?: string;
  /** `id`, `campaign.id` (eq, in), `phase`, `completed` (eq), e.g. `completed eq false`. */
  filters?: string;
  /** e.g. `due`, `-due`, `name`. */
  sorters?: string;
}

export interface AccessReviewItemListParams extends PageParams {
  /**
   * `id`, `identitySummary.id`, `access.id` (eq, in), `type`, `access.type` (eq), `completed` (eq, ne),
   * `identitySummary.name`, `access.name`, `entitlement.sourceName`, `accessProfile.sourceName` (eq, sw).
   * There is no `decision` filter: undecided items are `completed eq false`.
   */
  filters?: string;
  sorters?: string;
}

/**
 * ISC Access Requests API (`/access-requests/v1`, `/access-request-status/v1`) and Requestable
 * Objects API (`/requestable-objects/v1`): the requester's side. Requests are processed
 * asynchronously (202): ISC answers before any approval exists, and it does not refuse a duplicate.
 */
export interface AccessRequestsApi {
  listRequestableObjects(params?: RequestableObjectListParams): Promise<Page<RequestableObject>>;
  createAccessRequest(request: AccessRequest): Promise<AccessRequestResponse>;
  /** Cancels a request that has not passed approval; `accountActivityId` is the status's `accessRequestId`. */
  cancelAccessRequest(accountActivityId: string, comment: string): Promise<void>;
  listAccessRequestStatus(params?: AccessRequestStatusParams): Promise<Page<RequestedItemStatus>>;
}

/**
 * ISC Certifications API (`/certifications/v1`): a reviewer's identity campaign certifications, their
 * access-review items, decisions, sign-off and reassignment. None of it works for certifications
 * assigned to governance groups.
 */
export interface CertificationsApi {
  listIdentityCertifications(params?: CertificationListParams): Promise<Page<IdentityCertificationDto>>;
  getIdentityCertification(id: string): Promise<IdentityCertificationDto>;
  listIdentityAccessReviewItems(id: string, params?: AccessReviewItemListParams): Promise<Page<AccessReviewItem>>;
  /** 1–250 decisions in one request; answers the certification afterwards. */
  makeIdentityDecision(id: string, decisions: ReviewDecision[]): Promise<IdentityCertificationDto>;
  /** ISC answers 400 while items are undecided. */
  signOffIdentityCertification(id: string): Promise<IdentityCertificationDto>;
  /** Up to 50 identities or items. */
  reassignIdentityCertifications(id: string, reassign: ReviewReassign): Promise<IdentityCertificationDto>;
  /** Up to 500, as a task. */
  submitReassignCertsAsync(id: string, reassign: ReviewReassign): Promise<CertificationTask>;
}

/**
 * ISC Work Reassignment API (`/reassignment-configurations/v1`, experimental: every call sends
 * `X-SailPoint-Experimental: true`). One configuration per identity and configType.
 */
export interface ReassignmentConfigurationsApi {
  /** The identity's configurations; ISC answers 404 when it has none. */
  getReassignmentConfiguration(identityId: string): Promise<ConfigurationResponse>;
  /** Creates the configuration of one configType (201). */
  createReassignmentConfiguration(request: ConfigurationItemRequest): Promise<ConfigurationResponse>;
  /** Replaces the identity's configuration of the request's configType. */
  putReassignmentConfig(identityId: string, request: ConfigurationItemRequest): Promise<ConfigurationResponse>;
  /** Deletes one configuration (204). */
  deleteReassignmentConfiguration(identityId: string, configType: ReassignmentConfigType): Promise<void>;
}

export interface CampaignListParams extends PageParams {
  /** `id` (eq, in), `name` (eq, sw), `status` (eq, in), e.g. `status eq "ACTIVE"`. */
  filters?: string;
  /** `name` or `created`. */
  sorters?: string;
}

/** ISC Certification Campaigns API (`/campaigns/v1`): the campaigns and their progress (an admin's read). */
export interface CampaignsApi {
  listCampaigns(params?: CampaignListParams): Promise<Page<SlimCampaign>>;
}

export interface IscClient {
  workItems: WorkItemsApi;
  taskManagement: TaskManagementApi;
  identities: IdentitiesApi;
  accessRequestApprovals: AccessRequestApprovalsApi;
  genericApprovals: GenericApprovalsApi;
  accessRequests: AccessRequestsApi;
  certifications: CertificationsApi;
  reassignmentConfigurations: ReassignmentConfigurationsApi;
  campaigns: CampaignsApi;
}
