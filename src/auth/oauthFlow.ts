import { createHash, randomBytes } from 'node:crypto';
import { requestToken, type TokenGrant } from '../isc/auth';
import { isIscError } from '../isc/errors';
import type { Logger } from '../log';
import type { StateStore } from '../store/store';
import type { IdentityDirectory, IscIdentityRef } from '../workitems/identityDirectory';
import type { LinkedAccounts } from './linkedAccounts';
import { newCodeVerifier, pkceChallenge } from './pkce';
import { revokeAtIsc } from './revocation';
import type { OAuthClient } from './userTokenProvider';

export const STATE_TTL_MS = 10 * 60_000;
const STATE_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export interface OAuthFlowOptions {
  store: StateStore;
  accounts: LinkedAccounts;
  directory: Pick<IdentityDirectory, 'identityFor'>;
  oauth: OAuthClient;
  /** ISC's login host, e.g. https://acme.login.sailpoint.com (the sandbox serves its own). */
  loginUrl: string;
  /** `${PUBLIC_URL}/oauth/callback`, registered as a redirect URL of the OAuth client. */
  redirectUri: string;
  logger: Logger;
  now?: () => number;
  /** Told how every return with a valid state ended (the audit trail records it). */
  onOutcome?: (outcome: Exclude<CallbackOutcome, { status: 'invalid_state' }>) => Promise<void>;
}

interface PendingState {
  slackUserId: string;
  expiresAt: number;
  /** PKCE: sent with the code, so a code intercepted on its way back is worthless to whoever took it (absent in a state issued before PKCE). */
  codeVerifier?: string;
}

/** How a return to the callback ended. Only a valid state names a Slack user to tell. */
export type CallbackOutcome =
  | { status: 'linked'; slackUserId: string; identity: IscIdentityRef }
  /** Forged, replayed or expired state: nothing was exchanged. */
  | { status: 'invalid_state' }
  | { status: 'denied'; slackUserId: string }
  | { status: 'mismatch'; slackUserId: string; expected: IscIdentityRef | null; signedInIdentityId: string }
  /** `message` is fit for the user and holds no secret. */
  | { status: 'failed'; slackUserId: string; message: string };

/**
 * The authorization-code flow: a `state` per `/workitems connect`, random, single-use, bound to the
 * Slack user and valid for 10 minutes; the callback exchanges the code and links the account only
 * when the identity that signed in is the one the Slack user maps to.
 */
export class OAuthFlow {
  private readonly now: () => number;

  constructor(private readonly opts: OAuthFlowOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The ISC authorize URL for this user's "Connect" button. */
  async start(slackUserId: string): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    const codeVerifier = newCodeVerifier();
    const pending: PendingState = { slackUserId, expiresAt: this.now() + STATE_TTL_MS, codeVerifier };
    await this.opts.store.set(`oauth-state:${stateId(state)}`, pending, STATE_TTL_MS);
    const query = new URLSearchParams({
      client_id: this.opts.oauth.clientId,
      response_type: 'code',
      redirect_uri: this.opts.redirectUri,
      state,
      code_challenge: pkceChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return `${this.opts.loginUrl}/oauth/authorize?${query}`;
  }

  /** Handles the query ISC redirected the browser back with. */
  async complete(query: URLSearchParams): Promise<CallbackOutcome> {
    const outcome = await this.exchange(query);
    if (outcome.status !== 'invalid_state') await this.opts.onOutcome?.(outcome);
    return outcome;
  }

  private async exchange(query: URLSearchParams): Promise<CallbackOutcome> {
    const pending = await this.consumeState(query.get('state') ?? '');
    if (!pending) return { status: 'invalid_state' };
    const { slackUserId, codeVerifier } = pending;
    if (query.get('error')) return { status: 'denied', slackUserId };
    const code = query.get('code');
    if (!code) return { status: 'failed', slackUserId, message: 'ISC sent no authorization code back.' };

    const { oauth, redirectUri, accounts, logger } = this.opts;
    let grant: TokenGrant;
    let expected: IscIdentityRef | null;
    try {
      grant = await requestToken(
        oauth.http,
        { grant_type: 'authorization_code', client_id: oauth.clientId, client_secret: oauth.clientSecret, code, redirect_uri: redirectUri, ...(codeVerifier ? { code_verifier: codeVerifier } : {}) },
        {
          whom: 'your account',
          rejected: "ISC did not accept the sign-in: it may have taken too long, or the bot's OAuth client is misconfigured. Run `/workitems connect` again; if it persists tell your admin.",
        },
        this.now,
      );
      expected = await this.opts.directory.identityFor(slackUserId);
    } catch (e) {
      logger.error('Could not complete an ISC account link', { slackUserId, error: isIscError(e) ? e.message : String(e) });
      return { status: 'failed', slackUserId, message: isIscError(e) ? e.userMessage() : 'The bot had an internal error.' };
    }
    // Tokens that will not be linked are revoked at ISC at once: nothing else would ever end them early.
    const discard = () => revokeAtIsc(oauth, grant, logger, { slackUserId });
    if (!grant.identityId) {
      await discard();
      return { status: 'failed', slackUserId, message: 'ISC did not say which identity signed in, so the link cannot be checked.' };
    }
    if (!grant.refreshToken) {
      await discard();
      return { status: 'failed', slackUserId, message: 'ISC issued no refresh token: the OAuth client needs the REFRESH_TOKEN grant type. Tell your admin.' };
    }
    if (grant.identityId !== expected?.id) {
      await accounts.recordMismatch(slackUserId, expected?.id, grant.identityId);
      await discard();
      return { status: 'mismatch', slackUserId, expected, signedInIdentityId: grant.identityId };
    }
    await accounts.link(
      slackUserId,
      { identityId: expected.id, identityName: expected.name },
      { accessToken: grant.accessToken, refreshToken: grant.refreshToken, refreshAt: grant.refreshAt },
    );
    logger.info('Linked a Slack user to their ISC identity', { slackUserId, identityId: expected.id });
    return { status: 'linked', slackUserId, identity: expected };
  }

  /** What a state was issued with, once: a second use, an unknown or an expired state gives undefined. */
  private async consumeState(state: string): Promise<PendingState | undefined> {
    if (!STATE_FORMAT.test(state)) return undefined;
    const id = stateId(state);
    const key = `oauth-state:${id}`;
    const pending = await this.opts.store.get<PendingState>(key);
    if (!pending) return undefined;
    // Consumed by compare-and-delete: of two concurrent callbacks (on any replicas) only one gets past it.
    if (!(await this.opts.store.compareAndSet(key, pending, undefined))) return undefined;
    return pending.expiresAt > this.now() ? pending : undefined;
  }
}

/** The store keeps a hash of the state, so a copy of the state file cannot complete anyone's link. */
function stateId(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}
