// Types of ISC's Generic Approvals API (/generic-approvals/v1): approvals created by workflows and
// Adaptive Approvals. Names follow the spec's schemas (its lower-case component names such as
// `Approvalapproverequest` in PascalCase); no field is required by the spec.

/** Who an approval is assigned to: an identity, a governance group or a role resolved by ISC. */
export type ApprovalIdentityType =
  | 'IDENTITY'
  | 'GOVERNANCE_GROUP'
  | 'MANAGER_OF'
  | 'ACCOUNT_OWNER'
  | 'MACHINE_ACCOUNT_OWNER'
  | 'MACHINE_IDENTITY_OWNER'
  | 'MANAGER_OF_REQUESTED_TARGET_OWNER'
  | 'MANAGER_OF_MACHINE_IDENTITY_OWNER'
  | 'MANAGER_OF_ACCOUNT_OWNER'
  | 'MANAGER_OF_MACHINE_ACCOUNT_OWNER'
  | 'MANAGER_OF_REQUESTER'
  | 'MANAGER_OF_REQUESTER_OWNER'
  | 'MANAGER_OF_OWNER'
  | 'ACCESS_PROFILE_OWNER'
  | 'APPLICATION_OWNER'
  | 'ENTITLEMENT_OWNER'
  | 'ROLE_OWNER'
  | 'SOURCE_OWNER'
  | 'REQUESTED_TARGET_OWNER'
  | 'ACCESS_PROFILE_PRIMARY_OWNER'
  | 'APPLICATION_PRIMARY_OWNER'
  | 'ENTITLEMENT_PRIMARY_OWNER'
  | 'ROLE_PRIMARY_OWNER'
  | 'SOURCE_PRIMARY_OWNER'
  | 'ACCOUNT_PRIMARY_OWNER'
  | 'MACHINE_ACCOUNT_PRIMARY_OWNER'
  | 'MACHINE_IDENTITY_PRIMARY_OWNER'
  | 'REQUESTED_TARGET_PRIMARY_OWNER'
  | 'ACCESS_PROFILE_SECONDARY_OWNER_GROUP'
  | 'APPLICATION_SECONDARY_OWNER_GROUP'
  | 'ENTITLEMENT_SECONDARY_OWNER_GROUP'
  | 'ROLE_SECONDARY_OWNER_GROUP'
  | 'SOURCE_SECONDARY_OWNER_GROUP'
  | 'ACCOUNT_SECONDARY_OWNER_GROUP'
  | 'MACHINE_ACCOUNT_SECONDARY_OWNER_GROUP'
  | 'MACHINE_IDENTITY_SECONDARY_OWNER_GROUP'
  | 'REQUESTED_TARGET_SECONDARY_OWNER_GROUP'
  | 'ACCESS_PROFILE_ALL_OWNER_GROUP'
  | 'APPLICATION_ALL_OWNER_GROUP'
  | 'ENTITLEMENT_ALL_OWNER_GROUP'
  | 'ROLE_ALL_OWNER_GROUP'
  | 'SOURCE_ALL_OWNER_GROUP'
  | 'ACCOUNT_ALL_OWNER_GROUP'
  | 'MACHINE_ACCOUNT_ALL_OWNER_GROUP'
  | 'MACHINE_IDENTITY_ALL_OWNER_GROUP'
  | 'REQUESTED_TARGET_ALL_OWNER_GROUP';

export interface ApprovalIdentity {
  email?: string;
  /** The id of the identity (or group, …) named by `type`. Note the spelling: `identityID`. */
  identityID?: string;
  /** Members of a governance group; omitted otherwise. */
  members?: Array<{ email?: string; id?: string; name?: string; type?: string }>;
  name?: string;
  ownerOf?: Array<{ id?: string; name?: string; type?: string }>;
  /** Position in a serial chain (1 acts first); 0 for parallel approvals. */
  serialOrder?: number;
  type?: ApprovalIdentityType;
}

/** One localized name: an Approval's `name` is an array of these, one per locale. */
export interface ApprovalName {
  value?: string;
  locale?: string;
}

/** One localized description. */
export interface ApprovalDescription {
  value?: string;
  locale?: string;
}

export interface ApprovalBatch {
  batchId?: string;
  batchSize?: number;
}

export interface ApprovalChainStep {
  identityId?: string;
  identityType?: ApprovalIdentityType;
}

/** Spec `Approvalconfig`. */
export interface ApprovalConfig {
  reminderConfig?: { enabled?: boolean; daysUntilFirstReminder?: number; reminderCronSchedule?: string; maxReminders?: number };
  escalationConfig?: {
    enabled?: boolean;
    daysUntilFirstEscalation?: number;
    escalationCronSchedule?: string;
    escalationChain?: ApprovalChainStep[];
  };
  timeoutConfig?: { enabled?: boolean; daysUntilTimeout?: number; timeoutResult?: 'EXPIRED' | 'APPROVED' };
  cronTimezone?: { location?: string; offset?: string };
  serialChain?: ApprovalChainStep[];
  /** Which decisions need a comment; ISC refuses such a decision without one. */
  requiresComment?: 'APPROVAL' | 'REJECTION' | 'ALL' | 'OFF';
  fallbackApprover?: { identityID?: string; type?: ApprovalIdentityType };
  machineIdentityManagerAssignment?:
    | 'MANAGER_OF_REQUESTER'
    | 'MACHINE_IDENTITY_OWNER'
    | 'MANAGER_OF_MACHINE_IDENTITY_OWNER'
    | 'REQUESTED_TARGET_OWNER'
    | 'MANAGER_OF_REQUESTED_TARGET_OWNER'
    | 'ACCOUNT_OWNER'
    | 'MANAGER_OF_ACCOUNT_OWNER';
  circumventApprovalProcess?: boolean;
  autoApprove?: 'OFF' | 'DIRECT' | 'INDIRECT';
}

export interface ApprovalComment {
  author?: ApprovalIdentity;
  comment?: string;
  createdDate?: string;
  commentId?: string;
}

/** Spec `ApprovalReference`. */
export interface ApprovalReference {
  id?: string;
  type?: string;
  name?: string;
  email?: string;
  serialOrder?: number;
}

/** Spec `Approvalidentityrecord`: one decision in `approvedBy` / `rejectedBy`. */
export interface ApprovalIdentityRecord {
  identityID?: string;
  type?: 'IDENTITY';
  name?: string;
  actionedAs?: ApprovalReference[];
  members?: ApprovalReference[];
  decisionDate?: string;
  email?: string;
}

/** Spec `Approvalreassignmenthistory`. */
export interface ApprovalReassignmentHistory {
  commentID?: string;
  reassignedFrom?: ApprovalIdentity;
  reassignedTo?: ApprovalIdentity;
  reassigner?: ApprovalIdentity;
  reassignmentDate?: string;
  reassignmentType?: 'ESCALATION' | 'MANUAL_REASSIGNMENT' | 'AUTO_REASSIGNMENT';
}

/** Spec `Approvalrequestedtarget`. */
export interface ApprovalRequestedTarget {
  forcedAuthSignature?: string;
  id?: string;
  name?: string;
  reauthRequired?: boolean;
  removalDate?: string;
  requestType?: string;
  targetType?: string;
}

export interface ApprovalThreshold {
  calculationType?: 'COUNT' | 'PERCENT';
  value?: number;
}

export type ApprovalPriority = 'HIGH' | 'MEDIUM' | 'LOW';

/**
 * A generic approval. It has no status field: it is pending while `completedDate` is unset. `name`
 * and `description` are localized arrays (see localizedText). `comments`, `approvers` and
 * `reassignmentHistory` are only in a list's items when asked for with `include-…=true`.
 */
export interface Approval {
  id?: string;
  tenantId?: string;
  /** e.g. ENTITLEMENT_DESCRIPTIONS, CUSTOM_ACCESS_REQUEST_APPROVAL, GENERIC_APPROVAL. */
  type?: string;
  approvers?: ApprovalIdentity[];
  createdDate?: string;
  dueDate?: string;
  escalationStep?: string;
  serialStep?: number;
  isEscalated?: boolean;
  name?: ApprovalName[];
  batchRequest?: ApprovalBatch;
  approvalConfig?: ApprovalConfig;
  description?: ApprovalDescription[];
  medium?: 'EMAIL' | 'SLACK' | 'TEAMS';
  priority?: ApprovalPriority;
  requester?: ApprovalIdentity;
  /** Whom the approval is about (e.g. the identity that would get the access). */
  requestee?: ApprovalIdentity;
  comments?: ApprovalComment[];
  approvedBy?: ApprovalIdentityRecord[];
  rejectedBy?: ApprovalIdentityRecord[];
  /** Whom the approval currently waits on (for parallel approvals, everyone left to decide). */
  assignedTo?: ApprovalIdentity[];
  completedDate?: string;
  approvalCriteria?: { type?: string; approval?: ApprovalThreshold; rejection?: ApprovalThreshold };
  /** A JSON string, e.g. `{ "llm_description": "…" }`. */
  additionalAttributes?: string;
  referenceData?: ApprovalReference[];
  reassignmentHistory?: ApprovalReassignmentHistory[];
  staticAttributes?: Record<string, unknown>;
  modifiedDate?: string;
  requestedTarget?: ApprovalRequestedTarget[];
}

/** Spec `Approvalapproverequest`. */
export interface ApprovalApproveRequest {
  additionalAttributes?: Record<string, string>;
  comment?: string;
  /** Only for ServiceNow administrators acting for a member of a governance group. */
  overrideApproverID?: string;
}

/** Spec `Approvalrejectrequest`. */
export interface ApprovalRejectRequest {
  comment?: string;
  overrideApproverID?: string;
}

/** Spec `Approvalreassignrequest`. */
export interface ApprovalReassignRequest {
  comment?: string;
  /** Defaults to the caller when the approval is assigned to them; otherwise only an admin may leave it out. */
  reassignFrom?: string;
  reassignTo?: string;
}

/** Spec `Approvalcommentsrequest`. */
export interface ApprovalCommentsRequest {
  comment?: string;
}

export interface BulkApproveRequestDTO {
  approvalIds?: string[];
  comment?: string;
  additionalAttributes?: Record<string, unknown>;
}

export interface BulkRejectRequestDTO {
  approvalIds?: string[];
  comment?: string;
}
