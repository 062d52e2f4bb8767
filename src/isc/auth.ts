import { registerRotatingSecret, registerSecret, silentLogger, type Logger } from '../log';
import { isIscError, malformedError, responseError } from './errors';
import { readJson, type RawHttp } from './http';
import { withoutRequestBounds } from './deadline';

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

export interface CachedToken {
  token: string;
  /** Epoch ms after which the token is replaced rather than used. */
  refreshAt: number;
}

/** One access token, cached until its `refreshAt`; concurrent callers share one in-flight fetch. */
export class TokenCache {
  private cached?: CachedToken;
  private inflight?: Promise<string>;

  constructor(
    private readonly fetch: () => Promise<CachedToken>,
    private readonly now: () => number,
  ) {}

  get(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.inflight ??= withoutRequestBounds(this.fetch)
      .then((fresh) => {
        this.cached = fresh;
        return fresh.token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }
}

export interface TokenGrant {
  accessToken: string;
  /** Present when the OAuth client has the REFRESH_TOKEN grant type (never for client credentials). */
  refreshToken?: string;
  /** The identity that signed in; ISC sets it for grants with a user context (authorization code, refresh). */
  identityId?: string;
  expiresInS: number;
  refreshAt: number;
}

export interface TokenRequestTexts {
  /** Who the token is for, in "ISC could not issue … an access token". */
  whom: string;
  /** The user-facing sentence when ISC answers 400/401 (the grant or the client was refused). */
  rejected: string;
}

/**
 * One POST to `/oauth/token` with a form-encoded grant. Every token in the answer is registered for
 * redaction before it is returned. Failures are IscErrors of kind `auth`.
 */
export async function requestToken(http: RawHttp, form: Record<string, string>, texts: TokenRequestTexts, now: () => number): Promise<TokenGrant> {
  const requestedAt = now();
  const res = await http.send({
    ...TOKEN_REQUEST,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    data: new URLSearchParams(form).toString(),
  });
  if (res.status !== 200) {
    const rejected = res.status === 400 || res.status === 401;
    throw responseError(TOKEN_REQUEST, res, {
      kind: 'auth',
      userText: rejected
        ? texts.rejected
        : `ISC could not issue ${texts.whom} an access token (${res.status}). Try again in a minute; if it persists tell your admin.`,
    });
  }
  const body = readJson(TOKEN_REQUEST, res) as { access_token?: unknown; refresh_token?: unknown; identity_id?: unknown; expires_in?: unknown } | undefined;
  const token = body?.access_token;
  if (typeof token !== 'string' || token === '') throw malformedError(TOKEN_REQUEST, res.status, 'no access_token');
  registerRotatingSecret(token);
  const refreshToken = typeof body?.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : undefined;
  registerRotatingSecret(refreshToken);

  const expiresInS = typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : FALLBACK_LIFETIME_S;
  const lifetimeMs = expiresInS * 1000;
  return {
    accessToken: token,
    refreshToken,
    identityId: typeof body?.identity_id === 'string' && body.identity_id !== '' ? body.identity_id : undefined,
    expiresInS,
    refreshAt: requestedAt + lifetimeMs - Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 10),
  };
}

const REVOKE_REQUEST = { method: 'POST', path: '/oauth/revoke' } as const;

/**
 * Revokes a token the OAuth client was issued (RFC 7009 `POST /oauth/revoke`, client credentials in
 * the form). Resolves once ISC answered 200; failures are IscErrors.
 */
export async function revokeToken(
  http: RawHttp,
  form: { token: string; token_type_hint: 'access_token' | 'refresh_token'; client_id: string; client_secret: string },
): Promise<void> {
  const res = await http.send({
    ...REVOKE_REQUEST,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    data: new URLSearchParams(form).toString(),
  });
  if (res.status !== 200) throw responseError(REVOKE_REQUEST, res, { kind: 'http' });
}

/**
 * ISC refused the grant itself (a revoked, expired or already used code or refresh token), as opposed
 * to refusing the bot's OAuth client (`invalid_client`) or failing.
 */
export function isRefusedGrant(error: unknown): boolean {
  return (
    isIscError(error) &&
    error.path === TOKEN_REQUEST.path &&
    (error.status === 400 || error.status === 401) &&
    !error.messages.includes('invalid_client')
  );
}

/**
 * The bot's own token (`grant_type=client_credentials`), cached until shortly before it expires.
 * Concurrent callers share one in-flight token request.
 */
export class ClientCredentialsTokenProvider implements TokenProvider {
  private readonly cache: TokenCache;
  private readonly logger: Logger;

  constructor(private readonly options: ClientCredentialsOptions) {
    registerSecret(options.clientSecret);
    this.logger = options.logger ?? silentLogger;
    const now = options.now ?? (() => Date.now());
    this.cache = new TokenCache(() => this.fetchToken(now), now);
  }

  getToken(): Promise<string> {
    return this.cache.get();
  }

  invalidate(token: string): void {
    this.cache.invalidate(token);
  }

  private async fetchToken(now: () => number): Promise<CachedToken> {
    const { http, clientId, clientSecret } = this.options;
    const grant = await requestToken(
      http,
      { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
      { whom: 'the bot', rejected: "ISC rejected the bot's client credentials (SAIL_CLIENT_ID / SAIL_CLIENT_SECRET)." },
      now,
    );
    this.logger.debug('Obtained an ISC access token', { expiresInS: grant.expiresInS });
    return { token: grant.accessToken, refreshAt: grant.refreshAt };
  }
}
