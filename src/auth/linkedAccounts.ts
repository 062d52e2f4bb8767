import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '../log';
import { tryRenewingLock, type RenewingLock } from '../store/renewingLock';
import { updateRecord, type StateStore } from '../store/store';
import type { TokenCipher } from './tokenCrypto';

/** A linked user's ISC tokens: only ever held in memory or sealed. */
export interface UserTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms after which the access token is refreshed rather than used. */
  refreshAt: number;
}

export interface LinkedIdentity {
  identityId: string;
  identityName: string;
}

/** One Slack user's entry in the store: who they are linked to in clear, the tokens sealed. */
interface StoredLink extends LinkedIdentity {
  /** Changes with every (re)connect, so a refresh that finishes after a reconnect or disconnect is dropped. */
  linkId: string;
  /** When the user connected, for whoever audits the state file. */
  linkedAt: string;
  /** Sealed UserTokens; absent once ISC refused the refresh token. */
  sealed?: string;
}

export type LinkStatus =
  | ({ state: 'linked'; linkId: string } & LinkedIdentity)
  /** ISC refused the refresh token (revoked or expired): the user must connect again. */
  | ({ state: 'revoked' } & LinkedIdentity)
  | { state: 'unlinked' };

const LINK_PREFIX = 'linked-account:';
const linkKey = (slackUserId: string) => `${LINK_PREFIX}${slackUserId}`;
/** A user's refused sign-ins, one field per attempt. */
export const mismatchKey = (slackUserId: string) => `link-mismatch:${slackUserId}`;
const MISMATCH_TTL_MS = 90 * 24 * 3600_000;
/** Outlives a token request (its timeout), so a replica that dies mid-refresh blocks the others only briefly. */
const REFRESH_LOCK_TTL_MS = 30_000;

/** What re-sealing every link did: `unreadable` names the Slack users whose tokens no key listed opens. */
export interface ResealReport {
  resealed: number;
  /** Already sealed with the current key, or without tokens (revoked). */
  unchanged: number;
  unreadable: string[];
}

/** Linked ISC accounts in the StateStore; the tokens are sealed with AES-256-GCM and bound to user and identity. */
export class LinkedAccounts {
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly refreshLockTtlMs: number;

  constructor(
    private readonly store: StateStore,
    private readonly cipher: TokenCipher,
    opts: { logger?: Logger; now?: () => number; refreshLockTtlMs?: number } = {},
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.refreshLockTtlMs = opts.refreshLockTtlMs ?? REFRESH_LOCK_TTL_MS;
  }

  async status(slackUserId: string): Promise<LinkStatus> {
    const link = await this.store.get<StoredLink>(linkKey(slackUserId));
    if (!link) return { state: 'unlinked' };
    const identity = { identityId: link.identityId, identityName: link.identityName };
    return link.sealed ? { state: 'linked', linkId: link.linkId, ...identity } : { state: 'revoked', ...identity };
  }

  /** The tokens of that link; undefined when it is gone, revoked, replaced, or cannot be opened with this key. */
  async tokens(slackUserId: string, linkId: string): Promise<UserTokens | undefined> {
    const link = await this.store.get<StoredLink>(linkKey(slackUserId));
    if (link?.linkId !== linkId) return undefined;
    const tokens = this.open(slackUserId, link);
    if (link.sealed && !tokens) this.logger.warn('A linked account cannot be decrypted (was its key removed from TOKEN_ENCRYPTION_KEYS?); the user must reconnect', { slackUserId });
    return tokens;
  }

  private open(slackUserId: string, link: StoredLink): UserTokens | undefined {
    if (!link.sealed) return undefined;
    try {
      return JSON.parse(this.cipher.open(link.sealed, sealContext(slackUserId, link))) as UserTokens;
    } catch {
      return undefined;
    }
  }

  /**
   * Seals every link's tokens again with the key that seals now (the first of TOKEN_ENCRYPTION_KEYS),
   * so the keys after it can be dropped; nobody reconnects. Compare-and-set per link, so a refresh
   * by a running bot meanwhile is neither lost nor undone.
   */
  async resealAll(): Promise<ResealReport> {
    const report: ResealReport = { resealed: 0, unchanged: 0, unreadable: [] };
    for (const key of await this.store.keys(LINK_PREFIX)) {
      const slackUserId = key.slice(LINK_PREFIX.length);
      let outcome = 'unchanged' as 'resealed' | 'unchanged' | 'unreadable';
      await updateRecord<StoredLink>(this.store, key, (link) => {
        outcome = 'unchanged';
        if (!link?.sealed || this.cipher.isCurrent(link.sealed)) return undefined;
        const context = sealContext(slackUserId, link);
        let tokens: string;
        try {
          tokens = this.cipher.open(link.sealed, context);
        } catch {
          outcome = 'unreadable';
          return undefined;
        }
        outcome = 'resealed';
        return { value: { ...link, sealed: this.cipher.seal(tokens, context) } };
      });
      if (outcome === 'unreadable') report.unreadable.push(slackUserId);
      else report[outcome]++;
    }
    return report;
  }

  /** Links (or re-links) the user; returns the new link id. */
  async link(slackUserId: string, identity: LinkedIdentity, tokens: UserTokens): Promise<string> {
    const link: StoredLink = { ...identity, linkId: randomUUID(), linkedAt: new Date(this.now()).toISOString() };
    await this.store.set(linkKey(slackUserId), { ...link, sealed: this.cipher.seal(JSON.stringify(tokens), sealContext(slackUserId, link)) });
    return link.linkId;
  }

  /**
   * Stores refreshed tokens, unless the user disconnected or reconnected meanwhile (compare-and-set: a
   * disconnect is never undone). `refreshedFrom`: the refresh token they were obtained with; when the
   * stored one is another by now (a replica that refreshed later, its lock lost meanwhile), those
   * newer tokens are kept. true when written.
   */
  async updateTokens(slackUserId: string, linkId: string, tokens: UserTokens, refreshedFrom?: string): Promise<boolean> {
    let written = false;
    await updateRecord<StoredLink>(this.store, linkKey(slackUserId), (link) => {
      written = false;
      if (!link?.sealed || link.linkId !== linkId) return undefined;
      if (refreshedFrom !== undefined && this.open(slackUserId, link)?.refreshToken !== refreshedFrom) return undefined;
      written = true;
      return { value: { ...link, sealed: this.cipher.seal(JSON.stringify(tokens), sealContext(slackUserId, link)) } };
    });
    return written;
  }

  /** Forgets the tokens of a link ISC no longer honours, keeping who it was for (so the user is asked to reconnect). */
  async markRevoked(slackUserId: string, linkId: string): Promise<void> {
    await updateRecord<StoredLink>(this.store, linkKey(slackUserId), (link) => {
      if (!link || link.linkId !== linkId) return undefined;
      const { sealed: _dropped, ...rest } = link;
      return { value: rest };
    });
  }

  /**
   * One refresh of a user's tokens at a time across every replica: undefined while another holds it.
   * Renewed while the refresh runs, so a slow one never lets a second replica reuse the refresh token it rotates.
   */
  lockRefresh(slackUserId: string): Promise<RenewingLock | undefined> {
    return tryRenewingLock(this.store, `token-refresh:${slackUserId}`, this.refreshLockTtlMs);
  }

  /** true when there was a link to remove. */
  async unlink(slackUserId: string): Promise<boolean> {
    const existed = (await this.store.get(linkKey(slackUserId))) !== undefined;
    await this.store.delete(linkKey(slackUserId));
    return existed;
  }

  /** Someone signed in to ISC as an identity other than the one their Slack user maps to. */
  async recordMismatch(slackUserId: string, expectedIdentityId: string | undefined, signedInIdentityId: string): Promise<void> {
    const at = new Date(this.now()).toISOString();
    this.logger.warn('Refused to link a Slack user to a different ISC identity', { slackUserId, expectedIdentityId, signedInIdentityId });
    await this.store.setField(mismatchKey(slackUserId), at, { expectedIdentityId, signedInIdentityId, at }, MISMATCH_TTL_MS);
  }
}

function sealContext(slackUserId: string, link: StoredLink): string {
  return `${slackUserId}:${link.identityId}:${link.linkId}`;
}
