import type { Config } from '../config';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { startSandboxTenant, type SandboxOptions, type SandboxTenant } from '../sandbox/tenant';
import { createIscClient, type IscClientHandle } from './client';
import { isIscError } from './errors';
import { decisionReserve, type RequestGate } from '../rateLimit/slotQueue';

export interface IscConnection {
  isc: IscClientHandle;
  /** The API base actually used: the tenant's, or the embedded sandbox's loopback URL. */
  baseUrl: string;
  /** Present when SAIL_BASE_URL is `sandbox`; the caller closes it. */
  sandbox?: SandboxTenant;
}

/**
 * Asks ISC for the bot's token once before the bot starts, so that wrong credentials or a wrong or
 * unreachable tenant stop the start with the variable to fix, instead of showing only at the first
 * click. ISC failing (5xx, 429) is not the configuration's fault: the bot starts, and /readyz says
 * it is not ready until ISC gives a token.
 */
export async function checkIscCredentials(isc: IscClientHandle, baseUrl: string, logger: Logger): Promise<void> {
  try {
    await isc.tokens.getToken();
  } catch (e) {
    if (!isIscError(e)) throw e;
    if (e.status === 400 || e.status === 401) {
      throw new Error(
        `ISC refused the bot's client credentials at ${baseUrl}/oauth/token (${e.status}${e.messages.length ? `: ${e.messages.join('; ')}` : ''}). Check SAIL_CLIENT_ID and SAIL_CLIENT_SECRET: both of one API client or personal access token of this tenant, the secret copied whole.`,
      );
    }
    if (e.kind === 'network' || e.kind === 'timeout' || e.kind === 'malformed' || e.status === 404) {
      const why = e.kind === 'timeout' ? `no answer within ${e.timeoutMs} ms` : e.kind === 'network' ? (e.code ?? 'network error') : e.kind === 'malformed' ? 'not an ISC token endpoint' : `${e.status}`;
      throw new Error(`Could not get a token from ISC at ${baseUrl} (${why}). Check SAIL_BASE_URL (https://{tenant}.api.identitynow.com), the network, and HTTPS_PROXY / NO_PROXY.`);
    }
    logger.warn('ISC could not issue a token at start; starting anyway, not ready until it does', { error: e.message });
  }
}

/** The ISC client from the config (its credentials checked), starting the embedded sandbox tenant first for SAIL_BASE_URL=sandbox. */
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
  try {
    await checkIscCredentials(isc, target.baseUrl, logger);
  } catch (e) {
    await sandbox?.close();
    throw e;
  }
  return { isc, baseUrl: target.baseUrl, sandbox };
}
