import { loadConfig } from '../../src/config';
import { RequestService } from '../../src/requests/requestService';
import type { IscClient } from '../../src/isc/api';
import type { WorkItem } from '../../src/isc/types';
import { createLogger } from '../../src/log';
import { Notifier } from '../../src/notify/notifier';
import { CALLS_PER_POLL, pollPlan } from '../../src/notify/poller';
import type { SlackDmClient } from '../../src/notify/slackSender';
import type { BotContext } from '../../src/slack/context';
import { IdentityDirectory } from '../../src/workitems/identityDirectory';
import { createInboxServices } from '../../src/inbox/services';
import { MemoryStateStore } from '../../src/store/memoryStore';

describe('pollPlan', () => {
  const opts = { intervalMs: 60_000, rateLimitPer10s: 90, share: 0.5 };

  it('keeps the configured interval while the subscribers fit in the share', () => {
    // One list per kind of item (work items, access requests, generic approvals): 3 calls a poll.
    expect(CALLS_PER_POLL).toBe(3);
    expect(pollPlan(60, opts)).toEqual({ callsPer10s: 45, intervalMs: 60_000, spacingMs: 1000, stretched: false });
    expect(pollPlan(85, opts).stretched).toBe(false);
    expect(pollPlan(200, { ...opts, callsPerPoll: 1 })).toEqual({ callsPer10s: 45, intervalMs: 60_000, spacingMs: 300, stretched: false });
  });

  it('stretches the interval to what the share allows, for every call a poll takes', () => {
    const plan = pollPlan(1000, opts);
    expect(plan.callsPer10s).toBe(45);
    expect(plan.spacingMs * 45).toBeGreaterThanOrEqual(CALLS_PER_POLL * 10_000);
    expect(plan.intervalMs).toBe(plan.spacingMs * 1000);
    expect(plan.intervalMs).toBeLessThan(1.01 * ((CALLS_PER_POLL * 1000 * 10_000) / 45));
    expect(plan.stretched).toBe(true);
    expect(pollPlan(100, opts).stretched).toBe(true);
  });

  it('always allows one call per 10 s, and copes with no subscribers', () => {
    expect(pollPlan(3, { intervalMs: 60_000, rateLimitPer10s: 1, share: 0.05 }).callsPer10s).toBe(1);
    expect(pollPlan(0, opts)).toMatchObject({ intervalMs: 60_000, stretched: false });
  });
});

describe('1,000 subscribers', () => {
  const N = 1000;
  const userId = (i: number) => `U${String(i).padStart(6, '0')}`;

  it('never take more than POLL_RATE_SHARE of the ISC rate limit in any 10 s, and the stretch is logged once', async () => {
    let clock = Date.parse('2030-01-07T10:00:00Z');
    const now = () => clock;
    const iscCalls: number[] = [];
    const record = () => iscCalls.push(clock);
    const polled = new Set<string>();
    let cycle = 1;
    // Every tenth subscriber has an item in the first cycle; every thirtieth has it decided before the second.
    const itemOf = (ownerId: string): WorkItem => ({ id: `wi-${ownerId}`, ownerId, name: 'Access request', state: 'Pending', created: new Date(clock).toISOString() });
    const hasItem = (n: number) => n % 10 === 0 && (cycle === 1 || n % 30 !== 0);
    const isc = {
      workItems: {
        listWorkItems: async ({ ownerId }: { ownerId: string }) => {
          record();
          polled.add(`${cycle}:${ownerId}`);
          return { items: hasItem(Number(ownerId.slice(3))) ? [itemOf(ownerId)] : [] };
        },
        getWorkItem: async (id: string) => {
          record();
          return { ...itemOf(id.slice(3)), state: 'Finished', completed: new Date(clock).toISOString() };
        },
      },
      // Nobody has approvals: their lists are called once per subscriber and cycle all the same.
      accessRequestApprovals: {
        listPendingApprovals: async () => {
          record();
          return { items: [] };
        },
      },
      genericApprovals: {
        getApprovals: async () => {
          record();
          return { items: [] };
        },
      },
      identities: {
        findIdentitiesByEmail: async (email: string) => {
          record();
          return [{ id: `id-${email.split('@')[0].slice(1)}`, name: email, email }];
        },
      },
    } as unknown as IscClient;
    const slackUsers = { info: async ({ user }: { user: string }) => ({ ok: true, user: { id: user, tz: 'UTC', profile: { email: `${user.toLowerCase()}@example.com` } } }) };
    const slackCalls: string[] = [];
    let ts = 0;
    const slack: SlackDmClient = {
      conversations: { open: async ({ users }: { users?: string }) => ({ ok: true, channel: { id: `D${users}` } }) },
      chat: {
        postMessage: async (args: { channel: string }) => {
          slackCalls.push('chat.postMessage');
          return { ok: true, channel: args.channel, ts: String(++ts) };
        },
        update: async () => {
          slackCalls.push('chat.update');
          return { ok: true };
        },
      },
      users: { lookupByEmail: async () => ({ ok: true }) },
    } as unknown as SlackDmClient;

    const logs: string[] = [];
    const logger = createLogger('info', (line) => logs.push(line));
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', SAIL_BASE_URL: 'sandbox', SAIL_RATE_LIMIT_PER_10S: '90', POLL_RATE_SHARE: '0.5', NOTIFY_SWEEP: 'off' });
    const store = new MemoryStateStore(now);
    const directory = new IdentityDirectory({ slack: { users: slackUsers } as never, identities: isc.identities, overrides: new Map(), ttlMs: 24 * 3600_000, logger, now });
    const services = createInboxServices({ isc, directory, store, admins: new Set(), logger });
    const ctx: BotContext = { config, isc, ...services, requests: new RequestService({ isc, directory, store, logger }), directory, store, logger, now: () => new Date(clock), iscHealth: async () => ({ ok: true, detail: '' }) };
    const notifier = new Notifier(ctx, {
      slack,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    for (let i = 0; i < N; i++) await notifier.subscriptions.touch(userId(i));

    const first = await notifier.runCycle();
    cycle = 2;
    await notifier.runCycle();

    const share = Math.floor(90 * 0.5);
    expect(first).toMatchObject({ callsPer10s: share, stretched: true });
    expect(first.intervalMs).toBe(pollPlan(N, { intervalMs: 60_000, rateLimitPer10s: 90, share: 0.5 }).intervalMs);
    for (const c of [1, 2]) expect([...polled].filter((p) => p.startsWith(`${c}:`))).toHaveLength(N);
    // N identity lookups, 2 cycles × N subscribers × 3 lists (one per kind) and a read of each item decided meanwhile.
    const decided = Array.from({ length: N }, (_, n) => n).filter((n) => n % 30 === 0).length;
    expect(iscCalls.length).toBe(N + 2 * N * CALLS_PER_POLL + decided);
    let busiest = 0;
    for (let i = 0, j = 0; i < iscCalls.length; i++) {
      while (iscCalls[j] <= iscCalls[i] - 10_000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(share);
    expect(logs.filter((l) => l.includes('instead of POLL_INTERVAL_SECONDS=60'))).toHaveLength(1);
    // A first-poll summary for each subscriber with an item; an item of a summary has no DM of its own to update.
    expect(slackCalls.filter((c) => c === 'chat.postMessage')).toHaveLength(N / 10);
    await notifier.stop();
  });
});
