// Part 6 of `npm run bench` (`--only scale`): notifications at enterprise size. 5,000 subscribed
// approvers and at least 10,000 pending items across the three kinds, then new items at 50 a minute,
// against the sandbox tenant ENFORCING ISC's rate limit (429 with Retry-After past 100 per 10 s). Each
// design in turn, in the same run: the sweep (NOTIFY_SWEEP=on) and today's per-subscriber lists (off).
//
// In one process, on a skip-ahead clock (as part 5's polling): every wait of the poller and its Slack
// limiters returns at once and moves the clock on, and the tenant keeps the same clock, so minutes of
// polling take seconds; ISC requests and Slack calls are real. The run starts from a warm bot (one
// full round: identities resolved, first-poll summaries sent), then new items arrive for
// BENCH_SCALE_MINUTES (10) on that clock, and DMs are awaited a further 5 minutes.
import fs from 'node:fs';
import { RequestService } from '../src/requests/requestService';
import os from 'node:os';
import path from 'node:path';
import { WebClient } from '@slack/web-api';
import { loadConfig } from '../src/config';
import { createIscClient } from '../src/isc/client';
import type { ChatPostMessageArguments } from '@slack/web-api';
import { silentLogger } from '../src/log';
import { Notifier } from '../src/notify/notifier';
import type { SlackDmClient } from '../src/notify/slackSender';
import { createNotificationClient } from '../src/slack/notificationClient';
import { startSandboxTenant, type SandboxTenant } from '../src/sandbox/tenant';
import type { BotContext } from '../src/slack/context';
import { MemoryStateStore } from '../src/store/memoryStore';
import { IdentityDirectory } from '../src/workitems/identityDirectory';
import { createInboxServices } from '../src/inbox/services';
import { SlackStandIn } from '../test/support/slackStandIn';
import { skipAheadClock } from './lib';

const SUBSCRIBERS = 5000;
const PENDING = 10_000;
const NEW_PER_MINUTE = 50;
/** Work items go mostly to the few who handle Task Manager work (source owners, say); the rest to anyone. */
const WORK_ITEM_OWNERS = 250;
const WORK_ITEM_TO_ANYONE = 0.1;
const ISC_LIMIT = 100;
const WINDOW_MS = 10_000;
const DRAIN_MS = 5 * 60_000;
const KINDS = ['workItem', 'accessRequest', 'generic'] as const;
type Kind = (typeof KINDS)[number];

const pad = (n: number) => String(n).padStart(4, '0');
const userId = (i: number) => `U0SC${pad(i)}`;
const email = (i: number) => `scale.${pad(i)}@bench.example`;

export interface Latency {
  created: number;
  dmed: number;
  p50Ms?: number;
  p95Ms?: number;
  maxMs?: number;
}

export interface ScaleRun {
  design: 'sweep' | 'per-subscriber';
  pendingAtStart: Record<Kind, number>;
  warmUp: { iscRequests: number; simulatedMs: number; realMs: number };
  latency: Record<Kind, Latency>;
  /** ISC requests at the tenant in the busiest 10 s of the measured window (the poller's clock), and 429s. */
  busiestPer10s: number;
  rateLimited: number;
  iscRequests: number;
  pollerShare: number;
  realMs: number;
  rssMiB: number;
  /** Live JS heap at the end (bot, tenant and stand-in). */
  heapUsedMiB: number;
}

function percentile(sorted: number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function run(design: ScaleRun['design'], minutes: number, progress: (line: string) => void): Promise<ScaleRun> {
  const clock = skipAheadClock();
  const arrivals: number[] = [];
  const due: Array<{ at: number; add: () => void }> = [];
  let sandbox!: SandboxTenant;
  sandbox = await startSandboxTenant({
    logger: silentLogger,
    now: () => new Date(clock.now()),
    rateLimit: { requests: ISC_LIMIT, perMs: WINDOW_MS },
    faults: (req) => {
      if (req.path.startsWith('/oauth/')) return undefined;
      // New items appear on the tenant's clock, whenever the bot next asks it anything.
      while (due.length && due[0].at <= clock.now()) due.shift()!.add();
      arrivals.push(clock.now());
      return undefined;
    },
  });
  const slack = await new SlackStandIn().start();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  const store = new MemoryStateStore(clock.now);
  try {
    progress(`${design}: ${SUBSCRIBERS} identities and their items in the tenant`);
    const ids: string[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      slack.addUser({ id: userId(i), email: email(i), tz: 'UTC', name: `Scale ${i}` });
      ids.push(sandbox.identityForEmail(email(i)).id!);
    }
    let serial = 0;
    const counts: Record<Kind, number> = { workItem: 0, accessRequest: 0, generic: 0 };
    const created = new Map<string, { kind: Kind; at: number }>();
    const add = (kind: Kind, owner: string, at: number, name: string) => {
      const iso = new Date(at).toISOString();
      const requester = { type: 'IDENTITY' as const, id: ids[0], name: 'Scale 0' };
      if (kind === 'workItem') sandbox.addWorkItem({ id: `wi-scale-${++serial}`, ownerId: owner, name, type: 'Generic', state: 'Pending', created: iso, description: name });
      else if (kind === 'accessRequest')
        sandbox.addAccessRequestApproval({ owner: { type: 'IDENTITY', id: owner }, requester, requestedFor: requester, requestedObject: { id: 'o1', name, type: 'ACCESS_PROFILE' }, created: iso });
      else sandbox.addGenericApproval({ approvers: [{ identityID: owner, type: 'IDENTITY' }], requester: { identityID: ids[0], name: 'Scale 0' }, name: [{ value: name, locale: 'en-US' }], createdDate: iso });
      counts[kind]++;
    };
    const ownerFor = (kind: Kind, n: number) =>
      kind === 'workItem' && (n * 7919) % 100 >= WORK_ITEM_TO_ANYONE * 100 ? ids[(n * 31) % WORK_ITEM_OWNERS] : ids[(n * 7919) % SUBSCRIBERS];
    // The demo items the sandbox gives each new identity count towards the population.
    const before = await countPending(sandbox, ids[0]);
    Object.assign(counts, before);
    for (let n = 0; counts.workItem + counts.accessRequest + counts.generic < PENDING; n++) {
      const kind = KINDS[n % 3];
      add(kind, ownerFor(kind, n), clock.now() - 86_400_000, `Old ${kind} ${n}`);
    }
    const pendingAtStart = { ...counts };

    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-bench-token',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      SAIL_BASE_URL: sandbox.url,
      SAIL_CLIENT_ID: sandbox.clientId,
      SAIL_CLIENT_SECRET: sandbox.clientSecret,
      DATA_DIR: dataDir,
      NOTIFY_SWEEP: design === 'sweep' ? 'on' : 'off',
      QUIET_HOURS: 'off',
    });
    // The client's own limiter keeps real time and cannot follow the skip-ahead clock, so it is raised;
    // the poller's limiter (POLL_RATE_SHARE of the configured limit, on the clock) paces the bot, and the
    // tenant enforces ISC's own limit on the same clock.
    const isc = createIscClient({ baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, rateLimit: { requests: 100_000, perMs: WINDOW_MS }, logger: silentLogger });
    const now = () => new Date(clock.now());
    const directory = new IdentityDirectory({ slack: new WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl }), identities: isc.identities, overrides: config.identityMap, ttlMs: config.identityCacheTtlMs, logger: silentLogger, now: clock.now });
    let notifier: Notifier | undefined;
    const services = createInboxServices({ isc, directory, store, admins: new Set(), logger: silentLogger, now }, (entry, decisions) => notifier?.itemChanged(entry, decisions));
    const ctx: BotContext = { config, isc, ...services, requests: new RequestService({ isc, directory, store, logger: silentLogger }), directory, store, logger: silentLogger, now, iscHealth: async () => ({ ok: true, detail: '' }) };
    const web = createNotificationClient(config.slack, silentLogger);
    const dmed = new Map<string, number>();
    const client: SlackDmClient = {
      conversations: web.conversations,
      users: web.users,
      chat: {
        update: (args) => web.chat.update(args),
        postMessage: async (args: ChatPostMessageArguments) => {
          const res = await web.chat.postMessage(args);
          const name = /Scale item \d+/.exec(String((args as { text?: string }).text ?? ''))?.[0];
          if (name && !dmed.has(name)) dmed.set(name, clock.now());
          return res;
        },
      },
    };
    notifier = new Notifier(ctx, { slack: client, sleep: clock.sleep });
    for (let i = 0; i < SUBSCRIBERS; i++) await notifier.subscriptions.touch(userId(i));

    progress(`${design}: warm-up, one full round over ${SUBSCRIBERS} subscribers`);
    const warmStart = { at: clock.now(), real: performance.now(), requests: arrivals.length };
    const ticker = setInterval(() => progress(`${design}: ${arrivals.length - warmStart.requests} ISC requests, ${Math.round((clock.now() - warmStart.at) / 60_000)} min on the poller's clock`), 30_000);
    try {
      await notifier.runCycle();
    } finally {
      clearInterval(ticker);
    }
    const warmUp = { iscRequests: arrivals.length - warmStart.requests, simulatedMs: Math.round(clock.now() - warmStart.at), realMs: Math.round(performance.now() - warmStart.real) };

    // The stand-in records every Slack call; the warm-up's 5,000 summaries are not the bot's memory.
    slack.reset();
    const start = clock.now();
    const end = start + minutes * 60_000;
    const total = minutes * NEW_PER_MINUTE;
    for (let n = 0; n < total; n++) {
      const kind = KINDS[n % 3];
      const at = start + Math.round((n * 60_000) / NEW_PER_MINUTE);
      const name = `Scale item ${n}`;
      created.set(name, { kind, at });
      due.push({ at, add: () => add(kind, ownerFor(kind, n + 1000), at, name) });
    }
    progress(`${design}: ${total} new items over ${minutes} minutes on the poller's clock, DMs awaited ${DRAIN_MS / 60_000} minutes more`);
    const measured = { real: performance.now(), from: arrivals.length };
    const limited = sandbox.stats().rateLimited ?? 0;
    notifier.start();
    while (clock.now() < end + DRAIN_MS) await new Promise((r) => setTimeout(r, 20));
    await notifier.stop();

    const window = arrivals.slice(measured.from);
    let busiest = 0;
    for (let i = 0, j = 0; i < window.length; i++) {
      while (window[j] <= window[i] - WINDOW_MS) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    const latency = {} as Record<Kind, Latency>;
    for (const kind of KINDS) {
      const items = [...created].filter(([, c]) => c.kind === kind);
      const waits = items.flatMap(([name, c]) => (dmed.has(name) ? [dmed.get(name)! - c.at] : [])).sort((a, b) => a - b);
      // Not DM'd by the end: at least the time it waited, so the percentiles stay honest.
      const censored = items.filter(([name]) => !dmed.has(name)).map(([, c]) => end + DRAIN_MS - c.at);
      const all = [...waits, ...censored].sort((a, b) => a - b);
      latency[kind] = { created: items.length, dmed: waits.length, p50Ms: percentile(all, 50), p95Ms: percentile(all, 95), maxMs: all.at(-1) };
    }
    return {
      design,
      pendingAtStart,
      warmUp,
      latency,
      busiestPer10s: busiest,
      rateLimited: (sandbox.stats().rateLimited ?? 0) - limited,
      iscRequests: window.length,
      pollerShare: Math.floor(config.isc.rateLimitPer10s * config.notify.pollRateShare),
      realMs: Math.round(performance.now() - measured.real),
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    };
  } finally {
    await store.close();
    await sandbox.close();
    await slack.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Pending items of each kind in the tenant: the approvals counted whole, the work items as one identity's demo items times the subscribers. */
async function countPending(sandbox: SandboxTenant, firstOwner: string): Promise<Record<Kind, number>> {
  const isc = createIscClient({ baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, logger: silentLogger });
  const approvals = await isc.accessRequestApprovals.listPendingApprovals({ limit: 1, count: true });
  const generic = await isc.genericApprovals.countApprovals({ mine: false, filters: 'status eq "PENDING"' });
  const perOwner = (await isc.workItems.getCountWorkItems({ ownerId: firstOwner })).count ?? 0;
  return { workItem: perOwner * SUBSCRIBERS, accessRequest: approvals.total ?? 0, generic };
}

export interface ScaleResults {
  minutes: number;
  runs: ScaleRun[];
}

export async function scale(progress: (line: string) => void = () => {}): Promise<ScaleResults> {
  const minutes = Number(process.env.BENCH_SCALE_MINUTES ?? 10);
  const designs = (process.env.BENCH_SCALE_DESIGNS ?? 'sweep,per-subscriber').split(',') as Array<ScaleRun['design']>;
  const runs: ScaleRun[] = [];
  for (const design of designs) runs.push(await run(design, minutes, progress));
  return { minutes, runs };
}

export function scaleRows(r: ScaleResults): string[] {
  const s = (ms?: number) => (ms === undefined ? '–' : `${Math.round(ms / 1000)} s`);
  const rows: string[] = [];
  for (const x of r.runs) {
    const name = `${x.design}, ${SUBSCRIBERS.toLocaleString('en-US')} subscribers`;
    for (const kind of KINDS) {
      const l = x.latency[kind];
      const target = kind === 'workItem' ? 'p95 ≤ 300 s' : 'p95 ≤ 60 s';
      rows.push(`| ${name}: ${kind} creation → DM | p50 ${s(l.p50Ms)}, p95 ${s(l.p95Ms)}, max ${s(l.maxMs)} (${l.dmed} of ${l.created} DM'd) | ${target} |`);
    }
    rows.push(`| ${name}: ISC requests | ${x.iscRequests} in ${r.minutes + DRAIN_MS / 60_000} min, busiest 10 s ${x.busiestPer10s}, ${x.rateLimited} answered 429 | ≤ ${x.pollerShare} in any 10 s |`);
    rows.push(`| ${name}: RSS (bot, tenant and stand-in in one process) | ${x.rssMiB} MiB (JS heap in use ${x.heapUsedMiB} MiB) | ≤ 200 MiB |`);
  }
  return rows;
}
