import { AccessRequestApprovalService } from '../approvals/accessRequestApprovalService';
import { GenericApprovalService } from '../approvals/genericApprovalService';
import type { ActionPipelineOptions } from '../decisions/actionPipeline';
import type { Decisions } from '../decisions/decision';
import { ReviewService } from '../reviews/reviewService';
import { WorkItemService } from '../workitems/workItemService';
import { Inbox, type InboxItem, type InboxOptions } from './inbox';

/** The services of every kind of item and the inbox over them, as the Slack listeners and notifications use them. */
export interface InboxServices {
  /** Work items. */
  service: WorkItemService;
  accessRequests: AccessRequestApprovalService;
  genericApprovals: GenericApprovalService;
  inbox: Inbox;
  /** Access reviews (certifications): not in the inbox's list, on their own page. */
  reviews: ReviewService;
}

/**
 * Builds one service per kind on the same action pipeline options, and the inbox. An action that
 * changes an item forgets its kind in the inbox's cache, then tells `onChanged` (the notification DMs).
 */
export function createInboxServices(
  opts: ActionPipelineOptions,
  onChanged?: (entry: InboxItem, decisions: Decisions) => void,
  inboxOptions: Omit<InboxOptions, 'logger'> = {},
): InboxServices {
  const changed = (entry: InboxItem, decisions: Decisions) => {
    inbox.invalidate(entry.kind);
    onChanged?.(entry, decisions);
  };
  const service = new WorkItemService({ ...opts, onItemChanged: (item, decisions) => changed({ kind: 'workItem', item }, decisions) });
  const accessRequests = new AccessRequestApprovalService({ ...opts, onItemChanged: (item, decisions) => changed({ kind: 'accessRequest', item }, decisions) });
  const genericApprovals = new GenericApprovalService({ ...opts, onItemChanged: (item, decisions) => changed({ kind: 'generic', item }, decisions) });
  const inbox: Inbox = new Inbox({ workItem: service, accessRequest: accessRequests, generic: genericApprovals }, { logger: opts.logger, ...inboxOptions });
  return { service, accessRequests, genericApprovals, inbox, reviews: new ReviewService(opts) };
}
