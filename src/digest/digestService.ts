import type { WebClient } from '@slack/web-api';
import { renderDigest, renderTaskHealth, type DigestData, type DigestRenderOptions } from '../blocks/digest';
import type { RenderedMessage } from '../blocks/types';
import type { Config } from '../config';
import { CronSchedule } from '../cronSchedule';
import type { IscClient } from '../isc/api';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { StateStore } from '../store/store';
import type { IdentityDirectory } from '../workitems/identityDirectory';
import { collectDigest, MAX_DIGEST_APPROVERS, type ApprovalCounts } from './collect';
import { DigestScheduler } from './schedule';

/** What the digest needs from the bot (a BotContext has all of it). */
export interface DigestDeps {
  config: Pick<Config, 'digest'>;
  isc: IscClient;
  directory: Pick<IdentityDirectory, 'identityFor' | 'identityForEmail'>;
  store: StateStore;
  logger: Logger;
  now: () => Date;
  /**
   * Everyone else the bot knows (its notification subscribers): with DIGEST_OWNERS, the approvers the
   * digest reads. Without either, the digest reads the bot's own identity.
   */
  knownApprovers?: () => Promise<string[]>;
  /** The notification sweep's pending approvals per owner (no ISC call per approver for a kind it reads whole). */
  approvalCounts?: () => Promise<ApprovalCounts>;
  metrics?: Metrics;
  /** When the state store was noticed to have lost its state (StateSentinel): slots up to then cannot be proven unposted. */
  stateLoss?: { lostAt(): Promise<Date | undefined> };
}

/** The two posts of a digest: the approvers' (DIGEST_CHANNEL) and task health for admins. */
export interface DigestPosts {
  digest: RenderedMessage;
  tasks: RenderedMessage;
}

/** The last digest posted to the channel, scheduled or not: failed tasks are listed from its time. */
export interface LastPost {
  at: string;
  channel: string;
  ts: string;
}

/** unproven: the store lost its state after the slot, so whether it was posted cannot be known; it is not posted again. */
export type SlotOutcome = 'posted' | 'already_posted' | 'unproven' | 'failed';

export const LAST_SLOT_KEY = 'digest:lastSlot';
export const LAST_POST_KEY = 'digest:lastPost';
export const slotKey = (slot: Date) => `digest:slot:${slot.toISOString()}`;
/** Longer than any grace period (at most a day), so a claim outlives every catch-up of its slot. */
const SLOT_CLAIM_TTL_MS = 8 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;

export class DigestService {
  readonly schedule: CronSchedule;

  constructor(
    private readonly deps: DigestDeps,
    private readonly slack: Pick<WebClient, 'chat'>,
  ) {
    this.schedule = new CronSchedule(deps.config.digest.schedule, deps.config.digest.timeZone);
  }

  /** Reads ISC and renders the approvers' digest; nothing is posted or recorded (`/workitems digest preview`, the CLI). */
  async build(slot?: { at: Date; late: boolean }): Promise<RenderedMessage> {
    return (await this.buildPosts(slot)).digest;
  }

  /** Both posts from one read of ISC: the approvers' digest and the admins' task health. */
  async buildPosts(slot?: { at: Date; late: boolean }): Promise<DigestPosts> {
    const { data, opts } = await this.read(slot);
    return { digest: renderDigest(data, opts), tasks: renderTaskHealth(data, opts) };
  }

  private async read(slot?: { at: Date; late: boolean }): Promise<{ data: DigestData; opts: DigestRenderOptions }> {
    const { config, store, now } = this.deps;
    const { digest } = config;
    const at = now();
    const last = await store.get<LastPost>(LAST_POST_KEY);
    const since = last ? new Date(last.at) : new Date(at.getTime() - DAY_MS);
    const data = await collectDigest(this.deps, { owners: await this.approvers(), now: at, since, staleAfterDays: digest.staleAfterDays });
    const opts = {
      viewer: { tz: digest.timeZone, now: at },
      staleAfterDays: digest.staleAfterDays,
      stuckAfterHours: digest.stuckAfterHours,
      slot: slot?.at.toISOString(),
      late: slot?.late,
    };
    return { data, opts };
  }

  /**
   * DIGEST_OWNERS, then everyone else the bot knows, without repeats, at most MAX_DIGEST_APPROVERS
   * (the log says when some are left out).
   */
  private async approvers(): Promise<string[]> {
    const { config, knownApprovers, logger } = this.deps;
    let known: string[] = [];
    try {
      known = (await knownApprovers?.()) ?? [];
    } catch (e) {
      logger.warn('Digest: the subscribers could not be read; only DIGEST_OWNERS are shown', { error: e instanceof Error ? e.message : String(e) });
    }
    const all = [...new Set([...config.digest.owners, ...known])];
    if (all.length > MAX_DIGEST_APPROVERS) logger.warn(`Digest: ${all.length} approvers known; the digest reads the first ${MAX_DIGEST_APPROVERS} (DIGEST_OWNERS first)`);
    return all.slice(0, MAX_DIGEST_APPROVERS);
  }

  /** Posts the digest to the channel now (`/workitems digest`, the CLI). */
  postNow(): Promise<LastPost> {
    return this.counted('command', async () => this.post(await this.buildPosts()), () => 'posted');
  }

  /**
   * Posts the digest of a scheduled slot at most once, across restarts and concurrent starts: the last
   * slot posted is kept in the store, and the post itself is claimed per slot with setIfAbsent.
   */
  postSlot(slot: Date, late: boolean): Promise<SlotOutcome> {
    return this.counted('schedule', () => this.runSlot(slot, late), (outcome) => outcome);
  }

  /** A run that throws (ISC or the store failed) counts as failed. */
  private async counted<T>(trigger: 'schedule' | 'command', run: () => Promise<T>, outcome: (result: T) => string): Promise<T> {
    try {
      const result = await run();
      this.deps.metrics?.digestRun(trigger, outcome(result));
      return result;
    } catch (e) {
      this.deps.metrics?.digestRun(trigger, 'failed');
      throw e;
    }
  }

  private async runSlot(slot: Date, late: boolean): Promise<SlotOutcome> {
    const { store, logger, now } = this.deps;
    const iso = slot.toISOString();
    const last = await store.get<string>(LAST_SLOT_KEY);
    if (last !== undefined && last >= iso) return 'already_posted';
    const message = await this.buildPosts({ at: slot, late });
    // Asked right before the claim: a claim in a store emptied since the slot proves nothing.
    const lostAt = await this.deps.stateLoss?.lostAt();
    if (lostAt && slot.getTime() <= lostAt.getTime()) {
      logger.warn('Digest: not posting a slot from before the state store lost its state; it may have been posted already', { slot: iso, lostAt: lostAt.toISOString() });
      return 'unproven';
    }
    // Claimed after reading ISC, which may take a while: a crash meanwhile leaves the slot to a restart.
    if (!(await store.setIfAbsent(slotKey(slot), { claimedAt: now().toISOString() }, SLOT_CLAIM_TTL_MS))) return 'already_posted';
    try {
      await this.post(message);
    } catch (e) {
      // The claim stays: the post may have reached Slack, and the same digest twice is worse than
      // one missing (an admin can post it with `/workitems digest`).
      logger.error('Could not post the digest; it will not be retried for this slot', { slot: iso, error: e instanceof Error ? e.message : String(e) });
      return 'failed';
    }
    await store.set(LAST_SLOT_KEY, iso);
    logger.info('Digest posted', { slot: iso, late });
    return 'posted';
  }

  /**
   * The approvers' digest to DIGEST_CHANNEL, then task health as a post of its own to
   * DIGEST_ADMIN_CHANNEL (DIGEST_CHANNEL without it). The slot's claim covers both: a task-health post
   * that fails is logged, not retried, and does not undo the digest.
   */
  private async post(posts: DigestPosts): Promise<LastPost> {
    const { channel, adminChannel } = this.deps.config.digest;
    if (!channel) throw new Error('The digest is off: DIGEST_CHANNEL is not set');
    const send = (to: string, message: RenderedMessage) => this.slack.chat.postMessage({ channel: to, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
    const res = await send(channel, posts.digest);
    const record: LastPost = { at: this.deps.now().toISOString(), channel: res.channel ?? channel, ts: res.ts ?? '' };
    await this.deps.store.set(LAST_POST_KEY, record);
    try {
      await send(adminChannel ?? channel, posts.tasks);
    } catch (e) {
      this.deps.logger.error('Could not post the task health of the digest; it is not retried', { channel: adminChannel ?? channel, error: e instanceof Error ? e.message : String(e) });
    }
    return record;
  }
}

/** The scheduler that posts the digest to DIGEST_CHANNEL, catching up on start within DIGEST_GRACE_MINUTES. */
export function createDigestScheduler(deps: DigestDeps, slack: Pick<WebClient, 'chat'>): DigestScheduler {
  const service = new DigestService(deps, slack);
  return new DigestScheduler({
    schedule: service.schedule,
    graceMs: deps.config.digest.graceMinutes * 60_000,
    runSlot: (slot, late) => service.postSlot(slot, late),
    logger: deps.logger,
    now: deps.now,
  });
}
