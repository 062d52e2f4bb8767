import { createHash } from 'node:crypto';
import type { AuditedDecision, AuditItem, AuditTrail, DecisionFacts, OutcomeFacts } from '../audit/auditLog';
import type { ActingClient } from '../auth/accountLinking';
import { RECONNECT_MESSAGE, ReconnectRequiredError } from '../auth/userTokenProvider';
import { capitalise, escapeMrkdwn, unescapeMrkdwn } from '../blocks/mrkdwn';
import { selfDecisionRefusal } from '../governance/separationOfDuties';
import type { IscClient } from '../isc/api';
import { withRequestDeadline, withWriteCheck } from '../isc/deadline';
import { isIscError } from '../isc/errors';
import { collectWriteRequestIds } from '../isc/requestIds';
import type { Logger } from '../log';
import { isStoreUnavailable, STORE_UNAVAILABLE_MESSAGE, tryLock, type HeldLock, type StateStore } from '../store/store';
import { missingIdentityMessage, type IdentityDirectory, type IscIdentityRef } from '../workitems/identityDirectory';
import type { Decision, Decisions } from './decision';
import { recordDecided } from './decidedToday';

/** What "Decided today" counts: an approval, a rejection, a completed item (not a forward or reassignment). */
const countsAsDecided = (d: Decision) => d.kind === 'approved' || d.kind === 'rejected' || d.kind === 'completed';

/** Every `message` is mrkdwn-safe: ISC values in it are escaped. */
export type ActionOutcome<I> =
  /** ISC accepted the action; `item` is its state afterwards (as far as ISC's answer tells). */
  | { status: 'done'; item: I; decisions: Decisions }
  /**
   * Nothing to do: ISC already shows the item (or the part acted on) decided, in Slack or elsewhere.
   * `unconfirmed`: this action's own request got no clear answer (a timeout, a lost connection, a 5xx,
   * an unreadable 200) and ISC showed the item decided when read again: most likely by that request.
   */
  | { status: 'already_decided'; item: I; decisions: Decisions; unconfirmed?: true }
  /**
   * The same action is already under way (a double click, or Slack redelivering), or, `done`, this
   * person's same action already went through. ISC was not called.
   */
  | { status: 'duplicate'; done?: true }
  /** The permission check failed, or the action does not fit the item. ISC was not called to act. */
  | { status: 'refused'; message: string }
  /** ISC failed; `message` is fit for the user (with ISC's tracking id when there is one). */
  | { status: 'failed'; message: string };

/** A decision that ended without ISC carrying it out (a done one is recorded with its request ids), as the audit trail records it. */
type Ended<I> = Exclude<ActionOutcome<I>, { status: 'duplicate' | 'done' }>;

/** A refusal carries the item and the actor's identity too, for the audit trail (never shown to the refused user). */
export type Authorization<I> =
  | { ok: true; item: I; actorIdentity: IscIdentityRef | null }
  | { ok: false; message: string; item: I; actorIdentity: IscIdentityRef | null };

/** What a permission check is for: acting (deciding), adding to the item without deciding it (a comment), or seeing it. */
export type Purpose = 'act' | 'note' | 'view';

/** How an action would reach ISC: as the actor's own (linked) identity, the service identity, or for another owner. */
export type ActingHow = 'own' | 'service' | 'connect' | 'for-another';

/**
 * What differs between kinds of items (work items, access-request approvals, generic approvals): how
 * to read one, who owns it, whether an action fits it, how ISC carries the action out and what the
 * cards record afterwards. Everything else (the permission check, separation of duties, the acting
 * client, at-most-once, the audit trail) is the pipeline's, the same for every kind.
 */
export interface ItemKind<I, A extends { kind: string }> {
  /** As the audit trail names the kind, e.g. `work-item`. */
  auditKind: string;
  /** In log messages, e.g. `work-item`, `access-request approval`. */
  logName: string;
  /** The log context key of the item's id, e.g. `workItemId`. */
  idField: string;
  /**
   * Prefix of the item's keys in the state store (in-flight locks, done markers, decisions), so that
   * items of different kinds never share one; '' for work items, whose keys predate the other kinds.
   */
  keyPrefix: string;
  /** For users: "work item", "access request", "approval". */
  noun: string;
  /** Who may act on it, for the refusal: "current owner", "current approver". */
  ownerRole: string;
  itemId(action: A): string;
  /** The part of the item an action decides: an approval item's id, WHOLE_ITEM, or the actor's own part. */
  part(action: A, actorSlackUserId: string): string;
  /** What tells two actions of one kind by one person apart beyond the part, e.g. a comment's text. */
  variant?(action: A): string | undefined;
  /** The item as ISC has it now (read with the service identity). */
  read(id: string): Promise<I>;
  /** Who may decide it now, by ISC identity id, and their name(s) for a refusal. */
  owners(item: I): { ids: string[]; name?: string };
  /** Requester and requested-for, for separation of duties. */
  parties(item: I): { requesterId?: string | null; requestedForId?: string | null };
  /**
   * Whether separation of duties binds the action: a decision or a hand-over does; a comment, a
   * task's completion or its account selection decides no request, so its requester may do it.
   */
  bindsDuties(action: A): boolean;
  /**
   * Why the action may not run the way it would reach ISC (`how`): as the actor's own identity, the
   * bot's service identity (`service`; `connect` when the actor could link their account) or for
   * another owner; undefined when it may. An approval with several approvers is decided only as one of them.
   */
  actingRefusal?(item: I, action: A, how: ActingHow): string | undefined;
  /** The item as the audit trail names it. */
  describe(item: I): Omit<AuditItem, 'kind' | 'id' | 'part'>;
  /** The part of the item (an approval item), the comment and the target of an action, for the audit trail. */
  auditDetails(action: A): Pick<DecisionFacts, 'comment' | 'target'> & { part?: string };
  /** undefined when the action fits the item; 'decided' when ISC already shows it decided; else why not (mrkdwn-safe). */
  fits(item: I, action: A): 'decided' | string | undefined;
  /** Carries the action out in ISC with `client` (the actor's, or the service identity's); resolves to the item afterwards. */
  execute(client: IscClient, item: I, action: A): Promise<I>;
  /** What a done action shows on the item's cards; undefined when it records nothing (a comment). */
  decision(action: A): Pick<Decision, 'kind' | 'forwardedTo'> | undefined;
  /** Told after an action finds the item done or already decided, so its other messages (DMs) follow it. */
  onChanged?(item: I, decisions: Decisions): void;
}

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
/** A write that waited longer than this since the item was read (rate-limit queue, token refresh) reads it again first. */
const RECHECK_AFTER_MS = 2_000;

export const AUDIT_UNAVAILABLE_MESSAGE =
  'The bot could not record this decision on its audit trail, so it did not send it to ISC. Nothing was changed in ISC; tell your admin.';

export interface ActionPipelineOptions {
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
  /** How long after the permission check a write re-reads the item and checks again before it is sent. Default 2 s. */
  recheckAfterMs?: number;
}

/** What a re-check before a write found changed: the write is not sent. */
class ChangedWhileWaiting<I> extends Error {
  constructor(readonly outcome: { status: 'refused'; message: string } | { status: 'already_decided'; item: I }) {
    super('The item changed while the action waited to be sent');
  }
}

/** An item's decisions in the store: `decisions:<id>` for work items (as before the other kinds), prefixed for the others. */
const decisionsKey = (kind: { keyPrefix: string }, id: string) => `decisions:${kind.keyPrefix}${id}`;
const digest = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 16);

function auditOutcome<I>(outcome: Ended<I>, error?: unknown): OutcomeFacts {
  const trackingId = isIscError(error) ? error.trackingId : undefined;
  switch (outcome.status) {
    case 'already_decided':
      return { outcome: 'already_decided', ...(outcome.unconfirmed ? { unconfirmed: true } : {}), ...(trackingId ? { trackingId } : {}) };
    case 'refused':
    case 'failed':
      return { outcome: outcome.status, reason: unescapeMrkdwn(outcome.message), ...(trackingId ? { trackingId } : {}) };
  }
}

/**
 * Every action on every kind of item goes through here: the live-owner permission check, separation
 * of duties, the client it runs with, at most once (an in-flight lock and a done marker in the state
 * store), the audit trail (an intent before ISC is called, an outcome after) and the record of who did
 * what, shown on the cards.
 */
export class ActionPipeline {
  private readonly now: () => Date;

  constructor(private readonly opts: ActionPipelineOptions) {
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

  /** The decisions taken through the bot on one item: one map per item, read in one call. */
  decisionsFor(kind: { keyPrefix: string }, id: string): Promise<Decisions> {
    return this.opts.store.getFields<Decision>(decisionsKey(kind, id));
  }

  /** For a card that must show the item's state whatever happens: without the store, without who decided. */
  private async decisionsToShow(kind: Pick<ItemKind<unknown, never>, 'keyPrefix' | 'logName' | 'idField'>, id: string): Promise<Decisions> {
    try {
      return await this.decisionsFor(kind, id);
    } catch (e) {
      this.opts.logger.warn(`Could not read the decisions of a ${kind.logName}; its card shows ISC's state alone`, { [kind.idField]: id, error: String(e) });
      return {};
    }
  }

  /** Decisions of several items by id; items without any are left out. */
  async decisionsForIds(kind: { keyPrefix: string }, ids: Array<string | undefined>): Promise<Record<string, Decisions>> {
    const entries = await Promise.all(ids.filter((id): id is string => Boolean(id)).map(async (id) => [id, await this.decisionsFor(kind, id)] as const));
    return Object.fromEntries(entries.filter(([, d]) => Object.keys(d).length > 0));
  }

  /**
   * Reads the item now and checks that the Slack user is one of its current owners in ISC, or an
   * admin; to act for another owner, also that they did not request it and it is not for them
   * (separation of duties).
   */
  async authorize<I, A extends { kind: string }>(kind: ItemKind<I, A>, actorSlackUserId: string, id: string, purpose: Purpose = 'act'): Promise<Authorization<I>> {
    return this.check(kind, actorSlackUserId, id, purpose);
  }

  /** authorize(), for one action when there is one: separation of duties binds only what bindsDuties() says. */
  private async check<I, A extends { kind: string }>(kind: ItemKind<I, A>, actorSlackUserId: string, id: string, purpose: Purpose, action?: A): Promise<Authorization<I>> {
    const [actorIdentity, item] = await Promise.all([this.opts.directory.identityFor(actorSlackUserId), kind.read(id)]);
    const refuse = (message: string): Authorization<I> => ({ ok: false, message, item, actorIdentity });
    const owners = kind.owners(item);
    const owns = actorIdentity !== null && owners.ids.includes(actorIdentity.id);
    if (!this.isAdmin(actorSlackUserId)) {
      if (!actorIdentity) return refuse(await this.opts.directory.noIdentityMessage(actorSlackUserId));
      if (!owns) {
        const who = `Only the ${kind.noun}'s ${kind.ownerRole}${owners.name ? ` (${escapeMrkdwn(owners.name)})` : ''} or a bot admin`;
        return refuse(purpose === 'view' ? `${who} can see it.` : `${who} can act on it. Nothing was changed in ISC.`);
      }
    }
    if (purpose === 'view') return { ok: true, item, actorIdentity };
    // An admin without an ISC identity acting for someone cannot be checked: refused whatever the action.
    const decides = purpose === 'act' && (!action || kind.bindsDuties(action));
    if (actorIdentity && !decides) return { ok: true, item, actorIdentity };
    const target = action && kind.auditDetails(action).target;
    const parties = { ownerId: owns ? actorIdentity.id : owners.ids[0], ...kind.parties(item), ...(target ? { target } : {}) };
    const refusal = selfDecisionRefusal({ actorIdentityId: actorIdentity?.id, ...parties }, kind.noun);
    return refusal ? refuse(refusal) : { ok: true, item, actorIdentity };
  }

  /**
   * Right before a write that waited (for its rate-limit turn, a token) since the item was read, the
   * item is read and checked again: it may have changed hands or been decided meanwhile.
   */
  private writeCheck<I, A extends { kind: string }>(kind: ItemKind<I, A>, actorSlackUserId: string, action: A, forAnotherOwner: boolean): () => Promise<void> {
    let checkedAt = Date.now();
    return async () => {
      if (Date.now() - checkedAt < (this.opts.recheckAfterMs ?? RECHECK_AFTER_MS)) return;
      const auth = await this.check(kind, actorSlackUserId, kind.itemId(action), 'act', action);
      checkedAt = Date.now();
      const changed = (message: string) => new ChangedWhileWaiting<I>({ status: 'refused', message: `While your action waited for its turn at ISC (rate limit), the ${kind.noun} changed: ${message}` });
      if (!auth.ok) throw changed(auth.message);
      const unfit = kind.fits(auth.item, action);
      if (unfit === 'decided') throw new ChangedWhileWaiting<I>({ status: 'already_decided', item: auth.item });
      if (unfit) throw changed(unfit);
      // The client was chosen for acting as the owner (or for another owner): that must still hold.
      const nowForAnother = !auth.actorIdentity || !kind.owners(auth.item).ids.includes(auth.actorIdentity.id);
      if (nowForAnother !== forAnotherOwner) throw changed('it has a different owner now. Nothing was changed in ISC; press Refresh and try again.');
    };
  }

  async perform<I, A extends { kind: string }>(kind: ItemKind<I, A>, actorSlackUserId: string, action: A): Promise<ActionOutcome<I>> {
    const outcome = await this.attempt(kind, actorSlackUserId, action);
    if (outcome.status === 'done' || outcome.status === 'already_decided') {
      try {
        kind.onChanged?.(outcome.item, outcome.decisions);
      } catch (e) {
        this.opts.logger.warn('onItemChanged failed', { [kind.idField]: kind.itemId(action), error: String(e) });
      }
    }
    return outcome;
  }

  private async attempt<I, A extends { kind: string }>(kind: ItemKind<I, A>, actorSlackUserId: string, action: A): Promise<ActionOutcome<I>> {
    const { audit } = this.opts;
    const id = kind.itemId(action);
    const part = kind.part(action, actorSlackUserId);
    const { part: auditPart, ...details } = kind.auditDetails(action);
    const facts: DecisionFacts = {
      slackUserId: actorSlackUserId,
      item: { kind: kind.auditKind, id, ...(auditPart ? { part: auditPart } : {}) },
      action: action.kind,
      ...details,
    };
    // In flight: one action per part of an item at a time. Done: the same action by the same person is
    // not repeated (a redelivered forward would otherwise forward again), while a different action,
    // such as the new owner approving after a forward, goes ahead.
    const target = `${kind.keyPrefix}${id}:${part}`;
    const variant = kind.variant?.(action);
    const doneKey = `done:${target}:${action.kind}${variant === undefined ? '' : `:${digest(variant)}`}:${actorSlackUserId}`;
    const lockKey = `lock:${target}`;
    // This person repeating their own action (clicking again while the card is redrawn, Slack
    // redelivering) is answered from the store's claims, in one round trip, before ISC is read: they
    // were checked when they made the claim, and nothing is decided now, so there is nothing to check
    // in ISC or to audit. Another person's claim is only told after their permission check below.
    const repeat = await this.ownClaim(doneKey, lockKey, actorSlackUserId);
    if (repeat) return repeat;
    // A decision that ends before ISC is asked to act still goes on the audit trail, as an outcome.
    const ended = async (outcome: Ended<I>, error?: unknown): Promise<ActionOutcome<I>> => {
      await audit?.ended(facts, auditOutcome(outcome, error));
      return outcome;
    };
    let auth: Authorization<I>;
    try {
      auth = await this.check(kind, actorSlackUserId, id, 'act', action);
    } catch (e) {
      return ended(this.failure(kind, e, action, actorSlackUserId), e);
    }
    const { item } = auth;
    if (auth.actorIdentity) facts.actorIdentityId = auth.actorIdentity.id;
    facts.item = { ...facts.item, ...kind.describe(item) };
    if (!auth.ok) {
      this.opts.logger.warn(`Refused a ${kind.logName} action`, { actorSlackUserId, action: action.kind, [kind.idField]: id });
      return ended({ status: 'refused', message: auth.message });
    }
    const unfit = kind.fits(item, action);
    if (unfit === 'decided') return ended({ status: 'already_decided', item, decisions: await this.decisionsToShow(kind, id) });
    if (unfit) return ended({ status: 'refused', message: unfit });
    const forAnotherOwner = !auth.actorIdentity || !kind.owners(item).ids.includes(auth.actorIdentity.id);
    let acting: ActingClient;
    try {
      acting = this.opts.acting ? await this.opts.acting.actingClient(actorSlackUserId, forAnotherOwner) : { client: this.opts.isc, actingAs: { kind: 'service' } };
    } catch (e) {
      return ended(this.failure(kind, e, action, actorSlackUserId), e);
    }
    if ('refused' in acting) return ended({ status: 'refused', message: acting.refused });
    const how: ActingHow = forAnotherOwner ? 'for-another' : acting.actingAs.kind === 'linked' ? 'own' : this.opts.acting ? 'connect' : 'service';
    const wrongIdentity = kind.actingRefusal?.(item, action, how);
    if (wrongIdentity) return ended({ status: 'refused', message: wrongIdentity });

    // The store and the rate limiter count expiry on the system clock, not on the injected display clock.
    const lockedAt = Date.now();
    let lock: HeldLock | undefined;
    try {
      if (await this.opts.store.get(doneKey)) return { status: 'duplicate', done: true };
      lock = await tryLock(this.opts.store, lockKey, IN_FLIGHT_TTL_MS, { by: actorSlackUserId, kind: action.kind });
    } catch (e) {
      // The store cannot say whether this click is a repeat: ISC is not called.
      return ended(this.failure(kind, e, action, actorSlackUserId), e);
    }
    if (!lock) return { status: 'duplicate' };
    // The intent is on disk before ISC is called: a crash from here on still leaves who decided what.
    let decision: AuditedDecision | undefined;
    try {
      decision = await audit?.begin(facts, audit.actingAs(acting.actingAs));
    } catch (e) {
      await this.release(kind, lock, id);
      this.opts.logger.error('Could not write a decision to the audit trail, so ISC was not called', { actorSlackUserId, action: action.kind, [kind.idField]: id, error: String(e) });
      return { status: 'failed', message: AUDIT_UNAVAILABLE_MESSAGE };
    }
    const deadline = lockedAt + IN_FLIGHT_TTL_MS - (this.opts.iscTimeoutMs ?? 10_000) - LOCK_MARGIN_MS;
    let result: I;
    let requestIds: string[];
    try {
      const recheck = this.writeCheck(kind, actorSlackUserId, action, forAnotherOwner);
      ({ result, requestIds } = await collectWriteRequestIds(() => withRequestDeadline(deadline, () => withWriteCheck(recheck, () => kind.execute(acting.client, item, action)))));
    } catch (e) {
      await this.release(kind, lock, id);
      const outcome = await this.notSent(kind, e, action, actorSlackUserId);
      await decision?.finish(auditOutcome(outcome, e));
      return outcome;
    }
    // Recorded before the state writes below, so that a failure there cannot lose who acted.
    await decision?.finish({ outcome: 'done', ...(requestIds.length ? { trackingId: requestIds.join(' ') } : {}) });
    const decisions = await this.recordDone(kind, action, actorSlackUserId, doneKey, lock);
    this.opts.logger.info(`${capitalise(kind.logName)} action done`, { actorSlackUserId, action: action.kind, [kind.idField]: id });
    return { status: 'done', item: result, decisions };
  }

  /**
   * A duplicate when the actor's own claim is in the store: the done marker of this very action, or the
   * item's in-flight lock taken by them. Undefined otherwise, and when the store cannot say: the full
   * path then decides (and reports a store that fails it).
   */
  private async ownClaim(doneKey: string, lockKey: string, actorSlackUserId: string): Promise<Extract<ActionOutcome<never>, { status: 'duplicate' }> | undefined> {
    let claims: unknown[];
    try {
      claims = await this.opts.store.getMany<unknown>([doneKey, lockKey]);
    } catch {
      // Told by the full path, which reads the store again before anything is sent.
      return undefined;
    }
    const [done, lock] = claims as [true | undefined, { by?: unknown } | undefined];
    if (done) return { status: 'duplicate', done: true };
    if (lock?.by === actorSlackUserId) return { status: 'duplicate' };
    return undefined;
  }

  /** The outcome of an execute() that threw. */
  private async notSent<I, A extends { kind: string }>(kind: ItemKind<I, A>, e: unknown, action: A, actorSlackUserId: string): Promise<Ended<I>> {
    // The linked account's refresh token was refused before anything was sent: nothing to re-read, nobody else to act as.
    if (e instanceof ReconnectRequiredError) return { status: 'refused', message: RECONNECT_MESSAGE };
    if (e instanceof ChangedWhileWaiting) {
      const found = (e as ChangedWhileWaiting<I>).outcome;
      this.opts.logger.warn(`A ${kind.logName} action was not sent: the item changed while it waited`, { actorSlackUserId, action: action.kind, [kind.idField]: kind.itemId(action) });
      return found.status === 'already_decided' ? { status: 'already_decided', item: found.item, decisions: await this.decisionsToShow(kind, kind.itemId(action)) } : found;
    }
    return this.afterFailure(kind, e, action, actorSlackUserId);
  }

  /** A lock the store cannot delete now expires by itself (IN_FLIGHT_TTL_MS). */
  private async release<I, A extends { kind: string }>(kind: ItemKind<I, A>, lock: HeldLock, id: string): Promise<void> {
    await lock.release().catch((e: unknown) => this.opts.logger.warn('Could not release an in-flight lock; it expires by itself', { [kind.idField]: id, error: String(e) }));
  }

  /**
   * ISC carried the action out: from here a store failure must not turn it into a failure. The done
   * marker, the lock's release and the decision are written as far as the store lets; the card shows
   * the decision either way.
   */
  private async recordDone<I, A extends { kind: string }>(kind: ItemKind<I, A>, action: A, bySlackUserId: string, doneKey: string, lock: HeldLock): Promise<Decisions> {
    const id = kind.itemId(action);
    const part = kind.part(action, bySlackUserId);
    const shown = kind.decision(action);
    const decision: Decision | undefined = shown && { ...shown, bySlackUserId, at: this.now().toISOString() };
    try {
      await this.opts.store.set(doneKey, true, DONE_TTL_MS);
      await lock.release();
      // A field per decision, so two decisions on one item finishing together cannot overwrite each other.
      if (decision) await this.opts.store.setField(decisionsKey(kind, id), part, decision, DECISION_TTL_MS);
      // The Home tab's "Decided today": decisions only, not hand-overs.
      if (decision && countsAsDecided(decision)) await recordDecided(this.opts.store, bySlackUserId, `${kind.keyPrefix}${id}:${part}`, decision.at);
      return await this.decisionsFor(kind, id);
    } catch (e) {
      this.opts.logger.error(`A ${kind.logName} action went through in ISC, but the state store could not record it`, { [kind.idField]: id, action: action.kind, error: String(e) });
      return decision ? { [part]: decision } : {};
    }
  }

  /**
   * A failed POST may still have happened in ISC (a timeout, a 5xx, or a 400 because someone decided it
   * meanwhile). It is never repeated; instead the item is read again so the user sees the truth.
   */
  private async afterFailure<I, A extends { kind: string }>(kind: ItemKind<I, A>, error: unknown, action: A, actorSlackUserId: string): Promise<Ended<I>> {
    try {
      const now = await kind.read(kind.itemId(action));
      if (kind.fits(now, action) === 'decided') {
        // A refusal (4xx) means ISC did not apply this request: someone else decided the item.
        const unconfirmed = isIscError(error) && error.mayHaveReachedIsc && (error.kind !== 'http' || (error.status ?? 0) >= 500);
        return { status: 'already_decided', item: now, decisions: await this.decisionsToShow(kind, kind.itemId(action)), ...(unconfirmed ? { unconfirmed: true as const } : {}) };
      }
    } catch {
      // The first error is the one worth reporting.
    }
    return this.failure(kind, error, action, actorSlackUserId);
  }

  private failure<I, A extends { kind: string }>(kind: ItemKind<I, A>, error: unknown, action: A, actorSlackUserId: string): Extract<ActionOutcome<I>, { status: 'failed' }> {
    const context = { actorSlackUserId, action: action.kind, [kind.idField]: kind.itemId(action) };
    if (isIscError(error)) {
      this.opts.logger.error(`ISC refused or failed a ${kind.logName} action`, { ...context, error: error.message, trackingId: error.trackingId });
      return { status: 'failed', message: escapeMrkdwn(error.userMessage()) };
    }
    if (isStoreUnavailable(error)) {
      this.opts.logger.warn(`A ${kind.logName} action was not tried: the state store is unavailable`, { ...context, error: error.message });
      return { status: 'failed', message: STORE_UNAVAILABLE_MESSAGE };
    }
    this.opts.logger.error(`Unexpected error during a ${kind.logName} action`, { ...context, error: String(error) });
    return { status: 'failed', message: 'Something went wrong in the bot; nothing was retried. Try again, and tell your admin if it persists.' };
  }
}
