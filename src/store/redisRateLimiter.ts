import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SlotDeadlineError, SlotQueue, type RequestGate, type Ticket } from '../isc/rateLimiter';
import type { Logger } from '../log';
import { storeError } from './redisStore';

/**
 * A sliding-window log in a sorted set: grants older than the window are dropped, and a grant is
 * added only while fewer than the limit remain. Redis' own clock times every replica's grants, so
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
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)`;

/** KEYS: pause. ARGV: ms. Never shortens a longer pause. */
const PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

type Commands = {
  iscRateTakeSlot(grants: string, pause: string, limit: number, windowMs: number, member: string): Promise<number>;
  iscRatePause(pause: string, ms: number): Promise<number>;
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
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The ISC rate limit of one client id, shared by every replica through Redis: the fleet together
 * stays within SAIL_RATE_LIMIT_PER_10S, and a 429's Retry-After holds every replica. Within a
 * process callers are served in arrival order. When Redis cannot be reached, acquire() throws
 * StoreUnavailableError: the request is not sent (the fleet's budget cannot be checked), and the
 * user is told to try again.
 */
export class RedisRateLimiter implements RequestGate {
  private readonly commands: Commands;
  private readonly grantsKey: string;
  private readonly pauseKey: string;
  private readonly member = randomUUID();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly queue = new SlotQueue((deadline, ticket) => this.waitForSlot(deadline, ticket), Date.now);
  private seq = 0;
  private pausedUntil = 0;

  constructor(
    client: Redis,
    private readonly opts: RedisRateLimiterOptions,
  ) {
    client.defineCommand('iscRateTakeSlot', { numberOfKeys: 2, lua: TAKE_SLOT });
    client.defineCommand('iscRatePause', { numberOfKeys: 1, lua: PAUSE });
    this.commands = client as unknown as Commands;
    this.grantsKey = `isc-rate:${opts.clientId}:grants`;
    this.pauseKey = `isc-rate:${opts.clientId}:pause`;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  acquire(deadline?: number, signal?: AbortSignal): Promise<void> {
    return this.queue.acquire(deadline, signal);
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
    this.commands.iscRatePause(this.pauseKey, Math.ceil(ms)).catch((e: unknown) => {
      this.opts.logger.warn('Could not share an ISC Retry-After with the other replicas', { error: e instanceof Error ? e.message : String(e) });
    });
  }

  private async waitForSlot(deadline: number, ticket: Ticket): Promise<void> {
    for (;;) {
      if (ticket.abandoned) return;
      if (this.pausedUntil > deadline) throw new SlotDeadlineError();
      const local = this.pausedUntil - Date.now();
      if (local > 0) {
        await this.sleep(local);
        continue;
      }
      let waitMs: number;
      try {
        waitMs = await this.commands.iscRateTakeSlot(this.grantsKey, this.pauseKey, this.opts.requests, this.opts.perMs + (this.opts.guardMs ?? 250), `${this.member}:${++this.seq}`);
      } catch (e) {
        throw storeError(e);
      }
      if (waitMs <= 0) return;
      if (Date.now() + waitMs > deadline) throw new SlotDeadlineError();
      await this.sleep(waitMs);
    }
  }
}
