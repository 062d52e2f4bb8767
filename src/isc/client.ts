import { silentLogger, type Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { createAccessRequestApprovalsApi } from './accessRequestApprovals';
import { createAccessRequestsApi } from './accessRequests';
import { createCampaignsApi, createCertificationsApi } from './certifications';
import type { IscClient } from './api';
import { ClientCredentialsTokenProvider, type TokenProvider } from './auth';
import { DeprecationNotices } from './deprecation';
import { isIscError } from './errors';
import { createGenericApprovalsApi } from './genericApprovals';
import { createReassignmentConfigurationsApi } from './reassignmentConfigurations';
import { IscHttp, RawHttp } from './http';
import { createIdentitiesApi } from './identities';
import { DEFAULT_VERSIONS, type ApiVersions } from './paths';
import { RateLimiter } from '../rateLimit/rateLimiter';
import type { RequestGate } from '../rateLimit/slotQueue';
import { createTaskManagementApi } from './taskManagement';
import { createWorkItemsApi } from './workItems';

export interface IscClientOptions {
  /** Tenant API root without a version, e.g. `https://acme.api.identitynow.com`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per request; default 10000. */
  timeoutMs?: number;
  /** Default 90 per 10000 ms (ISC allows 100 per 10 s per client id), with at most `maxWaiting` requests queued and `reserve` slots of each window kept for decisions. */
  rateLimit?: { requests: number; perMs: number; maxWaiting?: number; reserve?: number };
  /** Paces requests instead of a limiter of this process from `rateLimit`: one shared by every replica. */
  limiter?: RequestGate;
  /** Default 3 (GET/HEAD on 5xx/network errors; any method on 429). */
  maxRetries?: number;
  /** Default 60000. */
  retryAfterCapMs?: number;
  /** Path layout per API; v1 (per-service) unless set. */
  versions?: Partial<ApiVersions>;
  logger?: Logger;
  metrics?: Metrics;
  /** Injectable for tests; default setTimeout-based. */
  sleep?: (ms: number) => Promise<void>;
  /** Backoff jitter in [0, 1), injectable for tests. */
  random?: () => number;
}

export interface IscClientHandle extends IscClient {
  /** The service (client-credentials) token provider. */
  tokens: TokenProvider;
  /** Same HTTP layer (shared rate limiter), but authenticated with another token source (a user's linked account). */
  withTokenProvider(tokens: TokenProvider): IscClient;
  /**
   * For /healthz: obtains (or reuses) a token. A failure is logged with its cause and remembered for
   * HEALTH_FAILURE_TTL_MS; `detail` is public and says nothing of why ISC failed.
   */
  checkHealth(): Promise<{ ok: boolean; detail: string }>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** While ISC refuses the credentials, probes every few seconds would each request a token and could get the client id throttled. */
export const HEALTH_FAILURE_TTL_MS = 30_000;
const HEALTH_OK = { ok: true, detail: "ISC accepted the bot's client credentials." };
const HEALTH_FAILED = { ok: false, detail: "ISC is not available to the bot; the bot's log says why." };

export function createIscClient(options: IscClientOptions): IscClientHandle {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  if (/\/(v\d+|beta)$/.test(baseUrl)) {
    throw new Error(`ISC baseUrl must not end with an API version, e.g. https://acme.api.identitynow.com (got ${baseUrl})`);
  }
  const maxRetries = options.maxRetries ?? 3;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError(`Invalid maxRetries ${maxRetries}`);
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? defaultSleep;
  const versions: ApiVersions = { ...DEFAULT_VERSIONS, ...options.versions };

  const raw = new RawHttp({ baseUrl, timeoutMs: options.timeoutMs ?? 10_000 });
  const tokens = new ClientCredentialsTokenProvider({
    http: raw,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    logger,
  });
  const http = new IscHttp(
    {
      raw,
      limiter: options.limiter ?? new RateLimiter({ ...(options.rateLimit ?? { requests: 90, perMs: 10_000 }), sleep }),
      maxRetries,
      retryAfterCapMs: options.retryAfterCapMs ?? 60_000,
      logger,
      sleep,
      random: options.random ?? Math.random,
      deprecations: new DeprecationNotices(logger),
      metrics: options.metrics,
    },
    tokens,
  );
  const clientFor = (h: IscHttp): IscClient => ({
    workItems: createWorkItemsApi(h, versions.workItems),
    taskManagement: createTaskManagementApi(h, versions.taskManagement),
    identities: createIdentitiesApi(h, versions.identities),
    accessRequestApprovals: createAccessRequestApprovalsApi(h, versions.accessRequestApprovals),
    genericApprovals: createGenericApprovalsApi(h),
    accessRequests: createAccessRequestsApi(h),
    certifications: createCertificationsApi(h),
    reassignmentConfigurations: createReassignmentConfigurationsApi(h),
    campaigns: createCampaignsApi(h),
  });

  let failedUntil = 0;
  let checking: Promise<{ ok: boolean; detail: string }> | undefined;
  const checkHealth = async () => {
    try {
      await tokens.getToken();
      return HEALTH_OK;
    } catch (e) {
      logger.warn('ISC health check failed', { error: e instanceof Error ? e.message : String(e), ...(isIscError(e) ? { reason: e.userMessage() } : {}) });
      failedUntil = Date.now() + HEALTH_FAILURE_TTL_MS;
      return HEALTH_FAILED;
    }
  };

  return {
    ...clientFor(http),
    tokens,
    withTokenProvider: (other) => clientFor(http.withTokens(other)),
    checkHealth() {
      if (Date.now() < failedUntil) return Promise.resolve(HEALTH_FAILED);
      checking ??= checkHealth().finally(() => (checking = undefined));
      return checking;
    },
  };
}
