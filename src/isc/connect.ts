import type { Config } from '../config';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { startSandboxTenant, type SandboxOptions, type SandboxTenant } from '../sandbox/tenant';
import { createIscClient, type IscClientHandle } from './client';
import { decisionReserve, type RequestGate } from '../rateLimit/slotQueue';

export interface IscConnection {
  isc: IscClientHandle;
  /** The API base actually used: the tenant's, or the embedded sandbox's loopback URL. */
  baseUrl: string;
  /** Present when SAIL_BASE_URL is unset or `sandbox`; the caller closes it. */
  sandbox?: SandboxTenant;
}

/** The ISC client from the config, starting the embedded sandbox tenant first when no tenant is configured. */
export async function connectIsc(
  config: Config,
  logger: Logger,
  sandboxOptions: Pick<SandboxOptions, 'oauthClientId' | 'oauthClientSecret'> = {},
  /** `limiter`: shared by every replica; default one of this process from SAIL_RATE_LIMIT_PER_10S. */
  { limiter, metrics }: { limiter?: RequestGate; metrics?: Metrics } = {},
): Promise<IscConnection> {
  let target = { baseUrl: config.isc.baseUrl, clientId: config.isc.clientId, clientSecret: config.isc.clientSecret };
  let sandbox: SandboxTenant | undefined;
  if (target.baseUrl === 'sandbox') {
    sandbox = await startSandboxTenant({ clientId: target.clientId, clientSecret: target.clientSecret, ...sandboxOptions, logger });
    target = { baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret };
  }
  const isc = createIscClient({
    ...target,
    timeoutMs: config.isc.timeoutMs,
    rateLimit: { requests: config.isc.rateLimitPer10s, perMs: 10_000, maxWaiting: config.isc.queueMax, reserve: decisionReserve(config.isc.rateLimitPer10s) },
    limiter,
    metrics,
    versions: config.isc.versions,
    logger,
  });
  return { isc, baseUrl: target.baseUrl, sandbox };
}
