// Work reassignment (out of office), from reassignment-configurations.v1.yaml (`/reassignment-configurations/v1`, experimental).

/** The kinds of work one configuration reassigns (`Configtypeenum`). */
export type ReassignmentConfigType = 'ACCESS_REQUESTS' | 'CERTIFICATIONS' | 'MANUAL_TASKS' | 'GENERIC_APPROVALS';

export const REASSIGNMENT_CONFIG_TYPES: readonly ReassignmentConfigType[] = ['ACCESS_REQUESTS', 'CERTIFICATIONS', 'MANUAL_TASKS', 'GENERIC_APPROVALS'];

/** `Identity2`. */
export interface ReassignmentIdentity {
  id?: string;
  name?: string;
}

/** `Configurationitemrequest`: one identity's reassignment of one kind of work. */
export interface ConfigurationItemRequest {
  reassignedFromId: string;
  reassignedToId: string;
  configType: ReassignmentConfigType;
  /** date-time */
  startDate: string;
  /** date-time; null means permanent. */
  endDate: string | null;
}

/** `Auditdetails`. */
export interface ReassignmentAuditDetails {
  created?: string;
  createdBy?: ReassignmentIdentity;
  modified?: string;
  modifiedBy?: ReassignmentIdentity;
}

/** `Configurationdetailsresponse`. */
export interface ConfigurationDetails {
  configType?: ReassignmentConfigType;
  targetIdentity?: ReassignmentIdentity;
  startDate?: string;
  /** Empty (or null) means permanent. */
  endDate?: string | null;
  auditDetails?: ReassignmentAuditDetails;
}

/** `Configurationresponse` / `Configurationitemresponse`: an identity's configurations. */
export interface ConfigurationResponse {
  identity?: ReassignmentIdentity;
  configDetails?: ConfigurationDetails[];
}
