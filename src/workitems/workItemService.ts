import type { AuditedDecision, AuditTrail, DecisionFacts, OutcomeFacts } from '../audit/auditLog';
import type { ActingClient } from '../auth/accountLinking';
import { RECONNECT_MESSAGE, ReconnectRequiredError } from '../auth/userTokenProvider';
import type { Decision, DecisionKind, Decisions, ListKind, WorkItemListPage } from '../blocks/types';
import { WHOLE_ITEM } from '../blocks/types';
import { escapeMrkdwn, unescapeMrkdwn } from '../blocks/mrkdwn';
import { selfDecisionRefusal } from '../governance/separationOfDuties';
import type { IscClient } from '../isc/api';
import { withRequestDeadline } from '../isc/deadline';
import { isIscError } from '../isc/errors';
import type { AccountSelection, ApprovalItemDetails, WorkItem } from '../isc/types';
import type { Logger } from '../log';
import { isStoreUnavailable, STORE_UNAVAILABLE_MESSAGE, tryLock, type HeldLock, type StateStore } from '../store/store';
import { missingIdentityMessage, type IdentityDirectory, type IscIdentityRef } from './identityDirectory';

export type WorkItemAction =
  | { kind: 'approve' | 'reject'; workItemId: string; approvalItemId: string }
  | { kind: 'approveAll' | 'rejectAll' | 'complete'; workItemId: string }
  | { kind: 'forward'; workItemId: string; target: IscIdentityRef; targetSlackUserId?: string; comment: string; notify: boolean }
  | { kind: 'selectAccounts'; workItemId: string; selection: AccountSelection };

/** Every `message` is mrkdwn-safe: ISC values in it are escaped. */
export type ActionOutcome =
  /** ISC accepted the action; `item` is its state afterwards. */
  | { status: 'done'; item: WorkItem; decisions: Decisions }
  /**
   * Nothing to do: ISC already shows the item (or approval item) decided, in Slack or elsewhere.
   * `unconfirmed`: this action's own request got no clear answer (a timeout, a lost connection, a 5xx,
   * an unreadable 200) and ISC showed the item decided when read again: most likely by that request.
   */
  | { status: 'already_decided'; item: WorkItem; decisions: Decisions; unconfirmed?: true }
  /** The same action is already under way (a double click, or Slack redelivering). ISC was not called. */
  | { status: 'duplicate' }
  /** The permission check failed, or the action does not fit the item. ISC was not called to act. */
  | { status: 'refused'; message: string }
  /** ISC failed; `message` is fit for the user (with ISC's tracking id when there is one). */
  | { status: 'failed'; message: string };

/** Every outcome but a duplicate: a decision the audit trail records. */
type Ended = Exclude<ActionOutcome, { status: 'duplicate' }>;

/** A refusal carries the item and the actor's identity too, for the audit trail (never shown to the refused user). */
export type Authorization =
  | { ok: true; item: WorkItem; actorIdentity: IscIdentityRef | null }
  | { ok: false; message: string; item: WorkItem; actorIdentity: IscIdentityRef | null };

const DECISION_KIND: Record<WorkItemAction['kind'], DecisionKind> = {
  approve: 'approved',
  reject: 'rejected',
  approveAll: 'approved',
  rejectAll: 'rejected',
  complete: 'completed',
  forward: 'forwarded',
  selectAccounts: 'accounts_submitted',
};

/**
 * The in-flight lock only outlives a crash mid-action, so that after one a retry works within minutes.
 * An action never outlives it: its ISC requests run under a deadline (withRequestDeadline) that leaves
 * the lock room for one whole ISC request plus a margin, so a request still waiting for the rate
 * limiter at the deadline is not sent at all, and a second click can never run the same action twice.
 */
const IN_FLIGHT_TTL_MS = 5 * 60_000;
const LOCK_MARGIN_MS = 10_000;
/** How long the same action by the same person counts as a redelivery. */
const DONE_TTL_MS = 15 * 60_000;
const DECISION_TTL_MS = 90 * 24 * 3600_000;
/** A work item's decisions: one map per item, read in one call. */
const decisionsKey = (workItemId: string) => `decisions:${workItemId}`;

export const AUDIT_UNAVAILABLE_MESSAGE =
  'The bot could not record this decision on its audit trail, so it did not send it to ISC. Nothing was changed in ISC; tell your admin.';

/** What the audit trail says about an action before the item is read. */
function auditFacts(slackUserId: string, action: WorkItemAction): DecisionFacts {
  return {
    slackUserId,
    item: { kind: 'work-item', id: action.workItemId, ...(action.kind === 'approve' || action.kind === 'reject' ? { part: action.approvalItemId } : {}) },
    action: action.kind,
    ...(action.kind === 'forward' ? { comment: action.comment, target: { identityId: action.target.id, name: action.target.name } } : {}),
  };
}

function auditOutcome(outcome: Ended, error?: unknown): OutcomeFacts {
  const trackingId = isIscError(error) ? error.trackingId : undefined;
  switch (outcome.status) {
    case 'done':
      return { outcome: 'done' };
    case 'already_decided':
      return { outcome: 'already_decided', ...(outcome.unconfirmed ? { unconfirmed: true } : {}), ...(trackingId ? { trackingId } : {}) };
    case 'refused':
    case 'failed':
      return { outcome: outcome.status, reason: unescapeMrkdwn(outcome.message), ...(trackingId ? { trackingId } : {}) };
  }
}

/** The approval item a decision is about, or WHOLE_ITEM. */
function decisionKey(action: WorkItemAction): string {
  return action.kind === 'approve' || action.kind === 'reject' ? action.approvalItemId : WHOLE_ITEM;
}

export function isPendingApprovalItem(item: WorkItem, approval: ApprovalItemDetails): boolean {
  return item.state === 'Pending' && (approval.state === 'Pending' || approval.state == null);
}

export function pendingApprovalItems(item: WorkItem): ApprovalItemDetails[] {
  return (item.approvalItems ?? []).filter((a) => isPendingApprovalItem(item, a));
}

export interface WorkItemServiceOptions {
  isc: IscClient;
  directory: IdentityDirectory;
  store: StateStore;
  admins: ReadonlySet<string>;
  logger: Logger;
  now?: () => Date;
  /**
   * Account linking: the client each actor's actions run with (`forAnotherOwner`: an admin deciding
   * someone else's item). Without it, every action runs with `isc`, as the service identity.
   */
  acting?: { actingClient(slackUserId: string, forAnotherOwner: boolean): Promise<ActingClient> };
  /** SAIL_TIMEOUT_MS: how long one ISC request may take, which the in-flight lock must cover after the action's deadline. Default 10 s. */
  iscTimeoutMs?: number;
  /** The audit trail every decision is written to; without it (some tests) nothing is recorded. */
  audit?: AuditTrail;
  /** Called after an action finds the item done or already decided, so its other messages (notification DMs) follow it. */
  onItemChanged?: (item: WorkItem, decisions: Decisions) => void;
}

/** Every action on a work item goes through here: the live-owner permission check, at-most-once, and the record of who did what. */
export class WorkItemService {
  private readonly now: () => Date;

  constructor(private readonly opts: WorkItemServiceOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  isAdmin(slackUserId: string): boolean {
    return this.opts.admins.has(slackUserId);
  }

  /** The ISC identity whose items a user sees, with a message for the user when there is none. */
  async subjectIdentity(slackUserId: string): Promise<{ identity: IscIdentityRef } | { message: string }> {
    const resolved = await this.opts.directory.resolve(slackUserId);
    return 'identity' in resolved ? resolved : { message: missingIdentityMessage(resolved.missing) };
  }

  async listPage(ownerId: string, kind: ListKind, offset: number, pageSize: number): Promise<WorkItemListPage> {
    const params = { ownerId, offset, limit: pageSize, count: true };
    const page =
      kind === 'pending' ? await this.opts.isc.workItems.listWorkItems(params) : await this.opts.isc.workItems.getCompletedWorkItems(params);
    return { kind, items: page.items, offset, pageSize, total: page.total, decisions: await this.decisionsForItems(page.items) };
  }

  decisionsFor(workItemId: string): Promise<Decisions> {
    return this.opts.store.getFields<Decision>(decisionsKey(workItemId));
  }

  /** For a card that must show the item's state whatever happens: without the store, without who decided. */
  private async decisionsToShow(workItemId: string): Promise<Decisions> {
    try {
      return await this.decisionsFor(workItemId);
    } catch (e) {
      this.opts.logger.warn('Could not read the decisions of a work item; its card shows ISC\'s state alone', { workItemId, error: String(e) });
      return {};
    }
  }

  async decisionsForItems(items: WorkItem[]): Promise<Record<string, Decisions>> {
    const entries = await Promise.all(items.filter((i) => i.id).map(async (i) => [i.id as string, await this.decisionsFor(i.id as string)] as const));
    return Object.fromEntries(entries.filter(([, d]) => Object.keys(d).length > 0));
  }

  /**
   * Fetches the work item now and checks that the Slack user is its current owner in ISC, or an admin;
   * to act for another owner, also that they did not request it (separation of duties).
   */
  async authorize(actorSlackUserId: string, workItemId: string, purpose: 'act' | 'view' = 'act'): Promise<Authorization> {
    const [actorIdentity, item] = await Promise.all([this.opts.directory.identityFor(actorSlackUserId), this.opts.isc.workItems.getWorkItem(workItemId)]);
    const refuse = (message: string): Authorization => ({ ok: false, message, item, actorIdentity });
    if (this.isAdmin(actorSlackUserId)) {
      const refusal = purpose === 'act' && selfDecisionRefusal({ actorIdentityId: actorIdentity?.id, ownerId: item.ownerId, requesterId: item.requesterId }, 'work item');
      return refusal ? refuse(refusal) : { ok: true, item, actorIdentity };
    }
    if (!actorIdentity) return refuse(await this.opts.directory.noIdentityMessage(actorSlackUserId));
    if (item.ownerId !== actorIdentity.id) {
      const owner = `Only the work item's current owner${item.ownerName ? ` (${escapeMrkdwn(item.ownerName)})` : ''} or a bot admin`;
      return refuse(purpose === 'act' ? `${owner} can act on it. Nothing was changed in ISC.` : `${owner} can see it.`);
    }
    return { ok: true, item, actorIdentity };
  }

  async perform(actorSlackUserId: string, action: WorkItemAction): Promise<ActionOutcome> {
    const outcome = await this.attempt(actorSlackUserId, action);
    if (outcome.status === 'done' || outcome.status === 'already_decided') {
      try {
        this.opts.onItemChanged?.(outcome.item, outcome.decisions);
      } catch (e) {
        this.opts.logger.warn('onItemChanged failed', { workItemId: action.workItemId, error: String(e) });
      }
    }
    return outcome;
  }

  private async attempt(actorSlackUserId: string, action: WorkItemAction): Promise<ActionOutcome> {
    const { audit } = this.opts;
    const facts = auditFacts(actorSlackUserId, action);
    // A decision that ends before ISC is asked to act still goes on the audit trail, as an outcome.
    const ended = async (outcome: Ended, error?: unknown): Promise<ActionOutcome> => {
      await audit?.ended(facts, auditOutcome(outcome, error));
      return outcome;
    };
    let auth: Authorization;
    try {
      auth = await this.authorize(actorSlackUserId, action.workItemId);
    } catch (e) {
      return ended(this.failure(e, action, actorSlackUserId), e);
    }
    const { item } = auth;
    if (auth.actorIdentity) facts.actorIdentityId = auth.actorIdentity.id;
    facts.item = { ...facts.item, ...(item.name ? { name: item.name } : {}), ...(item.ownerId ? { ownerId: item.ownerId } : {}), ...(item.ownerName ? { ownerName: item.ownerName } : {}) };
    if (!auth.ok) {
      this.opts.logger.warn('Refused a work-item action', { actorSlackUserId, action: action.kind, workItemId: action.workItemId });
      return ended({ status: 'refused', message: auth.message });
    }
    const unfit = this.checkFits(item, action);
    if (unfit === 'decided') return ended({ status: 'already_decided', item, decisions: await this.decisionsToShow(action.workItemId) });
    if (unfit) return ended({ status: 'refused', message: unfit });
    const forAnotherOwner = auth.actorIdentity?.id !== item.ownerId;
    let acting: ActingClient;
    try {
      acting = this.opts.acting ? await this.opts.acting.actingClient(actorSlackUserId, forAnotherOwner) : { client: this.opts.isc, actingAs: { kind: 'service' } };
    } catch (e) {
      return ended(this.failure(e, action, actorSlackUserId), e);
    }
    if ('refused' in acting) return ended({ status: 'refused', message: acting.refused });

    // In flight: one action per approval item (or whole item) at a time. Done: the same action by the
    // same person is not repeated (a redelivered forward would otherwise forward again), while a
    // different action, such as the new owner approving after a forward, goes ahead.
    const target = `${action.workItemId}:${decisionKey(action)}`;
    const doneKey = `done:${target}:${action.kind}:${actorSlackUserId}`;
    // The store and the rate limiter count expiry on the system clock, not on the injected display clock.
    const lockedAt = Date.now();
    let lock: HeldLock | undefined;
    try {
      if (await this.opts.store.get(doneKey)) return { status: 'duplicate' };
      lock = await tryLock(this.opts.store, `lock:${target}`, IN_FLIGHT_TTL_MS, { by: actorSlackUserId, kind: action.kind });
    } catch (e) {
      // The store cannot say whether this click is a repeat: ISC is not called.
      return ended(this.failure(e, action, actorSlackUserId), e);
    }
    if (!lock) return { status: 'duplicate' };
    // The intent is on disk before ISC is called: a crash from here on still leaves who decided what.
    let decision: AuditedDecision | undefined;
    try {
      decision = await audit?.begin(facts, audit.actingAs(acting.actingAs));
    } catch (e) {
      await this.release(lock, action);
      this.opts.logger.error('Could not write a decision to the audit trail, so ISC was not called', { actorSlackUserId, action: action.kind, workItemId: action.workItemId, error: String(e) });
      return { status: 'failed', message: AUDIT_UNAVAILABLE_MESSAGE };
    }
    const deadline = lockedAt + IN_FLIGHT_TTL_MS - (this.opts.iscTimeoutMs ?? 10_000) - LOCK_MARGIN_MS;
    let result: WorkItem;
    try {
      result = await withRequestDeadline(deadline, () => this.execute(acting.client, item, action));
    } catch (e) {
      await this.release(lock, action);
      // The linked account's refresh token was refused before anything was sent: nothing to re-read, nobody else to act as.
      const outcome = e instanceof ReconnectRequiredError ? { status: 'refused' as const, message: RECONNECT_MESSAGE } : await this.afterFailure(e, action, actorSlackUserId);
      await decision?.finish(auditOutcome(outcome, e));
      return outcome;
    }
    // Recorded before the state writes below, so that a failure there cannot lose who acted.
    await decision?.finish({ outcome: 'done' });
    const decisions = await this.recordDone(action, actorSlackUserId, doneKey, lock);
    this.opts.logger.info('Work-item action done', { actorSlackUserId, action: action.kind, workItemId: action.workItemId });
    return { status: 'done', item: result, decisions };
  }

  /** A lock the store cannot delete now expires by itself (IN_FLIGHT_TTL_MS). */
  private async release(lock: HeldLock, action: WorkItemAction): Promise<void> {
    await lock.release().catch((e: unknown) => this.opts.logger.warn('Could not release an in-flight lock; it expires by itself', { workItemId: action.workItemId, error: String(e) }));
  }

  /** undefined when the action fits; 'decided' when ISC already shows it decided; else a message. */
  private checkFits(item: WorkItem, action: WorkItemAction): 'decided' | string | undefined {
    if (item.state !== 'Pending') return 'decided';
    switch (action.kind) {
      case 'approve':
      case 'reject': {
        const approval = item.approvalItems?.find((a) => a.id === action.approvalItemId);
        if (!approval) return 'That approval item is no longer part of this work item. Press Refresh to see it as it is now.';
        return isPendingApprovalItem(item, approval) ? undefined : 'decided';
      }
      case 'approveAll':
      case 'rejectAll':
        return pendingApprovalItems(item).length ? undefined : 'decided';
      case 'selectAccounts':
        return item.form ? undefined : 'This work item has no account-selection form.';
      default:
        return undefined;
    }
  }

  private async execute(client: IscClient, item: WorkItem, action: WorkItemAction): Promise<WorkItem> {
    const api = client.workItems;
    switch (action.kind) {
      case 'approve':
        return api.approveApprovalItem(action.workItemId, action.approvalItemId);
      case 'reject':
        return api.rejectApprovalItem(action.workItemId, action.approvalItemId);
      case 'approveAll':
        return api.approveApprovalItemsInBulk(action.workItemId);
      case 'rejectAll':
        return api.rejectApprovalItemsInBulk(action.workItemId);
      case 'complete':
        return api.completeWorkItem(action.workItemId);
      case 'selectAccounts':
        return api.submitAccountSelection(action.workItemId, action.selection);
      case 'forward':
        await api.sendWorkItemForward(action.workItemId, {
          targetOwnerId: action.target.id,
          comment: action.comment,
          sendNotifications: action.notify,
        });
        // ISC answers a forward with no body: the item is the same, with its new owner.
        return { ...item, ownerId: action.target.id, ownerName: action.target.name };
    }
  }

  /**
   * ISC carried the action out: from here a store failure must not turn it into a failure. The done
   * marker, the lock's release and the decision are written as far as the store lets; the card shows
   * the decision either way.
   */
  private async recordDone(action: WorkItemAction, bySlackUserId: string, doneKey: string, lock: HeldLock): Promise<Decisions> {
    const decision: Decision = {
      kind: DECISION_KIND[action.kind],
      bySlackUserId,
      at: this.now().toISOString(),
      ...(action.kind === 'forward' ? { forwardedTo: { slackUserId: action.targetSlackUserId, name: action.target.name } } : {}),
    };
    try {
      await this.opts.store.set(doneKey, true, DONE_TTL_MS);
      await lock.release();
      // A field per decision, so two decisions on one item finishing together cannot overwrite each other.
      await this.opts.store.setField(decisionsKey(action.workItemId), decisionKey(action), decision, DECISION_TTL_MS);
      return await this.decisionsFor(action.workItemId);
    } catch (e) {
      this.opts.logger.error('A work-item action went through in ISC, but the state store could not record it', { workItemId: action.workItemId, action: action.kind, error: String(e) });
      return { [decisionKey(action)]: decision };
    }
  }

  /**
   * A failed POST may still have happened in ISC (a timeout, a 5xx, or a 400 because someone decided it
   * meanwhile). It is never repeated; instead the item is read again so the user sees the truth.
   */
  private async afterFailure(error: unknown, action: WorkItemAction, actorSlackUserId: string): Promise<Ended> {
    try {
      const now = await this.opts.isc.workItems.getWorkItem(action.workItemId);
      if (this.checkFits(now, action) === 'decided') {
        // A refusal (4xx) means ISC did not apply this request: someone else decided the item.
        const unconfirmed = isIscError(error) && error.mayHaveReachedIsc && (error.kind !== 'http' || (error.status ?? 0) >= 500);
        return { status: 'already_decided', item: now, decisions: await this.decisionsToShow(action.workItemId), ...(unconfirmed ? { unconfirmed: true as const } : {}) };
      }
    } catch {
      // The first error is the one worth reporting.
    }
    return this.failure(error, action, actorSlackUserId);
  }

  private failure(error: unknown, action: WorkItemAction, actorSlackUserId: string): Extract<ActionOutcome, { status: 'failed' }> {
    const context = { actorSlackUserId, action: action.kind, workItemId: action.workItemId };
    if (isIscError(error)) {
      this.opts.logger.error('ISC refused or failed a work-item action', { ...context, error: error.message, trackingId: error.trackingId });
      return { status: 'failed', message: escapeMrkdwn(error.userMessage()) };
    }
    if (isStoreUnavailable(error)) {
      this.opts.logger.warn('A work-item action was not tried: the state store is unavailable', { ...context, error: error.message });
      return { status: 'failed', message: STORE_UNAVAILABLE_MESSAGE };
    }
    this.opts.logger.error('Unexpected error during a work-item action', { ...context, error: String(error) });
    return { status: 'failed', message: 'Something went wrong in the bot; nothing was retried. Try again, and tell your admin if it persists.' };
  }
}
