import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SlotQueue, type RequestGate, type SlotRequest, type SlotSource } from '../rateLimit/slotQueue';
import type { Logger } from '../log';
import { storeError } from './redisStore';

/**
 * A sliding-window log in a sorted set: grants older than the window are dropped, and a grant is
 * added only while fewer than the limit (less any reserve) remain. Redis' own clock times every replica's grants, so
 * clock skew between hosts does not matter. Returns 0 when granted, else how long to wait (ms).
 * KEYS: grants, pause. ARGV: limit, window ms, a unique member.
 */
const TAKE_SLOT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
-- The grant whose expiry brings the count below the limit.
local first = redis.call('ZRANGE', KEYS[1], count - tonumber(ARGV[1]), count - tonumber(ARGV[1]), 'WITHSCORES')
return math.max(1, tonumber(first[2]) + window - now)`;

/**
 * In how many ms the grant after `ahead` more could be made at the soonest, taking none: grant number
 * n of the window must come a window after grant n - limit, and none before a pause ends.
 * KEYS: grants, pause. ARGV: limit, window ms, ahead.
 */
const EARLIEST = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = math.max(0, redis.call('PTTL', KEYS[2]))
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local since = '(' .. (now - window)
local inWindow = redis.call('ZCOUNT', KEYS[1], since, '+inf')
local n = inWindow + tonumber(ARGV[3])
if n < limit then return paused end
if n - limit >= inWindow then return math.max(window, paused) end
local g = redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES', 'LIMIT', n - limit, 1)
return math.max(tonumber(g[2]) + window - now, paused)`;

/** KEYS: pause. ARGV: ms. Never shortens a longer pause. */
const PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

type Commands = {
  iscRateTakeSlot(grants: string, pause: string, limit: number, windowMs: number, member: string): Promise<number>;
  iscRatePause(pause: string, ms: number): Promise<number>;
  iscRateEarliest(grants: string, pause: string, limit: number, windowMs: number, ahead: number): Promise<number>;
};

export interface RedisRateLimiterOptions {
  /** One limit per ISC client id: the key names it. */
  clientId: string;
  requests: number;
  perMs: number;
  /**
   * Added to the window: a request reaches ISC a little after Redis granted it (the network, a busy
   * event loop), so grants are spaced as if the window were this much longer, and ISC, counting what
   * it receives, still sees at most `requests` in any `perMs`. Default 250.
   */
  guardMs?: number;
  logger: Logger;
  /** How many callers of this process may wait at once; default unbounded. */
  maxWaiting?: number;
  /** Slots of each window only decisions may take; default none. */
  reserve?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The ISC rate limit of one client id, shared by every replica through Redis: the fleet together
 * stays within SAIL_RATE_LIMIT_PER_10S, and a 429's Retry-After holds every replica. Within a
 * process callers are served most urgent first (SlotQueue); a caller with a deadline is refused at
 * once when the fleet's window and the callers ahead of it here leave it no slot in time (callers
 * waiting on other replicas are not counted: they can only make it later, and its deadline still
 * holds). When Redis cannot be reached, acquire() throws
 * StoreUnavailableError: the request is not sent (the fleet's budget cannot be checked), and the
 * user is told to try again.
 */
export class RedisRateLimiter implements RequestGate, SlotSource {
  private readonly commands: Commands;
  private readonly grantsKey: string;
  private readonly pauseKey: string;
  private readonly member = randomUUID();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly queue: SlotQueue;
  private seq = 0;
  private pausedUntil = 0;

  constructor(
    client: Redis,
    private readonly opts: RedisRateLimiterOptions,
  ) {
    client.defineCommand('iscRateTakeSlot', { numberOfKeys: 2, lua: TAKE_SLOT });
    client.defineCommand('iscRatePause', { numberOfKeys: 1, lua: PAUSE });
    client.defineCommand('iscRateEarliest', { numberOfKeys: 2, lua: EARLIEST });
    this.commands = client as unknown as Commands;
    this.grantsKey = `isc-rate:${opts.clientId}:grants`;
    this.pauseKey = `isc-rate:${opts.clientId}:pause`;
    this.sleep = opts.sleep ?? defaultSleep;
    this.queue = new SlotQueue(this, { now: Date.now, sleep: this.sleep, maxWaiting: opts.maxWaiting, reserve: opts.reserve });
  }

  acquire(request?: SlotRequest): Promise<void> {
    return this.queue.acquire(request);
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
    this.commands.iscRatePause(this.pauseKey, Math.ceil(ms)).catch((e: unknown) => {
      this.opts.logger.warn('Could not share an ISC Retry-After with the other replicas', { error: e instanceof Error ? e.message : String(e) });
    });
  }

  private get windowMs(): number {
    return this.opts.perMs + (this.opts.guardMs ?? 250);
  }

  private limitLeaving(reserve: number): number {
    return Math.max(1, this.opts.requests - reserve);
  }

  async take(reserve = 0): Promise<number> {
    const local = this.pausedUntil - Date.now();
    if (local > 0) return local;
    try {
      return Math.max(0, await this.commands.iscRateTakeSlot(this.grantsKey, this.pauseKey, this.limitLeaving(reserve), this.windowMs, `${this.member}:${++this.seq}`));
    } catch (e) {
      throw storeError(e);
    }
  }

  async earliest(ahead: number, reserve = 0): Promise<number> {
    let shared: number;
    try {
      shared = await this.commands.iscRateEarliest(this.grantsKey, this.pauseKey, this.limitLeaving(reserve), this.windowMs, ahead);
    } catch (e) {
      throw storeError(e);
    }
    return Math.max(shared, this.pausedUntil - Date.now());
  }
}
