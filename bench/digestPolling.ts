// Part 5 of `npm run bench`: the ISC cost and duration of a digest over 10,000 pending tasks and 500
// approvers, and of a notification polling round over 1,000 subscribers, against the rate limit.
//
// It runs in this process (it measures ISC requests and time, not HTTP acks): the sandbox tenant and the
// Slack stand-in on loopback, the real ISC client, DigestService/collect, and Notifier/Poller. The
// sandbox and the bot code share this process, so CPU-bound times include the tenant's own work.
//
// - Digest: once at the default limit (90 per 10 s) in real time, once with the limit raised to show
//   the CPU-bound time. BENCH_DIGEST_APPROVERS_AT_DEFAULT=100 measures fewer approvers at the default
//   limit and extrapolates to 500 (the output says so), for a quicker bench.
// - Polling: a round at the default limit takes minutes by design, so it runs on a skip-ahead clock
//   (real time, except that every sleep of the poller and of its Slack limiters returns at once and
//   moves the clock to when it would have ended). The ISC calls are real; the round's duration is the
//   poller's own clock.
import fs from 'node:fs';
import { RequestService } from '../src/requests/requestService';
import os from 'node:os';
import path from 'node:path';
import { WebClient } from '@slack/web-api';
import type { AnyBlock } from '@slack/types';
import { validateMessage } from '../src/blocks/limits';
import { loadConfig, type Config } from '../src/config';
import { DigestService } from '../src/digest/digestService';
import { createIscClient } from '../src/isc/client';
import { RawHttp } from '../src/isc/http';
import type { TaskStatus, WorkItem } from '../src/isc/types';
import { createLogger, silentLogger, type Logger } from '../src/log';
import { Notifier } from '../src/notify/notifier';
import type { PollPlan } from '../src/notify/poller';
import { createNotificationClient } from '../src/slack/notificationClient';
import { sandboxId } from '../src/sandbox/seed';
import { startSandboxTenant, type SandboxTenant } from '../src/sandbox/tenant';
import type { BotContext } from '../src/slack/context';
import { FileStateStore } from '../src/store/fileStore';
import { MemoryStateStore } from '../src/store/memoryStore';
import { IdentityDirectory } from '../src/workitems/identityDirectory';
import { createInboxServices } from '../src/inbox/services';
import { SlackStandIn } from '../test/support/slackStandIn';
import { skipAheadClock } from './lib';

const PENDING_TASKS = 10_000;
/** ERROR and TERMINATED, one every 15 minutes back from now: more than the digest's one page of 50 in the last day. */
const FAILED_TASKS = 120;
const APPROVERS = 500;
/** Approvers with more than one page (250) of pending items: the digest lists 15 and reads two pages for each. */
const BUSY_APPROVERS = 20;
const SUBSCRIBERS = 1000;
const DEFAULT_LIMIT = 90;
const RAISED_LIMIT = 10_000;
const WINDOW_MS = 10_000;
const DIGEST_CHANNEL = 'C0BENCHDIGEST';
/** Round 2: new items for this many subscribers, and this many announced items decided in ISC meanwhile. */
const NEW_ITEMS = 100;
const DECIDED_IN_ISC = 50;

const pad = (n: number, width = 4) => String(n).padStart(width, '0');
const approverEmail = (i: number) => `approver.${pad(i)}@bench.example`;
const subscriberId = (i: number) => `U0SUB${pad(i)}`;
const subscriberEmail = (i: number) => `subscriber.${pad(i)}@bench.example`;
/** One pending approval per subscriber with a known id, so round 2 can decide some of them in ISC. */
const subscriberItemId = (i: number) => sandboxId('workItem', 0x100000 + i);
const ZONES = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'UTC', 'America/Los_Angeles'];

// ---------------------------------------------------------------------------------------------------
// Fixture: one sandbox tenant and Slack stand-in for every run of this part

interface Fixture {
  sandbox: SandboxTenant;
  slack: SlackStandIn;
  /** When each ISC request arrived at the tenant, on `clock` (token grants excluded). */
  arrivals: number[];
  /** When the bot sent each ISC request (past its rate limiter), on `clock`. */
  sends: Array<{ at: number; path: string }>;
  clock: () => number;
  approverWorkItems: number;
  close(): Promise<void>;
}

function approval(id: string, owner: { id?: string; name?: string }, n: number, createdMs: number): WorkItem {
  return {
    id,
    name: `Access Request: bench role ${n}`,
    type: 'Approval',
    state: 'Pending',
    ownerId: owner.id,
    ownerName: owner.name,
    requesterDisplayName: 'Bench Requester',
    created: new Date(createdMs).toISOString(),
    description: 'Benchmark approval',
    approvalItems: [{ id: sandboxId('approvalItem', 0x100000 + n), application: 'GitHub', name: 'team', operation: 'Add', value: `bench-${n}`, state: 'Pending' }],
    errors: [],
  };
}

async function startFixture(): Promise<Fixture> {
  const slack = await new SlackStandIn().start();
  const fx = { slack, arrivals: [] as number[], sends: [] as Fixture['sends'], clock: () => Date.now(), approverWorkItems: 0 } as Fixture;
  // The bot's side of the count: every request RawHttp sends (it is past the client's limiter then).
  const send = RawHttp.prototype.send;
  RawHttp.prototype.send = function (this: RawHttp, req) {
    if (!req.path.startsWith('/oauth/')) fx.sends.push({ at: fx.clock(), path: req.path });
    return send.call(this, req);
  };
  fx.close = async () => {
    RawHttp.prototype.send = send;
    await fx.sandbox?.close();
    await slack.close();
  };
  try {
    fx.sandbox = await startSandboxTenant({
      logger: silentLogger,
      faults: (req) => {
        if (!req.path.startsWith('/oauth/')) fx.arrivals.push(fx.clock());
        return undefined;
      },
    });
    seed(fx);
  } catch (e) {
    await fx.close();
    throw e;
  }
  return fx;
}

/** 10,000 pending and some failed tasks, 500 approvers, 1,000 subscribers (Slack users and identities). */
function seed(fx: Fixture): void {
  const now = Date.now();
  const MIN = 60_000;

  // Tasks: 10,000 pending, launched one a minute back over a week (most look stuck); failures in the last days.
  for (let i = 0; i < PENDING_TASKS; i++) {
    fx.sandbox.addTask({ created: new Date(now - (i + 1) * MIN).toISOString(), progress: `Aggregated ${i * 10} accounts`, percentComplete: i % 100 });
  }
  for (let i = 0; i < FAILED_TASKS; i++) {
    const error = i % 2 === 0;
    const completed = now - (i + 1) * 15 * MIN;
    const task: Partial<TaskStatus> = {
      uniqueName: error ? 'Cloud Group Aggregation' : 'Identity Refresh',
      created: new Date(completed - 30 * MIN).toISOString(),
      completed: new Date(completed).toISOString(),
      completionStatus: error ? 'ERROR' : 'TERMINATED',
      progress: error ? 'Failed' : 'Terminated',
      messages: error ? [{ type: 'ERROR', key: 'bench.error', localizedText: { locale: 'en-US', message: `Connector timed out after ${i} retries` }, parameters: null }] : [],
    };
    fx.sandbox.addTask(task);
  }

  // Approvers: the sandbox gives each identity it creates three demo items; some get more, and the
  // busiest have more than a page (ages spread over ten days, so some are stale).
  let n = 0;
  for (let i = 0; i < APPROVERS; i++) {
    const owner = fx.sandbox.identityForEmail(approverEmail(i));
    const extra = i < BUSY_APPROVERS ? 260 + 2 * i : i % 5;
    for (let k = 0; k < extra; k++, n++) fx.sandbox.addWorkItem(approval(sandboxId('workItem', 0x200000 + n), owner, n, now - ((k * 37 + i) % 14_400) * MIN));
  }
  fx.approverWorkItems = APPROVERS * 3 + n;

  // Subscribers: Slack users whose emails are sandbox identities (three demo items and one more each).
  for (let i = 0; i < SUBSCRIBERS; i++) {
    fx.slack.addUser({ id: subscriberId(i), email: subscriberEmail(i), tz: ZONES[i % ZONES.length], name: `Subscriber ${i}` });
    const owner = fx.sandbox.identityForEmail(subscriberEmail(i));
    fx.sandbox.addWorkItem(approval(subscriberItemId(i), owner, 0x80000 + i, now - (i % 48) * 60 * MIN));
  }
}

// ---------------------------------------------------------------------------------------------------
// Measures

function requestCounts(sandbox: SandboxTenant): Record<string, number> {
  return Object.fromEntries(Object.entries(sandbox.stats().requests).filter(([k]) => !k.includes('/oauth/')));
}

/** Requests per endpoint since `before`, and their total. */
function requestsSince(sandbox: SandboxTenant, before: Record<string, number>): { total: number; byEndpoint: Record<string, number> } {
  const byEndpoint: Record<string, number> = {};
  for (const [k, v] of Object.entries(requestCounts(sandbox))) if (v - (before[k] ?? 0) > 0) byEndpoint[k] = v - (before[k] ?? 0);
  return { total: Object.values(byEndpoint).reduce((a, b) => a + b, 0), byEndpoint };
}

/** The most requests in any window of WINDOW_MS (half open, as the rate limiter counts). */
export function peakInWindow(times: readonly number[], windowMs = WINDOW_MS): number {
  const t = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j] < t[i] + windowMs) j++;
    peak = Math.max(peak, j - i);
  }
  return peak;
}

/** Most requests in any 10 s, as the bot sent them (past its limiter) and as they reached the tenant. */
export interface Peak {
  limit: number;
  sent: number;
  arrived: number;
  /** The shortest time in which limit + 1 requests were sent (arrived), in ms; null when there were never that many. */
  sentSpanMs: number | null;
  arrivedSpanMs: number | null;
}

/** The shortest time from one request to the `count`-th after it (sorted times); null when there are too few. */
export function shortestSpan(times: readonly number[], count: number): number | null {
  const t = [...times].sort((a, b) => a - b);
  let span: number | null = null;
  for (let i = 0; i + count < t.length; i++) span = Math.min(span ?? Infinity, t[i + count] - t[i]);
  return span === null ? null : Math.round(span);
}

function peaks(fx: Fixture, limit: number): Peak {
  const sent = fx.sends.map((s) => s.at);
  return {
    limit,
    sent: peakInWindow(sent),
    arrived: peakInWindow(fx.arrivals),
    sentSpanMs: shortestSpan(sent, limit),
    arrivedSpanMs: shortestSpan(fx.arrivals, limit),
  };
}

/** Where the most requests were sent in one window, by endpoint (ids folded). */
function busiestWindow(sends: Fixture['sends'], origin: number, windowMs = WINDOW_MS): { fromMs: number; byEndpoint: Record<string, number> } {
  const sorted = [...sends].sort((a, b) => a.at - b.at);
  let best = { i: 0, j: 0 };
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j].at < sorted[i].at + windowMs) j++;
    if (j - i > best.j - best.i) best = { i, j };
  }
  const byEndpoint: Record<string, number> = {};
  for (const { path: p } of sorted.slice(best.i, best.j)) {
    const key = p.replace(/[0-9a-f]{32}/g, '{id}');
    byEndpoint[key] = (byEndpoint[key] ?? 0) + 1;
  }
  return { fromMs: sorted.length ? Math.round(sorted[best.i].at - origin) : 0, byEndpoint };
}

function slackCallsSince(slack: SlackStandIn, from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of slack.calls.slice(from)) counts[c.method] = (counts[c.method] ?? 0) + 1;
  return counts;
}

/** A logger that keeps warnings and errors, so a run that quietly failed a section shows. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('warn', (line) => lines.push(line)), lines };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

function baseEnv(fx: Fixture, dataDir: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: fx.slack.apiUrl,
    SAIL_BASE_URL: fx.sandbox.url,
    SAIL_CLIENT_ID: fx.sandbox.clientId,
    SAIL_CLIENT_SECRET: fx.sandbox.clientSecret,
    DATA_DIR: dataDir,
  };
}

function iscClient(fx: Fixture, config: Config, logger: Logger, requestsPer10s = config.isc.rateLimitPer10s) {
  return createIscClient({
    baseUrl: fx.sandbox.url,
    clientId: fx.sandbox.clientId,
    clientSecret: fx.sandbox.clientSecret,
    timeoutMs: config.isc.timeoutMs,
    rateLimit: { requests: requestsPer10s, perMs: WINDOW_MS },
    versions: config.isc.versions,
    logger,
  });
}

// ---------------------------------------------------------------------------------------------------
// Digest

export interface DigestRun {
  approvers: number;
  limitPer10s: number;
  /** 4·O + 33 (src/digest/collect.ts). */
  bound: number;
  iscRequests: number;
  byEndpoint: Record<string, number>;
  wallMs: number;
  /** Most ISC requests in any 10 s: as the bot sent them (what its limiter holds), and as they reached the tenant. */
  peakPer10s: Peak;
  message: { blocks: number; blockChars: number; textChars: number; violations: string[] };
  warnings: string[];
}

async function digestRun(fx: Fixture, approvers: number, limitPer10s: number): Promise<DigestRun> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-digest-'));
  const owners = Array.from({ length: approvers }, (_, i) => approverEmail(i));
  const config = loadConfig({ ...baseEnv(fx, dataDir), DIGEST_CHANNEL, DIGEST_OWNERS: owners.join(','), SAIL_RATE_LIMIT_PER_10S: String(limitPer10s) });
  const { logger, lines } = capturingLogger();
  const isc = iscClient(fx, config, logger);
  await isc.tokens.getToken(); // a running bot has its token already
  const slackApi = new WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl, retryConfig: { retries: 0 } });
  const directory = new IdentityDirectory({ slack: slackApi, identities: isc.identities, overrides: config.identityMap, ttlMs: config.identityCacheTtlMs, logger });
  const service = new DigestService({ config, isc, directory, store: new MemoryStateStore(), logger, now: () => new Date() }, slackApi);

  const before = requestCounts(fx.sandbox);
  const posts = fx.slack.callsTo('chat.postMessage').length;
  // Date.now(), as the client's rate limiter counts.
  fx.clock = () => Date.now();
  fx.arrivals = [];
  fx.sends = [];
  const started = performance.now();
  await service.postNow();
  const wallMs = performance.now() - started;
  const { total, byEndpoint } = requestsSince(fx.sandbox, before);

  const posted = fx.slack.callsTo('chat.postMessage');
  if (posted.length !== posts + 1 || posted.at(-1)!.args.channel !== DIGEST_CHANNEL) throw new Error('the digest was not posted to its channel');
  const { text, blocks } = posted.at(-1)!.args as { text: string; blocks: AnyBlock[] };
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    approvers,
    limitPer10s,
    bound: 4 * approvers + 33,
    iscRequests: total,
    byEndpoint,
    wallMs: Math.round(wallMs),
    peakPer10s: peaks(fx, limitPer10s),
    message: { blocks: blocks.length, blockChars: JSON.stringify(blocks).length, textChars: text.length, violations: validateMessage({ text, blocks }) },
    warnings: lines,
  };
}

export interface DigestResults {
  pendingTasks: number;
  failedTasks: number;
  approverWorkItems: number;
  /** At the default limit, real time: all 500 approvers, or fewer (then `extrapolated` holds the 500 estimate). */
  atDefaultLimit: DigestRun;
  extrapolated?: { approvers: number; iscRequests: number; wallMs: number; method: string };
  /** 500 approvers with the limit raised: the CPU-bound time. */
  atRaisedLimit: DigestRun;
}

async function digest(fx: Fixture, progress: (line: string) => void): Promise<DigestResults> {
  const asked = Math.floor(Number(process.env.BENCH_DIGEST_APPROVERS_AT_DEFAULT ?? APPROVERS));
  const atDefault = asked >= 1 ? Math.min(APPROVERS, asked) : APPROVERS;
  progress(`digest, ${APPROVERS} approvers, limit raised to ${RAISED_LIMIT} per 10 s`);
  const atRaisedLimit = await digestRun(fx, APPROVERS, RAISED_LIMIT);
  progress(`digest, ${atDefault} approvers, default limit ${DEFAULT_LIMIT} per 10 s (real time, ~${Math.ceil(((4 * atDefault + 33 - DEFAULT_LIMIT) / DEFAULT_LIMIT) * 10)} s)`);
  const atDefaultLimit = await digestRun(fx, atDefault, DEFAULT_LIMIT);
  const results: DigestResults = { pendingTasks: PENDING_TASKS, failedTasks: FAILED_TASKS, approverWorkItems: fx.approverWorkItems, atDefaultLimit, atRaisedLimit };
  if (atDefault < APPROVERS) {
    // Past the first window the limiter lets DEFAULT_LIMIT requests through per 10 s, so each request
    // more costs 10 s / 90; the 500-approver request count is the one measured at the raised limit.
    const more = atRaisedLimit.iscRequests - atDefaultLimit.iscRequests;
    results.extrapolated = {
      approvers: APPROVERS,
      iscRequests: atRaisedLimit.iscRequests,
      wallMs: Math.round(atDefaultLimit.wallMs + (more * WINDOW_MS) / DEFAULT_LIMIT),
      method: `measured ${atDefault} approvers at ${DEFAULT_LIMIT}/10 s, plus (${atRaisedLimit.iscRequests} − ${atDefaultLimit.iscRequests}) requests × 10 s / ${DEFAULT_LIMIT}`,
    };
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------
// Polling

export interface PollRound {
  iscRequests: number;
  byEndpoint: Record<string, number>;
  /** On the poller's clock: what the round takes in a running bot. */
  simulatedMs: number;
  /** Real time the round took here with every wait skipped: the CPU (and disk) cost. */
  realMs: number;
  /** Most ISC requests in any 10 s of the poller's clock, sent and arrived. */
  peakPer10s: Peak;
  /** The 10 s (poller's clock, from the round's start) with the most requests sent, and what they were. */
  busiestWindow: { fromMs: number; byEndpoint: Record<string, number> };
  slackCalls: Record<string, number>;
  /**
   * Derived, not measured: the least time each limit alone needs for this round's calls — the spacing
   * of subscribers, the poller's share of ISC, Slack's conversations.open (Tier 3, SlackSender keeps 50
   * a minute). The largest paces the round.
   */
  floorsMs: { spacing: number; pollerShare: number; slackOpens: number };
}

export interface PollingResults {
  subscribers: number;
  limitPer10s: number;
  pollRateShare: number;
  configuredIntervalMs: number;
  plan: PollPlan;
  /** Every subscriber new: identity look-ups, and a first-poll summary DM each. */
  firstRound: PollRound;
  /** The next round: NEW_ITEMS new items to announce, DECIDED_IN_ISC announced items decided in ISC meanwhile. */
  nextRound: PollRound & { newItems: number; decidedInIsc: number };
  warnings: string[];
}

/** SlackSender's limit for conversations.open (src/notify/slackSender.ts, TIER_3 per minute). */
const OPENS_PER_MINUTE = 50;

function floors(plan: PollPlan, subscribers: number, iscRequests: number, opens: number): PollRound['floorsMs'] {
  return {
    spacing: (subscribers - 1) * plan.spacingMs,
    pollerShare: Math.round((Math.max(0, iscRequests - plan.callsPer10s) / plan.callsPer10s) * WINDOW_MS),
    slackOpens: Math.round((Math.max(0, opens - OPENS_PER_MINUTE) / OPENS_PER_MINUTE) * 60_000),
  };
}

async function polling(fx: Fixture, progress: (line: string) => void): Promise<PollingResults> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-poll-'));
  const users = Array.from({ length: SUBSCRIBERS }, (_, i) => subscriberId(i));
  // The default limit, interval and share: the poller plans with these.
  const config = loadConfig({ ...baseEnv(fx, dataDir), NOTIFY_USERS: users.join(',') });
  const clock = skipAheadClock();
  const { logger, lines } = capturingLogger();
  // The client's own limiter keeps real time and cannot follow the skip-ahead clock, so it is raised
  // here; the poller's limiter (POLL_RATE_SHARE of the configured limit, on the poller's clock) paces
  // the round, and the peak it measures shows the client's 90 would not have bound.
  const isc = iscClient(fx, config, logger, RAISED_LIMIT);
  await isc.tokens.getToken();
  const store = await FileStateStore.open(dataDir, { now: clock.now });
  const now = () => new Date(clock.now());
  const slackApi = new WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl, retryConfig: { retries: 0 } });
  const directory = new IdentityDirectory({ slack: slackApi, identities: isc.identities, overrides: config.identityMap, ttlMs: config.identityCacheTtlMs, logger, now: clock.now });
  let notifier: Notifier | undefined;
  const services = createInboxServices({ isc, directory, store, admins: new Set(), logger, now }, (entry, decisions) => notifier?.itemChanged(entry, decisions));
  const ctx: BotContext = { config, isc, ...services, requests: new RequestService({ isc, directory, store, logger }), directory, store, logger, now, iscHealth: async () => ({ ok: true, detail: '' }) };
  notifier = new Notifier(ctx, { slack: createNotificationClient(config.slack, logger), sleep: clock.sleep });
  fx.clock = clock.now;

  const round = async (): Promise<{ plan: PollPlan; result: PollRound }> => {
    const before = requestCounts(fx.sandbox);
    const slackFrom = fx.slack.calls.length;
    fx.arrivals = [];
    fx.sends = [];
    const simStart = clock.now();
    const realStart = performance.now();
    const plan = await notifier!.runCycle();
    const realMs = performance.now() - realStart;
    const simulatedMs = clock.now() - simStart;
    const { total, byEndpoint } = requestsSince(fx.sandbox, before);
    return {
      plan,
      result: {
        iscRequests: total,
        byEndpoint,
        simulatedMs: Math.round(simulatedMs),
        realMs: Math.round(realMs),
        peakPer10s: peaks(fx, plan.callsPer10s),
        busiestWindow: busiestWindow(fx.sends, simStart),
        slackCalls: slackCallsSince(fx.slack, slackFrom),
        floorsMs: floors(plan, SUBSCRIBERS, total, slackCallsSince(fx.slack, slackFrom)['conversations.open'] ?? 0),
      },
    };
  };

  try {
    progress(`polling, first round over ${SUBSCRIBERS} subscribers (skip-ahead clock)`);
    const started = clock.now();
    const first = await round();
    // As the poll loop does: the next round starts one interval after this one started, or at once if it ran longer.
    await clock.sleep(Math.max(0, started + first.plan.intervalMs - clock.now()));

    const at = Date.now();
    for (let i = 0; i < NEW_ITEMS; i++) {
      const owner = fx.sandbox.identityForEmail(subscriberEmail(i));
      fx.sandbox.addWorkItem(approval(sandboxId('workItem', 0x300000 + i), owner, 0x90000 + i, at));
    }
    for (let i = 0; i < DECIDED_IN_ISC; i++) {
      const item = fx.sandbox.getWorkItemState(subscriberItemId(SUBSCRIBERS - 1 - i))!;
      fx.sandbox.addWorkItem({ ...item, state: 'Finished', completed: new Date(at).toISOString(), approvalItems: item.approvalItems?.map((a) => ({ ...a, state: 'Finished' })) });
    }
    progress(`polling, next round (${NEW_ITEMS} new items, ${DECIDED_IN_ISC} decided in ISC)`);
    const next = await round();
    return {
      subscribers: SUBSCRIBERS,
      limitPer10s: config.isc.rateLimitPer10s,
      pollRateShare: config.notify.pollRateShare,
      configuredIntervalMs: config.notify.pollIntervalMs,
      plan: next.plan,
      firstRound: first.result,
      nextRound: { ...next.result, newItems: NEW_ITEMS, decidedInIsc: DECIDED_IN_ISC },
      warnings: lines,
    };
  } finally {
    await notifier.stop();
    await store.flush();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

export interface DigestAndPollingResults {
  inProcess: true;
  digest: DigestResults;
  polling: PollingResults;
}

export async function digestAndPolling(progress: (line: string) => void = () => {}): Promise<DigestAndPollingResults> {
  const fx = await startFixture();
  try {
    const digestResults = await digest(fx, progress);
    const pollingResults = await polling(fx, progress);
    return { inProcess: true, digest: digestResults, polling: pollingResults };
  } finally {
    await fx.close();
  }
}

/** The rows of part 5 in the bench table. */
export function digestAndPollingRows(r: DigestAndPollingResults): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  // e.g. "most in any 10 s: 91 sent, 93 arrived; 91 took at least 9,999 ms to send, 9,991 ms to arrive"
  const peak = (p: Peak) => {
    const counts = p.arrived === p.sent ? `${n(p.sent)} sent` : `${n(p.sent)} sent, ${n(p.arrived)} arrived`;
    const spans =
      p.sentSpanMs === null
        ? ''
        : `; ${n(p.limit + 1)} took at least ${n(p.sentSpanMs)} ms to send${p.arrivedSpanMs !== null && p.arrivedSpanMs !== p.sentSpanMs ? `, ${n(p.arrivedSpanMs)} ms to arrive` : ''}`;
    return `most in any 10 s: ${counts}${spans}`;
  };
  const warn = (w: string[]) => (w.length ? `, ${w.length} warnings logged` : '');
  const d = r.digest;
  const def = d.atDefaultLimit;
  const raised = d.atRaisedLimit;
  const scope = `${n(d.pendingTasks)} pending + ${n(d.failedTasks)} failed tasks`;
  const rows: string[] = [];
  rows.push(
    `| digest, ${def.approvers} approvers, ${scope}, limit ${def.limitPer10s}/10 s${d.extrapolated ? ' (measured)' : ''} | ${n(def.iscRequests)} ISC requests (bound 4·O+33 = ${n(def.bound)}), ${seconds(def.wallMs)} s, ${peak(def.peakPer10s)}${warn(def.warnings)} | ≤ ${n(def.bound)} requests, ≤ ${def.limitPer10s} in any 10 s |`,
  );
  if (d.extrapolated) {
    rows.push(`| digest, ${d.extrapolated.approvers} approvers, limit ${def.limitPer10s}/10 s (EXTRAPOLATED, not measured) | ~${seconds(d.extrapolated.wallMs)} s: ${d.extrapolated.method} | – |`);
  }
  rows.push(
    `| digest, ${raised.approvers} approvers, limit raised to ${n(raised.limitPer10s)}/10 s (CPU-bound, tenant in-process) | ${n(raised.iscRequests)} ISC requests, ${seconds(raised.wallMs)} s${warn(raised.warnings)} | – |`,
    `| digest message (${raised.approvers} approvers) | ${raised.message.blocks} blocks, ${n(raised.message.blockChars)} JSON chars, ${raised.message.violations.length} Block Kit violations | ≤ 50 blocks, ≤ 12,000 chars |`,
  );
  const p = r.polling;
  const share = Math.floor(p.limitPer10s * p.pollRateShare);
  rows.push(
    `| polling plan, ${n(p.subscribers)} subscribers, limit ${p.limitPer10s}/10 s, POLL_RATE_SHARE ${p.pollRateShare} | interval ${p.configuredIntervalMs / 1000} s → ${p.plan.intervalMs / 1000} s${p.plan.stretched ? ' (stretched)' : ''}, one subscriber every ${p.plan.spacingMs} ms | – |`,
  );
  const pacedBy = (x: PollRound) => {
    const f = x.floorsMs;
    const [what, ms] = (
      [
        ['the spacing of subscribers', f.spacing],
        [`the poller's share, ${share} per 10 s`, f.pollerShare],
        [`Slack's conversations.open, ${OPENS_PER_MINUTE} a minute`, f.slackOpens],
      ] as const
    ).reduce((a, b) => (b[1] > a[1] ? b : a));
    return `paced by ${what} (≥ ${n(seconds(ms))} s)`;
  };
  const round = (name: string, x: PollRound) =>
    `| ${name} | ${n(x.iscRequests)} ISC requests, ${n(seconds(x.simulatedMs))} s on the poller's clock, ${pacedBy(x)}; ${seconds(x.realMs)} s of real work with waits skipped; ${peak(x.peakPer10s)} | ≤ ${share} in any 10 s |`;
  rows.push(
    round(`polling, first round (${n(p.subscribers)} new subscribers: look-ups, summary DMs)`, p.firstRound),
    round(`polling, next round (${p.nextRound.newItems} new items, ${p.nextRound.decidedInIsc} decided in ISC)`, p.nextRound),
  );
  return rows;
}

/** What the part-5 rows measure and how, printed under the table. */
export function digestAndPollingNotes(r: DigestAndPollingResults): string[] {
  const p = r.polling;
  const share = Math.floor(p.limitPer10s * p.pollRateShare);
  const d = r.digest.atDefaultLimit;
  const n = (x: number) => x.toLocaleString('en-US');
  const notes = [
    'Part 5 runs in one process (sandbox tenant, Slack stand-in, real ISC client, DigestService, Notifier and Poller); ISC requests are counted at the tenant, token grants excluded.',
    `Digest at ${d.limitPer10s}/10 s: ${r.digest.extrapolated ? `${d.approvers} approvers measured in real time, ${r.digest.extrapolated.approvers} EXTRAPOLATED` : 'measured in real time'}. "Sent": as the client sends each request, past its limiter; "arrived": at the tenant, after loopback transit (ISC itself allows 100 per 10 s).`,
  ];
  const span = d.peakPer10s.sentSpanMs;
  if (span !== null && span >= 9990) {
    notes.push(`The digest's ${n(d.limitPer10s + 1)} requests within ${n(span)} ms are ${n(10_000 - span)} ms short of 10 s, not a burst: the limiter stamps a grant (in whole ms of Date.now()) a moment before the request is sent and stamped here.`);
  } else if (span !== null) {
    notes.push(`The digest's limiter let ${n(d.limitPer10s + 1)} requests through in ${n(span)} ms.`);
  }
  notes.push(
    `Polling rounds run on a skip-ahead clock: waits of the poller and of its Slack limiters return at once and move the clock on, so a round's duration is the poller's clock, while its ISC requests and Slack calls are real. The client's own limiter keeps real time and cannot follow that clock, so it is raised for these rounds; the poller's limiter (${share} per 10 s, POLL_RATE_SHARE of the configured ${p.limitPer10s}) paces them.`,
  );
  for (const [name, x] of [['first', p.firstRound], ['next', p.nextRound]] as const) {
    if (x.peakPer10s.sent <= share) continue;
    const shortBy = x.peakPer10s.sentSpanMs === null ? '' : ` (${n(share + 1)} within ${n(x.peakPer10s.sentSpanMs)} ms)`;
    notes.push(
      `The ${name} round sent ${x.peakPer10s.sent} in one 10 s${shortBy}, over the poller's share: an identity look-up takes its poller slot before its Slack users.info call, so its ISC request leaves that much after the slot (busiest window: ${Object.entries(x.busiestWindow.byEndpoint).map(([k, v]) => `${v} ${k}`).join(', ')}).`,
    );
  }
  return notes;
}
