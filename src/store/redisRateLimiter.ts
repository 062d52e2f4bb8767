import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SlotQueue, type RequestGate, type SlotRequest, type SlotSource } from '../rateLimit/slotQueue';
import type { Logger } from '../log';
import { storeError } from './redisStore';

/**
 * A sliding-window log in a sorted set: grants older than the window are dropped, and a grant is
 * added only while fewer than the limit (less any reserve) remain. Redis' own clock times every replica's grants, so
 * clock skew between hosts does not matter. Returns {0, now} when granted (now: the grant's score), else
 * {how long to wait (ms), now}.
 *
 * Losing the set (a flush, a restart of Redis) must not hand the fleet a fresh window: each replica
 * sends the newest grant it remembers ('check'); when that grant is still inside the window but gone
 * from the set, the window was lost. The first replica to see it holds the whole window with
 * placeholders (lost:1..requests, timed now: no lost grant is younger) and gets {-1, now}: it then
 * sends every grant it remembers ('seed'), which go back with their own scores, each replacing one
 * placeholder. Once every replica that granted in the window has put its grants back, the set counts
 * what it counted before the loss; placeholders not replaced (a replica that died meanwhile) hold
 * their slots until a window after the loss. Sending only the newest grant keeps the usual call small
 * (SAIL_RATE_LIMIT_PER_10S may be in the thousands).
 * KEYS: grants, pause. ARGV: limit, window ms, requests, this replica's id, this take's number,
 * 'check' | 'seed', then pairs of a grant's number and score.
 */
const TAKE_SLOT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {paused, now} end
local limit, window, requests = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[6] == 'seed' then
  local added = 0
  for i = 7, #ARGV, 2 do
    local at = tonumber(ARGV[i + 1])
    if at > now - window then added = added + redis.call('ZADD', KEYS[1], at, ARGV[4] .. ':' .. ARGV[i]) end
  end
  for i = requests, 1, -1 do
    if added == 0 then break end
    added = added - redis.call('ZREM', KEYS[1], 'lost:' .. i)
  end
  redis.call('PEXPIRE', KEYS[1], window)
elseif ARGV[7] and tonumber(ARGV[8]) > now - window and not redis.call('ZSCORE', KEYS[1], ARGV[4] .. ':' .. ARGV[7]) then
  if not redis.call('ZSCORE', KEYS[1], 'lost:1') then
    for i = 1, requests do redis.call('ZADD', KEYS[1], now, 'lost:' .. i) end
    redis.call('PEXPIRE', KEYS[1], window)
  end
  return {-1, now}
end
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. ARGV[5])
  redis.call('PEXPIRE', KEYS[1], window)
  return {0, now}
end
-- The grant whose expiry brings the count below the limit.
local first = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return {math.max(1, tonumber(first[2]) + window - now), now}`;

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
  iscRateTakeSlot(grants: string, pause: string, limit: number, windowMs: number, requests: number, replica: string, take: number, mode: 'check' | 'seed', ...grantsSent: number[]): Promise<[wait: number, now: number]>;
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
 *
 * When Redis loses the window (FLUSHALL, a restart: it keeps nothing on disk), what survives is what
 * each replica remembers of its own grants of the window (at most `requests`, timed by Redis): at
 * its next take a replica that granted in the window finds its grants gone, holds the fleet's window
 * full, and puts its grants back; each other replica puts back its own at its next take, so the fleet
 * counts the window as before and grants nothing more than it would have. Not survived: grants of a
 * replica that stops (or restarts) before its next take, which stay counted as the full window until
 * a window after the loss; and what a replica with no grants in the window grants after the loss
 * before one that has grants takes again (it cannot tell the window was lost). A Retry-After pause is
 * lost with Redis too; each replica still honours the one it saw itself.
 */
export class RedisRateLimiter implements RequestGate, SlotSource {
  private readonly commands: Commands;
  private readonly grantsKey: string;
  private readonly pauseKey: string;
  private readonly member = randomUUID();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly queue: SlotQueue;
  private seq = 0;
  /** This replica's grants still in the window as far as it knows: [take number, Redis' time of the grant], oldest first. */
  private grants: Array<[number, number]> = [];
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
    const seq = ++this.seq;
    const newest = this.grants.at(-1);
    try {
      let [wait, now] = await this.takeSlot(reserve, seq, 'check', newest ?? []);
      if (wait < 0) [wait, now] = await this.takeSlot(reserve, seq, 'seed', this.grants.flat());
      this.remember(wait === 0 ? seq : undefined, now);
      return Math.max(0, wait);
    } catch (e) {
      throw storeError(e);
    }
  }

  private takeSlot(reserve: number, seq: number, mode: 'check' | 'seed', grants: number[]): Promise<[number, number]> {
    return this.commands.iscRateTakeSlot(this.grantsKey, this.pauseKey, this.limitLeaving(reserve), this.windowMs, this.opts.requests, this.member, seq, mode, ...grants);
  }

  /** Keeps the grant just made, if any, and forgets those out of the window at Redis' time `now`. */
  private remember(granted: number | undefined, now: number): void {
    if (granted !== undefined) this.grants.push([granted, now]);
    const since = now - this.windowMs;
    const stale = this.grants.findIndex(([, at]) => at > since);
    this.grants.splice(0, stale < 0 ? this.grants.length : Math.max(stale, this.grants.length - this.opts.requests));
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
