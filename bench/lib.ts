import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkItem } from '../src/isc/types';
import { silentLogger } from '../src/log';
import { startSandboxTenant, type Fault, type SandboxTenant } from '../src/sandbox/tenant';
import { commandBody, freePort, interactionBody, postSigned, slackInteraction, SlackStandIn, submittedView, type PostResult } from '../test/support/slackStandIn';

export const SIGNING_SECRET = 'bench-signing-secret-0b1c';
export const USER = { id: 'U0BENCH01', email: 'bench.user@example.com', tz: 'Europe/Paris', name: 'Bench' };
export const TARGET = { id: 'U0TARGET1', email: 'ada@example.com', tz: 'UTC', name: 'Ada' };

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summarise(ms: number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

/** Resident memory of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Runs `count` tasks with at most `concurrency` at once. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

let itemSeq = 0;
/** Adds `n` pending approval work items for the bench user (or the owner of `email`); returns their ids. */
export function addApprovals(rig: Rig, n: number, email: string = USER.email): Array<{ w: string; a: string }> {
  const owner = rig.sandbox.identityForEmail(email);
  return Array.from({ length: n }, () => {
    const n = ++itemSeq;
    const w = `b${n.toString(16).padStart(31, '0')}`;
    const a = `c${n.toString(16).padStart(31, '0')}`;
    const item: WorkItem = {
      id: w,
      name: `Bench access request ${n}`,
      type: 'Approval',
      state: 'Pending',
      ownerId: owner.id,
      ownerName: owner.name,
      requesterDisplayName: 'Bench Requester',
      created: new Date(Date.now() - n * 60_000).toISOString(),
      description: 'Benchmark approval',
      approvalItems: [{ id: a, application: 'GitHub', name: 'team', operation: 'Add', value: `bench-${n}`, state: 'Pending' }],
      errors: [],
    };
    rig.sandbox.addWorkItem(item);
    return { w, a };
  });
}

export interface Rig {
  sandbox: SandboxTenant;
  slack: SlackStandIn;
  /** ISC latency for every API request (not token grants), ms. */
  iscLatencyMs: number;
  /** Extra fault per ISC request, for soak runs. */
  fault?: (req: { method: string; path: string }) => Fault | undefined;
  bot?: BotProcess;
  close(): Promise<void>;
}

export interface BotProcess {
  child: ChildProcess;
  eventsUrl: string;
  baseUrl: string;
  /** ms from spawn to the first /healthz 200 */
  startupMs: number;
  output: string[];
  stop(): Promise<void>;
}

export async function startRig(): Promise<Rig> {
  const slack = await new SlackStandIn().start();
  slack.addUser(USER);
  slack.addUser(TARGET);
  const rig = { slack, iscLatencyMs: 0 } as Rig;
  rig.sandbox = await startSandboxTenant({
    logger: silentLogger,
    faults: (req) => {
      if (req.path.startsWith('/oauth/')) return undefined;
      return rig.fault?.(req) ?? (rig.iscLatencyMs ? { kind: 'none', delayMs: rig.iscLatencyMs } : undefined);
    },
  });
  rig.close = async () => {
    await rig.bot?.stop();
    await rig.sandbox.close();
    await slack.close();
  };
  return rig;
}

/** The Node options `npm start` gives the bot (package.json), so that the bench measures the bot as it is run. */
export function startScriptNodeOptions(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((w) => w.startsWith('--'));
}

/** Starts the real bot (dist-bench/src/index.js) in HTTP mode against the rig's stand-ins. */
export async function startBotProcess(rig: Rig, env: Record<string, string> = {}, dataDir?: string): Promise<BotProcess> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bot-'));
  // BENCH_BOT_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the bot under load.
  const nodeArgs = [...startScriptNodeOptions(), ...(process.env.BENCH_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  // A profiled bot writes its profile on exit, which can take longer than a plain stop is given.
  const stopWaitMs = process.env.BENCH_BOT_NODE_ARGS ? 60_000 : 5_000;
  const bot = await startProcess([...nodeArgs, path.join(__dirname, '..', 'src', 'index.js')], cwd, (port) => ({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    PORT: String(port),
    SLACK_API_URL: rig.slack.apiUrl,
    SLACK_RESPONSE_URL_HOSTS: rig.slack.host,
    SAIL_BASE_URL: rig.sandbox.url,
    SAIL_CLIENT_ID: rig.sandbox.clientId,
    SAIL_CLIENT_SECRET: rig.sandbox.clientSecret,
    DATA_DIR: dataDir ?? path.join(cwd, 'data'),
    LOG_LEVEL: 'warn',
    ...env,
  }), stopWaitMs);
  rig.bot = bot;
  return bot;
}

/** Starts bench/bareBolt.ts, a Bolt app that only acks, in its own process; the caller stops it. */
export function startBareBoltProcess(): Promise<BotProcess> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bare-'));
  return startProcess([path.join(__dirname, 'bareBolt.js')], cwd, (port) => ({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    PORT: String(port),
  }));
}

/** Spawns `node args…` and waits for its first /healthz 200. */
async function startProcess(args: string[], cwd: string, env: (port: number) => Record<string, string>, stopWaitMs = 5_000): Promise<BotProcess> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, ...env(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${path.basename(args.at(-1)!)} exited during start-up:\n${output.join('')}`);
    const ok = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${path.basename(args.at(-1)!)} did not become healthy:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    child,
    baseUrl,
    eventsUrl: `${baseUrl}/slack/events`,
    startupMs: performance.now() - started,
    output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, stopWaitMs))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

let seq = 0;
const FORM = 'application/x-www-form-urlencoded';

export function command(bot: BotProcess, rig: Rig, text: string, responseId = `cmd-${++seq}`, userId: string = USER.id): Promise<PostResult> {
  return postSigned(bot.eventsUrl, SIGNING_SECRET, commandBody({ user_id: userId, text, response_url: rig.slack.responseUrl(responseId) }), FORM);
}

export function click(bot: BotProcess, rig: Rig, actionId: string, value: unknown, responseId = `click-${++seq}`, userId: string = USER.id): Promise<PostResult> {
  return postSigned(
    bot.eventsUrl,
    SIGNING_SECRET,
    interactionBody(slackInteraction('block_actions', userId, {
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0BENCH', is_ephemeral: true },
      channel: { id: 'C0BENCH', name: 'bench' },
      response_url: rig.slack.responseUrl(responseId),
      actions: [{ action_id: actionId, block_id: 'b', type: 'button', value: JSON.stringify(value), action_ts: `${Date.now() / 1000}` }],
    })),
    FORM,
  );
}

export function submitView(bot: BotProcess, view: Record<string, unknown>): Promise<PostResult> {
  return postSigned(
    bot.eventsUrl,
    SIGNING_SECRET,
    interactionBody(slackInteraction('view_submission', USER.id, { view: submittedView(view) })),
    FORM,
  );
}

export function homeOpened(bot: BotProcess): Promise<PostResult> {
  const body = JSON.stringify({
    token: 'legacy',
    team_id: 'T0TEAM',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: `EvB${++seq}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user: USER.id, channel: 'D0BENCH', tab: 'home', event_ts: `${Date.now() / 1000}` },
  });
  return postSigned(bot.eventsUrl, SIGNING_SECRET, body, 'application/json');
}

export function iscRequestCount(rig: Rig): number {
  const { requests } = rig.sandbox.stats();
  return Object.entries(requests)
    .filter(([k]) => !k.includes('/oauth/'))
    .reduce((n, [, v]) => n + v, 0);
}

/** Real time, except that a sleep returns at once and moves the clock to when it would have ended. */
export function skipAheadClock(): { now: () => number; sleep: (ms: number) => Promise<void> } {
  let until = 0;
  const now = () => Math.max(Date.now(), until);
  return {
    now,
    sleep: async (ms) => {
      until = now() + Math.max(0, ms);
    },
  };
}
