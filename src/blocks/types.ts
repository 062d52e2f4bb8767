import type { KnownBlock } from '@slack/types';
import type { WorkItem } from '../isc/types';

/** Who is looking, so times render in their own Slack time zone. */
export interface Viewer {
  /** IANA time zone from Slack `users.info` (`user.tz`), e.g. `Europe/Paris`. */
  tz: string;
  now: Date;
}

export type DecisionKind = 'approved' | 'rejected' | 'forwarded' | 'completed' | 'accounts_submitted';

/** What a Slack user did to an approval item or a whole work item, shown on the card afterwards. */
export interface Decision {
  kind: DecisionKind;
  bySlackUserId: string;
  /** ISO timestamp. */
  at: string;
  /** For `forwarded`: the new owner. */
  forwardedTo?: { slackUserId?: string; name: string };
}

/** Key in `Decisions` for a decision on the whole work item (complete, forward, bulk, accounts). */
export const WHOLE_ITEM = '*';
/** approvalItemId (or WHOLE_ITEM) → decision. */
export type Decisions = Record<string, Decision>;

export type ListKind = 'pending' | 'completed';

export interface CardOptions {
  viewer: Viewer;
  /** Base of the ISC web UI, e.g. `https://acme.identitynow.com`; no "Open in ISC" button when absent. */
  iscUiBaseUrl?: string;
  decisions?: Decisions;
  /** When an admin looks at someone else's items: that person's Slack id (carried in button values). */
  subjectSlackUserId?: string;
  /**
   * The ISC identity whose items the card is shown among (the viewer's, or the admin's subject's): a
   * forward through the bot settles a card only for someone who no longer owns the item.
   */
  subjectIdentityId?: string;
}

export interface WorkItemListPage {
  kind: ListKind;
  items: WorkItem[];
  offset: number;
  pageSize: number;
  /** From X-Total-Count; undefined when unknown. */
  total?: number;
  /** Per-item decisions, keyed by work item id. */
  decisions?: Record<string, Decisions>;
}

/** What the message builders return: blocks plus the top-level text that notifications show. */
export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
}
