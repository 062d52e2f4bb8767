// The sandbox's Generic Approvals API (`/generic-approvals/v1`): the list with its identity filters,
// `filters` (status included, though an Approval has no status field) and include-* flags, one
// approval, approve / reject with the approval's comment rules and quorum, reassign, comments, and
// the admin-only bulk approve / reject.
import type { Approval, ApprovalComment, ApprovalIdentity, ApprovalIdentityRecord, PublicIdentity } from '../isc/types';
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
  requireWholeTenant,
  type ApiVersion,
  type FilterFields,
  type Principal,
  type RequestContext,
  type Route,
} from './api';

export type GenericApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

/** An Approval has no status: pending until completed, then the verdict of the decision that completed it. */
export function approvalStatus(a: Approval): GenericApprovalStatus {
  if (!a.completedDate) return 'PENDING';
  const last = (list: ApprovalIdentityRecord[] | undefined) => list?.map((r) => r.decisionDate ?? '').sort().at(-1) ?? '';
  return compare(last(a.approvedBy), last(a.rejectedBy)) >= 0 ? 'APPROVED' : 'REJECTED';
}

const ids = (list: ApprovalIdentity[] | undefined) => (list ?? []).map((i) => i.identityID ?? '');
const texts = (list: Array<{ value?: string }> | undefined) => (list ?? []).map((v) => v.value ?? '');

const FIELDS: FilterFields<Approval> = (() => {
  const text = ['eq', 'ne', 'in', 'co', 'sw'] as const;
  const date = [...text, 'gt', 'ge', 'lt', 'le'] as const;
  return {
    status: { ops: text, get: approvalStatus },
    name: { ops: text, get: (a) => texts(a.name) },
    description: { ops: text, get: (a) => texts(a.description) },
    priority: { ops: text, get: (a) => a.priority },
    type: { ops: text, get: (a) => a.type },
    medium: { ops: text, get: (a) => a.medium },
    createdDate: { ops: date, get: (a) => a.createdDate },
    dueDate: { ops: date, get: (a) => a.dueDate },
    completedDate: { ops: date, get: (a) => a.completedDate },
    modifiedDate: { ops: date, get: (a) => a.modifiedDate },
    approvalId: { ops: text, get: (a) => a.id },
    requesterId: { ops: text, get: (a) => a.requester?.identityID },
    requesteeId: { ops: text, get: (a) => a.requestee?.identityID },
    approverId: { ops: text, get: (a) => ids(a.approvers) },
    referenceId: { ops: text, get: (a) => (a.referenceData ?? []).map((r) => r.id ?? '') },
    referenceType: { ops: text, get: (a) => (a.referenceData ?? []).map((r) => r.type ?? '') },
  };
})();

const newestFirst = (a: Approval, b: Approval) => compare(b.createdDate ?? '', a.createdDate ?? '') || compare(a.id ?? '', b.id ?? '');

/** What a list item leaves out unless its include-* parameter is true. */
const OPTIONAL_PARTS = [
  ['include-comments', 'comments'],
  ['include-approvers', 'approvers'],
  ['include-reassignment-history', 'reassignmentHistory'],
  ['include-batch-info', 'batchRequest'],
] as const;

function booleanParam(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw badRequest(`Query parameter '${name}' must be true or false; got '${raw}'.`);
  return raw === 'true';
}

function threshold(a: Approval, kind: 'approval' | 'rejection'): number {
  const rule = a.approvalCriteria?.[kind];
  const approvers = Math.max(a.approvers?.length ?? 1, 1);
  if (rule?.calculationType === 'PERCENT') return Math.max(1, Math.ceil(((rule.value ?? 100) / 100) * approvers));
  return Math.max(1, rule?.value ?? 1);
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${field} must be a string.`);
  return value.trim() === '' ? undefined : value;
}

export class GenericApprovalStore {
  private readonly approvals = new ById<Approval>('A generic approval');

  constructor(
    private readonly now: () => Date,
    private readonly identity: (id: string) => PublicIdentity | undefined,
    private readonly newCommentId: () => string,
  ) {}

  /** Adds (or replaces, by id) an approval; returns a copy of what is stored. */
  add(approval: Approval): Approval {
    return this.approvals.add(approval);
  }

  get(id: string): Approval | undefined {
    return this.approvals.copy(id);
  }

  /** The stored approvals, newest first. */
  all(): Approval[] {
    return this.approvals.all().sort(newestFirst);
  }

  /** One approval, for whoever takes part in it (approvers, requester, requestee) or an admin. */
  read(p: Principal, id: string): Approval {
    const approval = this.find(id);
    if (!p.admin && !this.involves(approval, p.identityId)) throw forbidden();
    return approval;
  }

  decide(p: Principal, id: string, verdict: 'APPROVED' | 'REJECTED', body: unknown): Approval {
    if (body !== undefined && !isObject(body)) throw badRequest('The request body must be a JSON object.');
    const comment = body === undefined ? undefined : optionalString(body, 'comment');
    const approval = this.decidable(p, id, verdict, comment);
    const actor = this.takeOver(p, approval);
    const at = this.stamp();
    if (comment !== undefined) this.appendComment(approval, actor, comment, at);
    if (verdict === 'APPROVED' && isObject(body?.additionalAttributes)) this.mergeAttributes(approval, body.additionalAttributes);
    const record: ApprovalIdentityRecord = { identityID: actor.identityID, type: 'IDENTITY', name: actor.name, email: actor.email, decisionDate: at };
    const list = verdict === 'APPROVED' ? (approval.approvedBy ??= []) : (approval.rejectedBy ??= []);
    list.push(record);
    approval.assignedTo = (approval.assignedTo ?? []).filter((i) => i.identityID !== actor.identityID);
    if (list.length >= threshold(approval, verdict === 'APPROVED' ? 'approval' : 'rejection') || approval.assignedTo.length === 0) {
      approval.completedDate = at;
      approval.assignedTo = [];
    }
    approval.modifiedDate = at;
    return approval;
  }

  reassign(p: Principal, id: string, body: unknown): void {
    if (!isObject(body)) throw badRequest('The request body must be an Approvalreassignrequest object.');
    const to = optionalString(body, 'reassignTo');
    if (to === undefined) throw badRequest('reassignTo is required.');
    const approval = this.pendingFor(p, id);
    const from = optionalString(body, 'reassignFrom') ?? (this.assigned(approval, p.identityId) ? p.identityId : approval.assignedTo?.[0]?.identityID);
    if (from === undefined || !this.assigned(approval, from)) throw badRequest(`Approval ${id} is not assigned to ${from ?? 'anyone'}.`);
    if (from !== p.identityId && !p.admin) throw forbidden();
    const target = this.identity(to);
    if (!target) throw badRequest(`Identity ${to} was not found.`);
    if (this.assigned(approval, to)) throw badRequest(`Approval ${id} is already assigned to ${target.name}.`);
    const newApprover = this.approvalIdentity(target);
    const swap = (list: ApprovalIdentity[] | undefined) =>
      (list ?? []).map((i) => (i.identityID === from ? { ...newApprover, serialOrder: i.serialOrder } : i));
    const reassignedFrom = (approval.assignedTo ?? []).find((i) => i.identityID === from);
    approval.approvers = swap(approval.approvers);
    approval.assignedTo = swap(approval.assignedTo);
    const at = this.stamp();
    const comment = optionalString(body, 'comment');
    const reassigner = this.approvalIdentity(this.identity(p.identityId), p.identityId);
    const commentID = comment === undefined ? undefined : this.appendComment(approval, reassigner, comment, at).commentId;
    (approval.reassignmentHistory ??= []).push({
      commentID,
      reassignedFrom,
      reassignedTo: newApprover,
      reassigner,
      reassignmentDate: at,
      reassignmentType: 'MANUAL_REASSIGNMENT',
    });
    approval.modifiedDate = at;
  }

  comment(p: Principal, id: string, body: unknown): Approval {
    const text = isObject(body) ? optionalString(body, 'comment') : undefined;
    if (text === undefined) throw badRequest('comment is required.');
    const approval = this.read(p, id);
    const at = this.stamp();
    this.appendComment(approval, this.approvalIdentity(this.identity(p.identityId), p.identityId), text, at);
    approval.modifiedDate = at;
    return approval;
  }

  /** Admin only; every id must exist and be pending, or nothing is decided. */
  decideInBulk(p: Principal, verdict: 'APPROVED' | 'REJECTED', body: unknown): void {
    if (!p.admin) throw forbidden();
    if (!isObject(body) || !Array.isArray(body.approvalIds) || body.approvalIds.length === 0 || !body.approvalIds.every((i) => typeof i === 'string')) {
      throw badRequest('approvalIds must be a non-empty array of approval ids.');
    }
    const approvalIds = body.approvalIds as string[];
    const comment = optionalString(body, 'comment');
    for (const id of approvalIds) this.decidable(p, id, verdict, comment);
    for (const id of approvalIds) this.decide(p, id, verdict, comment === undefined ? undefined : { comment });
  }

  /** A pending approval the principal may decide this way, its comment rule (requiresComment) met. */
  private decidable(p: Principal, id: string, verdict: 'APPROVED' | 'REJECTED', comment: string | undefined): Approval {
    const approval = this.pendingFor(p, id);
    const needs = approval.approvalConfig?.requiresComment;
    if (comment === undefined && (needs === 'ALL' || needs === (verdict === 'APPROVED' ? 'APPROVAL' : 'REJECTION'))) {
      throw badRequest(`A comment is required to ${verdict === 'APPROVED' ? 'approve' : 'reject'} approval ${id}.`);
    }
    return approval;
  }

  private find(id: string): Approval {
    const approval = this.approvals.stored(id);
    if (!approval) throw new HttpError(404, `Approval ${id} was not found.`);
    return approval;
  }

  /** A pending approval the principal is assigned (or, as an admin, may take over). */
  private pendingFor(p: Principal, id: string): Approval {
    const approval = this.find(id);
    if (!p.admin && !this.assigned(approval, p.identityId)) {
      if (this.involves(approval, p.identityId) && approval.completedDate) throw this.alreadyDecided(approval);
      throw forbidden();
    }
    if (approval.completedDate) throw this.alreadyDecided(approval);
    if ((approval.approvedBy ?? []).concat(approval.rejectedBy ?? []).some((r) => r.identityID === p.identityId)) {
      throw badRequest(`You have already decided approval ${id}.`);
    }
    return approval;
  }

  /**
   * The approver the decision is recorded for. ISC's rule: an admin who is not an approver has the
   * approval reassigned from one of its approvers to themselves first.
   */
  private takeOver(p: Principal, approval: Approval): ApprovalIdentity {
    const me = this.approvalIdentity(this.identity(p.identityId), p.identityId);
    if (this.assigned(approval, p.identityId)) return (approval.assignedTo ?? []).find((i) => i.identityID === p.identityId)!;
    const from = approval.assignedTo?.[0];
    const swap = (list: ApprovalIdentity[] | undefined) => (list ?? []).map((i) => (i.identityID === from?.identityID ? me : i));
    approval.approvers = from ? swap(approval.approvers) : [...(approval.approvers ?? []), me];
    approval.assignedTo = from ? swap(approval.assignedTo) : [me];
    (approval.reassignmentHistory ??= []).push({
      reassignedFrom: from,
      reassignedTo: me,
      reassigner: me,
      reassignmentDate: this.stamp(),
      reassignmentType: 'MANUAL_REASSIGNMENT',
    });
    return me;
  }

  private alreadyDecided(approval: Approval): HttpError {
    return badRequest(`Approval ${approval.id} has already been ${approvalStatus(approval) === 'APPROVED' ? 'approved' : 'rejected'}.`);
  }

  private appendComment(approval: Approval, author: ApprovalIdentity, comment: string, at: string): ApprovalComment {
    const entry: ApprovalComment = { author, comment, createdDate: at, commentId: this.newCommentId() };
    (approval.comments ??= []).push(entry);
    return entry;
  }

  private mergeAttributes(approval: Approval, extra: Record<string, unknown>): void {
    let current: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(approval.additionalAttributes ?? '{}');
      if (isObject(parsed)) current = parsed;
    } catch {
      // An unreadable string is replaced by the merged attributes.
    }
    approval.additionalAttributes = JSON.stringify({ ...current, ...extra });
  }

  private assigned(approval: Approval, identityId: string): boolean {
    return ids(approval.assignedTo).includes(identityId);
  }

  private involves(approval: Approval, identityId: string): boolean {
    return [...ids(approval.approvers), approval.requester?.identityID, approval.requestee?.identityID].includes(identityId);
  }

  private approvalIdentity(identity: PublicIdentity | undefined, fallbackId?: string): ApprovalIdentity {
    return { identityID: identity?.id ?? fallbackId, type: 'IDENTITY', name: identity?.name, email: identity?.email ?? undefined };
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}

const forbidden = () => new HttpError(403, 'The server understood the request but refuses to authorize it.');

/**
 * The identity filters of the list: `approverId`, `requesterId`, `requesteeId` must be the caller's
 * own unless the caller is an admin; `mine` (default true for users, false for admins) means
 * `approverId` = the caller.
 */
function identityFilter(c: RequestContext): (a: Approval) => boolean {
  const { principal } = c;
  const param = (name: string) => c.query.get(name) || undefined;
  const given = { approverId: param('approverId'), requesterId: param('requesterId'), requesteeId: param('requesteeId') };
  const values = Object.values(given);
  if (!principal.admin && values.some((v) => v !== undefined && v !== principal.identityId)) throw forbidden();
  const mine = booleanParam(c.query, 'mine') ?? (!principal.admin && values.every((v) => v === undefined));
  const approverId = given.approverId ?? (mine ? principal.identityId : undefined);
  if (approverId === undefined && given.requesterId === undefined && given.requesteeId === undefined) requireWholeTenant(principal);
  return (a) =>
    (approverId === undefined || ids(a.approvers).includes(approverId)) &&
    (given.requesterId === undefined || a.requester?.identityID === given.requesterId) &&
    (given.requesteeId === undefined || a.requestee?.identityID === given.requesteeId);
}

export function genericApprovalRoutes(store: GenericApprovalStore, versions: readonly ApiVersion[]): Route[] {
  const route = (methods: string[], path: string, handler: Route['handler']): Route => ({ methods, path, versions, handler });
  return [
    route(['GET'], '/generic-approvals', (c) => {
      const byIdentity = identityFilter(c);
      const { test } = compileFilters(c.query.get('filters'), FIELDS);
      const found = store.all().filter((a) => byIdentity(a) && test(a));
      const page = paging(c.query);
      if (booleanParam(c.query, 'count-only')) return { status: 200, body: [], headers: { 'X-Total-Count': String(found.length) } };
      const omitted = OPTIONAL_PARTS.filter(([param]) => !booleanParam(c.query, param)).map(([, field]) => field);
      const items = found.map((a) => {
        const copy: Approval = { ...a };
        for (const field of omitted) delete copy[field];
        return copy;
      });
      return pageReply(items, page);
    }),
    route(['POST'], '/generic-approvals/bulk-approve', (c) => {
      store.decideInBulk(c.principal, 'APPROVED', c.body);
      return { status: 202, body: {} };
    }),
    route(['POST'], '/generic-approvals/bulk-reject', (c) => {
      store.decideInBulk(c.principal, 'REJECTED', c.body);
      return { status: 202, body: {} };
    }),
    route(['GET'], '/generic-approvals/{id}', (c) => ok(store.read(c.principal, c.params.id))),
    route(['POST'], '/generic-approvals/{id}/approve', (c) => ok(store.decide(c.principal, c.params.id, 'APPROVED', c.body))),
    route(['POST'], '/generic-approvals/{id}/reject', (c) => {
      store.decide(c.principal, c.params.id, 'REJECTED', c.body);
      return { status: 204 };
    }),
    route(['POST'], '/generic-approvals/{id}/reassign', (c) => {
      store.reassign(c.principal, c.params.id, c.body);
      return { status: 204 };
    }),
    route(['POST'], '/generic-approvals/{id}/comments', (c) => ok(store.comment(c.principal, c.params.id, c.body))),
  ];
}
