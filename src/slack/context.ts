import type { AuditLog, AuditTrail } from '../audit/auditLog';
import type { AccountLinking } from '../auth/accountLinking';
import type { Config } from '../config';
import type { IscClient } from '../isc/api';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { Notifier } from '../notify/notifier';
import type { StateStore } from '../store/store';
import type { AccessRequestApprovalService } from '../approvals/accessRequestApprovalService';
import type { AwayService } from '../away/awayService';
import type { GenericApprovalService } from '../approvals/genericApprovalService';
import type { Inbox } from '../inbox/inbox';
import type { ReviewService } from '../reviews/reviewService';
import type { IdentityDirectory } from '../workitems/identityDirectory';
import type { RequestService } from '../requests/requestService';
import type { WorkItemService } from '../workitems/workItemService';

/** What every listener is given: the services, never the raw environment. */
export interface BotContext {
  config: Config;
  isc: IscClient;
  /** Work items. */
  service: WorkItemService;
  accessRequests: AccessRequestApprovalService;
  genericApprovals: GenericApprovalService;
  /** Every kind in one list: paging, counts, the short cache of the kinds an interaction does not touch. */
  inbox: Inbox;
  /** The requester's side: requesting access, following and cancelling requests. */
  requests: RequestService;
  /** Access reviews (ISC certifications). */
  reviews: ReviewService;
  /** Out of office (ISC work reassignment); undefined where a context is built without it (tests). */
  away?: AwayService;
  directory: IdentityDirectory;
  store: StateStore;
  /** The audit trail, read by `/workitems audit`; undefined where a context is built without it (tests). */
  audit?: AuditLog;
  /** Writes decisions and privileged acts (task termination, an admin reading someone's inbox, exports) to `audit`. */
  trail?: AuditTrail;
  logger: Logger;
  now: () => Date;
  /** Account linking; undefined in AUTH_MODE=service. */
  linking?: AccountLinking;
  /** Notification DMs; undefined where a context is built without them (tests). */
  notifier?: Notifier;
  /** State of the ISC connection for /healthz. */
  iscHealth: () => Promise<{ ok: boolean; detail: string }>;
  /** For /healthz: whether this replica runs the background work (polling, reminders, digest); `single` without a shared store. */
  background?: () => 'leader' | 'standby' | 'single';
  /** Served on /metrics; undefined where a context is built without it (tests). */
  metrics?: Metrics;
}
