// Types of ISC's Access Requests API (`/access-requests/v1`, `/access-request-status/v1`) and
// Requestable Objects API (`/requestable-objects/v1`), from SailPoint's published spec. None of the
// response fields is required there: every one is optional here. Shapes the approvals spec shares
// (AccessRequestType, CommentDto, OwnerDto...) come from accessRequestApprovalTypes.
import type { AccessItemRequester, AccessItemReviewedBy, AccessRequestType, OwnerDto } from './accessRequestApprovalTypes';

export type RequestableObjectType = 'ACCESS_PROFILE' | 'ROLE' | 'ENTITLEMENT';
export type RequestableObjectRequestStatus = 'AVAILABLE' | 'PENDING' | 'ASSIGNED';

export interface IdentityReferenceWithNameAndEmail {
  type?: string;
  id?: string;
  name?: string;
  email?: string;
}

export interface RequestableObject {
  id?: string;
  name?: string;
  created?: string;
  modified?: string | null;
  description?: string | null;
  type?: RequestableObjectType;
  /** Set only when the list was asked for an identity (`identity-id`). */
  requestStatus?: RequestableObjectRequestStatus | null;
  /** When requestStatus is PENDING: the account activity (access request) id. */
  identityRequestId?: string | null;
  ownerRef?: IdentityReferenceWithNameAndEmail;
  requestCommentsRequired?: boolean;
}

export interface AccessRequestItem {
  type: RequestableObjectType;
  id: string;
  comment?: string;
  /** ISO-8601 date-time: the access ends then. */
  removeDate?: string;
  startDate?: string;
  clientMetadata?: Record<string, string>;
}

export interface AccessRequest {
  requestedFor: string[];
  requestType?: AccessRequestType;
  requestedItems: AccessRequestItem[];
  clientMetadata?: Record<string, string>;
}

export interface AccessRequestTracking {
  requestedFor?: string;
  requestedItemsDetails?: Array<{ type?: RequestableObjectType; id?: string }>;
  attributesHash?: number;
  accessRequestIds?: string[];
}

/** `POST /access-requests/v1` answers 202 with this. */
export interface AccessRequestResponse {
  newRequests?: AccessRequestTracking[];
  /** Items already requested (in progress) for that identity: ISC made no new request for them. */
  existingRequests?: AccessRequestTracking[];
}

export interface CancelAccessRequest {
  /** The request's id as the status API gives it (`accessRequestId`, "the account activity id"). */
  accountActivityId: string;
  comment: string;
}

export type RequestedItemState =
  | 'EXECUTING'
  | 'REQUEST_COMPLETED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'PROVISIONING_VERIFICATION_PENDING'
  | 'REJECTED'
  | 'PROVISIONING_FAILED'
  | 'NOT_ALL_ITEMS_PROVISIONED'
  | 'ERROR';

export type ManualWorkItemState = 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED' | 'CANCELLED' | 'ARCHIVED';

export interface ApprovalStatusDto {
  forwarded?: boolean;
  originalOwner?: OwnerDto;
  currentOwner?: AccessItemReviewedBy | null;
  modified?: string;
  status?: ManualWorkItemState;
  scheme?: string;
  comment?: string;
  removeDate?: string;
}

export interface AccessRequestPhase {
  started?: string;
  finished?: string | null;
  name?: string;
  state?: 'PENDING' | 'EXECUTING' | 'COMPLETED' | 'CANCELLED' | 'NOT_EXECUTED';
  result?: 'SUCCESSFUL' | 'FAILED' | null;
}

export interface RequestedItemStatus {
  id?: string;
  name?: string;
  type?: RequestableObjectType | null;
  cancelledRequestDetails?: { comment?: string; owner?: OwnerDto; modified?: string } | null;
  errorMessages?: Array<Array<{ text?: string }>> | null;
  state?: RequestedItemState;
  approvalDetails?: ApprovalStatusDto[];
  approvalIds?: string[] | null;
  accountActivityItemId?: string;
  requestType?: AccessRequestType | null;
  modified?: string | null;
  created?: string;
  requester?: AccessItemRequester;
  /** The spec says only `object`; ISC sends an identity reference. */
  requestedFor?: OwnerDto;
  requesterComment?: { comment?: string | null; created?: string } | null;
  accessRequestPhases?: AccessRequestPhase[] | null;
  description?: string | null;
  removeDate?: string | null;
  /** Whether ISC still lets the request be cancelled (it has not passed approval). */
  cancelable?: boolean;
  /** The account activity id: what `cancel` takes as `accountActivityId`. */
  accessRequestId?: string;
}
