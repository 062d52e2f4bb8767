// Types of ISC's Access Request Approvals API (access-request-approvals v1; the same shapes under
// /v3/access-request-approvals). Names are the spec's schema titles; no field is required by the spec,
// and `| null` marks what it declares nullable.
import type { ErrorMessageDto } from './types';

/** Spec `Accessrequesttype`. */
export type AccessRequestType = 'GRANT_ACCESS' | 'REVOKE_ACCESS' | 'MODIFY_ACCESS';

export interface AccessItemRequester {
  type?: 'IDENTITY';
  id?: string;
  name?: string;
}

export interface AccessItemRequestedFor {
  type?: 'IDENTITY' | 'MACHINE_IDENTITY';
  id?: string;
  name?: string;
}

export interface AccessItemReviewedBy {
  type?: 'IDENTITY';
  id?: string;
  name?: string;
}

export interface OwnerDto {
  type?: 'IDENTITY';
  id?: string;
  name?: string;
}

/** The role, access profile or entitlement requested. */
export interface RequestableObjectReference {
  id?: string;
  name?: string;
  description?: string;
  type?: 'ACCESS_PROFILE' | 'ROLE' | 'ENTITLEMENT';
}

/** A comment in a response, and the body of approve/reject (where only `comment` is sent). */
export interface CommentDto {
  comment?: string | null;
  created?: string;
  /** Read-only: set by ISC. */
  author?: { type?: 'IDENTITY'; id?: string; name?: string };
}

/** Spec `Reassignmenttype`. */
export type ReassignmentType = 'MANUAL_REASSIGNMENT' | 'AUTOMATIC_REASSIGNMENT' | 'AUTO_ESCALATION' | 'SELF_REVIEW_DELEGATION';

export interface ApprovalForwardHistory {
  oldApproverName?: string;
  newApproverName?: string;
  comment?: string | null;
  modified?: string;
  forwarderName?: string | null;
  reassignmentType?: ReassignmentType;
}

/** Spec `Pendingapprovalaction`: the decision ISC is carrying out on a pending approval. */
export type PendingApprovalAction = 'APPROVED' | 'REJECTED' | 'FORWARDED';

export interface SodPolicyDto {
  type?: 'SOD_POLICY';
  id?: string;
  name?: string;
}

/** Spec `Dtotype`. */
export type DtoType =
  | 'ACCOUNT_CORRELATION_CONFIG'
  | 'ACCESS_PROFILE'
  | 'ACCESS_REQUEST_APPROVAL'
  | 'ACCOUNT'
  | 'APPLICATION'
  | 'CAMPAIGN'
  | 'CAMPAIGN_FILTER'
  | 'CERTIFICATION'
  | 'CLUSTER'
  | 'CONNECTOR_SCHEMA'
  | 'ENTITLEMENT'
  | 'GOVERNANCE_GROUP'
  | 'IDENTITY'
  | 'IDENTITY_PROFILE'
  | 'IDENTITY_REQUEST'
  | 'MACHINE_IDENTITY'
  | 'LIFECYCLE_STATE'
  | 'PASSWORD_POLICY'
  | 'ROLE'
  | 'RULE'
  | 'SOD_POLICY'
  | 'SOURCE'
  | 'TAG'
  | 'TAG_CATEGORY'
  | 'TASK_RESULT'
  | 'REPORT_RESULT'
  | 'SOD_VIOLATION'
  | 'ACCOUNT_ACTIVITY'
  | 'WORKGROUP';

export interface SodExemptCriteria {
  /** Whether the identity already has this access. */
  existing?: boolean;
  type?: DtoType;
  id?: string;
  name?: string;
}

/** One violated policy and the two sides of access that conflict under it. */
export interface SodViolationContext {
  policy?: SodPolicyDto;
  conflictingAccessCriteria?: {
    leftCriteria?: { criteriaList?: SodExemptCriteria[] };
    rightCriteria?: { criteriaList?: SodExemptCriteria[] };
  };
}

export interface SodViolationCheckResult {
  message?: ErrorMessageDto;
  clientMetadata?: Record<string, string> | null;
  violationContexts?: SodViolationContext[] | null;
  violatedPolicies?: SodPolicyDto[] | null;
}

/** The SoD check run on the request; a violation shows as non-empty `violatedPolicies`/`violationContexts`. */
export interface SodViolationContextCheckCompleted {
  state?: 'SUCCESS' | 'ERROR' | null;
  uuid?: string | null;
  violationCheckResult?: SodViolationCheckResult;
}

export interface RequestedAccountRef {
  name?: string;
  type?: DtoType;
  accountUuid?: string | null;
  accountId?: string | null;
  sourceName?: string;
}

export interface EntitlementStateSnapshotJitDetail {
  applicationId?: string;
  attributeName?: string;
  attributeValues?: string[];
  [key: string]: unknown;
}

export interface AccessRequestItemForm {
  formDefinitionId?: string | null;
  formInstanceId?: string | null;
  formData?: Record<string, unknown> | null;
  formElements?: Array<Record<string, unknown>> | null;
  formConditions?: Array<Record<string, unknown>> | null;
  formInstanceInputs?: Record<string, unknown> | null;
  [key: string]: unknown;
}

export interface MaxPermittedAccessDuration {
  value?: number;
  timeUnit?: 'HOURS' | 'DAYS' | 'WEEKS' | 'MONTHS';
}

/** The fields PendingApproval and CompletedApproval share, with the same types in both schemas. */
interface AccessRequestApprovalFields {
  /** The approval id: what approve/reject/forward take. */
  id?: string;
  name?: string;
  created?: string;
  modified?: string;
  requestCreated?: string;
  requestType?: AccessRequestType | null;
  identityType?: 'HUMAN' | 'MACHINE';
  requester?: AccessItemRequester;
  requestedFor?: AccessItemRequestedFor;
  requestedObject?: RequestableObjectReference;
  requesterComment?: CommentDto;
  previousReviewersComments?: CommentDto[];
  forwardHistory?: ApprovalForwardHistory[];
  /** When true ISC refuses a reject without a comment. */
  commentRequiredWhenRejected?: boolean;
  removeDateUpdateRequested?: boolean;
  startDate?: string;
  startUpdateRequested?: boolean;
  currentStartDate?: string;
  sodViolationContext?: SodViolationContextCheckCompleted | null;
  requestedAccounts?: RequestedAccountRef[] | null;
  privilegeLevel?: string | null;
  maxPermittedAccessDuration?: MaxPermittedAccessDuration | null;
  jitDetails?: EntitlementStateSnapshotJitDetail[] | null;
  form?: AccessRequestItemForm | null;
}

/** An access request waiting on its approver (`owner`): ISC's Approvals → Requested. */
export interface PendingApproval extends AccessRequestApprovalFields {
  accessRequestId?: string;
  /** The approver the approval currently waits on. */
  owner?: { type?: 'IDENTITY'; id?: string; name?: string };
  actionInProcess?: PendingApprovalAction;
  removeDate?: string;
  currentRemoveDate?: string;
  clientMetadata?: Record<string, string> | null;
}

/** Spec `Completedapprovalstate`. */
export type CompletedApprovalState = 'APPROVED' | 'REJECTED';

export interface PreApprovalTriggerResult {
  comment?: string;
  decision?: CompletedApprovalState;
  reviewer?: string;
  date?: string;
}

/** A decided access-request approval. */
export interface CompletedApproval extends AccessRequestApprovalFields {
  reviewedBy?: AccessItemReviewedBy;
  owner?: OwnerDto;
  reviewerComment?: CommentDto | null;
  state?: CompletedApprovalState;
  removeDate?: string | null;
  currentRemoveDate?: string | null;
  preApprovalTriggerResult?: PreApprovalTriggerResult | null;
  clientMetadata?: Record<string, string>;
}

/** Body of forwardAccessRequest; both fields 1–255 characters. */
export interface ForwardApprovalDto {
  newOwnerId: string;
  comment: string;
}

/** Counts of access-request approvals for an owner. */
export interface ApprovalSummary {
  pending?: number;
  approved?: number;
  rejected?: number;
}
