import { randomUUID } from 'node:crypto';
import { TtlCache } from '../cache';
import type { Logger } from '../log';
import type { StateStore } from '../store/store';

export interface Subscription {
  on: boolean;
  /** What subscribed the user, or turned notifications off. */
  via: 'use' | 'config' | 'command';
  /** New each time notifications are turned on: the first poll of a period summarises what is waiting. */
  period: string;
}

export interface Subscriber {
  userId: string;
  period: string;
}

/** Every subscription in one map, field = Slack user id: the poller reads them all in one call. */
export const SUBSCRIPTIONS_KEY = 'notify:subs';
/** Someone touched this recently is not looked up in the store again on every request they make. */
const TOUCH_AGAIN_AFTER_MS = 10 * 60_000;
const MAX_RECENTLY_TOUCHED = 10_000;

export interface SubscriptionsOptions {
  store: StateStore;
  /** NOTIFY_USERS: Slack user ids and emails. */
  configured: readonly string[];
  /** A Slack user id by email; undefined when Slack has nobody with it. */
  lookupByEmail: (email: string) => Promise<string | undefined>;
  logger: Logger;
  now?: () => number;
}

/** Who gets notification DMs, kept in the state store. Only a user's own `/workitems notify off` turns them off. */
export class Subscriptions {
  /** NOTIFY_USERS entries not yet subscribed (an email Slack could not look up for now). */
  private readonly unresolved: Set<string>;
  /** NOTIFY_USERS entries already subscribed, and the Slack user each is. */
  private readonly resolved = new Map<string, string>();
  private recentlyTouched: TtlCache<string, true>;

  constructor(private readonly opts: SubscriptionsOptions) {
    this.unresolved = new Set(opts.configured);
    this.recentlyTouched = new TtlCache(MAX_RECENTLY_TOUCHED, opts.now);
  }

  /**
   * Subscribes someone who used the bot (or is in NOTIFY_USERS), unless they are known already, opted
   * out included. Runs on every request: someone touched in the last ten minutes is known already.
   */
  async touch(slackUserId: string, via: 'use' | 'config' = 'use'): Promise<boolean> {
    if (this.recentlyTouched.peek(slackUserId)) return false;
    const added = await this.opts.store.setFieldIfAbsent<Subscription>(SUBSCRIPTIONS_KEY, slackUserId, { on: true, via, period: randomUUID() });
    this.recentlyTouched.set(slackUserId, true, TOUCH_AGAIN_AFTER_MS);
    return added;
  }

  get(slackUserId: string): Promise<Subscription | undefined> {
    return this.opts.store.getField<Subscription>(SUBSCRIPTIONS_KEY, slackUserId);
  }

  async set(slackUserId: string, on: boolean): Promise<void> {
    if ((await this.get(slackUserId))?.on === on) return;
    await this.opts.store.setField<Subscription>(SUBSCRIPTIONS_KEY, slackUserId, { on, via: 'command', period: randomUUID() });
  }

  /** Everyone subscribed, in a stable order. */
  async active(): Promise<Subscriber[]> {
    const all = await this.opts.store.getFields<Subscription>(SUBSCRIPTIONS_KEY);
    return Object.keys(all)
      .sort()
      .filter((userId) => all[userId].on)
      .map((userId) => ({ userId, period: all[userId].period }));
  }

  /** The Slack user ids of everyone subscribed: the approvers the digest knows of. */
  async activeUserIds(): Promise<string[]> {
    return (await this.active()).map((s) => s.userId);
  }

  /**
   * After the state store lost its state (StateSentinel): whom this replica touched recently may no
   * longer be subscribed, so the next request of each subscribes them again.
   */
  forgetTouched(): void {
    this.recentlyTouched = new TtlCache(MAX_RECENTLY_TOUCHED, this.opts.now);
  }

  /**
   * Subscribes NOTIFY_USERS; an email Slack cannot look up right now is tried again on the next call.
   * Those subscribed before and no longer in the store (its state was lost: a flushed Redis) are
   * subscribed again, with a new period so that their next poll summarises what waits; an opt-out
   * the store still has is kept.
   */
  async enrolConfigured(): Promise<void> {
    if (this.resolved.size) {
      const known = await this.opts.store.getFields<Subscription>(SUBSCRIPTIONS_KEY);
      for (const userId of new Set(this.resolved.values())) {
        if (known[userId]) continue;
        this.recentlyTouched.delete(userId);
        await this.touch(userId, 'config');
      }
    }
    const failed: string[] = [];
    for (const entry of [...this.unresolved]) {
      try {
        const userId = entry.includes('@') ? await this.opts.lookupByEmail(entry) : entry;
        if (userId) {
          await this.touch(userId, 'config');
          this.resolved.set(entry, userId);
        } else this.opts.logger.warn('NOTIFY_USERS: no Slack user has this email; skipped', { email: entry });
        this.unresolved.delete(entry);
      } catch (e) {
        failed.push(entry);
        this.opts.logger.debug('NOTIFY_USERS: lookup failed', { entry, error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (failed.length) this.opts.logger.warn(`NOTIFY_USERS: ${failed.length} entries could not be looked up in Slack yet; retrying next poll`);
  }
}
