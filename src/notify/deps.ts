import type { Config } from '../config';
import type { IscClient } from '../isc/api';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { StateStore } from '../store/store';
import type { AccessRequestApprovalService } from '../approvals/accessRequestApprovalService';
import type { GenericApprovalService } from '../approvals/genericApprovalService';
import type { Inbox } from '../inbox/inbox';
import type { IdentityDirectory } from '../workitems/identityDirectory';
import type { WorkItemService } from '../workitems/workItemService';

/** What notifications need from the bot: the ISC client, the store and the services (a BotContext has all of it). */
export interface NotifyDeps {
  config: Pick<Config, 'notify' | 'isc'>;
  isc: IscClient;
  directory: Pick<IdentityDirectory, 'identityFor' | 'peekIdentity' | 'slackUser' | 'timeZone' | 'locale'>;
  /** Every kind's pending items, for the poll. */
  service: Pick<WorkItemService, 'allPending'>;
  accessRequests: Pick<AccessRequestApprovalService, 'allPending'>;
  genericApprovals: Pick<GenericApprovalService, 'allPending'>;
  /** Decisions and reads of any kind, and the cache the poll keeps warm. */
  inbox: Pick<Inbox, 'decisionsOf' | 'read' | 'readStarted' | 'prime'>;
  store: StateStore;
  logger: Logger;
  now: () => Date;
  metrics?: Metrics;
}
