// Part 6 of `npm run bench` (`--only scale`): notifications at enterprise size. 5,000 subscribed
// approvers and at least 10,000 pending items across the three kinds, then new items at 50 a minute,
// against the sandbox tenant ENFORCING ISC's rate limit (429 with Retry-After past 100 per 10 s). Each
// design in turn, in the same run: the sweep (NOTIFY_SWEEP=on) and today's per-subscriber lists (off).
//
// The bot runs in a process of its own (bench/scaleBot.ts, `npm start`'s Node options), so that its
// RSS is its own; the tenant and the Slack stand-in stay in this process. Both keep the bot's
// skip-ahead clock (as part 5's polling): every wait of the poller and its Slack limiters returns at
// once and moves the clock on, and the bot sends each move here before it goes on, so minutes of
// polling take seconds; ISC requests and Slack calls are real. The run starts from a warm bot (one
// full round: identities resolved, first-poll summaries sent), then new items arrive for
// BENCH_SCALE_MINUTES (10) on that clock, and DMs are awaited a further 5 minutes.
//
// Work items are modelled as a tenant has them: Task Manager work (manual provisioning tasks, forms)
// goes to the few who own sources and applications, here 250 of the 5,000; the sandbox's demo work
// items of everyone else are closed before the run. The pending work items at the start belong to those
// 250; of the new ones, nine in ten go to one of them and one in ten to someone who has never had a
// work item (their first ever), reported apart: a per-owner design can only find those when it reads
// an owner it has no reason to read often, so their wait is bounded by WORK_ITEM_POLL_CEILING_SECONDS.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createIscClient } from '../src/isc/client';
import { silentLogger } from '../src/log';
import { startSandboxTenant, type SandboxTenant } from '../src/sandbox/tenant';
import { FIRST_DYNAMIC_ID, sandboxId } from '../src/sandbox/seed';
import { SlackStandIn } from '../test/support/slackStandIn';
import { rssMiB, startScriptNodeOptions } from './lib';
import type { ScaleBotInput, ScaleBotMessage } from './scaleBot';

/** BENCH_SCALE_SUBSCRIBERS only to try the bench out quickly: the figures are of 5,000. */
const SUBSCRIBERS = Number(process.env.BENCH_SCALE_SUBSCRIBERS ?? 5000);
const PENDING = 10_000;
const NEW_PER_MINUTE = 50;
/** Work items go to the few who handle Task Manager work (source and application owners)… */
const WORK_ITEM_OWNERS = 250;
/** …but one new work item in ten goes to someone who never had one. */
const FIRST_EVER_EVERY = 10;
const ISC_LIMIT = 100;
const WINDOW_MS = 10_000;
const DRAIN_MS = 5 * 60_000;
const CEILING_S = 3600;
const KINDS = ['workItem', 'accessRequest', 'generic'] as const;
type Kind = (typeof KINDS)[number];
/** What is reported: the work items of owners who had some before apart from owners' first ever. */
const CATEGORIES = ['workItem', 'workItemFirstEver', 'accessRequest', 'generic'] as const;
type Category = (typeof CATEGORIES)[number];

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
  latency: Record<Category, Latency>;
  /** ISC requests at the tenant in the busiest 10 s of the measured window (the poller's clock), and 429s. */
  busiestPer10s: number;
  /** The same counted in the bot, by when it sent each request on its clock. */
  busiestIssuedPer10s: number;
  rateLimited: number;
  iscRequests: number;
  pollerShare: number;
  realMs: number;
  /** The bot process's RSS (VmRSS, sampled every second): after the warm-up, the most over the run, at the end. */
  rss: { warmMiB: number; maxMiB: number; endMiB: number };
  /** The bot's live JS heap at the end. */
  heapUsedMiB: number;
}

function percentile(sorted: number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The bot's process (bench/scaleBot.js) and its messages. */
function startScaleBot(input: ScaleBotInput, onMessage: (m: ScaleBotMessage) => void): { child: ChildProcess; output: string[]; done: Promise<void> } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-in-')), 'input.json');
  fs.writeFileSync(file, JSON.stringify(input));
  const child = spawn(process.execPath, [...startScriptNodeOptions(), path.join(__dirname, 'scaleBot.js')], {
    env: { PATH: process.env.PATH, SCALE_BOT_INPUT: file },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  child.on('message', (m) => onMessage(m as ScaleBotMessage));
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output, done };
}

async function run(design: ScaleRun['design'], minutes: number, progress: (line: string) => void): Promise<ScaleRun> {
  // The bot's clock, as it last said.
  let until = 0;
  const clock = { now: () => Math.max(Date.now(), until) };
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
  let bot: ReturnType<typeof startScaleBot> | undefined;
  try {
    progress(`${design}: ${SUBSCRIBERS} identities and their items in the tenant`);
    const ids: string[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      slack.addUser({ id: userId(i), email: email(i), tz: 'UTC', name: `Scale ${i}` });
      ids.push(sandbox.identityForEmail(email(i)).id!);
    }
    // The sandbox gives each new identity three demo work items; in a tenant, Task Manager work goes
    // to the few who own sources and applications: everyone else's are closed.
    const owners = new Set(ids.slice(0, WORK_ITEM_OWNERS));
    let ownersDemoItems = 0;
    for (let n = FIRST_DYNAMIC_ID; ; n++) {
      const item = sandbox.getWorkItemState(sandboxId('workItem', n));
      if (!item) break;
      if (item.state !== 'Pending') continue;
      if (owners.has(item.ownerId ?? '')) ownersDemoItems++;
      else sandbox.addWorkItem({ ...item, state: 'Finished', completed: new Date(clock.now()).toISOString() });
    }
    let serial = 0;
    const counts: Record<Kind, number> = { workItem: 0, accessRequest: 0, generic: 0 };
    const created = new Map<string, { category: Category; at: number }>();
    const add = (kind: Kind, owner: string, at: number, name: string) => {
      const iso = new Date(at).toISOString();
      const requester = { type: 'IDENTITY' as const, id: ids[0], name: 'Scale 0' };
      if (kind === 'workItem') sandbox.addWorkItem({ id: `wi-scale-${++serial}`, ownerId: owner, name, type: 'Generic', state: 'Pending', created: iso, description: name });
      else if (kind === 'accessRequest')
        sandbox.addAccessRequestApproval({ owner: { type: 'IDENTITY', id: owner }, requester, requestedFor: requester, requestedObject: { id: 'o1', name, type: 'ACCESS_PROFILE' }, created: iso });
      else sandbox.addGenericApproval({ approvers: [{ identityID: owner, type: 'IDENTITY' }], requester: { identityID: ids[0], name: 'Scale 0' }, name: [{ value: name, locale: 'en-US' }], createdDate: iso });
      counts[kind]++;
    };
    const ownerOfOld = (kind: Kind, n: number) => (kind === 'workItem' ? ids[(n * 31) % WORK_ITEM_OWNERS] : ids[(n * 7919) % SUBSCRIBERS]);
    Object.assign(counts, await countApprovals(sandbox), { workItem: ownersDemoItems });
    for (let n = 0; counts.workItem + counts.accessRequest + counts.generic < PENDING; n++) {
      const kind = KINDS[n % 3];
      add(kind, ownerOfOld(kind, n), clock.now() - 86_400_000, `Old ${kind} ${n}`);
    }
    const pendingAtStart = { ...counts };

    let warm: { simulatedMs: number; realMs: number; pollerShare: number } | undefined;
    let stopped: { heapUsedMiB: number; rssMiB: number; busiestIssuedPer10s: number } | undefined;
    let failed: string | undefined;
    const dmed = new Map<string, number>();
    bot = startScaleBot({ design, slackApiUrl: slack.apiUrl, iscUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, userIds: ids.map((_, i) => userId(i)) }, (m) => {
      if ('clock' in m) until = Math.max(until, m.clock);
      else if ('dm' in m) dmed.set(m.dm, m.at);
      else if ('warm' in m) warm = m.warm;
      else if ('stopped' in m) stopped = m.stopped;
      else failed = m.failed;
    });
    const pid = bot.child.pid!;
    const waitFor = async <T>(get: () => T | undefined, what: string): Promise<T> => {
      for (;;) {
        const v = get();
        if (v !== undefined) return v;
        if (failed) throw new Error(`the bot failed ${what}: ${failed}`);
        if (bot!.child.exitCode !== null) throw new Error(`the bot exited ${what}:\n${bot!.output.join('').slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    let maxRss = 0;
    const sampler = setInterval(() => {
      if (bot!.child.exitCode === null) maxRss = Math.max(maxRss, rssMiB(pid));
    }, 1000);

    progress(`${design}: warm-up, one full round over ${SUBSCRIBERS} subscribers (bot pid ${pid})`);
    const warmStart = { requests: arrivals.length };
    const ticker = setInterval(() => progress(`${design}: ${arrivals.length - warmStart.requests} ISC requests, bot RSS ${rssMiB(pid)} MiB`), 30_000);
    bot.child.send({ cmd: 'warm' });
    try {
      warm = await waitFor(() => warm, 'in its warm-up');
    } finally {
      clearInterval(ticker);
    }
    const warmUp = { iscRequests: arrivals.length - warmStart.requests, simulatedMs: warm.simulatedMs, realMs: warm.realMs };
    const warmRss = rssMiB(pid);

    // The stand-in records every Slack call; the warm-up's 5,000 summaries are not the bot's memory.
    slack.reset();
    const start = clock.now();
    const end = start + minutes * 60_000;
    const total = minutes * NEW_PER_MINUTE;
    let firstEver = 0;
    for (let n = 0; n < total; n++) {
      const kind = KINDS[n % 3];
      const at = start + Math.round((n * 60_000) / NEW_PER_MINUTE);
      const name = `Scale item ${n}`;
      // Work item number w of the run: every FIRST_EVER_EVERY-th to someone who never had one.
      const w = Math.floor(n / 3);
      const first = kind === 'workItem' && w % FIRST_EVER_EVERY === FIRST_EVER_EVERY - 1;
      const owner = kind !== 'workItem' ? ids[((n + 1000) * 7919) % SUBSCRIBERS] : first ? ids[WORK_ITEM_OWNERS + firstEver++] : ids[(w * 31) % WORK_ITEM_OWNERS];
      created.set(name, { category: kind === 'workItem' && first ? 'workItemFirstEver' : kind, at });
      due.push({ at, add: () => add(kind, owner, at, name) });
    }
    progress(`${design}: ${total} new items over ${minutes} minutes on the poller's clock, DMs awaited ${DRAIN_MS / 60_000} minutes more`);
    const measured = { real: performance.now(), from: arrivals.length };
    const limited = sandbox.stats().rateLimited ?? 0;
    bot.child.send({ cmd: 'start' });
    const ticker2 = setInterval(() => progress(`${design}: ${Math.round((clock.now() - start) / 60_000)} of ${minutes + DRAIN_MS / 60_000} min on the poller's clock, ${dmed.size} DM'd, bot RSS ${rssMiB(pid)} MiB`), 30_000);
    try {
      while (clock.now() < end + DRAIN_MS) {
        if (failed || bot.child.exitCode !== null) throw new Error(`the bot stopped during the run: ${failed ?? bot.output.join('').slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      clearInterval(ticker2);
    }
    const endRss = rssMiB(pid);
    clearInterval(sampler);
    bot.child.send({ cmd: 'stop' });
    stopped = await waitFor(() => stopped, 'while stopping');

    const window = arrivals.slice(measured.from);
    let busiest = 0;
    for (let i = 0, j = 0; i < window.length; i++) {
      while (window[j] <= window[i] - WINDOW_MS) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    const latency = {} as Record<Category, Latency>;
    for (const category of CATEGORIES) {
      const items = [...created].filter(([, c]) => c.category === category);
      const waits = items.flatMap(([name, c]) => (dmed.has(name) ? [dmed.get(name)! - c.at] : [])).sort((a, b) => a - b);
      // Not DM'd by the end: at least the time it waited, so the percentiles stay honest.
      const censored = items.filter(([name]) => !dmed.has(name)).map(([, c]) => end + DRAIN_MS - c.at);
      const all = [...waits, ...censored].sort((a, b) => a - b);
      latency[category] = { created: items.length, dmed: waits.length, p50Ms: percentile(all, 50), p95Ms: percentile(all, 95), maxMs: all.at(-1) };
    }
    return {
      design,
      pendingAtStart,
      warmUp,
      latency,
      busiestPer10s: busiest,
      busiestIssuedPer10s: stopped.busiestIssuedPer10s,
      rateLimited: (sandbox.stats().rateLimited ?? 0) - limited,
      iscRequests: window.length,
      pollerShare: warm.pollerShare,
      realMs: Math.round(performance.now() - measured.real),
      rss: { warmMiB: warmRss, maxMiB: Math.max(maxRss, endRss), endMiB: endRss },
      heapUsedMiB: stopped.heapUsedMiB,
    };
  } finally {
    if (bot && bot.child.exitCode === null) {
      bot.child.kill('SIGKILL');
      await bot.done;
    }
    await sandbox.close();
    await slack.close();
  }
}

/** Pending approvals of each kind in the tenant, counted whole. */
async function countApprovals(sandbox: SandboxTenant): Promise<{ accessRequest: number; generic: number }> {
  const isc = createIscClient({ baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, logger: silentLogger });
  const approvals = await isc.accessRequestApprovals.listPendingApprovals({ limit: 1, count: true });
  const generic = await isc.genericApprovals.countApprovals({ mine: false, filters: 'status eq "PENDING"' });
  return { accessRequest: approvals.total ?? 0, generic };
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
    const what: Record<Category, [string, string]> = {
      workItem: [`work item to one of the ${WORK_ITEM_OWNERS} owners who have some`, 'p95 ≤ 300 s'],
      workItemFirstEver: [`work item to someone who never had one (1 in ${FIRST_EVER_EVERY})`, `≤ the ceiling, ${CEILING_S} s`],
      accessRequest: ['access request', 'p95 ≤ 60 s'],
      generic: ['generic approval', 'p95 ≤ 60 s'],
    };
    for (const category of CATEGORIES) {
      const l = x.latency[category];
      rows.push(`| ${name}: ${what[category][0]}, creation → DM | p50 ${s(l.p50Ms)}, p95 ${s(l.p95Ms)}, max ${s(l.maxMs)} (${l.dmed} of ${l.created} DM'd; not DM'd counted at the run's end) | ${what[category][1]} |`);
    }
    rows.push(`| ${name}: ISC requests | ${x.iscRequests} in ${r.minutes + DRAIN_MS / 60_000} min, busiest 10 s ${x.busiestPer10s} as they arrived at the tenant, ${x.busiestIssuedPer10s} as the bot sent them, ${x.rateLimited} answered 429 | ≤ ${x.pollerShare} in any 10 s |`);
    rows.push(`| ${name}: RSS of the bot's process | ${x.rss.warmMiB} MiB after the warm-up, max ${x.rss.maxMiB} MiB, ${x.rss.endMiB} MiB at the end (JS heap in use ${x.heapUsedMiB} MiB) | ≤ 200 MiB |`);
  }
  return rows;
}
