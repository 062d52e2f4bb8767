// The sandbox's Access Request Approvals API (`/access-request-approvals/v1`, and the legacy
// `/v3/access-request-approvals`): pending and completed lists, the summary, and approve / reject /
// forward with the spec's rules: a reject without the comment an approval requires is a 400, a
// second decision is a 400, a forward moves the approval to its new owner and records the hop.
import type {
  AccessItemReviewedBy,
  ApprovalSummary,
  CommentDto,
  CompletedApproval,
  CompletedApprovalState,
  PendingApproval,
  PublicIdentity,
} from '../isc/types';
import {
  badRequest,
  ById,
  compare,
  compileFilters,
  HttpError,
  isObject,
  ok,
  pageReply,
  paging,
  requireActsFor,
  requireWholeTenant,
  sortBy,
  type ApiVersion,
  type FilterFields,
  type Principal,
  type RequestContext,
  type Route,
} from './api';

/** A pending approval as the sandbox keeps it; `decision` is set once it is approved or rejected. */
export type AccessRequestApprovalRecord = PendingApproval & {
  decision?: { state: CompletedApprovalState; reviewedBy: AccessItemReviewedBy; reviewerComment: CommentDto | null; at: string };
};

const FORWARD_MAX_LENGTH = 255;

const PENDING_FIELDS: FilterFields<AccessRequestApprovalRecord> = {
  id: { ops: ['eq', 'in'], get: (a) => a.id },
  'requestedFor.id': { ops: ['eq', 'in'], get: (a) => a.requestedFor?.id },
  accessRequestId: { ops: ['eq', 'in'], get: (a) => a.accessRequestId },
  modified: { ops: ['gt', 'lt', 'ge', 'le', 'eq', 'in'], get: (a) => a.modified },
  created: { ops: ['gt', 'lt', 'ge', 'le', 'eq', 'in'], get: (a) => a.created },
};

const COMPLETED_FIELDS: FilterFields<AccessRequestApprovalRecord> = {
  id: { ops: ['eq', 'in', 'ge', 'gt', 'le', 'lt', 'ne', 'isnull', 'sw'], get: (a) => a.id },
  'requestedFor.id': { ops: ['eq', 'in', 'ge', 'gt', 'le', 'lt', 'ne', 'isnull', 'sw'], get: (a) => a.requestedFor?.id },
  modified: { ops: ['gt', 'lt', 'ge', 'le', 'eq', 'in', 'ne', 'sw'], get: (a) => a.modified },
};

const SORT_KEYS = { created: (a: AccessRequestApprovalRecord) => a.created ?? '', modified: (a: AccessRequestApprovalRecord) => a.modified ?? '' };

const newestFirst = (a: AccessRequestApprovalRecord, b: AccessRequestApprovalRecord) =>
  compare(b.created ?? '', a.created ?? '') || compare(a.id ?? '', b.id ?? '');

function asCompleted(record: AccessRequestApprovalRecord): CompletedApproval {
  const { decision, accessRequestId: _request, actionInProcess: _action, clientMetadata, ...rest } = record;
  return {
    ...rest,
    // The completed schema's clientMetadata is not nullable.
    ...(clientMetadata ? { clientMetadata } : {}),
    state: decision?.state,
    reviewedBy: decision?.reviewedBy,
    reviewerComment: decision?.reviewerComment ?? null,
  };
}

function asPending(record: AccessRequestApprovalRecord): PendingApproval {
  const { decision: _decision, ...rest } = record;
  return rest;
}

/** The `comment` of a CommentDto body; undefined when the body has none. */
function commentOf(body: unknown, what: string): string | undefined {
  if (body === undefined) return undefined;
  if (!isObject(body)) throw badRequest(`The ${what} body must be a CommentDto object.`);
  if (body.comment != null && typeof body.comment !== 'string') throw badRequest('comment must be a string.');
  return typeof body.comment === 'string' && body.comment.trim() !== '' ? body.comment : undefined;
}

export class AccessRequestApprovalStore {
  private readonly approvals = new ById<AccessRequestApprovalRecord>('An access-request approval');

  constructor(
    private readonly now: () => Date,
    private readonly identity: (id: string) => PublicIdentity | undefined,
  ) {}

  /** Adds (or replaces, by id) an approval; returns a copy of what is stored. */
  add(record: AccessRequestApprovalRecord): AccessRequestApprovalRecord {
    return this.approvals.add(record);
  }

  get(id: string): AccessRequestApprovalRecord | undefined {
    return this.approvals.copy(id);
  }

  /** A cancelled request's approval leaves its approver's queue. */
  withdraw(id: string): void {
    this.approvals.remove(id);
  }

  /** Approvals of one owner, or of everyone (`ownerId` undefined), pending or decided, newest first. */
  list(ownerId: string | undefined, pending: boolean): AccessRequestApprovalRecord[] {
    return this.approvals
      .all()
      .filter((a) => (ownerId === undefined || a.owner?.id === ownerId) && !a.decision === pending)
      .sort(newestFirst);
  }

  /** Pending counts approvals created since `from`, approved and rejected those decided since then. */
  summary(ownerId: string | undefined, from: string | undefined): ApprovalSummary {
    const since = (at: string | undefined) => from === undefined || (at !== undefined && Date.parse(at) >= Date.parse(from));
    const decided = this.list(ownerId, false).filter((a) => since(a.decision?.at));
    return {
      pending: this.list(ownerId, true).filter((a) => since(a.created)).length,
      approved: decided.filter((a) => a.decision?.state === 'APPROVED').length,
      rejected: decided.filter((a) => a.decision?.state === 'REJECTED').length,
    };
  }

  decide(p: Principal, id: string, state: CompletedApprovalState, body: unknown): void {
    const approval = this.pending(p, id);
    const comment = commentOf(body, state === 'APPROVED' ? 'approve' : 'reject');
    if (state === 'REJECTED') {
      if (body === undefined) throw badRequest('The reject body (a CommentDto) is required.');
      if (approval.commentRequiredWhenRejected && comment === undefined) {
        throw badRequest(`A comment is required to reject access request approval ${id}.`);
      }
    }
    const at = this.stamp();
    const reviewer = this.reference(p.identityId);
    approval.decision = {
      state,
      reviewedBy: reviewer,
      reviewerComment: comment === undefined ? null : { comment, created: at, author: reviewer },
      at,
    };
    approval.modified = at;
  }

  forward(p: Principal, id: string, body: unknown): void {
    if (!isObject(body)) throw badRequest('The request body must be a ForwardApprovalDto object.');
    for (const field of ['newOwnerId', 'comment'] as const) {
      const value = body[field];
      if (typeof value !== 'string' || value.length < 1 || value.length > FORWARD_MAX_LENGTH) {
        throw badRequest(`${field} is required and must be 1 to ${FORWARD_MAX_LENGTH} characters.`);
      }
    }
    const { newOwnerId, comment } = body as { newOwnerId: string; comment: string };
    const approval = this.pending(p, id);
    const target = this.identity(newOwnerId);
    if (!target) throw badRequest(`Identity ${newOwnerId} was not found.`);
    if (target.id === approval.owner?.id) throw badRequest(`Access request approval ${id} is already owned by ${target.name}.`);
    const at = this.stamp();
    approval.forwardHistory = [
      ...(approval.forwardHistory ?? []),
      {
        oldApproverName: approval.owner?.name,
        newApproverName: target.name,
        comment,
        modified: at,
        forwarderName: this.identity(p.identityId)?.name ?? null,
        reassignmentType: 'MANUAL_REASSIGNMENT',
      },
    ];
    approval.owner = { type: 'IDENTITY', id: target.id, name: target.name };
    approval.modified = at;
  }

  /** The pending approval the principal may decide: its owner's, or anyone's for an admin. */
  private pending(p: Principal, id: string): AccessRequestApprovalRecord {
    const approval = this.approvals.stored(id);
    if (!approval) throw new HttpError(404, `Access request approval ${id} was not found.`);
    requireActsFor(p, approval.owner?.id);
    if (approval.decision) {
      throw badRequest(`Access request approval ${id} has already been ${approval.decision.state === 'APPROVED' ? 'approved' : 'rejected'}.`);
    }
    return approval;
  }

  private reference(identityId: string): AccessItemReviewedBy {
    return { type: 'IDENTITY', id: identityId, name: this.identity(identityId)?.name };
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}

/** `owner-id`: anyone's (or, left out, everyone's) for an ORG_ADMIN; a user's own (or `me`) otherwise. */
function ownerOf(c: RequestContext): string | undefined {
  const raw = c.query.get('owner-id') || undefined;
  const ownerId = raw === 'me' ? c.principal.identityId : raw ?? (c.principal.admin ? undefined : c.principal.identityId);
  if (ownerId !== undefined) requireActsFor(c.principal, ownerId);
  else requireWholeTenant(c.principal);
  return ownerId;
}

export function accessRequestApprovalRoutes(store: AccessRequestApprovalStore, versions: readonly ApiVersion[]): Route[] {
  const route = (methods: string[], path: string, handler: Route['handler']): Route => ({ methods, path, versions, handler });
  const accepted = () => ({ status: 202, body: {} });
  const list = (c: RequestContext, pending: boolean) => {
    const { test } = compileFilters(c.query.get('filters'), pending ? PENDING_FIELDS : COMPLETED_FIELDS);
    const found = sortBy(store.list(ownerOf(c), pending).filter(test), c.query.get('sorters'), SORT_KEYS);
    return pageReply<PendingApproval | CompletedApproval>(pending ? found.map(asPending) : found.map(asCompleted), paging(c.query));
  };
  return [
    route(['GET'], '/access-request-approvals/pending', (c) => list(c, true)),
    route(['GET'], '/access-request-approvals/completed', (c) => list(c, false)),
    route(['GET'], '/access-request-approvals/approval-summary', (c) => {
      const from = c.query.get('from-date') || undefined;
      if (from !== undefined && Number.isNaN(Date.parse(from))) throw badRequest(`from-date must be an ISO-8601 date-time; got '${from}'.`);
      return ok(store.summary(ownerOf(c), from));
    }),
    route(['POST'], '/access-request-approvals/{approvalId}/approve', (c) => {
      store.decide(c.principal, c.params.approvalId, 'APPROVED', c.body);
      return accepted();
    }),
    route(['POST'], '/access-request-approvals/{approvalId}/reject', (c) => {
      store.decide(c.principal, c.params.approvalId, 'REJECTED', c.body);
      return accepted();
    }),
    route(['POST'], '/access-request-approvals/{approvalId}/forward', (c) => {
      store.forward(c.principal, c.params.approvalId, c.body);
      return accepted();
    }),
  ];
}
