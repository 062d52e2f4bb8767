// The sandbox's Certifications API (`/certifications/v1`): a reviewer's identity campaign
// certifications, their access-review items (with the spec's filters), decide (1–250 per request),
// sign-off, reassign and reassign-async, with ISC's rules: only the reviewer or an admin, no decision
// on a signed certification or on the reviewer's own access, comments where the campaign requires
// them, no sign-off while items are undecided.
import type {
  AccessReviewItem,
  CertificationTask,
  IdentityCertificationDto,
  PublicIdentity,
  ReviewDecision,
  ReviewReassign,
  SlimCampaign,
} from '../isc/types';
import { badRequest, ById, compileFilters, HttpError, isObject, ok, pageReply, paging, sortBy, type ApiVersion, type FilterFields, type Principal, type RequestContext, type Route } from './api';

/** A certification as stored: the DTO (its counts derived from the items) and its items. */
export interface CertificationRecord {
  id: string;
  certification: IdentityCertificationDto;
  items: AccessReviewItem[];
}

/** Every decision the tenant accepted, in order: how tests see that an item was decided once. */
export interface DecisionLogEntry {
  certificationId: string;
  itemId: string;
  decision: ReviewDecision['decision'];
  bulk: boolean;
  comments?: string;
  proposedEndDate?: string;
  identityId: string;
}

const forbidden = () => new HttpError(403, 'The server understood the request but refuses to authorize it.');

const CERT_FIELDS: FilterFields<IdentityCertificationDto> = {
  id: { ops: ['eq', 'in'], get: (c) => c.id },
  'campaign.id': { ops: ['eq', 'in'], get: (c) => c.campaign?.id },
  phase: { ops: ['eq'], get: (c) => c.phase },
  completed: { ops: ['eq'], get: (c) => String(Boolean(c.completed)) },
};

const CAMPAIGN_FIELDS: FilterFields<SlimCampaign> = {
  id: { ops: ['eq', 'in'], get: (c) => c.id },
  name: { ops: ['eq', 'sw'], get: (c) => c.name },
  status: { ops: ['eq', 'in'], get: (c) => c.status },
};

const ITEM_FIELDS: FilterFields<AccessReviewItem> = {
  id: { ops: ['eq', 'in'], get: (i) => i.id },
  type: { ops: ['eq'], get: (i) => i.accessSummary?.access?.type },
  'access.type': { ops: ['eq'], get: (i) => i.accessSummary?.access?.type },
  completed: { ops: ['eq', 'ne'], get: (i) => String(Boolean(i.completed)) },
  'identitySummary.id': { ops: ['eq', 'in'], get: (i) => i.identitySummary?.id },
  'identitySummary.name': { ops: ['eq', 'sw'], get: (i) => i.identitySummary?.name },
  'access.id': { ops: ['eq', 'in'], get: (i) => i.accessSummary?.access?.id },
  'access.name': { ops: ['eq', 'sw'], get: (i) => i.accessSummary?.access?.name },
  'entitlement.sourceName': { ops: ['eq', 'sw'], get: (i) => i.accessSummary?.entitlement?.sourceName },
  'accessProfile.sourceName': { ops: ['eq', 'sw'], get: (i) => i.accessSummary?.accessProfile?.entitlements?.[0]?.sourceName },
};

const ITEM_SORTERS: Record<string, (i: AccessReviewItem) => string> = {
  'identitySummary.name': (i) => i.identitySummary?.name ?? '',
  'access.name': (i) => i.accessSummary?.access?.name ?? '',
  'access.type': (i) => i.accessSummary?.access?.type ?? '',
  'entitlement.sourceName': (i) => i.accessSummary?.entitlement?.sourceName ?? '',
  'accessProfile.sourceName': (i) => i.accessSummary?.accessProfile?.entitlements?.[0]?.sourceName ?? '',
};

export class CertificationStore {
  private readonly records = new ById<CertificationRecord>('A certification');
  readonly decisionLog: DecisionLogEntry[] = [];

  constructor(
    private readonly now: () => Date,
    private readonly identity: (id: string) => PublicIdentity | undefined,
    private readonly newId: (kind: 'certification' | 'certificationTask') => string,
  ) {}

  add(record: CertificationRecord): CertificationRecord {
    return this.records.add({ ...record, certification: withCounts(record.certification, record.items) });
  }

  get(id: string): CertificationRecord | undefined {
    return this.records.copy(id);
  }

  private find(p: Principal, id: string): CertificationRecord {
    const record = this.records.stored(id);
    if (!record) throw new HttpError(404, `Certification ${id} not found.`);
    if (!p.admin && record.certification.reviewer?.id !== p.identityId) throw forbidden();
    return record;
  }

  list(p: Principal, query: URLSearchParams) {
    const named = query.get('reviewer-identity');
    const reviewer = !named || named === 'me' ? (p.admin && !named ? undefined : p.identityId) : named;
    if (reviewer && !p.admin && reviewer !== p.identityId) throw forbidden();
    const { test } = compileFilters(query.get('filters'), CERT_FIELDS);
    const mine = this.records
      .all()
      .map((r) => r.certification)
      .filter((c) => (reviewer ? c.reviewer?.id === reviewer : true) && test(c));
    const sorted = sortBy(mine, query.get('sorters'), { name: (c) => c.name ?? '', due: (c) => c.due ?? '', created: (c) => c.created ?? '' });
    return pageReply(structuredClone(sorted), paging(query));
  }

  /**
   * `GET /campaigns/v1` (slim), an admin's read: the campaigns the certifications belong to, each
   * ACTIVE while one of its certifications is unsigned, its deadline the latest due date.
   */
  campaigns(p: Principal, query: URLSearchParams) {
    if (!p.admin) throw forbidden();
    const byId = new Map<string, IdentityCertificationDto[]>();
    for (const { certification: c } of this.records.all()) if (c.campaign?.id) byId.set(c.campaign.id, [...(byId.get(c.campaign.id) ?? []), c]);
    const latest = (values: Array<string | null | undefined>, pick: (a: string, b: string) => string) => values.filter((v): v is string => Boolean(v)).reduce(pick);
    const campaigns: SlimCampaign[] = [...byId.values()].map((certs) => {
      const signed = certs.filter((c) => c.phase === 'SIGNED').length;
      const first = certs[0].campaign!;
      return {
        id: first.id,
        name: first.name,
        type: first.campaignType,
        status: signed === certs.length ? 'COMPLETED' : 'ACTIVE',
        deadline: latest(certs.map((c) => c.due), (a, b) => (a > b ? a : b)),
        created: latest(certs.map((c) => c.created), (a, b) => (a < b ? a : b)),
        totalCertifications: certs.length,
        completedCertifications: signed,
      };
    });
    const { test } = compileFilters(query.get('filters'), CAMPAIGN_FIELDS);
    return pageReply(sortBy(campaigns.filter(test), query.get('sorters'), { name: (c) => c.name ?? '', created: (c) => c.created ?? '' }), paging(query));
  }

  certification(p: Principal, id: string): IdentityCertificationDto {
    return structuredClone(this.find(p, id).certification);
  }

  items(p: Principal, id: string, query: URLSearchParams) {
    const record = this.find(p, id);
    const { test } = compileFilters(query.get('filters'), ITEM_FIELDS);
    return pageReply(structuredClone(sortBy(record.items.filter(test), query.get('sorters'), ITEM_SORTERS)), paging(query));
  }

  decide(p: Principal, id: string, body: unknown): IdentityCertificationDto {
    const record = this.find(p, id);
    if (!Array.isArray(body) || body.length < 1 || body.length > 250) throw badRequest('The request body must be an array of 1 to 250 decisions.');
    const cert = record.certification;
    if (cert.phase === 'SIGNED' || cert.signed) throw badRequest('The certification is signed off; its decisions can no longer change.');
    const required = cert.campaign?.mandatoryCommentRequirement;
    const seen = new Set<string>();
    const checked = body.map((d: unknown, n) => {
      if (!isObject(d) || typeof d.id !== 'string' || (d.decision !== 'APPROVE' && d.decision !== 'REVOKE') || typeof d.bulk !== 'boolean') {
        throw badRequest(`Decision ${n}: id, decision (APPROVE or REVOKE) and bulk are required.`);
      }
      if (seen.has(d.id)) throw badRequest(`Decision ${n}: item ${d.id} appears twice.`);
      seen.add(d.id);
      const item = record.items.find((i) => i.id === d.id);
      if (!item) throw badRequest(`Decision ${n}: item ${d.id} is not in certification ${id}.`);
      if (item.identitySummary?.identityId === cert.reviewer?.id) throw badRequest(`Decision ${n}: a reviewer cannot certify their own access.`);
      const comments = typeof d.comments === 'string' && d.comments.trim() ? d.comments : undefined;
      if (!comments && (required === 'ALL_DECISIONS' || (required === 'REVOKE_ONLY_DECISIONS' && d.decision === 'REVOKE'))) {
        throw badRequest(`Decision ${n}: the campaign requires a comment for this decision.`);
      }
      if (d.proposedEndDate !== undefined) {
        if (d.decision !== 'REVOKE') throw badRequest(`Decision ${n}: proposedEndDate is only for REVOKE decisions.`);
        if (typeof d.proposedEndDate !== 'string' || Number.isNaN(Date.parse(d.proposedEndDate)) || Date.parse(d.proposedEndDate) <= this.now().getTime()) {
          throw badRequest(`Decision ${n}: proposedEndDate must be a date-time in the future.`);
        }
      }
      return { item, decision: d as unknown as ReviewDecision, comments };
    });
    for (const { item, decision, comments } of checked) {
      Object.assign(item, { completed: true, decision: decision.decision, comments: comments ?? null });
      this.decisionLog.push({
        certificationId: id,
        itemId: item.id!,
        decision: decision.decision,
        bulk: decision.bulk,
        ...(comments ? { comments } : {}),
        ...(decision.proposedEndDate ? { proposedEndDate: decision.proposedEndDate } : {}),
        identityId: p.identityId,
      });
    }
    record.certification = withCounts({ ...cert, modified: this.now().toISOString() }, record.items);
    return structuredClone(record.certification);
  }

  signOff(p: Principal, id: string): IdentityCertificationDto {
    const record = this.find(p, id);
    if (record.certification.phase === 'SIGNED') throw badRequest('The certification is already signed off.');
    const undecided = record.items.filter((i) => !i.completed).length;
    if (undecided) throw badRequest(`The certification has ${undecided} undecided item${undecided === 1 ? '' : 's'}; decide every item before signing off.`);
    const stamp = this.now().toISOString();
    record.certification = { ...record.certification, phase: 'SIGNED', signed: stamp, completed: true, modified: stamp };
    return structuredClone(record.certification);
  }

  /** Moves the items (or every item of the identity summaries) to a certification of the new reviewer in the same campaign. */
  reassign(p: Principal, id: string, body: unknown, max: number): IdentityCertificationDto {
    const record = this.find(p, id);
    if (!isObject(body) || !Array.isArray(body.reassign) || typeof body.reassignTo !== 'string' || typeof body.reason !== 'string' || !body.reason.trim()) {
      throw badRequest('reassign, reassignTo and reason are required.');
    }
    const request = body as unknown as ReviewReassign;
    if (request.reassign.length < 1 || request.reassign.length > max) throw badRequest(`Reassign 1 to ${max} identities or items at a time.`);
    if (record.certification.phase === 'SIGNED') throw badRequest('The certification is signed off.');
    const target = this.identity(request.reassignTo);
    if (!target) throw badRequest(`Identity ${request.reassignTo} not found.`);
    if (request.reassignTo === record.certification.reviewer?.id) throw badRequest('The certification is already assigned to that reviewer.');
    const moving = new Set<AccessReviewItem>();
    for (const ref of request.reassign) {
      const matches =
        ref.type === 'ITEM' ? record.items.filter((i) => i.id === ref.id) : ref.type === 'IDENTITY_SUMMARY' ? record.items.filter((i) => i.identitySummary?.id === ref.id) : [];
      if (matches.length === 0) throw badRequest(`Nothing to reassign for ${ref.type ?? 'an unknown type'} ${ref.id}.`);
      for (const m of matches) {
        if (m.completed) throw badRequest(`Item ${m.id} is already decided.`);
        moving.add(m);
      }
    }
    const campaignId = record.certification.campaign?.id;
    let destination = this.records.all().find((r) => r.certification.campaign?.id === campaignId && r.certification.reviewer?.id === target.id && r.certification.phase !== 'SIGNED');
    if (!destination) {
      const stamp = this.now().toISOString();
      const newId = this.newId('certification');
      this.records.add({
        id: newId,
        certification: {
          ...record.certification,
          id: newId,
          name: `${record.certification.campaign?.name ?? 'Campaign'}: ${target.name}`,
          created: stamp,
          modified: stamp,
          reviewer: { id: target.id, name: target.name, email: target.email, type: 'IDENTITY' },
          reassignment: { from: { id: record.id, name: record.certification.name, type: 'CERTIFICATION', reviewer: record.certification.reviewer }, comment: request.reason },
        },
        items: [],
      });
      destination = this.records.stored(newId)!;
    }
    destination.items.push(...moving);
    destination.certification = withCounts(destination.certification, destination.items);
    record.items = record.items.filter((i) => !moving.has(i));
    record.certification = withCounts({ ...record.certification, modified: this.now().toISOString() }, record.items);
    return structuredClone(record.certification);
  }

  reassignAsync(p: Principal, id: string, body: unknown): CertificationTask {
    this.reassign(p, id, body, 500);
    return { id: this.newId('certificationTask'), type: 'REASSIGN', targetType: 'CERTIFICATION', targetId: id, status: 'QUEUED', errors: [], created: this.now().toISOString() };
  }
}

/** The DTO's counts, from its items, as ISC keeps them. */
function withCounts(cert: IdentityCertificationDto, items: AccessReviewItem[]): IdentityCertificationDto {
  const bySummary = new Map<string, boolean>();
  for (const i of items) {
    const key = i.identitySummary?.id ?? '';
    bySummary.set(key, (bySummary.get(key) ?? true) && Boolean(i.completed));
  }
  for (const i of items) if (i.identitySummary) i.identitySummary.completed = bySummary.get(i.identitySummary.id ?? '') ?? false;
  const made = items.filter((i) => i.completed).length;
  return {
    ...cert,
    decisionsMade: made,
    decisionsTotal: items.length,
    identitiesTotal: bySummary.size,
    identitiesCompleted: [...bySummary.values()].filter(Boolean).length,
    completed: cert.phase === 'SIGNED',
  };
}

export function certificationRoutes(store: CertificationStore, versions: readonly ApiVersion[]): Route[] {
  const route = (methods: string[], path: string, handler: Route['handler']): Route => ({ methods, path, versions, handler });
  const id = (c: RequestContext) => c.params.id;
  return [
    route(['GET'], '/certifications', (c) => store.list(c.principal, c.query)),
    route(['GET'], '/campaigns', (c) => store.campaigns(c.principal, c.query)),
    route(['GET'], '/certifications/{id}', (c) => ok(store.certification(c.principal, id(c)))),
    route(['GET'], '/certifications/{id}/access-review-items', (c) => store.items(c.principal, id(c), c.query)),
    route(['POST'], '/certifications/{id}/decide', (c) => ok(store.decide(c.principal, id(c), c.body))),
    route(['POST'], '/certifications/{id}/sign-off', (c) => ok(store.signOff(c.principal, id(c)))),
    route(['POST'], '/certifications/{id}/reassign', (c) => ok(store.reassign(c.principal, id(c), c.body, 50))),
    route(['POST'], '/certifications/{id}/reassign-async', (c) => ok(store.reassignAsync(c.principal, id(c), c.body))),
  ];
}
