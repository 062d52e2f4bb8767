// The sandbox's requester side: requestable objects (`/requestable-objects/v1`), access requests
// (`/access-requests/v1`, `/cancel`) and their status (`/access-request-status/v1`). A request makes
// an access-request approval for the access's owner (its requester's manager when the owner asks for
// themselves), and the status follows that approval: pending, approved (provisioned at once: the
// sandbox has no sources to wait for), rejected with the approver's comment, or cancelled.
import type { PublicIdentity, RequestableObject, RequestableObjectType, RequestedItemStatus } from '../isc/types';
import type { AccessRequestApprovalStore } from './accessRequestApprovals';
import { accessRequest } from './approvalSeed';
import {
  badRequest,
  compileFilters,
  HttpError,
  isObject,
  pageReply,
  paging,
  requireActsFor,
  sortBy,
  type FilterFields,
  type Principal,
  type RequestContext,
  type Route,
} from './api';
import { sandboxId, SEED_IDENTITIES, type SandboxIdKind } from './seed';

/** The catalogue: what anyone in the sandbox may request, and whose approval it needs. */
const CATALOGUE: Array<{ type: Exclude<RequestableObjectType, 'ENTITLEMENT'>; name: string; description: string; owner: { id: string; name: string; email: string }; commentsRequired?: boolean }> = [
  { type: 'ROLE', name: 'AWS Prod Admin', description: 'AdministratorAccess on the AWS production account', owner: SEED_IDENTITIES.ada, commentsRequired: true },
  { type: 'ROLE', name: 'Finance Analyst', description: 'NetSuite reports and the AP ledger, read-only', owner: SEED_IDENTITIES.ada },
  { type: 'ROLE', name: 'Engineering Onboarding', description: 'GitHub org member, Jira, Confluence and the VPN', owner: SEED_IDENTITIES.manager },
  { type: 'ACCESS_PROFILE', name: 'GitHub Maintainers', description: 'Maintain rights on the GitHub org repositories', owner: SEED_IDENTITIES.ada },
  { type: 'ACCESS_PROFILE', name: 'Salesforce Sales User', description: 'Salesforce standard user with the Sales profile', owner: SEED_IDENTITIES.ada },
  { type: 'ACCESS_PROFILE', name: 'Workday HR Partner', description: 'Workday HR partner security group', owner: SEED_IDENTITIES.manager },
  { type: 'ACCESS_PROFILE', name: 'VPN Access', description: 'Remote access through the corporate VPN (Active Directory group)', owner: SEED_IDENTITIES.ada },
];

/** First catalogue number: clear of the requestables the approval seed names. */
const FIRST_REQUESTABLE = 0x100;

export const SANDBOX_REQUESTABLES: RequestableObject[] = CATALOGUE.map((c, i) => ({
  id: sandboxId('requestable', FIRST_REQUESTABLE + i),
  name: c.name,
  description: c.description,
  type: c.type,
  created: '2026-01-05T09:00:00.000Z',
  modified: null,
  ownerRef: { type: 'IDENTITY', id: c.owner.id, name: c.owner.name, email: c.owner.email },
  requestCommentsRequired: c.commentsRequired ?? false,
}));

interface RequestRecord {
  accessRequestId: string;
  item: RequestableObject;
  requester: { id: string; name: string };
  requestedFor: { id: string; name: string };
  comment?: string;
  removeDate?: string;
  created: string;
  approvalId: string;
  cancelled?: { comment: string; by: { id: string; name: string }; at: string };
}

const REQUESTABLE_FIELDS: FilterFields<RequestableObject> = {
  id: { ops: ['eq', 'in'], get: (r) => r.id },
  name: { ops: ['eq', 'in', 'sw'], get: (r) => r.name },
};

const STATUS_FIELDS: FilterFields<RequestedItemStatus> = {
  accessRequestId: { ops: ['eq', 'ne', 'sw', 'gt', 'ge', 'lt', 'le'], get: (s) => s.accessRequestId },
};

const STATUS_SORTS = {
  created: (s: RequestedItemStatus) => s.created ?? '',
  modified: (s: RequestedItemStatus) => s.modified ?? '',
  name: (s: RequestedItemStatus) => s.name ?? '',
};

const COMMENT_MAX = 2000;

export class AccessRequestStore {
  private readonly requests = new Map<string, RequestRecord>();

  constructor(
    private readonly now: () => Date,
    private readonly identity: (id: string) => PublicIdentity | undefined,
    private readonly approvals: AccessRequestApprovalStore,
    private readonly newId: (kind: SandboxIdKind) => string,
  ) {}

  requestables(term: string | undefined, types: string[] | undefined): RequestableObject[] {
    const needle = term?.trim().toLowerCase();
    return SANDBOX_REQUESTABLES.filter(
      (r) => (!types || types.includes(r.type ?? '')) && (!needle || `${r.name} ${r.description ?? ''}`.toLowerCase().includes(needle)),
    );
  }

  /** With `identity-id`: whether each object is available, pending or already assigned to that identity. */
  withStatusFor(identityId: string, objects: RequestableObject[]): RequestableObject[] {
    return objects.map((o) => {
      const pending = [...this.requests.values()].find((r) => r.requestedFor.id === identityId && r.item.id === o.id && this.phase(r) === 'pending');
      const assigned = [...this.requests.values()].some((r) => r.requestedFor.id === identityId && r.item.id === o.id && this.phase(r) === 'approved');
      return { ...o, requestStatus: pending ? 'PENDING' : assigned ? 'ASSIGNED' : 'AVAILABLE', identityRequestId: pending?.accessRequestId ?? null };
    });
  }

  /** `POST /access-requests/v1`: one request (and approval) per identity and item not already pending. */
  create(p: Principal, body: unknown): { status: number; body: unknown } {
    if (!isObject(body)) throw badRequest('The request body must be an AccessRequest object.');
    const { requestedFor, requestedItems, requestType } = body;
    if (requestType != null && requestType !== 'GRANT_ACCESS') throw badRequest('The sandbox takes only GRANT_ACCESS requests.');
    if (!Array.isArray(requestedFor) || requestedFor.length === 0 || !requestedFor.every((id) => typeof id === 'string')) {
      throw badRequest('requestedFor must be a non-empty array of identity ids.');
    }
    if (!Array.isArray(requestedItems) || requestedItems.length === 0 || requestedItems.length > 25) throw badRequest('requestedItems must hold 1 to 25 items.');
    // A user may ask for themselves only (the sandbox lets nobody request on behalf of others but admins).
    for (const id of requestedFor as string[]) {
      if (!p.admin && id !== p.identityId) throw new HttpError(403, 'You are not allowed to request access for other identities.');
      if (!this.identity(id)) throw badRequest(`Identity ${id} was not found.`);
    }
    const items = requestedItems.map((raw, i) => {
      if (!isObject(raw) || typeof raw.id !== 'string' || typeof raw.type !== 'string') throw badRequest(`requestedItems[${i}] needs an id and a type.`);
      const item = SANDBOX_REQUESTABLES.find((r) => r.id === raw.id && r.type === raw.type);
      if (!item) throw badRequest(`requestedItems[${i}]: ${raw.type} ${raw.id} is not requestable.`);
      if (raw.comment != null && (typeof raw.comment !== 'string' || raw.comment.length > COMMENT_MAX)) throw badRequest(`requestedItems[${i}].comment must be a string of at most ${COMMENT_MAX} characters.`);
      if (item.requestCommentsRequired && !(typeof raw.comment === 'string' && raw.comment.trim())) throw badRequest(`A comment is required to request ${item.name}.`);
      if (raw.removeDate != null && (typeof raw.removeDate !== 'string' || !(Date.parse(raw.removeDate) > this.now().getTime()))) {
        throw badRequest(`requestedItems[${i}].removeDate must be a future date-time.`);
      }
      return { item, comment: raw.comment as string | undefined, removeDate: raw.removeDate as string | undefined };
    });
    const newRequests = [];
    const existingRequests = [];
    for (const forId of requestedFor as string[]) {
      const made: string[] = [];
      const existing: string[] = [];
      for (const { item, comment, removeDate } of items) {
        const open = [...this.requests.values()].find((r) => r.requestedFor.id === forId && r.item.id === item.id && this.phase(r) === 'pending');
        if (open) existing.push(open.accessRequestId);
        else made.push(this.open(p, forId, item, comment, removeDate).accessRequestId);
      }
      const details = items.map(({ item }) => ({ type: item.type, id: item.id }));
      if (made.length) newRequests.push({ requestedFor: forId, requestedItemsDetails: details, attributesHash: 0, accessRequestIds: made });
      if (existing.length) existingRequests.push({ requestedFor: forId, requestedItemsDetails: details, attributesHash: 0, accessRequestIds: existing });
    }
    return { status: 202, body: { newRequests, existingRequests } };
  }

  /** `POST /access-requests/v1/cancel`: by its requester or an admin, only while its approval is pending. */
  cancel(p: Principal, body: unknown): void {
    if (!isObject(body) || typeof body.accountActivityId !== 'string' || typeof body.comment !== 'string' || !body.comment.trim()) {
      throw badRequest('accountActivityId and comment are required.');
    }
    const record = this.requests.get(body.accountActivityId);
    if (!record) throw new HttpError(404, `Access request ${body.accountActivityId} was not found.`);
    requireActsFor(p, record.requester.id);
    if (this.phase(record) !== 'pending') throw badRequest(`Access request ${record.accessRequestId} cannot be cancelled: it has passed the approval step.`);
    record.cancelled = { comment: body.comment, by: this.ref(p.identityId), at: this.now().toISOString() };
    this.approvals.withdraw(record.approvalId);
  }

  /** `GET /access-request-status/v1`: a user sees the requests they made or that are for them; an admin anyone's. */
  status(p: Principal, requestedFor: string | undefined, requestedBy: string | undefined): RequestedItemStatus[] {
    const who = (v: string | undefined) => (v === 'me' ? p.identityId : v);
    const [forId, byId] = [who(requestedFor), who(requestedBy)];
    if (!p.admin && forId !== p.identityId && byId !== p.identityId) throw new HttpError(403, 'The server understood the request but refuses to authorize it.');
    return [...this.requests.values()]
      .filter((r) => (forId === undefined || r.requestedFor.id === forId) && (byId === undefined || r.requester.id === byId))
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0))
      .map((r) => this.asStatus(r));
  }

  private open(p: Principal, forId: string, item: RequestableObject, comment: string | undefined, removeDate: string | undefined): RequestRecord {
    const now = this.now();
    const requester = this.ref(p.identityId);
    const requestedFor = this.ref(forId);
    const ownerId = item.ownerRef?.id === forId ? this.identity(forId)?.manager?.id ?? SEED_IDENTITIES.manager.id : item.ownerRef!.id!;
    const approval = this.approvals.add(
      accessRequest(
        now,
        {
          id: this.newId('accessRequestApproval'),
          owner: this.ref(ownerId),
          requester,
          requestedFor,
          age: {},
          requestedObject: { id: item.id, name: item.name, description: item.description ?? undefined, type: item.type },
          ...(comment ? { requesterComment: { comment, created: now.toISOString(), author: { type: 'IDENTITY', ...requester } } } : {}),
          ...(removeDate ? { removeDate } : {}),
        },
        this.newId,
      ),
    );
    const accessRequestId = approval.accessRequestId!;
    const record: RequestRecord = { accessRequestId, item, requester, requestedFor, comment, removeDate, created: approval.created!, approvalId: approval.id! };
    this.requests.set(accessRequestId, record);
    return record;
  }

  private ref(id: string): { id: string; name: string } {
    return { id, name: this.identity(id)?.name ?? id };
  }

  private phase(r: RequestRecord): 'pending' | 'approved' | 'rejected' | 'cancelled' {
    if (r.cancelled) return 'cancelled';
    const decision = this.approvals.get(r.approvalId)?.decision;
    return decision ? (decision.state === 'APPROVED' ? 'approved' : 'rejected') : 'pending';
  }

  private asStatus(r: RequestRecord): RequestedItemStatus {
    const approval = this.approvals.get(r.approvalId);
    const decision = approval?.decision;
    const phase = this.phase(r);
    const modified = r.cancelled?.at ?? decision?.at ?? r.created;
    const state = phase === 'pending' ? 'EXECUTING' : phase === 'approved' ? 'REQUEST_COMPLETED' : phase === 'rejected' ? 'REJECTED' : 'CANCELLED';
    return {
      id: r.item.id,
      name: r.item.name,
      type: r.item.type,
      state,
      approvalDetails: r.cancelled
        ? []
        : [
            {
              forwarded: (approval?.forwardHistory?.length ?? 0) > 0,
              originalOwner: { type: 'IDENTITY', ...this.ref(r.item.ownerRef?.id ?? '') },
              currentOwner: decision ? decision.reviewedBy : approval?.owner ? { type: 'IDENTITY', id: approval.owner.id, name: approval.owner.name } : null,
              modified,
              status: decision ? decision.state : 'PENDING',
              scheme: 'ACCESS_PROFILE_OWNER',
              ...(decision?.reviewerComment?.comment ? { comment: decision.reviewerComment.comment } : {}),
            },
          ],
      approvalIds: [r.approvalId],
      requestType: 'GRANT_ACCESS',
      created: r.created,
      modified,
      requester: { type: 'IDENTITY', ...r.requester },
      requestedFor: { type: 'IDENTITY', ...r.requestedFor },
      requesterComment: r.comment ? { comment: r.comment, created: r.created } : null,
      cancelledRequestDetails: r.cancelled ? { comment: r.cancelled.comment, owner: { type: 'IDENTITY', ...r.cancelled.by }, modified: r.cancelled.at } : null,
      description: r.item.description,
      removeDate: r.removeDate ?? null,
      cancelable: phase === 'pending',
      accessRequestId: r.accessRequestId,
    };
  }
}

function listParam(query: URLSearchParams, name: string, allowed: readonly string[]): string[] | undefined {
  const raw = query.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (!raw.length) return undefined;
  const bad = raw.find((v) => !allowed.includes(v));
  if (bad) throw badRequest(`Query parameter '${name}' takes ${allowed.join(', ')}; got '${bad}'.`);
  return raw;
}

export function accessRequestRoutes(store: AccessRequestStore): Route[] {
  const route = (methods: string[], path: string, handler: Route['handler']): Route => ({ methods, path, versions: ['v1'], handler });
  return [
    route(['GET'], '/requestable-objects', (c: RequestContext) => {
      const rawId = c.query.get('identity-id') || undefined;
      const identityId = rawId === 'me' ? c.principal.identityId : rawId;
      if (identityId === undefined && !c.principal.admin) throw new HttpError(403, 'Only an admin may list requestable objects without identity-id.');
      if (identityId !== undefined) requireActsFor(c.principal, identityId);
      const statuses = listParam(c.query, 'statuses', ['AVAILABLE', 'PENDING', 'ASSIGNED']);
      if (statuses && identityId === undefined) throw badRequest("'statuses' needs 'identity-id'.");
      const term = c.query.get('term') || undefined;
      const { test } = compileFilters(term ? null : c.query.get('filters'), REQUESTABLE_FIELDS);
      let found = store.requestables(term, listParam(c.query, 'types', ['ACCESS_PROFILE', 'ROLE'])).filter(test);
      if (identityId !== undefined) found = store.withStatusFor(identityId, found).filter((o) => !statuses || statuses.includes(o.requestStatus ?? ''));
      return pageReply(sortBy(found, c.query.get('sorters'), { name: (o) => o.name ?? '' }), paging(c.query));
    }),
    route(['POST'], '/access-requests', (c) => store.create(c.principal, c.body)),
    route(['POST'], '/access-requests/cancel', (c) => {
      store.cancel(c.principal, c.body);
      return { status: 202, body: {} };
    }),
    route(['GET'], '/access-request-status', (c) => {
      const { test } = compileFilters(c.query.get('filters'), STATUS_FIELDS);
      const found = store.status(c.principal, c.query.get('requested-for') || undefined, c.query.get('requested-by') || undefined).filter(test);
      return pageReply(sortBy(found, c.query.get('sorters'), STATUS_SORTS), paging(c.query));
    }),
  ];
}
