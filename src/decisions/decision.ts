// What a Slack user decided on an item through the bot, for every kind of item (work items,
// access-request approvals, generic approvals), as the cards show it afterwards.

export type DecisionKind = 'approved' | 'rejected' | 'forwarded' | 'reassigned' | 'completed' | 'accounts_submitted';

/** What a Slack user did to an approval item, a whole item, or (generic approvals) their own part in one. */
export interface Decision {
  kind: DecisionKind;
  bySlackUserId: string;
  /** ISO timestamp. */
  at: string;
  /** For `forwarded` and `reassigned`: the new owner. */
  forwardedTo?: { slackUserId?: string; name: string };
}

/** Key in `Decisions` for a decision on the whole item (complete, forward, bulk, accounts, an access request). */
export const WHOLE_ITEM = '*';

/**
 * Part → decision. The part is an approval item id for work items, WHOLE_ITEM for a decision on the
 * whole item, and for generic approvals (which wait on several approvers at once) the Slack user
 * who decided their own part.
 */
export type Decisions = Record<string, Decision>;

/** A decision that hands the item to someone else instead of deciding it. */
export const isHandOver = (d: Pick<Decision, 'kind'>): boolean => d.kind === 'forwarded' || d.kind === 'reassigned';
