import type { AuditTrail, DecisionFacts, OutcomeFacts } from '../audit/auditLog';
import type { AuthMode, Config } from '../config';
import type { IscClient } from '../isc/api';
import type { IscClientHandle } from '../isc/client';
import { RawHttp } from '../isc/http';
import type { Logger } from '../log';
import type { StateStore } from '../store/store';
import type { IdentityDirectory, IscIdentityRef } from '../workitems/identityDirectory';
import { CALLBACK_PATH } from './callbackRoute';
import { LinkedAccounts, type LinkStatus } from './linkedAccounts';
import { OAuthFlow, type CallbackOutcome } from './oauthFlow';
import { revokeAtIsc } from './revocation';
import { TokenCipher } from './tokenCrypto';
import { RECONNECT_MESSAGE, UserTokenProviders, type OAuthClient } from './userTokenProvider';

export const CONNECT_FIRST_MESSAGE =
  'This bot acts in ISC only as the person who clicks: run `/workitems connect` to connect your ISC account first. Nothing was changed in ISC.';

export const CONNECT_TO_ACT_FOR_OTHERS_MESSAGE =
  "What you decide for someone else is done in ISC as you, so that ISC's record names you: run `/workitems connect` to connect your ISC account first. Nothing was changed in ISC.";

export const RELINK_AFTER_STATE_LOSS_MESSAGE =
  "The bot's state store lost its state, so the bot no longer knows whether you had connected your ISC account. So that nothing is done in ISC as the bot's service identity by mistake, run `/workitems connect` to connect again, or `/workitems disconnect` to go on without a connection. Nothing was changed in ISC.";

/** A user's "act for me as the service identity" after a state loss (`/workitems disconnect`), for that loss. */
const serviceConfirmedKey = (slackUserId: string) => `link-service-confirmed:${slackUserId}`;

/** Who ISC sees acting: the bot's service identity, or a user's linked account. */
export type ActingIdentity = { kind: 'service' } | { kind: 'linked'; identityId: string; identityName: string };

/** The ISC client a user's action runs with and whom ISC will see act, or why it may not run at all. */
export type ActingClient = { client: IscClient; actingAs: ActingIdentity } | { refused: string };

/** How the bot talks to ISC for a user, for `/workitems help` and the Home tab. */
export function authModeLine(mode: AuthMode, status: LinkStatus): string {
  if (mode === 'service') return "The bot acts in ISC under its own account, so ISC's audit trail names the bot (a workflow approval decided from Slack is first handed from one of its approvers to the bot).";
  if (status.state === 'linked') return `Connected to ISC as ${status.identityName}: your actions are made in ISC as you. \`/workitems disconnect\` unlinks it.`;
  if (status.state === 'revoked') return 'Your ISC connection was revoked or has expired: run `/workitems connect` to connect again.';
  return mode === 'linked-required'
    ? 'Connect your ISC account with `/workitems connect` before acting on work items: actions are made in ISC as you.'
    : "Your actions are made in ISC under the bot's own account. Run `/workitems connect` to act as yourself.";
}

/** The auth-mode line for a user; `linking` is undefined in AUTH_MODE=service. */
export async function describeAuthMode(linking: AccountLinking | undefined, slackUserId: string): Promise<string> {
  return linking ? authModeLine(linking.mode, await linking.status(slackUserId)) : authModeLine('service', { state: 'unlinked' });
}

export interface AccountLinkingOptions {
  mode: Exclude<AuthMode, 'service'>;
  /** The service client: its HTTP layer (and rate limiter) is shared by every user's client. */
  isc: IscClientHandle;
  store: StateStore;
  cipher: TokenCipher;
  directory: Pick<IdentityDirectory, 'identityFor'>;
  oauth: OAuthClient;
  loginUrl: string;
  redirectUri: string;
  logger: Logger;
  now?: () => number;
  /** Where links, refused links and unlinks are recorded. */
  audit?: AuditTrail;
  /**
   * When the state store was noticed to have lost its state (StateSentinel). A link record lost with
   * it looks like no link: after a loss an unlinked user does not act as the service identity until
   * they connect again or confirm with `/workitems disconnect`.
   */
  stateLoss?: { lostAt(): Promise<Date | undefined> };
}

/** Account linking (AUTH_MODE linked or linked-required): connect, disconnect, and which client acts for whom. */
export class AccountLinking {
  readonly mode: Exclude<AuthMode, 'service'>;
  readonly flow: OAuthFlow;
  private readonly accounts: LinkedAccounts;
  private readonly providers: UserTokenProviders;

  constructor(private readonly opts: AccountLinkingOptions) {
    const now = opts.now ?? Date.now;
    this.mode = opts.mode;
    this.accounts = new LinkedAccounts(opts.store, opts.cipher, { logger: opts.logger, now });
    this.providers = new UserTokenProviders({ accounts: this.accounts, oauth: opts.oauth, logger: opts.logger, now });
    this.flow = new OAuthFlow({ ...opts, accounts: this.accounts, now, onOutcome: async (outcome) => opts.audit?.ended(...linkRecord(outcome)) });
  }

  status(slackUserId: string): Promise<LinkStatus> {
    return this.accounts.status(slackUserId);
  }

  /**
   * A linked user acts with their own token; a user whose link ISC revoked does not act at all; an
   * unlinked user acts through the service identity in `linked` mode and not at all in `linked-required`.
   * `forAnotherOwner` (an admin deciding someone else's item): only with their own token, so ISC's
   * record names the person and not the bot.
   */
  async actingClient(slackUserId: string, forAnotherOwner = false): Promise<ActingClient> {
    const status = await this.status(slackUserId);
    if (status.state === 'linked') {
      return {
        client: this.opts.isc.withTokenProvider(this.providers.forLink(slackUserId, status.linkId)),
        actingAs: { kind: 'linked', identityId: status.identityId, identityName: status.identityName },
      };
    }
    if (status.state === 'revoked') return { refused: RECONNECT_MESSAGE };
    if (forAnotherOwner) return { refused: CONNECT_TO_ACT_FOR_OTHERS_MESSAGE };
    if (this.mode === 'linked-required') return { refused: CONNECT_FIRST_MESSAGE };
    if (await this.unconfirmedAfterLoss(slackUserId)) return { refused: RELINK_AFTER_STATE_LOSS_MESSAGE };
    return { client: this.opts.isc, actingAs: { kind: 'service' } };
  }

  /** Whether the store lost its state and the user has not said since that the service identity may act for them. */
  private async unconfirmedAfterLoss(slackUserId: string): Promise<boolean> {
    const lostAt = await this.opts.stateLoss?.lostAt();
    if (!lostAt) return false;
    return (await this.opts.store.get<string>(serviceConfirmedKey(slackUserId))) !== lostAt.toISOString();
  }

  /**
   * Deletes the user's tokens here, then revokes them at ISC, so a copy of them (a backup of DATA_DIR,
   * a leaked store) is worthless too. `removed`: there was a link; `revoked`: ISC confirmed it.
   */
  async disconnect(slackUserId: string): Promise<{ removed: boolean; revoked: boolean }> {
    const status = await this.accounts.status(slackUserId);
    const tokens = status.state === 'linked' ? await this.accounts.tokens(slackUserId, status.linkId) : undefined;
    const removed = await this.accounts.unlink(slackUserId);
    // Going on without a connection is what the user asked for: after a state loss that is their confirmation.
    const lostAt = await this.opts.stateLoss?.lostAt();
    if (lostAt) await this.opts.store.set(serviceConfirmedKey(slackUserId), lostAt.toISOString());
    const revoked = tokens ? await revokeAtIsc(this.opts.oauth, tokens, this.opts.logger, { slackUserId }) : true;
    if (removed) {
      this.opts.logger.info('Disconnected a linked ISC account', { slackUserId, revokedAtIsc: revoked });
      await this.opts.audit?.ended(
        { slackUserId, ...(status.state !== 'unlinked' ? { actorIdentityId: status.identityId } : {}), item: { kind: 'account-link', id: slackUserId }, action: 'unlink' },
        { outcome: 'done', reason: revoked ? 'Tokens deleted; ISC revoked them.' : 'Tokens deleted; ISC did not confirm revoking them.' },
      );
    }
    return { removed, revoked };
  }
}

/** How the audit trail records the return from ISC's sign-in: a link, or a refused or failed one. */
function linkRecord(outcome: Exclude<CallbackOutcome, { status: 'invalid_state' }>): [DecisionFacts, OutcomeFacts] {
  const facts = (identity?: IscIdentityRef | null): DecisionFacts => ({
    slackUserId: outcome.slackUserId,
    ...(identity ? { actorIdentityId: identity.id } : {}),
    item: { kind: 'account-link', id: outcome.slackUserId, ...(identity ? { name: identity.name } : {}) },
    action: 'link',
  });
  switch (outcome.status) {
    case 'linked':
      return [facts(outcome.identity), { outcome: 'done' }];
    case 'mismatch':
      return [facts(outcome.expected), { outcome: 'refused', reason: `Signed in at ISC as identity ${outcome.signedInIdentityId}, not as the identity the Slack user maps to (${outcome.expected?.id ?? 'none'}).` }];
    case 'denied':
      return [facts(), { outcome: 'refused', reason: 'The user declined at ISC.' }];
    case 'failed':
      return [facts(), { outcome: 'failed', reason: outcome.message }];
  }
}

/** Account linking as configured; undefined in AUTH_MODE=service. `iscBaseUrl` is the tenant (or sandbox) actually used. */
export function createAccountLinking(
  config: Config,
  deps: Pick<AccountLinkingOptions, 'isc' | 'store' | 'directory' | 'logger' | 'stateLoss' | 'audit'> & { iscBaseUrl: string },
): AccountLinking | undefined {
  if (config.auth.mode === 'service') return undefined;
  const { linking } = config.auth;
  return new AccountLinking({
    ...deps,
    mode: config.auth.mode,
    cipher: new TokenCipher(linking.tokenEncryptionKeys),
    oauth: { http: new RawHttp({ baseUrl: deps.iscBaseUrl, timeoutMs: config.isc.timeoutMs }), clientId: linking.oauthClientId, clientSecret: linking.oauthClientSecret },
    // Only sandbox mode leaves it unset: the sandbox serves the sign-in page on its API address.
    loginUrl: linking.loginUrl ?? deps.iscBaseUrl,
    redirectUri: `${linking.publicUrl}${CALLBACK_PATH}`,
  });
}
