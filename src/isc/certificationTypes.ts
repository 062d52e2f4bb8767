// Types from SailPoint's published Certifications API (certifications.v1.yaml): identity campaign
// certifications, their access-review items, decisions, reassignment and the task of an async reassign.

export type CertificationPhase = 'STAGED' | 'ACTIVE' | 'SIGNED';
export type CertificationDecision = 'APPROVE' | 'REVOKE';
export type MandatoryCommentRequirement = 'ALL_DECISIONS' | 'REVOKE_ONLY_DECISIONS' | 'NO_DECISIONS';

export interface CampaignReference {
  id: string;
  name: string;
  type: 'CAMPAIGN';
  campaignType: 'MANAGER' | 'SOURCE_OWNER' | 'SEARCH' | 'ROLE_COMPOSITION' | 'MACHINE_ACCOUNT';
  description: string | null;
  correlatedStatus: 'CORRELATED' | 'UNCORRELATED';
  mandatoryCommentRequirement: MandatoryCommentRequirement;
}

export interface CertificationReviewer {
  id?: string;
  name?: string;
  email?: string | null;
  type?: 'IDENTITY' | 'GOVERNANCE_GROUP';
  created?: string | null;
  modified?: string | null;
}

export interface IdentityCertificationDto {
  id?: string;
  name?: string;
  campaign?: CampaignReference;
  completed?: boolean;
  identitiesCompleted?: number;
  identitiesTotal?: number;
  created?: string;
  modified?: string;
  decisionsMade?: number;
  decisionsTotal?: number;
  due?: string | null;
  signed?: string | null;
  reviewer?: CertificationReviewer;
  reassignment?: { from?: { id?: string; name?: string; type?: 'CERTIFICATION'; reviewer?: CertificationReviewer }; comment?: string } | null;
  hasErrors?: boolean;
  errorMessage?: string | null;
  phase?: CertificationPhase;
}

export interface ReviewIdentityReference {
  type?: string;
  id?: string;
  name?: string;
  email?: string | null;
}

export interface ReviewableEntitlement {
  id?: string;
  name?: string;
  description?: string | null;
  privileged?: boolean;
  owner?: ReviewIdentityReference | null;
  attributeName?: string;
  attributeValue?: string;
  sourceName?: string;
  sourceType?: string;
  sourceId?: string;
  revocable?: boolean;
  account?: {
    nativeIdentity?: string;
    disabled?: boolean;
    locked?: boolean;
    id?: string | null;
    name?: string | null;
    activityInsights?: { accountID?: string; usageDays?: number; usageDaysState?: 'COMPLETE' | 'UNKNOWN' };
  } | null;
}

export interface ReviewableAccessProfile {
  id?: string;
  name?: string;
  description?: string;
  privileged?: boolean;
  endDate?: string | null;
  owner?: ReviewIdentityReference | null;
  entitlements?: ReviewableEntitlement[];
}

export interface ReviewableRole {
  id?: string;
  name?: string;
  description?: string;
  privileged?: boolean;
  revocable?: boolean;
  endDate?: string;
  owner?: ReviewIdentityReference | null;
}

export type ReviewAccessType = 'ENTITLEMENT' | 'ACCESS_PROFILE' | 'ROLE';

export interface AccessSummary {
  access?: { type?: ReviewAccessType | string; id?: string; name?: string };
  entitlement?: ReviewableEntitlement | null;
  accessProfile?: ReviewableAccessProfile;
  role?: ReviewableRole | null;
}

export interface CertificationIdentitySummary {
  id?: string;
  name?: string;
  identityId?: string;
  completed?: boolean;
}

export interface ReviewRecommendation {
  recommendation?: string | null;
  reasons?: string[];
  timestamp?: string;
}

export interface AccessReviewItem {
  accessSummary?: AccessSummary;
  identitySummary?: CertificationIdentitySummary;
  id?: string;
  completed?: boolean;
  newAccess?: boolean;
  decision?: CertificationDecision;
  comments?: string | null;
  /**
   * IAI's recommendation. Not in the published AccessReviewItem schema (only in ReviewDecision, which
   * echoes it back); tenants with IAI recommendations return it on the item, so it is read when present.
   */
  recommendation?: ReviewRecommendation | null;
}

/** One decision of `POST /certifications/v1/{id}/decide` (1–250 per request). */
export interface ReviewDecision {
  id: string;
  decision: CertificationDecision;
  bulk: boolean;
  /** Only for REVOKE. */
  proposedEndDate?: string;
  recommendation?: ReviewRecommendation;
  comments?: string;
}

export type ReassignType = 'TARGET_SUMMARY' | 'ITEM' | 'IDENTITY_SUMMARY';

export interface ReviewReassign {
  reassign: Array<{ id: string; type: ReassignType }>;
  /** The identity id of the new reviewer. */
  reassignTo: string;
  reason: string;
}

export interface CertificationTask {
  id?: string;
  type?: string;
  targetType?: 'CERTIFICATION' | 'CAMPAIGN';
  targetId?: string;
  status?: 'QUEUED' | 'IN_PROGRESS' | 'SUCCESS' | 'ERROR';
  errors?: Array<{ locale?: string | null; text?: string }>;
  created?: string;
}
