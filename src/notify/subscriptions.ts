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
  private readonly recentlyTouched: TtlCache<string, true>;

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

  /** Subscribes NOTIFY_USERS; an email Slack cannot look up right now is tried again on the next call. */
  async enrolConfigured(): Promise<void> {
    const failed: string[] = [];
    for (const entry of [...this.unresolved]) {
      try {
        const userId = entry.includes('@') ? await this.opts.lookupByEmail(entry) : entry;
        if (userId) await this.touch(userId, 'config');
        else this.opts.logger.warn('NOTIFY_USERS: no Slack user has this email; skipped', { email: entry });
        this.unresolved.delete(entry);
      } catch (e) {
        failed.push(entry);
        this.opts.logger.debug('NOTIFY_USERS: lookup failed', { entry, error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (failed.length) this.opts.logger.warn(`NOTIFY_USERS: ${failed.length} entries could not be looked up in Slack yet; retrying next poll`);
  }
}
