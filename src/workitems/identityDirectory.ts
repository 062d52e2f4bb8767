import type { WebClient } from '@slack/web-api';
import { TtlCache } from '../cache';
import type { IdentitiesApi } from '../isc/api';
import { withoutRequestBounds } from '../isc/deadline';
import type { Logger } from '../log';

export interface SlackUserProfile {
  id: string;
  email?: string;
  /** IANA time zone; UTC when Slack does not say. */
  tz: string;
  /** IETF language tag, e.g. `de-DE` (users.info with include_locale); undefined when Slack does not say. */
  locale?: string;
  name: string;
  /** Set for a user the email lookup must not match: a guest, someone of another organisation, a deactivated account. */
  standing?: RestrictedStanding;
}

/** Slack users whose email does not say who they are in ISC: only IDENTITY_MAP can. */
export type RestrictedStanding = 'guest' | 'external' | 'deleted';

/** Whose members are the bot's own: the workspaces it serves, and the organisation they belong to. */
export interface HomeWorkspace {
  teamIds?: ReadonlySet<string>;
  enterpriseId?: string;
}

export interface IscIdentityRef {
  id: string;
  name: string;
  email?: string;
}

export interface IdentityDirectoryOptions {
  slack: Pick<WebClient, 'users'>;
  identities: IdentitiesApi;
  /** Slack user id or lower-case email → ISC identity id (IDENTITY_MAP), checked before any lookup. */
  overrides: ReadonlyMap<string, string>;
  /** Users of other workspaces are external; undefined: only Slack's own `is_stranger` says so. */
  home?: HomeWorkspace;
  ttlMs: number;
  logger: Logger;
  now?: () => number;
}

const NOT_FOUND_TTL_MS = 5 * 60_000;
const INACTIVE_STATES = new Set(['INACTIVE_SHORT_TERM', 'INACTIVE_LONG_TERM']);

/** Why a Slack user maps to no ISC identity. */
export type MissingIdentity =
  | { reason: 'no-email' }
  /** IDENTITY_MAP names an identity id ISC does not know. */
  | { reason: 'unknown-mapping'; identityId: string }
  /** No identity has the email; several have it; or the only one that has it is inactive. */
  | { reason: 'not-found' | 'ambiguous' | 'inactive'; email: string }
  /** A guest, external or deactivated Slack user whom IDENTITY_MAP does not name. */
  | { reason: RestrictedStanding };

export type IdentityResolution = { identity: IscIdentityRef } | { missing: MissingIdentity };

const ASK_ADMIN = 'Ask your SailPoint admin to connect your Slack account to your identity.';

/**
 * What to tell a user who maps to no identity, in their words (mrkdwn-safe once passed through a
 * notice): what is wrong and whom to ask. What an admin must change is in adminHint, for the logs.
 */
export function missingIdentityMessage(missing: MissingIdentity): string {
  switch (missing.reason) {
    case 'no-email':
      return `Your Slack account isn't connected to SailPoint yet: the bot can't see an email on your Slack profile to find you by. ${ASK_ADMIN}`;
    case 'unknown-mapping':
      return `Your Slack account is connected to a SailPoint identity that no longer exists. ${ASK_ADMIN}`;
    case 'not-found':
      return `Your Slack account isn't connected to SailPoint yet: no SailPoint identity has your Slack email (${missing.email}). Ask your SailPoint admin to add that email to your identity.`;
    case 'ambiguous':
      return `Your Slack account isn't connected to SailPoint yet: your Slack email (${missing.email}) belongs to more than one SailPoint identity, so the bot can't tell which one is you. ${ASK_ADMIN}`;
    case 'inactive':
      return `Your Slack account isn't connected to SailPoint: the SailPoint identity with your Slack email (${missing.email}) is inactive. ${ASK_ADMIN}`;
    case 'guest':
      return `Your Slack account isn't connected to SailPoint yet: guests of this Slack workspace aren't matched by email. ${ASK_ADMIN}`;
    case 'external':
      return `Your Slack account isn't connected to SailPoint yet: it belongs to another organisation's Slack, whose members aren't matched by email. ${ASK_ADMIN}`;
    case 'deleted':
      return "This Slack account is deactivated, so it isn't connected to SailPoint.";
  }
}

/** What an admin can do about a user who maps to no identity (logs and admin answers, never end users). */
export function adminHint(missing: MissingIdentity): string {
  switch (missing.reason) {
    case 'no-email':
      return 'Grant the app the users:read.email scope, or map the Slack user in IDENTITY_MAP.';
    case 'unknown-mapping':
      return `IDENTITY_MAP names an ISC identity that does not exist (${missing.identityId}); correct that entry.`;
    case 'not-found':
      return "Set the user's Slack email on their ISC identity, or map the Slack user in IDENTITY_MAP.";
    case 'deleted':
      return 'Nothing to do: the Slack account is deactivated.';
    default:
      return 'Map the Slack user to their ISC identity in IDENTITY_MAP.';
  }
}

/**
 * Maps Slack users to ISC identities (Slack profile email → ISC public identity, IDENTITY_MAP first)
 * and knows each user's time zone. An email that more than one identity has, or that only an
 * inactive identity has, maps to nobody: only IDENTITY_MAP can say who that user is. Both lookups are
 * cached with a TTL; a "no identity" answer is cached briefly so a newly provisioned identity is
 * picked up soon.
 */
export class IdentityDirectory {
  private readonly profiles: TtlCache<string, SlackUserProfile>;
  private readonly identities: TtlCache<string, IdentityResolution>;

  constructor(private readonly opts: IdentityDirectoryOptions) {
    this.profiles = new TtlCache(10_000, opts.now);
    this.identities = new TtlCache(10_000, opts.now);
  }

  slackUser(slackUserId: string): Promise<SlackUserProfile> {
    return this.profiles.getOrLoad(
      slackUserId,
      async () => {
        const res = await this.opts.slack.users.info({ user: slackUserId, include_locale: true });
        const user = res.user;
        return {
          id: slackUserId,
          email: user?.profile?.email?.toLowerCase(),
          tz: user?.tz || 'UTC',
          ...(user?.locale ? { locale: user.locale } : {}),
          name: user?.profile?.display_name || user?.real_name || user?.name || slackUserId,
          ...(user ? standingOf(user, this.opts.home) : {}),
        };
      },
      () => this.opts.ttlMs,
    );
  }

  /** The user's IANA time zone; UTC when Slack does not say or cannot be asked. */
  async timeZone(slackUserId: string): Promise<string> {
    return (await this.slackUser(slackUserId).catch(() => undefined))?.tz ?? 'UTC';
  }

  /** The user's language (e.g. `de-DE`), for texts ISC gives in several; undefined when Slack does not say or cannot be asked. */
  async locale(slackUserId: string): Promise<string | undefined> {
    return (await this.slackUser(slackUserId).catch(() => undefined))?.locale;
  }

  /** The cached mapping only, with no lookup: undefined when not known yet. */
  peekIdentity(slackUserId: string): IscIdentityRef | null | undefined {
    const cached = this.identities.peek(slackUserId);
    return cached && ('identity' in cached ? cached.identity : null);
  }

  /** The ISC identity of a Slack user, or null when there is none (see resolve for why). */
  async identityFor(slackUserId: string): Promise<IscIdentityRef | null> {
    const resolved = await this.resolve(slackUserId);
    return 'identity' in resolved ? resolved.identity : null;
  }

  /** What to tell a Slack user who maps to no identity (the lookup is cached, so this is cheap after identityFor). */
  async noIdentityMessage(slackUserId: string): Promise<string> {
    const resolved = await this.resolve(slackUserId);
    if (!('missing' in resolved)) return '';
    this.opts.logger.info('A Slack user maps to no ISC identity', { slackUserId, reason: resolved.missing.reason, adminHint: adminHint(resolved.missing) });
    return missingIdentityMessage(resolved.missing);
  }

  /** The ISC identity of a Slack user, or why there is none. */
  resolve(slackUserId: string): Promise<IdentityResolution> {
    return this.identities.getOrLoad(
      slackUserId,
      // Shared by everyone asking meanwhile: free of the bounds of whoever asked first.
      () => withoutRequestBounds(() => this.lookUp(slackUserId)),
      (found) => ('identity' in found ? this.opts.ttlMs : Math.min(this.opts.ttlMs, NOT_FOUND_TTL_MS)),
    );
  }

  private async lookUp(slackUserId: string): Promise<IdentityResolution> {
    const byId = this.opts.overrides.get(slackUserId);
    if (byId) return this.byIdentityId(byId);
    const profile = await this.slackUser(slackUserId);
    if (profile.standing) {
      const mapped = profile.email && this.opts.overrides.get(profile.email);
      if (mapped) return this.byIdentityId(mapped);
      this.opts.logger.info(`A ${profile.standing} Slack user is matched to no ISC identity by email (IDENTITY_MAP can name them)`, { slackUserId });
      return { missing: { reason: profile.standing } };
    }
    if (!profile.email) {
      this.opts.logger.warn('Slack user has no email on their profile (is the users:read.email scope granted?)', { slackUserId });
      return { missing: { reason: 'no-email' } };
    }
    return this.resolveEmail(profile.email, profile.name);
  }

  /** The ISC identity with this email, IDENTITY_MAP first; null when there is none or it is ambiguous. Not cached. */
  async identityForEmail(email: string, fallbackName = email): Promise<IscIdentityRef | null> {
    const resolved = await this.resolveEmail(email, fallbackName);
    return 'identity' in resolved ? resolved.identity : null;
  }

  private async resolveEmail(email: string, fallbackName: string): Promise<IdentityResolution> {
    const mapped = this.opts.overrides.get(email.toLowerCase());
    if (mapped) return this.byIdentityId(mapped);
    const found = (await this.opts.identities.findIdentitiesByEmail(email)).filter((i) => i.id);
    if (found.length === 0) return { missing: { reason: 'not-found', email } };
    if (found.length > 1) {
      this.opts.logger.warn('An email belongs to more than one ISC identity, so it maps to nobody until IDENTITY_MAP names one', {
        email,
        identityIds: found.map((i) => i.id),
      });
      return { missing: { reason: 'ambiguous', email } };
    }
    const [identity] = found;
    if (INACTIVE_STATES.has(identity.identityState ?? '')) {
      this.opts.logger.warn('The only ISC identity with an email is inactive, so it maps to nobody unless IDENTITY_MAP names it', {
        email,
        identityId: identity.id,
        identityState: identity.identityState,
      });
      return { missing: { reason: 'inactive', email } };
    }
    return { identity: { id: identity.id!, name: identity.name ?? fallbackName, email: identity.email ?? email } };
  }

  /** An IDENTITY_MAP entry: the admin named the identity, so it is used as it is. */
  private async byIdentityId(id: string): Promise<IdentityResolution> {
    const identity = await this.opts.identities.getIdentityById(id);
    return identity?.id ? { identity: { id: identity.id, name: identity.name ?? id, email: identity.email ?? undefined } } : { missing: { reason: 'unknown-mapping', identityId: id } };
  }
}

/**
 * Whether a Slack user is a guest, external or deactivated (see RestrictedStanding); nothing for a
 * full member. External: Slack says so (`is_stranger`), or the user is of neither a home workspace
 * nor the home organisation.
 */
function standingOf(
  user: { deleted?: boolean; is_restricted?: boolean; is_ultra_restricted?: boolean; is_stranger?: boolean; team_id?: string; enterprise_user?: { enterprise_id?: string } },
  home: HomeWorkspace | undefined,
): { standing?: RestrictedStanding } {
  if (user.deleted) return { standing: 'deleted' };
  if (user.is_restricted || user.is_ultra_restricted) return { standing: 'guest' };
  const inHomeTeam = user.team_id !== undefined && home?.teamIds?.has(user.team_id) === true;
  const inHomeOrg = home?.enterpriseId !== undefined && user.enterprise_user?.enterprise_id === home.enterpriseId;
  const homeKnown = Boolean(home?.teamIds || home?.enterpriseId);
  return user.is_stranger || (homeKnown && !inHomeTeam && !inHomeOrg) ? { standing: 'external' } : {};
}
