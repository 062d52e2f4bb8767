import { registerRotatingSecret, registerSecret, silentLogger, type Logger } from '../log';
import { malformedError, responseError } from './errors';
import { readJson, type RawHttp } from './http';

/** A source of ISC access tokens (the bot's client credentials, or a user's linked account). */
export interface TokenProvider {
  getToken(): Promise<string>;
  /** Drops `token` if it is still the cached one (ISC answered 401 to it). */
  invalidate(token: string): void;
}

export interface ClientCredentialsOptions {
  http: RawHttp;
  clientId: string;
  clientSecret: string;
  logger?: Logger;
  now?: () => number;
}

const TOKEN_REQUEST = { method: 'POST', path: '/oauth/token' } as const;
const MAX_REFRESH_MARGIN_MS = 60_000;
/** Used when ISC omits `expires_in`; a token that dies sooner is replaced after its first 401. */
const FALLBACK_LIFETIME_S = 300;

/**
 * The bot's own token (`grant_type=client_credentials`), cached until shortly before it expires.
 * Concurrent callers share one in-flight token request.
 */
export class ClientCredentialsTokenProvider implements TokenProvider {
  private cached?: { token: string; refreshAt: number };
  private inflight?: Promise<string>;
  private readonly now: () => number;
  private readonly logger: Logger;

  constructor(private readonly options: ClientCredentialsOptions) {
    registerSecret(options.clientSecret);
    this.now = options.now ?? (() => Date.now());
    this.logger = options.logger ?? silentLogger;
  }

  getToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const { http, clientId, clientSecret } = this.options;
    const requestedAt = this.now();
    const res = await http.send({
      ...TOKEN_REQUEST,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      data: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }).toString(),
    });
    if (res.status !== 200) {
      const rejected = res.status === 400 || res.status === 401;
      throw responseError(TOKEN_REQUEST, res, {
        kind: 'auth',
        userText: rejected
          ? "ISC rejected the bot's client credentials (SAIL_CLIENT_ID / SAIL_CLIENT_SECRET)."
          : `ISC could not issue the bot an access token (${res.status}). ` +
            'Try again in a minute; if it persists tell your admin.',
      });
    }
    const body = readJson(TOKEN_REQUEST, res) as { access_token?: unknown; expires_in?: unknown } | undefined;
    const token = body?.access_token;
    if (typeof token !== 'string' || token === '') throw malformedError(TOKEN_REQUEST, res.status, 'no access_token');
    registerRotatingSecret(token);

    const lifetimeS = typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : FALLBACK_LIFETIME_S;
    const lifetimeMs = lifetimeS * 1000;
    this.cached = { token, refreshAt: requestedAt + lifetimeMs - Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 10) };
    this.logger.debug('Obtained an ISC access token', { expiresInS: lifetimeS });
    return token;
  }
}
