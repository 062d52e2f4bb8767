// Types from SailPoint's published OpenAPI: work-items (v3 / v1), task-management (v2024 / v1),
// public-identities (v3 / v1); the approval APIs' types are re-exported at the end. Field names,
// nullability and enums follow the spec exactly, including its typo `PolicyVioloation`.

export type WorkItemState = 'Finished' | 'Rejected' | 'Returned' | 'Expired' | 'Pending' | 'Canceled';

export type WorkItemType =
  | 'Generic'
  | 'Certification'
  | 'Remediation'
  | 'Delegation'
  | 'Approval'
  | 'ViolationReview'
  | 'Form'
  | 'PolicyVioloation'
  | 'Challenge'
  | 'ImpactAnalysis'
  | 'Signoff'
  | 'Event'
  | 'ManualAction'
  | 'Test';

export interface ApprovalItemDetails {
  id?: string;
  account?: string | null;
  application?: string;
  name?: string | null;
  operation?: string;
  value?: string | null;
  state?: WorkItemState | null;
}

export interface RemediationItemDetails {
  id?: string;
  targetId?: string;
  targetName?: string;
  targetDisplayName?: string;
  applicationName?: string;
  attributeName?: string;
  attributeOperation?: string;
  attributeValue?: string;
  nativeIdentity?: string;
}

/** The spec leaves form items untyped (`type: object`); these are the keys ISC sends in practice. */
export interface FormItem {
  name?: string;
  label?: string;
  type?: string;
  required?: boolean;
  value?: unknown;
  allowedValues?: Array<string | { value: string; label?: string; displayName?: string }>;
  [key: string]: unknown;
}

export interface SectionDetails {
  name?: string;
  label?: string;
  formItems?: FormItem[];
}

export interface FormDetails {
  id?: string | null;
  name?: string | null;
  title?: string;
  subtitle?: string;
  targetUser?: string;
  sections?: SectionDetails[];
}

export interface WorkItem {
  id?: string;
  requesterId?: string | null;
  requesterDisplayName?: string | null;
  ownerId?: string | null;
  ownerName?: string;
  created?: string;
  modified?: string | null;
  description?: string;
  state?: WorkItemState;
  type?: WorkItemType;
  remediationItems?: RemediationItemDetails[] | null;
  approvalItems?: ApprovalItemDetails[] | null;
  name?: string | null;
  completed?: string | null;
  numItems?: number | null;
  form?: FormDetails | null;
  errors?: string[];
}

export interface WorkItemsCount {
  count?: number;
}

export interface WorkItemsSummary {
  open?: number;
  completed?: number;
  total?: number;
}

export interface WorkItemForward {
  targetOwnerId: string;
  comment: string;
  sendNotifications?: boolean;
}

/** Body of submitAccountSelection: form field name → selected value. */
export type AccountSelection = Record<string, unknown>;

export type TaskCompletionStatus = 'SUCCESS' | 'WARNING' | 'ERROR' | 'TERMINATED' | 'TEMPERROR';

export interface LocalizedMessage {
  locale: string;
  message: string;
}

export interface TaskStatusMessage {
  type: 'INFO' | 'WARN' | 'ERROR';
  localizedText: LocalizedMessage | null;
  key: string;
  parameters: Array<Record<string, unknown> | string> | null;
}

export interface TaskReturnDetails {
  name: string;
  attributeName: string;
}

export interface TaskTarget {
  id?: string;
  type?: 'APPLICATION' | 'IDENTITY' | null;
  name?: string;
}

export interface TaskDefinitionSummary {
  id: string;
  uniqueName: string;
  description?: string | null;
  parentName: string;
  executor: string | null;
  arguments: Record<string, unknown>;
}

export interface TaskStatus {
  id: string;
  type: 'QUARTZ' | 'QPOC' | 'QUEUED_TASK';
  uniqueName: string;
  description?: string;
  parentName: string | null;
  launcher: string;
  target?: TaskTarget | null;
  created: string;
  modified: string | null;
  launched: string | null;
  completed: string | null;
  completionStatus: TaskCompletionStatus | null;
  messages: TaskStatusMessage[];
  returns: TaskReturnDetails[];
  attributes: Record<string, unknown>;
  progress: string | null;
  percentComplete: number;
  taskDefinitionSummary?: TaskDefinitionSummary;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: string | boolean | number | Record<string, unknown> | unknown[];
}

export interface IdentityReference {
  type?: 'IDENTITY';
  id?: string;
  name?: string;
}

export interface PublicIdentity {
  id?: string;
  name?: string;
  alias?: string;
  email?: string | null;
  status?: string | null;
  identityState?: 'ACTIVE' | 'INACTIVE_SHORT_TERM' | 'INACTIVE_LONG_TERM' | null;
  manager?: IdentityReference | null;
  attributes?: Array<{ key?: string; name?: string; value?: string }>;
}

export interface ErrorMessageDto {
  locale?: string | null;
  localeOrigin?: 'DEFAULT' | 'REQUEST' | null;
  text?: string;
}

export interface ErrorResponseDto {
  detailCode?: string;
  trackingId?: string;
  messages?: ErrorMessageDto[];
  causes?: ErrorMessageDto[];
}

/** Standard collection parameters (`limit` ≤ 250). */
export interface PageParams {
  limit?: number;
  offset?: number;
  count?: boolean;
}

/** One page of a collection; `total` is `X-Total-Count` when `count: true` was asked. */
export interface Page<T> {
  items: T[];
  total?: number;
}

export type * from './accessRequestApprovalTypes';
export type * from './genericApprovalTypes';
export type * from './accessRequestTypes';
export type * from './certificationTypes';
export type * from './reassignmentConfigurationTypes';

/** A certification campaign as `GET /campaigns/v1` lists it (the slim form): its progress in certifications signed. */
export interface SlimCampaign {
  id?: string;
  name?: string;
  type?: string;
  /** PENDING, STAGED, CANCELING, ACTIVATING, ACTIVE, COMPLETING, COMPLETED, ERROR, ARCHIVED. */
  status?: string;
  deadline?: string | null;
  created?: string;
  totalCertifications?: number;
  completedCertifications?: number;
}
