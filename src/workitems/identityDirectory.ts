import type { WebClient } from '@slack/web-api';
import { TtlCache } from '../cache';
import type { IdentitiesApi } from '../isc/api';
import type { Logger } from '../log';

export interface SlackUserProfile {
  id: string;
  email?: string;
  /** IANA time zone; UTC when Slack does not say. */
  tz: string;
  name: string;
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
  ttlMs: number;
  logger: Logger;
  now?: () => number;
}

const NOT_FOUND_TTL_MS = 5 * 60_000;

/**
 * Maps Slack users to ISC identities (Slack profile email → ISC public identity, IDENTITY_MAP first)
 * and knows each user's time zone. Both lookups are cached with a TTL; a "no identity" answer is
 * cached briefly so a newly provisioned identity is picked up soon.
 */
export class IdentityDirectory {
  private readonly profiles: TtlCache<string, SlackUserProfile>;
  private readonly identities: TtlCache<string, IscIdentityRef | null>;

  constructor(private readonly opts: IdentityDirectoryOptions) {
    this.profiles = new TtlCache(10_000, opts.now);
    this.identities = new TtlCache(10_000, opts.now);
  }

  slackUser(slackUserId: string): Promise<SlackUserProfile> {
    return this.profiles.getOrLoad(
      slackUserId,
      async () => {
        const res = await this.opts.slack.users.info({ user: slackUserId });
        const user = res.user;
        return {
          id: slackUserId,
          email: user?.profile?.email?.toLowerCase(),
          tz: user?.tz || 'UTC',
          name: user?.profile?.display_name || user?.real_name || user?.name || slackUserId,
        };
      },
      () => this.opts.ttlMs,
    );
  }

  /** The cached mapping only, with no lookup: undefined when not known yet. */
  peekIdentity(slackUserId: string): IscIdentityRef | null | undefined {
    return this.identities.peek(slackUserId);
  }

  /** The ISC identity of a Slack user, or null when there is none (no email, or no identity has it). */
  identityFor(slackUserId: string): Promise<IscIdentityRef | null> {
    return this.identities.getOrLoad(
      slackUserId,
      () => this.lookUp(slackUserId),
      (found) => (found ? this.opts.ttlMs : Math.min(this.opts.ttlMs, NOT_FOUND_TTL_MS)),
    );
  }

  private async lookUp(slackUserId: string): Promise<IscIdentityRef | null> {
    const byId = this.opts.overrides.get(slackUserId);
    if (byId) return this.byIdentityId(byId);
    const profile = await this.slackUser(slackUserId);
    if (!profile.email) {
      this.opts.logger.warn('Slack user has no email on their profile (is the users:read.email scope granted?)', { slackUserId });
      return null;
    }
    return this.identityForEmail(profile.email, profile.name);
  }

  /** The ISC identity with this email, IDENTITY_MAP first; null when there is none. Not cached. */
  async identityForEmail(email: string, fallbackName = email): Promise<IscIdentityRef | null> {
    const mapped = this.opts.overrides.get(email.toLowerCase());
    if (mapped) return this.byIdentityId(mapped);
    const identity = await this.opts.identities.findIdentityByEmail(email);
    return identity?.id ? { id: identity.id, name: identity.name ?? fallbackName, email: identity.email ?? email } : null;
  }

  private async byIdentityId(id: string): Promise<IscIdentityRef | null> {
    const identity = await this.opts.identities.getIdentityById(id);
    return identity?.id ? { id: identity.id, name: identity.name ?? id, email: identity.email ?? undefined } : null;
  }
}
