import { isRefusedGrant, requestToken, TokenCache, type CachedToken, type TokenGrant, type TokenProvider } from '../isc/auth';
import type { RawHttp } from '../isc/http';
import { registerRotatingSecret, type Logger } from '../log';
import type { LinkedAccounts, UserTokens } from './linkedAccounts';

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
  /** Between looks at the store while another replica refreshes; default real timers. */
  sleep?: (ms: number) => Promise<void>;
}

/** How often a replica waiting for another's refresh looks at the store, and for how long at most. */
const REFRESH_POLL_MS = 50;
const REFRESH_WAIT_MS = 40_000;

/**
 * A linked user's access token: the stored one while it is fresh, then one obtained with the refresh
 * token (which ISC may rotate; the new one is stored). One refresh at a time per user, across every
 * replica: a refresh token ISC rotates works once, so a second refresh would lose the link.
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
    const { accounts } = this.deps;
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let waited = 0; ; waited += REFRESH_POLL_MS) {
      const stored = await this.stored();
      if (this.usable(stored)) return { token: stored.accessToken, refreshAt: stored.refreshAt };
      const lock = await accounts.lockRefresh(this.slackUserId);
      if (lock) {
        try {
          // Read again under the lock: another replica may have refreshed just before.
          const current = await this.stored();
          if (this.usable(current)) return { token: current.accessToken, refreshAt: current.refreshAt };
          return await this.refresh(current);
        } finally {
          await lock.release().catch(() => undefined);
        }
      }
      // Another replica is refreshing this user's tokens: wait for what it stores.
      if (waited >= REFRESH_WAIT_MS) throw new Error("Timed out waiting for another replica to refresh a linked account's token");
      await sleep(REFRESH_POLL_MS);
    }
  }

  private async stored(): Promise<UserTokens> {
    const stored = await this.deps.accounts.tokens(this.slackUserId, this.linkId);
    if (!stored) throw new ReconnectRequiredError();
    registerRotatingSecret(stored.accessToken);
    registerRotatingSecret(stored.refreshToken);
    return stored;
  }

  private usable(stored: UserTokens): boolean {
    return stored.accessToken !== this.rejected && this.deps.now() < stored.refreshAt;
  }

  private async refresh(stored: UserTokens): Promise<CachedToken> {
    const { accounts, oauth, logger, now } = this.deps;
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
    if (!(await accounts.updateTokens(this.slackUserId, this.linkId, tokens, stored.refreshToken))) {
      logger.warn('Refreshed the ISC token of a linked account, but newer tokens were stored meanwhile; keeping those', { slackUserId: this.slackUserId });
    }
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
