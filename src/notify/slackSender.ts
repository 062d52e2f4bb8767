import { ErrorCode, type WebClient } from '@slack/web-api';
import type { RenderedMessage } from '../blocks/types';
import { RateLimiter } from '../rateLimit/rateLimiter';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { DmPort, DmRef } from './dmPort';

/** The Slack Web API methods notifications use. */
export interface SlackDmClient {
  conversations: Pick<WebClient['conversations'], 'open'>;
  chat: Pick<WebClient['chat'], 'postMessage' | 'update'>;
  users: Pick<WebClient['users'], 'lookupByEmail'>;
}

export type Sleep = (ms: number) => Promise<void>;

export interface SlackSenderOptions {
  client: SlackDmClient;
  sleep: Sleep;
  now?: () => number;
  logger: Logger;
  metrics?: Metrics;
  /** Tries of one call that Slack answers 429; then the caller keeps the work for its next poll. Default 3. */
  maxAttempts?: number;
}

const MINUTE = 60_000;
/** Slack's Tier 3 (chat.update, conversations.open, users.lookupByEmail): 50+ calls a minute per method. */
const TIER_3 = 50;

const isRateLimited = (e: unknown): e is { retryAfter: number } => (e as { code?: unknown })?.code === ErrorCode.RateLimitedError;

/**
 * Sends notifications within Slack's limits: chat.postMessage about once a second per channel,
 * Tier 3 methods 50 a minute. A 429 pauses the method's (or the channel's) limiter for Retry-After
 * and the call is tried again: delayed, never dropped.
 */
export class SlackSender implements DmPort {
  private readonly dmChannels = new Map<string, string>();
  private readonly channelLimiters = new Map<string, RateLimiter>();
  private readonly updates: RateLimiter;
  private readonly opens: RateLimiter;
  private readonly lookups: RateLimiter;

  constructor(private readonly opts: SlackSenderOptions) {
    this.updates = this.limiter(TIER_3, MINUTE);
    this.opens = this.limiter(TIER_3, MINUTE);
    this.lookups = this.limiter(TIER_3, MINUTE);
  }

  private limiter(requests: number, perMs: number): RateLimiter {
    return new RateLimiter({ requests, perMs, sleep: this.opts.sleep, now: this.opts.now });
  }

  /** The DM channel with a user (cached: it never changes). */
  async openDm(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    const res = await this.call('conversations.open', this.opens, () => this.opts.client.conversations.open({ users: userId }));
    const channel = res.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    this.dmChannels.set(userId, channel);
    return channel;
  }

  async post(channel: string, message: RenderedMessage, threadTs?: string): Promise<{ channel: string; ts: string }> {
    let limiter = this.channelLimiters.get(channel);
    if (!limiter) this.channelLimiters.set(channel, (limiter = this.limiter(1, 1000)));
    const res = await this.call('chat.postMessage', limiter, () =>
      this.opts.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) }),
    );
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return { channel: res.channel ?? channel, ts: res.ts };
  }

  async update(channel: string, ts: string, message: RenderedMessage): Promise<void> {
    await this.call('chat.update', this.updates, () => this.opts.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
  }

  async postDm(userId: string, message: RenderedMessage, thread?: DmRef): Promise<DmRef> {
    const posted = await this.post(thread?.channel ?? (await this.openDm(userId)), message, thread?.ts);
    this.opts.metrics?.dmSent();
    return posted;
  }

  updateDm(dm: DmRef, message: RenderedMessage): Promise<void> {
    return this.update(dm.channel, dm.ts, message);
  }

  /** undefined when no Slack user has the email (`users_not_found`). */
  async lookupByEmail(email: string): Promise<string | undefined> {
    try {
      const res = await this.call('users.lookupByEmail', this.lookups, () => this.opts.client.users.lookupByEmail({ email }));
      return res.user?.id;
    } catch (e) {
      if ((e as { data?: { error?: string } }).data?.error === 'users_not_found') return undefined;
      throw e;
    }
  }

  private async call<T>(method: string, limiter: RateLimiter, send: () => Promise<T>): Promise<T> {
    const maxAttempts = this.opts.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire();
      try {
        return await send();
      } catch (e) {
        if (!isRateLimited(e) || attempt >= maxAttempts) throw e;
        const waitMs = e.retryAfter * 1000;
        this.opts.logger.warn('Slack rate-limited a notification; waiting Retry-After', { method, waitMs, attempt });
        limiter.pause(waitMs);
      }
    }
  }
}
