// Access-review DMs: one when a certification is newly assigned to someone the bot knows (a
// notification subscriber: a certification ISC created after the bot first looked at theirs), and reminders 3 days and 1 day before its due date within the person's
// working hours. Each is claimed in the state store before it is sent, so that it goes once across
// replicas and restarts, and with DATABASE_URL in PostgreSQL too, so that a state store that lost its
// state does not send it again; a DM Slack did not take gives its claims back for the next cycle.
import { renderReviewNotice, type ReviewNoticeKind } from '../blocks/reviews';
import type { IdentityCertificationDto } from '../isc/types';
import type { Logger } from '../log';
import type { DmPort } from '../notify/dmPort';
import { isQuietTime, type QuietHours } from '../quietHours';
import { noDurableClaims, type DurableClaim, type DurableClaims } from '../store/durableClaims';
import type { StateStore } from '../store/store';
import type { IdentityDirectory } from '../workitems/identityDirectory';
import { isSigned, undecidedCount } from './review';
import type { ReviewService } from './reviewService';

const DAY_MS = 24 * 3600_000;
/** A certification lives for a campaign (weeks): its notices are remembered longer than that. */
const NOTICE_TTL_MS = 180 * DAY_MS;
/** Reviewers read per cycle at most (one certification list each): the rest wait for the next cycles, in turn. */
export const MAX_REVIEWERS_PER_CYCLE = 20;
/** Where the next cycle starts in the sorted subscriber list, so that every reviewer gets their turn. */
const CURSOR_KEY = 'rv:notice:cursor';

export interface ReviewNoticeOptions {
  reviews: Pick<ReviewService, 'openCertifications'>;
  directory: Pick<IdentityDirectory, 'identityFor' | 'timeZone'>;
  /** The Slack users the bot knows: the notification subscribers. */
  reviewers: () => Promise<string[]>;
  store: StateStore;
  dms: Pick<DmPort, 'postDm'>;
  logger: Logger;
  now: () => Date;
  quietHours?: QuietHours;
  /** The notices' claims outside the store (PostgreSQL); default none. */
  claims?: DurableClaims;
}

/** The reminder a certification is due now: undefined when none (signed, nothing undecided, not due within 3 days, overdue). */
export function reminderDue(c: IdentityCertificationDto, now: Date): Exclude<ReviewNoticeKind, 'new'> | undefined {
  if (isSigned(c) || c.completed || undecidedCount(c) === 0 || !c.due) return undefined;
  const left = Date.parse(c.due) - now.getTime();
  if (Number.isNaN(left) || left <= 0) return undefined;
  return left <= DAY_MS ? 'due1' : left <= 3 * DAY_MS ? 'due3' : undefined;
}

const noticeKey = (kind: ReviewNoticeKind, certificationId: string, slackUserId: string) => `rv:notice:${kind}:${certificationId}:${slackUserId}`;
/** When the bot first looked at someone's certifications: those ISC created before then are not new to them. */
const sinceKey = (slackUserId: string) => `rv:notice:since:${slackUserId}`;

/** Run by the leader only, every few minutes (REVIEW_NOTICE_SECONDS). */
export class ReviewNotices {
  private timer?: NodeJS.Timeout;
  private current?: Promise<unknown>;
  private stopped = true;

  constructor(private readonly opts: ReviewNoticeOptions) {}

  start(intervalMs: number): void {
    this.stopped = false;
    const next = () => {
      if (this.stopped) return;
      this.current = this.cycle().finally(() => {
        this.current = undefined;
        if (!this.stopped) this.timer = setTimeout(next, intervalMs).unref();
      });
    };
    next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** One cycle over the next reviewers in turn (at most MAX_REVIEWERS_PER_CYCLE). Returns the DMs sent. */
  async cycle(): Promise<number> {
    const { store, logger } = this.opts;
    let sent = 0;
    try {
      const all = [...(await this.opts.reviewers())].sort();
      if (!all.length) return 0;
      const start = ((await store.get<number>(CURSOR_KEY)) ?? 0) % all.length;
      const turn = Array.from({ length: Math.min(MAX_REVIEWERS_PER_CYCLE, all.length) }, (_, i) => all[(start + i) % all.length]);
      await store.set(CURSOR_KEY, (start + turn.length) % all.length);
      for (const slackUserId of turn) {
        try {
          sent += await this.forReviewer(slackUserId);
        } catch (e) {
          logger.warn('Access-review notices: could not check a reviewer; next turn tries again', { slackUserId, error: e instanceof Error ? e.message : String(e) });
        }
      }
    } catch (e) {
      logger.warn('Access-review notices: a cycle failed', { error: e instanceof Error ? e.message : String(e) });
    }
    return sent;
  }

  private async forReviewer(slackUserId: string): Promise<number> {
    const identity = await this.opts.directory.identityFor(slackUserId);
    if (!identity) return 0;
    const [certs, tz] = await Promise.all([this.opts.reviews.openCertifications(slackUserId, identity.id), this.opts.directory.timeZone(slackUserId)]);
    const now = this.opts.now();
    const quiet = isQuietTime(now, tz, this.opts.quietHours);
    // Every replica reads the same moment: the first to look records it.
    await this.opts.store.setIfAbsent(sinceKey(slackUserId), now.toISOString(), NOTICE_TTL_MS);
    const since = Date.parse((await this.opts.store.get<string>(sinceKey(slackUserId))) ?? now.toISOString());
    let sent = 0;
    for (const c of certs) {
      if (!c.id || isSigned(c) || c.completed) continue;
      // A new certification gets its "new" notice at any time of day, like other new items; a
      // reminder waits for working hours. A reminder already due when the "new" DM goes is not sent
      // as well: that DM says when it is due. Those open before the bot first looked (its first run,
      // someone's first use) are not announced as new; their reminders still come.
      const announce = Date.parse(c.created ?? '') >= since && !(await this.opts.store.get(noticeKey('new', c.id, slackUserId)));
      const kind: ReviewNoticeKind | undefined = announce ? 'new' : quiet ? undefined : reminderDue(c, now);
      if (kind && (await this.send(kind, c, slackUserId, { tz, now }))) sent++;
    }
    return sent;
  }

  private async send(kind: ReviewNoticeKind, c: IdentityCertificationDto, slackUserId: string, viewer: { tz: string; now: Date }): Promise<boolean> {
    const { store, dms, logger } = this.opts;
    const key = noticeKey(kind, c.id!, slackUserId);
    if (!(await store.setIfAbsent(key, viewer.now.toISOString(), NOTICE_TTL_MS))) return false;
    const durable = await this.claimDurably(key);
    // Sent already, by a claim the store has lost: the store's claim is kept as the record of it.
    if (durable === false) return false;
    try {
      await dms.postDm(slackUserId, renderReviewNotice(kind, c, viewer));
    } catch (e) {
      await store.delete(key);
      await durable?.release().catch((error: unknown) => logger.warn('Access-review notices: could not give back a claim in PostgreSQL; it expires by itself', { key, error: error instanceof Error ? error.message : String(error) }));
      throw e;
    }
    if (kind === 'new') {
      const due = reminderDue(c, viewer.now);
      // The "new" DM says when the review is due: that reminder counts as sent.
      if (due && (await store.setIfAbsent(noticeKey(due, c.id!, slackUserId), viewer.now.toISOString(), NOTICE_TTL_MS))) await this.claimDurably(noticeKey(due, c.id!, slackUserId));
    }
    logger.info('Access-review notices: sent', { slackUserId, certificationId: c.id, kind });
    return true;
  }

  /** The claim in PostgreSQL: false when held already; undefined when none is kept or PostgreSQL failed (the store's claim decides alone). */
  private async claimDurably(key: string): Promise<DurableClaim | false | undefined> {
    const claims = this.opts.claims ?? noDurableClaims;
    if (!claims.durable) return undefined;
    try {
      return (await claims.claim(key, NOTICE_TTL_MS)) ?? false;
    } catch (e) {
      this.opts.logger.warn('Access-review notices: could not claim a notice in PostgreSQL; sending on the state store’s claim alone', { key, error: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }
}
