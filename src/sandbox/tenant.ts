// An embedded, stateful demo ISC tenant on loopback: OAuth client credentials and authorization code
// (a sign-in page for demo identities, token revocation), work items (v3 and v1 layouts), task status (v2024 and v1),
// public identities (v3 and v1), access-request approvals (v3 and v1), generic approvals (v1) and certifications (v1), over
// Node's http module. Legacy-layout answers carry `X-Deprecated: true`, as ISC's do since August 2026.
// The bot points its normal HTTP client at it when no real tenant is configured.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type {
  Approval,
  PendingApproval,
  PublicIdentity,
  TaskCompletionStatus,
  TaskStatus,
  WorkItem,
  WorkItemState,
  WorkItemsSummary,
} from '../isc/types';
import { escapeHtml, htmlPage, sendHtml } from '../auth/html';
import { pkceChallenge } from '../auth/pkce';
import { createLogger, type Logger } from '../log';
import {
  badRequest,
  compare,
  compileFilters,
  errorResponse,
  HttpError,
  isObject,
  matchRoute,
  ok,
  pageReply,
  paging,
  RATE_LIMITED,
  requireActsFor,
  sortBy,
  UNAUTHORIZED,
  type ApiVersion,
  type FilterFields,
  type Principal,
  type Reply,
  type RequestContext,
  type Route,
} from './api';
import { accessRequestApprovalRoutes, AccessRequestApprovalStore, type AccessRequestApprovalRecord } from './accessRequestApprovals';
import { demoApprovalsFor, seedAccessRequestApprovals, seedGenericApprovals } from './approvalSeed';
import { accessRequestRoutes, AccessRequestStore } from './accessRequests';
import { certificationRoutes, CertificationStore, type CertificationRecord, type DecisionLogEntry } from './certifications';
import { demoCertificationFor, seedCertifications } from './certificationSeed';
import { genericApprovalRoutes, GenericApprovalStore } from './genericApprovals';
import { reassignmentConfigurationRoutes, ReassignmentConfigurationStore } from './reassignmentConfigurations';
import { createSeed, demoIdentity, demoWorkItemsFor, FIRST_DYNAMIC_ID, sandboxId, SEED_IDENTITIES, type SandboxIdKind } from './seed';

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 'sandbox'. */
  clientId?: string;
  /** Default 'sandbox-secret'. */
  clientSecret?: string;
  /** The OAuth client of the authorization-code and refresh-token grants (account linking). Default 'sandbox-oauth'. */
  oauthClientId?: string;
  /** Default 'sandbox-oauth-secret'. */
  oauthClientSecret?: string;
  /** Default 749, like ISC. */
  tokenTtlSeconds?: number;
  /**
   * What the client-credentials identity may read: `org-admin` (default) any owner's items and whole
   * queues; `admin` any owner's items, but a whole queue (no owner named) is refused with 403.
   */
  serviceLevel?: 'org-admin' | 'admin';
  /** ISC's rate limit, enforced: API requests past `requests` in any `perMs` (on `now`) are answered 429 with Retry-After. Default: none. */
  rateLimit?: { requests: number; perMs: number };
  logger?: Logger;
  /** Clock for seed ages, timestamps and token expiry. */
  now?: () => Date;
  /**
   * Fault injection for benchmarks and soak tests, called for every request (`/oauth/token` included:
   * return undefined for it to leave token grants alone) before authentication and the handler.
   */
  faults?: (req: { method: string; path: string; query: URLSearchParams }) => Promise<Fault | undefined> | Fault | undefined;
}

export type Fault = { delayMs?: number } & (
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'reset' }
  | { kind: 'malformed' }
  | { kind: 'none' }
);

export interface MutationRecord {
  method: string;
  /** The request path as sent, ids included. */
  path: string;
  workItemId?: string;
  /** The access-request approval or generic approval acted on (none for the bulk calls, whose ids are in the body). */
  approvalId?: string;
  /** The status the sandbox answered: a repeated decision shows up as a 400. */
  status: number;
  /** Whose token made the request: the service identity for client credentials, else the signed-in user. */
  identityId: string;
  at: string;
  /** The id sent back in the `SLPT-Request-Id` header, as ISC names each request for its support. */
  requestId: string;
}

export interface SandboxStats {
  /** Per "METHOD /normalised/path", e.g. "POST /work-items/{id}/approve/{approvalItemId}", whatever the layout. */
  requests: Record<string, number>;
  tokenRequests: number;
  /** Every write (POST, PATCH, PUT, DELETE) that passed authentication, in order. */
  mutations: MutationRecord[];
  /** Like `requests`, for the requests made in a legacy layout (answered with `X-Deprecated: true`). */
  deprecatedRequests: Record<string, number>;
  /** Requests answered 429 by the enforced rate limit (SandboxOptions.rateLimit). */
  rateLimited?: number;
}

export interface SandboxTenant {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  clientId: string;
  clientSecret: string;
  oauthClientId: string;
  oauthClientSecret: string;
  close(): Promise<void>;
  stats(): SandboxStats;
  /** Adds (or replaces, by id) a work item, as if it had just arrived. */
  addWorkItem(item: WorkItem): void;
  /**
   * Adds (or replaces, by id) a task status, as if it had just been launched: fields left out get the
   * defaults of a pending aggregation (a new id, created and launched now). Returns a copy of what is stored.
   */
  addTask(task: Partial<TaskStatus>): TaskStatus;
  getWorkItemState(id: string): WorkItem | undefined;
  /**
   * Adds (or replaces, by id) an access-request approval, as if it had just been requested: a new id,
   * created now and the owner's name filled in when left out. Returns a copy of what is stored.
   */
  addAccessRequestApproval(approval: PendingApproval): PendingApproval;
  /** The approval as stored, with `decision` once it is approved or rejected. */
  getAccessRequestApprovalState(id: string): AccessRequestApprovalRecord | undefined;
  /**
   * Adds (or replaces, by id) a generic approval: a new id, created now, and assigned to its approvers
   * when left out. Returns a copy of what is stored.
   */
  addGenericApproval(approval: Approval): Approval;
  getGenericApprovalState(id: string): Approval | undefined;
  /** A certification as stored, with its items. */
  getCertificationState(id: string): CertificationRecord | undefined;
  /** Every access-review decision the tenant accepted, in order. */
  certificationDecisions(): DecisionLogEntry[];
  /** The identity with that email, created (with demo work items and approvals) if there is none. */
  identityForEmail(email: string): PublicIdentity;
  /** Revokes every access and refresh token the authorization-code flow issued to that identity. */
  revokeUserTokens(identityId: string): void;
  /** How many access and refresh tokens the authorization-code flow issued to that identity still work. */
  liveUserTokens(identityId: string): number;
}

// ---------------------------------------------------------------------------------------------------
// Tenant state

const COMPLETION_STATUSES: readonly TaskCompletionStatus[] = ['SUCCESS', 'WARNING', 'ERROR', 'TERMINATED', 'TEMPERROR'];
const EMAIL = /^[^\s@"]+@[^\s@"]+$/;

const isPendingApproval = (a: { state?: WorkItemState | null }) => a.state == null || a.state === 'Pending';
const newestFirst = (a: WorkItem, b: WorkItem) => compare(b.created ?? '', a.created ?? '') || compare(a.id ?? '', b.id ?? '');

type PatchableField = 'completionStatus' | 'completed' | 'progress' | 'percentComplete';
const PATCHABLE: { [K in PatchableField]: (v: unknown) => TaskStatus[K] } = {
  completionStatus: (v) => {
    if (v === null || COMPLETION_STATUSES.includes(v as TaskCompletionStatus)) return v as TaskCompletionStatus | null;
    throw badRequest(`completionStatus must be null or one of ${COMPLETION_STATUSES.join(', ')}; got ${JSON.stringify(v)}.`);
  },
  completed: (v) => {
    if (v === null) return null;
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
    throw badRequest(`completed must be null or a date-time; got ${JSON.stringify(v)}.`);
  },
  progress: (v) => {
    if (v === null || typeof v === 'string') return v;
    throw badRequest(`progress must be null or a string; got ${JSON.stringify(v)}.`);
  },
  percentComplete: (v) => {
    if (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100) return v as number;
    throw badRequest(`percentComplete must be an integer from 0 to 100; got ${JSON.stringify(v)}.`);
  },
};

class SandboxState {
  private readonly identities = new Map<string, PublicIdentity>();
  private readonly workItems = new Map<string, WorkItem>();
  private readonly tasks = new Map<string, TaskStatus>();
  private readonly counters = new Map<SandboxIdKind, number>();
  readonly accessRequests: AccessRequestApprovalStore;
  readonly genericApprovals: GenericApprovalStore;
  readonly requests: AccessRequestStore;
  readonly certifications: CertificationStore;
  readonly reassignments: ReassignmentConfigurationStore;

  constructor(private readonly now: () => Date) {
    const start = now();
    const seed = createSeed(start);
    for (const i of seed.identities) this.identities.set(i.id!, i);
    for (const w of seed.workItems) this.workItems.set(w.id!, w);
    for (const t of seed.tasks) this.tasks.set(t.id, t);
    const identity = (id: string) => this.identities.get(id);
    this.accessRequests = new AccessRequestApprovalStore(now, identity);
    this.genericApprovals = new GenericApprovalStore(now, identity, () => this.newId('comment'));
    this.requests = new AccessRequestStore(now, identity, this.accessRequests, this.newId);
    for (const a of seedAccessRequestApprovals(start)) this.accessRequests.add(a);
    for (const g of seedGenericApprovals(start)) this.genericApprovals.add(g);
    this.certifications = new CertificationStore(now, identity, (kind) => this.newId(kind));
    for (const c of seedCertifications(start)) this.certifications.add(c);
    this.reassignments = new ReassignmentConfigurationStore(now, identity);
  }

  private readonly newId = (kind: SandboxIdKind): string => {
    const n = this.counters.get(kind) ?? FIRST_DYNAMIC_ID;
    this.counters.set(kind, n + 1);
    return sandboxId(kind, n);
  };

  private stamp(): string {
    return this.now().toISOString();
  }

  // Identities

  allIdentities(): PublicIdentity[] {
    return [...this.identities.values()];
  }

  /**
   * Finds the identity with that email or invents one, with demo work items and one approval of each
   * kind, so every Slack user has something to try.
   */
  identityForEmail(email: string): PublicIdentity {
    const wanted = email.trim().toLowerCase();
    const existing = this.allIdentities().find((i) => i.email?.toLowerCase() === wanted);
    if (existing) return existing;
    if (!EMAIL.test(wanted)) throw new Error(`Not an email address: ${email}`);
    const created = demoIdentity(this.newId('identity'), wanted);
    this.identities.set(created.id!, created);
    const owner = { id: created.id!, name: created.name!, email: created.email ?? undefined };
    for (const w of demoWorkItemsFor(owner, this.now(), this.newId)) this.workItems.set(w.id!, w);
    const approvals = demoApprovalsFor(owner, this.now(), this.newId);
    for (const a of approvals.accessRequestApprovals) this.accessRequests.add(a);
    for (const g of approvals.genericApprovals) this.genericApprovals.add(g);
    this.certifications.add(demoCertificationFor(owner, this.now(), this.newId));
    return created;
  }

  // Work items

  workItemsOf(ownerId: string, pending: boolean): WorkItem[] {
    return [...this.workItems.values()].filter((w) => w.ownerId === ownerId && (w.state === 'Pending') === pending).sort(newestFirst);
  }

  summary(ownerId: string): WorkItemsSummary {
    const open = this.workItemsOf(ownerId, true).length;
    const completed = this.workItemsOf(ownerId, false).length;
    return { open, completed, total: open + completed };
  }

  workItem(p: Principal, id: string): WorkItem {
    const item = this.workItems.get(id);
    if (!item) throw new HttpError(404, `Work item ${id} was not found.`);
    requireActsFor(p, item.ownerId);
    return item;
  }

  private pendingWorkItem(p: Principal, id: string): WorkItem {
    const item = this.workItem(p, id);
    if (item.state !== 'Pending') throw badRequest(`Work item ${id} is not pending: it is ${item.state}.`);
    return item;
  }

  private finish(item: WorkItem, state: WorkItemState): WorkItem {
    item.state = state;
    item.completed = item.modified = this.stamp();
    return item;
  }

  /** Approves or rejects one approval item, or (without `approvalItemId`) all pending ones. */
  decide(p: Principal, id: string, verdict: 'Finished' | 'Rejected', approvalItemId?: string): WorkItem {
    const item = this.pendingWorkItem(p, id);
    const approvals = item.approvalItems ?? [];
    if (!approvals.length) throw badRequest(`Work item ${id} has no approval items.`);
    let targets = approvals.filter(isPendingApproval);
    if (approvalItemId !== undefined) {
      const one = approvals.find((a) => a.id === approvalItemId);
      if (!one) throw new HttpError(404, `Approval item ${approvalItemId} was not found in work item ${id}.`);
      if (!isPendingApproval(one)) throw badRequest(`Approval item ${approvalItemId} of work item ${id} is not pending: it is ${one.state}.`);
      targets = [one];
    }
    for (const a of targets) a.state = verdict;
    item.modified = this.stamp();
    if (approvals.some(isPendingApproval)) return item;
    return this.finish(item, approvals.every((a) => a.state === 'Rejected') ? 'Rejected' : 'Finished');
  }

  complete(p: Principal, id: string, body: unknown): WorkItem {
    if (body != null && typeof body !== 'string') throw badRequest('The request body must be a JSON string or null.');
    const item = this.pendingWorkItem(p, id);
    if (item.approvalItems?.some(isPendingApproval)) {
      throw badRequest(`Work item ${id} has pending approval items: approve or reject them instead.`);
    }
    return this.finish(item, 'Finished');
  }

  forward(p: Principal, id: string, body: unknown): void {
    if (!isObject(body)) throw badRequest('The request body must be a WorkItemForward object.');
    const { targetOwnerId, comment } = body;
    if (typeof targetOwnerId !== 'string' || !targetOwnerId) throw badRequest('targetOwnerId is required.');
    if (typeof comment !== 'string') throw badRequest('comment is required.');
    const item = this.pendingWorkItem(p, id);
    const target = this.identities.get(targetOwnerId);
    if (!target) throw badRequest(`Identity ${targetOwnerId} was not found.`);
    if (target.id === item.ownerId) throw badRequest(`Work item ${id} is already owned by ${target.name}.`);
    item.ownerId = target.id;
    item.ownerName = target.name;
    item.modified = this.stamp();
  }

  submitAccountSelection(p: Principal, id: string, body: unknown): WorkItem {
    if (!isObject(body)) throw badRequest('The request body must be a JSON object of form field name to value.');
    const item = this.pendingWorkItem(p, id);
    const fields = item.form?.sections?.flatMap((s) => s.formItems ?? []) ?? [];
    if (!fields.length) throw badRequest(`Work item ${id} has no account selection form.`);
    for (const f of fields) if (f.name !== undefined && Object.hasOwn(body, f.name)) f.value = body[f.name];
    return this.finish(item, 'Finished');
  }

  addWorkItem(item: WorkItem): void {
    const copy = structuredClone(item);
    const stamp = this.stamp();
    const ownerName = copy.ownerName ?? (copy.ownerId ? this.identities.get(copy.ownerId)?.name : undefined);
    const id = copy.id ?? this.newId('workItem');
    this.workItems.set(id, { state: 'Pending', created: stamp, modified: stamp, errors: [], ...copy, id, ownerName });
  }

  getWorkItemState(id: string): WorkItem | undefined {
    const item = this.workItems.get(id);
    return item && structuredClone(item);
  }

  // Approvals (their rules are in accessRequestApprovals.ts and genericApprovals.ts)

  addAccessRequestApproval(approval: PendingApproval): PendingApproval {
    const stamp = this.stamp();
    const owner = approval.owner && { type: 'IDENTITY' as const, ...approval.owner, name: approval.owner.name ?? this.identities.get(approval.owner.id ?? '')?.name };
    const stored = this.accessRequests.add({
      accessRequestId: this.newId('accessRequest'),
      created: stamp,
      modified: stamp,
      requestCreated: stamp,
      requestType: 'GRANT_ACCESS',
      commentRequiredWhenRejected: false,
      ...approval,
      owner,
      id: approval.id ?? this.newId('accessRequestApproval'),
    });
    const { decision: _decision, ...pending } = stored;
    return pending;
  }

  addGenericApproval(approval: Approval): Approval {
    const stamp = this.stamp();
    return this.genericApprovals.add({
      createdDate: stamp,
      modifiedDate: stamp,
      assignedTo: approval.completedDate ? [] : approval.approvers,
      ...approval,
      id: approval.id ?? this.newId('genericApproval'),
    });
  }

  // Task status

  addTask(task: Partial<TaskStatus>): TaskStatus {
    const copy = structuredClone(task);
    const stamp = this.stamp();
    const created = copy.created ?? stamp;
    const stored: TaskStatus = {
      type: 'QUARTZ',
      uniqueName: 'Cloud Account Aggregation',
      parentName: 'Cloud Account Aggregation',
      launcher: 'sweep',
      target: null,
      launched: created,
      completed: null,
      completionStatus: null,
      messages: [],
      returns: [],
      attributes: {},
      progress: null,
      percentComplete: 0,
      ...copy,
      id: copy.id ?? this.newId('task'),
      created,
      modified: copy.modified ?? copy.completed ?? created,
    };
    this.tasks.set(stored.id, stored);
    return structuredClone(stored);
  }

  allTasks(): TaskStatus[] {
    return [...this.tasks.values()];
  }

  task(id: string): TaskStatus {
    const task = this.tasks.get(id);
    if (!task) throw new HttpError(404, `TaskStatus with the id ${id} was not found.`);
    return task;
  }

  /** Applies `replace` operations on the patchable fields, all or none. */
  patchTask(id: string, ops: unknown): TaskStatus {
    if (!Array.isArray(ops)) throw badRequest('The request body must be a JSON Patch array.');
    const task = this.task(id);
    const patch: Partial<Record<PatchableField, unknown>> = {};
    for (const op of ops) {
      if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw badRequest('Each operation needs op and path.');
      const field = op.path.replace(/^\//, '');
      if (!Object.hasOwn(PATCHABLE, field)) throw badRequest(`Path ${op.path} cannot be patched.`);
      if (op.op !== 'replace') throw badRequest(`Operation '${op.op}' is not supported on ${op.path}; use replace.`);
      if (!('value' in op)) throw badRequest(`replace on ${op.path} needs a value.`);
      patch[field as PatchableField] = PATCHABLE[field as PatchableField](op.value);
    }
    return Object.assign(task, patch, { modified: this.stamp() });
  }
}

// ---------------------------------------------------------------------------------------------------
// Routes

const WORK_ITEMS: readonly ApiVersion[] = ['v3', 'v1'];
const TASK_STATUS: readonly ApiVersion[] = ['v2024', 'v1'];
const IDENTITIES: readonly ApiVersion[] = ['v3', 'v1'];
const ACCESS_REQUEST_APPROVALS: readonly ApiVersion[] = ['v3', 'v1'];
const GENERIC_APPROVALS: readonly ApiVersion[] = ['v1'];
const CERTIFICATIONS: readonly ApiVersion[] = ['v1'];
const REASSIGNMENTS: readonly ApiVersion[] = ['v1'];

const TASK_FIELDS: FilterFields<TaskStatus> = {
  id: { ops: ['eq', 'in'], get: (t) => t.id },
  sourceId: { ops: ['eq', 'in'], get: (t) => (t.target?.type === 'APPLICATION' ? t.target.id : undefined) },
  completionStatus: { ops: ['eq', 'in', 'isnull'], get: (t) => t.completionStatus },
  type: { ops: ['eq', 'in'], get: (t) => t.type },
  launcher: { ops: ['eq', 'in'], get: (t) => t.launcher },
};

const IDENTITY_FIELDS: FilterFields<PublicIdentity> = {
  id: { ops: ['eq', 'in'], get: (i) => i.id },
  email: { ops: ['eq', 'in', 'sw'], get: (i) => i.email },
  alias: { ops: ['eq', 'sw'], get: (i) => i.alias },
  firstname: { ops: ['eq', 'sw'], get: (i) => i.name?.split(' ')[0] },
  lastname: { ops: ['eq', 'sw'], get: (i) => i.name?.split(' ').slice(1).join(' ') },
};

function routes(state: SandboxState): Route[] {
  const owner = (c: RequestContext) => {
    const ownerId = c.query.get('ownerId') || c.principal.identityId;
    requireActsFor(c.principal, ownerId);
    return ownerId;
  };
  const wi = (methods: string[], path: string, handler: Route['handler']): Route => ({ methods, path, versions: WORK_ITEMS, handler });
  const ts = (methods: string[], path: string, handler: Route['handler'], versions = TASK_STATUS): Route => ({ methods, path, versions, handler });
  // Literal paths come before `{id}` ones: the first match wins.
  return [
    wi(['GET'], '/work-items', (c) => pageReply(state.workItemsOf(owner(c), true), paging(c.query))),
    wi(['GET'], '/work-items/completed', (c) => pageReply(state.workItemsOf(owner(c), false), paging(c.query))),
    wi(['GET'], '/work-items/count', (c) => ok({ count: state.workItemsOf(owner(c), true).length })),
    wi(['GET'], '/work-items/completed/count', (c) => ok({ count: state.workItemsOf(owner(c), false).length })),
    wi(['GET'], '/work-items/summary', (c) => ok(state.summary(owner(c)))),
    wi(['POST'], '/work-items/bulk-approve/{id}', (c) => ok(state.decide(c.principal, c.params.id, 'Finished'))),
    wi(['POST'], '/work-items/bulk-reject/{id}', (c) => ok(state.decide(c.principal, c.params.id, 'Rejected'))),
    wi(['GET'], '/work-items/{id}', (c) => ok(state.workItem(c.principal, c.params.id))),
    wi(['POST'], '/work-items/{id}', (c) => ok(state.complete(c.principal, c.params.id, c.body))),
    wi(['POST'], '/work-items/{id}/forward', (c) => {
      state.forward(c.principal, c.params.id, c.body);
      return ok();
    }),
    wi(['POST'], '/work-items/{id}/approve/{approvalItemId}', (c) =>
      ok(state.decide(c.principal, c.params.id, 'Finished', c.params.approvalItemId)),
    ),
    wi(['POST'], '/work-items/{id}/reject/{approvalItemId}', (c) =>
      ok(state.decide(c.principal, c.params.id, 'Rejected', c.params.approvalItemId)),
    ),
    wi(['POST'], '/work-items/{id}/submit-account-selection', (c) => ok(state.submitAccountSelection(c.principal, c.params.id, c.body))),
    ts(
      ['GET', 'HEAD'],
      '/task-status/pending-tasks',
      (c) => pageReply(state.allTasks().filter((t) => t.completionStatus === null), paging(c.query), 204),
      ['v2024'],
    ),
    ts(['GET'], '/task-status', (c) => {
      const { test } = compileFilters(c.query.get('filters'), TASK_FIELDS);
      const tasks = sortBy(state.allTasks().filter(test), c.query.get('sorters'), { created: (t) => t.created });
      return pageReply(tasks, paging(c.query));
    }),
    ts(['GET'], '/task-status/{id}', (c) => ok(state.task(c.params.id))),
    ts(['PATCH'], '/task-status/{id}', (c) => {
      if (c.contentType.split(';')[0].trim().toLowerCase() !== 'application/json-patch+json') {
        throw new HttpError(415, 'The Content-Type must be application/json-patch+json.');
      }
      return ok(state.patchTask(c.params.id, c.body));
    }),
    {
      methods: ['GET'],
      path: '/public-identities',
      versions: IDENTITIES,
      handler: (c) => {
        const { terms, test } = compileFilters(c.query.get('filters'), IDENTITY_FIELDS);
        for (const t of terms) {
          if (t.field === 'email' && t.op !== 'sw') for (const email of t.values.filter((v) => EMAIL.test(v))) state.identityForEmail(email);
        }
        const found = sortBy(state.allIdentities().filter(test), c.query.get('sorters'), { name: (i) => i.name ?? '' });
        return pageReply(found, paging(c.query));
      },
    },
    ...accessRequestApprovalRoutes(state.accessRequests, ACCESS_REQUEST_APPROVALS),
    ...genericApprovalRoutes(state.genericApprovals, GENERIC_APPROVALS),
    ...accessRequestRoutes(state.requests),
    ...certificationRoutes(state.certifications, CERTIFICATIONS),
    ...reassignmentConfigurationRoutes(state.reassignments, REASSIGNMENTS),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Server

function readRawBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  return (await readRawBody(req)).toString('utf8');
}

/**
 * The fields of a form body, URL-encoded or `multipart/form-data` (SailPoint's TypeScript SDK sends
 * its token request as multipart); undefined when a multipart body cannot be read.
 */
async function readForm(req: http.IncomingMessage): Promise<URLSearchParams | undefined> {
  const raw = await readRawBody(req);
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType)) return new URLSearchParams(raw.toString('utf8'));
  try {
    const fields = await new Response(raw, { headers: { 'Content-Type': contentType } }).formData();
    const form = new URLSearchParams();
    for (const [name, value] of fields) if (typeof value === 'string') form.append(name, value);
    return form;
  } catch {
    return undefined;
  }
}

function parseBody(raw: string, contentType: string): unknown {
  if (!raw.trim()) return undefined;
  if (!/json/i.test(contentType)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

function send(res: http.ServerResponse, method: string, reply: Reply): void {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...reply.headers,
    ...(reply.body === undefined ? {} : { 'Content-Type': 'application/json;charset=utf-8' }),
    ...(reply.status === 204 ? {} : { 'Content-Length': String(Buffer.byteLength(payload)) }),
  });
  res.end(method === 'HEAD' ? undefined : payload);
}

function faultReply(fault: { status: number; retryAfterSeconds?: number }): Reply {
  const { status, retryAfterSeconds } = fault;
  if (status === 429) return { status, body: RATE_LIMITED, headers: { 'Retry-After': String(retryAfterSeconds ?? 1) } };
  const headers = retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(retryAfterSeconds) };
  return { status, body: status === 401 ? UNAUTHORIZED : errorResponse(status, `Injected fault: ${status}.`), headers };
}

// Unref'd: a delayed answer (fault injection) does not keep a closed tenant's process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

const CODE_TTL_MS = 60_000;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const INVALID_CLIENT: Reply = { status: 401, body: { error: 'invalid_client', error_description: 'Bad client credentials' } };

/** The sign-in page of `/oauth/authorize`: no password, any email (an unknown one gets a demo identity). */
function signInPage(params: URLSearchParams): string {
  const hidden = ['client_id', 'redirect_uri', 'state', 'response_type', 'code_challenge', 'code_challenge_method']
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? '')}">`)
    .join('');
  const { ada, ben, manager } = SEED_IDENTITIES;
  return htmlPage(
    'Sign in to the sandbox ISC tenant',
    `<p>A demo tenant: sign in as anyone by email, e.g. ${[ada, ben, manager].map((i) => escapeHtml(i.email)).join(', ')}.</p>` +
      `<form method="post" action="/oauth/authorize">${hidden}<label>Email <input type="email" name="email" required autofocus></label> ` +
      '<button name="action" value="sign-in">Sign in</button> <button name="action" value="cancel" formnovalidate>Cancel</button></form>',
  );
}

export async function startSandboxTenant(opts: SandboxOptions = {}): Promise<SandboxTenant> {
  const host = opts.host ?? '127.0.0.1';
  const clientId = opts.clientId ?? 'sandbox';
  const clientSecret = opts.clientSecret ?? 'sandbox-secret';
  const oauthClientId = opts.oauthClientId ?? 'sandbox-oauth';
  const oauthClientSecret = opts.oauthClientSecret ?? 'sandbox-oauth-secret';
  const ttlSeconds = opts.tokenTtlSeconds ?? 749;
  const logger = opts.logger ?? createLogger();
  const now = opts.now ?? (() => new Date());

  const state = new SandboxState(now);
  const table = routes(state);
  /** `grant`: the sign-in a user token descends from (rotation keeps it), so revoking a refresh token ends its access tokens too. */
  const tokens = new Map<string, { principal: Principal; expiresAt: number; grant?: string }>();
  /** Authorization codes (single use) and refresh tokens (rotated on use) of the user flow. */
  const codes = new Map<string, { identityId: string; redirectUri: string; expiresAt: number; codeChallenge?: string }>();
  const refreshTokens = new Map<string, { identityId: string; grant: string }>();
  const stats: SandboxStats = { requests: {}, tokenRequests: 0, mutations: [], deprecatedRequests: {} };
  /** When the API requests within the rate limit's window were admitted. */
  const admitted: number[] = [];

  function authenticate(req: http.IncomingMessage): Principal | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const issued = tokens.get(token);
    if (!issued) return undefined;
    if (issued.expiresAt > now().getTime()) return issued.principal;
    tokens.delete(token);
    return undefined;
  }

  /**
   * `POST /oauth/token`, client credentials in the form body (URL-encoded or multipart), the query
   * string or HTTP Basic.
   */
  async function grantToken(req: http.IncomingMessage, url: URL): Promise<Reply> {
    stats.tokenRequests++;
    const form = await readForm(req);
    if (!form) return { status: 400, body: { error: 'invalid_request', error_description: 'The multipart/form-data body could not be read.' } };
    for (const [k, v] of url.searchParams) if (!form.has(k)) form.set(k, v);
    const basic = Buffer.from(/^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '', 'base64').toString('utf8');
    const [basicId, basicSecret] = basic.includes(':') ? [basic.slice(0, basic.indexOf(':')), basic.slice(basic.indexOf(':') + 1)] : [];
    const grantType = form.get('grant_type');
    const [id, secret] = [form.get('client_id') ?? basicId, form.get('client_secret') ?? basicSecret];
    if (grantType === 'client_credentials') {
      if (id !== clientId || secret !== clientSecret) return INVALID_CLIENT;
      const token = randomBytes(32).toString('base64url');
      const principal: Principal = { identityId: SEED_IDENTITIES.service.id, admin: true, ...(opts.serviceLevel === 'admin' ? { scoped: true } : {}) };
      tokens.set(token, { principal, expiresAt: now().getTime() + ttlSeconds * 1000 });
      return ok({ access_token: token, token_type: 'bearer', expires_in: ttlSeconds, scope: 'sp:scopes:all', jti: randomBytes(16).toString('hex') });
    }
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Supported: client_credentials, authorization_code, refresh_token.' } };
    }
    if (id !== oauthClientId || secret !== oauthClientSecret) return INVALID_CLIENT;
    let issued: { identityId: string; grant: string } | undefined;
    if (grantType === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verified = !code?.codeChallenge || pkceChallenge(form.get('code_verifier') ?? '') === code.codeChallenge;
      if (code && verified && code.expiresAt > now().getTime() && code.redirectUri === form.get('redirect_uri')) issued = { identityId: code.identityId, grant: randomBytes(8).toString('hex') };
    } else {
      issued = refreshTokens.get(form.get('refresh_token') ?? '');
      refreshTokens.delete(form.get('refresh_token') ?? '');
    }
    if (!issued) return { status: 400, body: { error: 'invalid_grant', error_description: `Invalid ${grantType === 'refresh_token' ? 'refresh token' : 'authorization code'}` } };
    const { identityId } = issued;
    const access = randomBytes(32).toString('base64url');
    const refresh = randomBytes(32).toString('base64url');
    tokens.set(access, { principal: { identityId, admin: false }, expiresAt: now().getTime() + ttlSeconds * 1000, grant: issued.grant });
    refreshTokens.set(refresh, issued);
    // Like ISC, a grant with a user context names the identity that signed in.
    return ok({ access_token: access, token_type: 'bearer', refresh_token: refresh, expires_in: ttlSeconds, scope: 'sp:scopes:all', identity_id: identityId, jti: randomBytes(16).toString('hex') });
  }

  /**
   * `POST /oauth/revoke` (RFC 7009): the OAuth client revokes a token it was issued. A refresh token
   * takes every access token of its sign-in with it. An unknown token is answered 200 too, as the RFC asks.
   */
  async function revokeToken(req: http.IncomingMessage): Promise<Reply> {
    const form = new URLSearchParams(await readBody(req));
    if (form.get('client_id') !== oauthClientId || form.get('client_secret') !== oauthClientSecret) return INVALID_CLIENT;
    const token = form.get('token') ?? '';
    if (!token) return { status: 400, body: { error: 'invalid_request', error_description: 'token is required' } };
    const refresh = refreshTokens.get(token);
    if (refresh) {
      refreshTokens.delete(token);
      for (const [t, issued] of tokens) if (issued.grant === refresh.grant) tokens.delete(t);
    } else if (tokens.get(token)?.grant) {
      tokens.delete(token);
    }
    return ok();
  }

  /** `/oauth/authorize`: GET shows the sign-in page; its POST goes back to redirect_uri with a code (or error=access_denied). */
  async function authorize(req: http.IncomingMessage, res: http.ServerResponse, method: string, url: URL): Promise<void> {
    const params = method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
    const redirectUri = params.get('redirect_uri') ?? '';
    let back: URL | undefined;
    try {
      back = new URL(redirectUri);
    } catch {
      // Without a valid client and redirect_uri there is nowhere safe to send the browser: the error is shown here.
    }
    // PKCE (RFC 7636, S256 only): optional, but a code issued with a challenge is exchanged only with its verifier.
    const codeChallenge = params.get('code_challenge') ?? '';
    let problem: string | undefined;
    if (params.get('client_id') !== oauthClientId) problem = 'Unknown client_id.';
    else if (params.get('response_type') !== 'code') problem = 'response_type must be code.';
    else if (!back || !/^https?:$/.test(back.protocol)) problem = 'redirect_uri must be an absolute http(s) URL.';
    else if (codeChallenge && params.get('code_challenge_method') !== 'S256') problem = 'code_challenge_method must be S256.';
    else if (codeChallenge && !PKCE_CHALLENGE.test(codeChallenge)) problem = 'code_challenge must be the base64url SHA-256 of the code_verifier.';
    if (problem || !back) return sendHtml(res, 400, htmlPage('Cannot sign in', `<p>${escapeHtml(problem ?? '')}</p>`));
    if (method === 'GET') return sendHtml(res, 200, signInPage(params));

    const email = params.get('email')?.trim() ?? '';
    if (params.get('action') === 'cancel') back.searchParams.set('error', 'access_denied');
    else if (!EMAIL.test(email)) return sendHtml(res, 400, htmlPage('Cannot sign in', '<p>Enter an email address.</p>'));
    else {
      const code = randomBytes(24).toString('base64url');
      codes.set(code, { identityId: state.identityForEmail(email).id!, redirectUri, expiresAt: now().getTime() + CODE_TTL_MS, ...(codeChallenge ? { codeChallenge } : {}) });
      back.searchParams.set('code', code);
    }
    if (params.get('state')) back.searchParams.set('state', params.get('state')!);
    res.writeHead(302, { Location: back.href, 'Cache-Control': 'no-store' });
    res.end();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const isToken = method === 'POST' && url.pathname === '/oauth/token';
    const isRevoke = method === 'POST' && url.pathname === '/oauth/revoke';
    const isAuthorize = (method === 'GET' || method === 'POST') && url.pathname === '/oauth/authorize';
    const isOAuth = isToken || isRevoke || isAuthorize;
    const match = isOAuth ? undefined : matchRoute(table, method, url.pathname);
    const key = isOAuth ? `${method} ${url.pathname}` : match ? `${method} ${match.route.path}` : `${method} (unmatched)`;
    stats.requests[key] = (stats.requests[key] ?? 0) + 1;
    // Like ISC since August 2026: every answer from a legacy-layout endpoint says it is deprecated.
    const deprecated = match !== undefined && match.version !== 'v1';
    if (deprecated) stats.deprecatedRequests[key] = (stats.deprecatedRequests[key] ?? 0) + 1;
    const requestId = randomBytes(16).toString('hex');
    const answer = (reply: Reply) => send(res, method, { ...reply, headers: { ...reply.headers, 'SLPT-Request-Id': requestId, ...(deprecated ? { 'X-Deprecated': 'true' } : {}) } });

    const fault = await opts.faults?.({ method, path: url.pathname, query: url.searchParams });
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"broken');
      return;
    }
    if (fault?.kind === 'status') return send(res, method, faultReply(fault));
    if (!isOAuth && opts.rateLimit) {
      const at = now().getTime();
      while (admitted.length && admitted[0] <= at - opts.rateLimit.perMs) admitted.shift();
      if (admitted.length >= opts.rateLimit.requests) {
        stats.rateLimited = (stats.rateLimited ?? 0) + 1;
        return send(res, method, faultReply({ status: 429, retryAfterSeconds: Math.max(1, Math.ceil((admitted[0] + opts.rateLimit.perMs - at) / 1000)) }));
      }
      admitted.push(at);
    }

    if (isToken) return send(res, method, await grantToken(req, url));
    if (isRevoke) return send(res, method, await revokeToken(req));
    if (isAuthorize) return authorize(req, res, method, url);
    if (!match) return send(res, method, { status: 404, body: errorResponse(404, `No such API: ${method} ${url.pathname}`) });
    const principal = authenticate(req);
    if (!principal) return answer({ status: 401, body: UNAUTHORIZED });

    const contentType = req.headers['content-type'] ?? '';
    const raw = await readBody(req);
    let reply: Reply;
    try {
      reply = match.route.handler({ principal, params: match.params, query: url.searchParams, body: parseBody(raw, contentType), contentType, headers: req.headers });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      reply = { status: err.status, body: errorResponse(err.status, err.message) };
    }
    if (method !== 'GET' && method !== 'HEAD') {
      const workItemId = match.route.path.startsWith('/work-items/') ? match.params.id : undefined;
      const approvalId = match.route.path.includes('approvals/') ? match.params.approvalId ?? match.params.id : undefined;
      stats.mutations.push({
        method,
        path: url.pathname,
        workItemId,
        approvalId,
        status: reply.status,
        identityId: principal.identityId,
        at: now().toISOString(),
        requestId,
      });
    }
    logger.debug(`sandbox ${method} ${url.pathname} → ${reply.status}`);
    answer(reply);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error('sandbox: request failed', { err });
      if (res.headersSent) res.destroy();
      else send(res, req.method ?? 'GET', { status: 500, body: errorResponse(500, 'An internal fault occurred.') });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.warn(`SANDBOX ISC tenant — demo data, not a real tenant — listening on ${url}`);

  return {
    url,
    clientId,
    clientSecret,
    oauthClientId,
    oauthClientSecret,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    stats: () => structuredClone(stats),
    addWorkItem: (item) => state.addWorkItem(item),
    addTask: (task) => state.addTask(task),
    getWorkItemState: (id) => state.getWorkItemState(id),
    addAccessRequestApproval: (approval) => state.addAccessRequestApproval(approval),
    getAccessRequestApprovalState: (id) => state.accessRequests.get(id),
    addGenericApproval: (approval) => state.addGenericApproval(approval),
    getGenericApprovalState: (id) => state.genericApprovals.get(id),
    getCertificationState: (id) => state.certifications.get(id),
    certificationDecisions: () => structuredClone(state.certifications.decisionLog),
    identityForEmail: (email) => structuredClone(state.identityForEmail(email)),
    revokeUserTokens: (identityId) => {
      for (const [token, issued] of tokens) if (!issued.principal.admin && issued.principal.identityId === identityId) tokens.delete(token);
      for (const [token, issued] of refreshTokens) if (issued.identityId === identityId) refreshTokens.delete(token);
    },
    liveUserTokens: (identityId) => {
      const live = [...tokens.values()].filter((t) => !t.principal.admin && t.principal.identityId === identityId && t.expiresAt > now().getTime());
      return live.length + [...refreshTokens.values()].filter((t) => t.identityId === identityId).length;
    },
  };
}
