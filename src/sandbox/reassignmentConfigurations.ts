// The sandbox's Work Reassignment API (`/reassignment-configurations/v1`, experimental): one
// configuration per identity and configType, created with POST, replaced with PUT, read per identity
// and deleted per configType. Its rules: the experimental header, a known target other than the
// person, an end after the start, and only admins manage someone else's configuration.
import type { ConfigurationDetails, ConfigurationItemRequest, ConfigurationResponse, PublicIdentity, ReassignmentConfigType } from '../isc/types';
import { REASSIGNMENT_CONFIG_TYPES } from '../isc/reassignmentConfigurationTypes';
import { badRequest, HttpError, isObject, requireActsFor, type ApiVersion, type Principal, type RequestContext, type Route } from './api';

const isConfigType = (v: unknown): v is ReassignmentConfigType => REASSIGNMENT_CONFIG_TYPES.includes(v as ReassignmentConfigType);
const isDateTime = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v));

export class ReassignmentConfigurationStore {
  /** identityId → configType → details. */
  private readonly configs = new Map<string, Map<ReassignmentConfigType, ConfigurationDetails>>();

  constructor(
    private readonly now: () => Date,
    private readonly identity: (id: string) => PublicIdentity | undefined,
  ) {}

  private ref(id: string) {
    return { id, name: this.identity(id)?.name };
  }

  private response(identityId: string): ConfigurationResponse {
    return { identity: this.ref(identityId), configDetails: structuredClone([...(this.configs.get(identityId)?.values() ?? [])]) };
  }

  private valid(p: Principal, body: unknown): ConfigurationItemRequest {
    if (!isObject(body)) throw badRequest('The request body must be a Configurationitemrequest object.');
    const { reassignedFromId: from, reassignedToId: to, configType, startDate, endDate } = body;
    if (!isConfigType(configType)) throw badRequest(`configType must be one of ${REASSIGNMENT_CONFIG_TYPES.join(', ')}.`);
    if (typeof from !== 'string' || !this.identity(from)) throw badRequest('reassignedFromId must be the id of an existing identity.');
    if (typeof to !== 'string' || !this.identity(to)) throw badRequest('reassignedToId must be the id of an existing identity.');
    if (from === to) throw badRequest('An identity cannot reassign work to itself.');
    if (!isDateTime(startDate)) throw badRequest('startDate must be a date-time.');
    if (endDate !== null && endDate !== undefined && endDate !== '') {
      if (!isDateTime(endDate)) throw badRequest('endDate must be a date-time, or null for a permanent reassignment.');
      if (Date.parse(endDate) <= Date.parse(startDate)) throw badRequest('endDate must be after startDate.');
      if (Date.parse(endDate) <= this.now().getTime()) throw badRequest('endDate must be in the future.');
    }
    requireActsFor(p, from);
    return { reassignedFromId: from, reassignedToId: to, configType, startDate, endDate: (endDate as string | null | undefined) || null };
  }

  private store(p: Principal, r: ConfigurationItemRequest, existing?: ConfigurationDetails): void {
    const stamp = this.now().toISOString();
    const by = this.ref(p.identityId);
    const details: ConfigurationDetails = {
      configType: r.configType,
      targetIdentity: this.ref(r.reassignedToId),
      startDate: r.startDate,
      endDate: r.endDate ?? '',
      auditDetails: { created: existing?.auditDetails?.created ?? stamp, createdBy: existing?.auditDetails?.createdBy ?? by, modified: stamp, modifiedBy: by },
    };
    const mine = this.configs.get(r.reassignedFromId) ?? new Map();
    mine.set(r.configType, details);
    this.configs.set(r.reassignedFromId, mine);
  }

  get(p: Principal, identityId: string): ConfigurationResponse {
    requireActsFor(p, identityId);
    if (!this.configs.get(identityId)?.size) throw new HttpError(404, 'The server did not find a current representation for the target resource.');
    return this.response(identityId);
  }

  create(p: Principal, body: unknown): ConfigurationResponse {
    const r = this.valid(p, body);
    if (this.configs.get(r.reassignedFromId)?.has(r.configType)) throw badRequest(`A ${r.configType} reassignment configuration already exists for this identity; update it with PUT.`);
    this.store(p, r);
    return this.response(r.reassignedFromId);
  }

  replace(p: Principal, identityId: string, body: unknown): ConfigurationResponse {
    const r = this.valid(p, body);
    if (r.reassignedFromId !== identityId) throw badRequest('reassignedFromId must be the identity in the path.');
    const existing = this.configs.get(identityId)?.get(r.configType);
    if (!existing) throw new HttpError(404, `No ${r.configType} reassignment configuration exists for this identity; create it with POST.`);
    this.store(p, r, existing);
    return this.response(identityId);
  }

  delete(p: Principal, identityId: string, configType: string): void {
    requireActsFor(p, identityId);
    if (!isConfigType(configType)) throw badRequest(`configType must be one of ${REASSIGNMENT_CONFIG_TYPES.join(', ')}.`);
    if (!this.configs.get(identityId)?.delete(configType)) throw new HttpError(404, `No ${configType} reassignment configuration exists for this identity.`);
  }
}

/** Every operation of the API requires `X-SailPoint-Experimental: true`. */
function experimental(c: RequestContext): void {
  const h = c.headers['x-sailpoint-experimental'];
  if ((Array.isArray(h) ? h[0] : h)?.toLowerCase() !== 'true') throw badRequest('This API is experimental: send the header X-SailPoint-Experimental: true.');
}

export function reassignmentConfigurationRoutes(store: ReassignmentConfigurationStore, versions: readonly ApiVersion[]): Route[] {
  const route = (methods: string[], path: string, handler: Route['handler']): Route => ({
    methods,
    path,
    versions,
    handler: (c) => {
      experimental(c);
      return handler(c);
    },
  });
  return [
    route(['POST'], '/reassignment-configurations', (c) => ({ status: 201, body: store.create(c.principal, c.body) })),
    route(['GET'], '/reassignment-configurations/{identityId}', (c) => ({ status: 200, body: store.get(c.principal, c.params.identityId) })),
    route(['PUT'], '/reassignment-configurations/{identityId}', (c) => ({ status: 200, body: store.replace(c.principal, c.params.identityId, c.body) })),
    route(['DELETE'], '/reassignment-configurations/{identityId}/{configType}', (c) => {
      store.delete(c.principal, c.params.identityId, c.params.configType);
      return { status: 204 };
    }),
  ];
}
