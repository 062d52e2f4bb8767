// Access reviews (ISC identity campaign certifications): a reviewer's open certifications, pages of
// their access-review items, and the actions on them, through the one action pipeline (live reviewer
// check, acting client, audit trail, in-flight lock) plus a claim per review item, so that no item is
// ever sent to ISC twice, whichever click, replica or redelivery gets there first.
import { ActionPipeline, type ActionOutcome, type ActionPipelineOptions, type Authorization, type ItemKind } from '../decisions/actionPipeline';
import type { Decisions } from '../decisions/decision';
import type { IscClient } from '../isc/api';
import { DECIDED_FILTER, MAX_DECISIONS_PER_REQUEST, MAX_SYNC_REASSIGN, OPEN_CERTIFICATIONS_FILTER, UNDECIDED_FILTER } from '../isc/certifications';
import { escapeMrkdwn } from '../blocks/mrkdwn';
import { isIscError } from '../isc/errors';
import { readAllPages } from '../isc/http';
import type { AccessReviewItem, CertificationDecision, IdentityCertificationDto, ReassignType, ReviewDecision } from '../isc/types';
import type { IscIdentityRef } from '../workitems/identityDirectory';
import { commentRequired, decidedCount, isOwnAccess, isSigned, undecidedCount, type ItemDecision, type ReviewPage } from './review';

/** Who decides, as perform() fills it in: whose own access is kept out, and whom the item records name. */
interface Decider {
  actor?: { slackUserId: string; identityId?: string };
}

export type ReviewAction =
  | ({ kind: 'decide'; certificationId: string; itemId: string; decision: CertificationDecision; comment?: string; proposedEndDate?: string } & Decider)
  /** Every undecided item (or those IAI recommends approving), in batches of 250. */
  | ({ kind: 'approveAll'; certificationId: string; recommendedOnly: boolean } & Decider)
  | { kind: 'signOff'; certificationId: string }
  | { kind: 'reassign'; certificationId: string; refs: Array<{ id: string; type: ReassignType }>; target: IscIdentityRef; targetSlackUserId?: string; reason: string };

/** A certification after an action, and what became of the items it named. */
/** A page as shown, kept under its token. */
export interface ShownPage {
  certificationId: string;
  offset: number;
  itemIds: string[];
}

export interface ReviewState {
  certification: IdentityCertificationDto;
  /** Decided by this action. */
  decided?: string[];
  /** Found decided already (in ISC, or claimed by another click), so not sent. */
  skipped?: string[];
  /** The reviewer's (or the actor's) own access: never decided from Slack. */
  own?: string[];
  /** Not an item of this certification. */
  missing?: string[];
  /** reassign-async: ISC's task id. */
  taskId?: string;
}

/** Items a page reads at most: what fits a message (the builder shows as many as Block Kit allows). */
export const REVIEW_PAGE_SIZE = 20;
/** An item's claim while its decision is on the way to ISC; kept after an unclear answer, so it is never sent again meanwhile. */
const CLAIM_TTL_MS = 10 * 60_000;
const RECORD_TTL_MS = 120 * 24 * 3600_000;
const PAGE_TTL_MS = 7 * 24 * 3600_000;

const claimKey = (certificationId: string, itemId: string) => `rv:item:${certificationId}:${itemId}`;
const pageKey = (token: string) => `rv:page:${token}`;
const idList = (ids: string[]) => ids.map((id) => JSON.stringify(id)).join(', ');

function fits(state: ReviewState, action: ReviewAction): 'decided' | string | undefined {
  const cert = state.certification;
  if (isSigned(cert)) return 'decided';
  if (action.kind === 'decide') {
    const comment = action.comment?.trim();
    if (commentRequired(cert, action.decision) && !comment) return `This campaign requires a comment to ${action.decision === 'APPROVE' ? 'approve' : 'revoke'}: give one in the form. Nothing was changed in ISC.`;
    if (action.proposedEndDate && action.decision !== 'REVOKE') return 'An end date goes only with a revoke. Nothing was changed in ISC.';
  }
  if (action.kind === 'signOff' && undecidedCount(cert) > 0) {
    const n = undecidedCount(cert);
    return `${n} item${n === 1 ? ' is' : 's are'} still undecided: decide every item before signing off. Nothing was changed in ISC.`;
  }
  return undefined;
}

export class ReviewService {
  private readonly pipeline: ActionPipeline;
  readonly kind: ItemKind<ReviewState, ReviewAction>;

  constructor(private readonly opts: ActionPipelineOptions) {
    this.pipeline = new ActionPipeline(opts);
    this.kind = {
      auditKind: 'certification',
      logName: 'access review',
      idField: 'certificationId',
      keyPrefix: 'rv:',
      noun: 'access review',
      ownerRole: 'reviewer',
      itemId: (action) => action.certificationId,
      part: (action) => {
        switch (action.kind) {
          case 'decide':
            return `item:${action.itemId}`;
          case 'approveAll':
            return action.recommendedOnly ? 'approveRecommended' : 'approveAll';
          case 'signOff':
            return 'signOff';
          case 'reassign':
            return `reassign:${action.refs.map((r) => r.id).join(',')}`;
        }
      },
      variant: (action) => (action.kind === 'decide' ? action.decision : undefined),
      read: async (id) => ({ certification: await opts.isc.certifications.getIdentityCertification(id) }),
      owners: ({ certification: c }) => ({ ids: c.reviewer?.id ? [c.reviewer.id] : [], name: c.reviewer?.name }),
      // A certification has no requester; a reviewer's own access is kept out item by item (isOwnAccess).
      parties: () => ({}),
      bindsDuties: () => true,
      describe: ({ certification: c }) => ({
        ...(c.name ? { name: c.name } : {}),
        ...(c.reviewer?.id ? { ownerId: c.reviewer.id } : {}),
        ...(c.reviewer?.name ? { ownerName: c.reviewer.name } : {}),
      }),
      auditDetails: (action) => {
        if (action.kind === 'decide') return { part: action.itemId, ...(action.comment ? { comment: action.comment } : {}) };
        if (action.kind === 'reassign') return { part: action.refs.map((r) => `${r.type}:${r.id}`).join(','), comment: action.reason, target: { identityId: action.target.id, name: action.target.name } };
        return {};
      },
      fits,
      execute: (client, state, action) => this.execute(client, state, action),
      decision: (action) => {
        switch (action.kind) {
          case 'decide':
            return { kind: action.decision === 'APPROVE' ? 'approved' : 'rejected' };
          case 'approveAll':
            return { kind: 'approved' };
          case 'signOff':
            return { kind: 'completed' };
          case 'reassign':
            return { kind: 'reassigned', forwardedTo: { slackUserId: action.targetSlackUserId, name: action.target.name } };
        }
      },
    };
  }

  isAdmin(slackUserId: string): boolean {
    return this.pipeline.isAdmin(slackUserId);
  }

  subjectIdentity(slackUserId: string) {
    return this.pipeline.subjectIdentity(slackUserId);
  }

  authorize(actorSlackUserId: string, certificationId: string, purpose: 'act' | 'view' = 'act'): Promise<Authorization<ReviewState>> {
    return this.pipeline.authorize(this.kind, actorSlackUserId, certificationId, purpose);
  }

  /** The decisions on the certification as a whole (approve all, sign-off, reassign) taken through the bot. */
  decisionsFor(certificationId: string): Promise<Decisions> {
    return this.pipeline.decisionsFor(this.kind, certificationId);
  }

  async perform(actorSlackUserId: string, action: ReviewAction): Promise<ActionOutcome<ReviewState>> {
    // The actor's own access is never decided, whoever's certification it is (an admin acting for a reviewer).
    if (action.kind === 'decide' || action.kind === 'approveAll') {
      const identity = await this.opts.directory.identityFor(actorSlackUserId).catch(() => null);
      action = { ...action, actor: { slackUserId: actorSlackUserId, ...(identity ? { identityId: identity.id } : {}) } };
    }
    return this.pipeline.perform(this.kind, actorSlackUserId, action);
  }

  /**
   * The reviewer's open certifications, soonest due first. With the person's linked account, as
   * `reviewer-identity=me`; with the service identity, by their identity id.
   */
  async openCertifications(slackUserId: string, identityId: string, limit = 50): Promise<IdentityCertificationDto[]> {
    const acting = this.opts.acting && (await this.opts.acting.actingClient(slackUserId, false).catch(() => undefined));
    const linked = acting && 'client' in acting && acting.actingAs.kind === 'linked' ? acting.client : undefined;
    const page = await (linked ?? this.opts.isc).certifications.listIdentityCertifications({
      reviewerIdentity: linked ? 'me' : identityId,
      filters: OPEN_CERTIFICATIONS_FILTER,
      sorters: 'due',
      limit,
    });
    return page.items;
  }

  /**
   * One page of a certification's items, undecided first, in two ISC requests: the certification
   * (whose counts say where the undecided items end) and one slice of its items. With `pinned`, the
   * items of a page shown before (so that a redraw after a decision shows them decided, in place).
   */
  async page(viewerSlackUserId: string, certificationId: string, offset: number, pinned?: string[], known?: IdentityCertificationDto): Promise<ReviewPage | { refused: string }> {
    const api = this.opts.isc.certifications;
    // `known`: the certification as an action just left it (ISC's answer to it), so a redraw reads only the items.
    const certification = known?.id === certificationId ? known : await api.getIdentityCertification(certificationId);
    // The page's own read of the certification is its permission check: no third request.
    const refused = await this.refusal(viewerSlackUserId, certification);
    if (refused) return { refused };
    const undecided = undecidedCount(certification);
    let items: AccessReviewItem[];
    if (pinned?.length) {
      const found = (await api.listIdentityAccessReviewItems(certificationId, { filters: `id in (${idList(pinned)})`, limit: pinned.length })).items;
      const order = new Map(pinned.map((id, i) => [id, i]));
      items = found.sort((a, b) => (order.get(a.id ?? '') ?? 0) - (order.get(b.id ?? '') ?? 0));
    } else if (offset < undecided) {
      items = (await api.listIdentityAccessReviewItems(certificationId, { filters: UNDECIDED_FILTER, offset, limit: Math.min(REVIEW_PAGE_SIZE, undecided - offset) })).items;
    } else {
      const limit = Math.min(REVIEW_PAGE_SIZE, Math.max(decidedCount(certification) - (offset - undecided), 0));
      items = limit ? (await api.listIdentityAccessReviewItems(certificationId, { filters: DECIDED_FILTER, offset: offset - undecided, limit })).items : [];
    }
    return { certification, items, offset, decisions: await this.itemDecisions(certificationId, items) };
  }

  /** Why the viewer may not see this certification (not its reviewer, not an admin), or undefined. */
  private async refusal(slackUserId: string, certification: IdentityCertificationDto): Promise<string | undefined> {
    if (this.isAdmin(slackUserId)) return undefined;
    const identity = await this.opts.directory.identityFor(slackUserId);
    if (!identity) return this.opts.directory.noIdentityMessage(slackUserId);
    if (identity.id === certification.reviewer?.id) return undefined;
    const name = certification.reviewer?.name ? ` (${escapeMrkdwn(certification.reviewer.name)})` : '';
    return `Only the access review's reviewer${name} or a bot admin can see it.`;
  }

  /** Who decided these items through the bot (one store round trip). */
  async itemDecisions(certificationId: string, items: AccessReviewItem[]): Promise<Record<string, ItemDecision>> {
    const ids = items.map((i) => i.id).filter((id): id is string => Boolean(id));
    const found = await this.opts.store.getMany<ItemDecision>(ids.map((id) => claimKey(certificationId, id)));
    return Object.fromEntries(ids.flatMap((id, i) => (found[i] ? [[id, found[i]!]] : [])));
  }

  /** Remembers a page shown (its certification, offset and items) under a short token its item buttons carry. */
  async rememberPage(token: string, page: ShownPage): Promise<void> {
    await this.opts.store.set(pageKey(token), page, PAGE_TTL_MS);
  }

  /** undefined once the page's record expired (a week) or for a token the bot never gave out. */
  async shownPage(token: string): Promise<ShownPage | undefined> {
    return this.opts.store.get<ShownPage>(pageKey(token));
  }

  private async execute(client: IscClient, state: ReviewState, action: ReviewAction): Promise<ReviewState> {
    const api = client.certifications;
    const id = action.certificationId;
    switch (action.kind) {
      case 'decide': {
        // Read again now: an item decided meanwhile (in ISC's web UI, another replica) is shown, not decided again.
        const [item] = (await api.listIdentityAccessReviewItems(id, { filters: `id eq ${JSON.stringify(action.itemId)}`, limit: 1 })).items;
        if (!item) return { ...state, missing: [action.itemId] };
        if (item.completed) return { ...state, skipped: [action.itemId] };
        if (isOwnAccess(item, state.certification, action.actor?.identityId)) return { ...state, own: [action.itemId] };
        const comments = action.comment?.trim() || undefined;
        const decision: ReviewDecision = { id: action.itemId, decision: action.decision, bulk: false, ...(comments ? { comments } : {}), ...(action.proposedEndDate ? { proposedEndDate: action.proposedEndDate } : {}), ...recommendationOf(item) };
        return this.decideClaimed(api, state, [decision], action.decision, action.actor?.slackUserId ?? '');
      }
      case 'approveAll': {
        const undecided = await readAllPages((page) => api.listIdentityAccessReviewItems(id, { filters: UNDECIDED_FILTER, ...page }));
        const own = undecided.filter((i) => isOwnAccess(i, state.certification, action.actor?.identityId)).map((i) => i.id!);
        const wanted = undecided.filter((i) => !own.includes(i.id!) && (!action.recommendedOnly || i.recommendation?.recommendation === 'APPROVE'));
        const decisions = wanted.map((i): ReviewDecision => ({ id: i.id!, decision: 'APPROVE', bulk: true, ...recommendationOf(i) }));
        const after = await this.decideClaimed(api, state, decisions, 'APPROVE', action.actor?.slackUserId ?? '');
        return { ...after, ...(own.length ? { own } : {}) };
      }
      case 'signOff':
        return { certification: await api.signOffIdentityCertification(id) };
      case 'reassign': {
        const request = { reassign: action.refs, reassignTo: action.target.id, reason: action.reason };
        if (action.refs.length <= MAX_SYNC_REASSIGN) return { certification: await api.reassignIdentityCertifications(id, request) };
        const task = await api.submitReassignCertsAsync(id, request);
        return { ...state, ...(task.id ? { taskId: task.id } : {}) };
      }
    }
  }

  /**
   * Claims each item (skipping those another click holds or decided), sends the claimed ones in
   * batches of 250, and records who decided each. A batch ISC refused outright (4xx) is released for
   * another try; one whose answer was lost stays claimed until its claim expires, never sent twice.
   */
  private async decideClaimed(api: IscClient['certifications'], state: ReviewState, decisions: ReviewDecision[], verdict: CertificationDecision, bySlackUserId: string): Promise<ReviewState> {
    const id = state.certification.id!;
    const at = (this.opts.now ?? (() => new Date()))().toISOString();
    const claims = await Promise.all(
      decisions.map(async (d) => ({ d, won: await this.opts.store.setIfAbsent<ItemDecision>(claimKey(id, d.id), { decision: verdict, bySlackUserId, at, pending: true }, CLAIM_TTL_MS) })),
    );
    const claimed = claims.filter((c) => c.won).map((c) => c.d);
    const skipped = claims.filter((c) => !c.won).map((c) => c.d.id);
    let certification = state.certification;
    const decided: string[] = [];
    for (let i = 0; i < claimed.length; i += MAX_DECISIONS_PER_REQUEST) {
      const batch = claimed.slice(i, i + MAX_DECISIONS_PER_REQUEST);
      try {
        certification = await api.makeIdentityDecision(id, batch);
      } catch (e) {
        const refused = isIscError(e) && e.kind === 'http' && (e.status ?? 0) >= 400 && (e.status ?? 0) < 500;
        const unsent = claimed.slice(i + (refused ? 0 : MAX_DECISIONS_PER_REQUEST));
        await Promise.all(unsent.map((d) => this.opts.store.delete(claimKey(id, d.id))));
        if (decided.length === 0) throw e;
        // Some batches went through: report those; the rest stay undecided, for another click.
        break;
      }
      await Promise.all(batch.map((d) => this.opts.store.set<ItemDecision>(claimKey(id, d.id), { decision: verdict, bySlackUserId, at }, RECORD_TTL_MS)));
      decided.push(...batch.map((d) => d.id));
    }
    return { certification, decided, ...(skipped.length ? { skipped } : {}) };
  }
}

/** The recommendation IAI gave, sent back with the decision as ISC records it. */
function recommendationOf(item: AccessReviewItem): Pick<ReviewDecision, 'recommendation'> {
  const r = item.recommendation;
  return r?.recommendation ? { recommendation: { recommendation: r.recommendation, ...(r.reasons ? { reasons: r.reasons } : {}), ...(r.timestamp ? { timestamp: r.timestamp } : {}) } } : {};
}
