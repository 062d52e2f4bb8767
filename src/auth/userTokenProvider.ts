import { isRefusedGrant, requestToken, TokenCache, type CachedToken, type TokenGrant, type TokenProvider } from '../isc/auth';
import type { RawHttp } from '../isc/http';
import { registerRotatingSecret, type Logger } from '../log';
import type { LinkedAccounts } from './linkedAccounts';

/** The OAuth client (authorization code + refresh token grants) users link their accounts through. */
export interface OAuthClient {
  /** The tenant's API host, where `/oauth/token` lives. */
  http: RawHttp;
  clientId: string;
  clientSecret: string;
}

export const RECONNECT_MESSAGE =
  'ISC no longer accepts your connected account (the sign-in was revoked or has expired), so nothing was changed in ISC. Run `/workitems connect` to connect it again.';

/** A linked account whose refresh token ISC refused: nothing may be done with it, nor as anyone else instead. */
export class ReconnectRequiredError extends Error {
  constructor() {
    super('The linked ISC account must be connected again');
    this.name = 'ReconnectRequiredError';
  }
}

export interface UserTokenDeps {
  accounts: LinkedAccounts;
  oauth: OAuthClient;
  logger: Logger;
  now: () => number;
}

/**
 * A linked user's access token: the stored one while it is fresh, then one obtained with the refresh
 * token (which ISC may rotate; the new one is stored). One refresh at a time per user.
 */
export class UserTokenProvider implements TokenProvider {
  private readonly cache: TokenCache;
  /** The last token ISC answered 401 to: not reused even if the store still calls it fresh. */
  private rejected?: string;

  constructor(
    private readonly slackUserId: string,
    readonly linkId: string,
    private readonly deps: UserTokenDeps,
  ) {
    this.cache = new TokenCache(() => this.fetch(), deps.now);
  }

  getToken(): Promise<string> {
    return this.cache.get();
  }

  invalidate(token: string): void {
    this.rejected = token;
    this.cache.invalidate(token);
  }

  private async fetch(): Promise<CachedToken> {
    const { accounts, oauth, logger, now } = this.deps;
    const stored = await accounts.tokens(this.slackUserId, this.linkId);
    if (!stored) throw new ReconnectRequiredError();
    registerRotatingSecret(stored.accessToken);
    registerRotatingSecret(stored.refreshToken);
    if (stored.accessToken !== this.rejected && now() < stored.refreshAt) return { token: stored.accessToken, refreshAt: stored.refreshAt };

    let grant: TokenGrant;
    try {
      grant = await requestToken(
        oauth.http,
        { grant_type: 'refresh_token', client_id: oauth.clientId, client_secret: oauth.clientSecret, refresh_token: stored.refreshToken },
        { whom: 'your connected account', rejected: RECONNECT_MESSAGE },
        now,
      );
    } catch (e) {
      if (!isRefusedGrant(e)) throw e;
      logger.warn('ISC refused the refresh token of a linked account; the user must reconnect', { slackUserId: this.slackUserId });
      await accounts.markRevoked(this.slackUserId, this.linkId);
      throw new ReconnectRequiredError();
    }
    const tokens = { accessToken: grant.accessToken, refreshToken: grant.refreshToken ?? stored.refreshToken, refreshAt: grant.refreshAt };
    await accounts.updateTokens(this.slackUserId, this.linkId, tokens);
    logger.debug('Refreshed the ISC token of a linked account', { slackUserId: this.slackUserId, expiresInS: grant.expiresInS });
    return { token: tokens.accessToken, refreshAt: tokens.refreshAt };
  }
}

/** One provider per linked user (so refreshes are single-flight per user), replaced when the user reconnects. */
export class UserTokenProviders {
  private readonly byUser = new Map<string, UserTokenProvider>();

  constructor(private readonly deps: UserTokenDeps) {}

  forLink(slackUserId: string, linkId: string): UserTokenProvider {
    const existing = this.byUser.get(slackUserId);
    if (existing?.linkId === linkId) return existing;
    const provider = new UserTokenProvider(slackUserId, linkId, this.deps);
    this.byUser.set(slackUserId, provider);
    return provider;
  }
}
