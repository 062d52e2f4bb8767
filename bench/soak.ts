// `npm run soak`: the real bot (HTTP mode, its own process) under mixed traffic from several virtual
// Slack users for a bounded time (SOAK_SECONDS, default 180), while the sandbox ISC tenant injects
// 429s with Retry-After, 500s, timeouts, connection resets and malformed bodies (a small proxy in
// front of it lets ISC carry out what the bot gave up on, or loses ISC's answer), and the bot is
// restarted twice (SIGTERM, same DATA_DIR). Then it checks, from what the stand-ins recorded, that
// nothing the users saw succeed was lost or repeated in ISC, that every click was answered, that
// every notification arrived once, that the process never crashed, that memory stayed flat and that
// nothing ISC carried out was reported as a failure, and that the audit export lists every change,
// with the identity ISC saw act. Loopback only. Prints PASS/FAIL per check and
// exits non-zero on any FAIL.
//
// SOAK_SECONDS (default 180), SOAK_SEED (replays the users' and the faults' choices; timing still
// varies), SOAK_KEEP_DATA=1 (keeps DATA_DIR), SOAK_DEBUG_FILE (writes the details of ISC changes no
// click showed as a success, and the bot's log).
//
// `npm run soak -- --replicas 2`: as many bot processes on one Redis (REDIS_URL, default the local
// 127.0.0.1:6379; loopback only, under a key prefix of the run's own, deleted afterwards), as behind a
// load balancer: each Slack request goes to one live replica, some to two at once (a retry or a double
// click landing on both). Instead of the restarts, the replica running the background work is killed
// with SIGKILL at a third (and started again once another took over), and the one leading at two
// thirds is restarted with SIGTERM (a rolling deploy). Further checks: the fleet's ISC requests within
// SAIL_RATE_LIMIT_PER_10S in every 10 s, and the background work taken over within the lease.
//
// `npm run soak -- --faults`: the fault soak of issue #21. Two replicas on a Redis and with the audit
// trail in a PostgreSQL cluster that the soak starts itself (temp directories, free ports; the
// machine's shared servers are never touched), AUTH_MODE=linked with two approvers connected through
// the sandbox's OAuth sign-in and three not. Instead of the crash and the rolling restart: the leader
// is paused with SIGSTOP for 20 s and resumed (SIGCONT), the Redis is flushed (FLUSHALL) mid-run,
// then restarted (its append-only file kept), then PostgreSQL is restarted (pg_ctl restart -m fast).
// ISC faults are off (SOAK_ISC_FAULTS=1 keeps them), so what the figures show is the infrastructure's.
// Users told after the flush that the bot lost its state connect again (linked) or confirm with
// `/workitems disconnect` (the others). Reminders are due for some items during the run (records
// written to the store before the start, backdated past REMIND_AFTER_HOURS=1). Figures at the end:
// decisions ISC carried out against the trail's (missing, extra), `npm run audit -- --verify` on the
// trail, then one record edited in PostgreSQL and verify run again (it must name that record and
// exit non-zero), double DMs / reminders / digest posts, actions done as the service identity for a
// linked user, requests answered / failed, and how the bot behaved after each fault. Writes
// bench/soak-results.json (ignored by git, like bench/results*.json). SOAK_PG_BIN names the directory of
// initdb and pg_ctl when pg_config and /usr/lib/postgresql do not; SOAK_REDIS_SERVER the redis-server binary.
import { spawnSync } from 'node:child_process';
import { workItemTitle } from '../src/blocks/workItemCard';
import { REPEAT_NOTICE_MS } from '../src/slack/actions/itemHandlers';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openAuditLog } from '../src/audit/backend';
import { decisionsSince, type DecisionRow } from '../src/audit/export';
import { ACTION, VIEW } from '../src/blocks/actions';
import { ACCOUNT_FIELDS, FORWARD_FIELDS } from '../src/blocks/modals';
import type { WorkItem } from '../src/isc/types';
import { silentLogger } from '../src/log';
import { Ledger } from '../src/notify/ledger';
import { PgAnnouncementReceipts } from '../src/notify/receipts';
import { PgAuditLog } from '../src/audit/pgAuditLog';
import { SEED_IDENTITIES } from '../src/sandbox/seed';
import { RedisStateStore } from '../src/store/redisStore';
import type { Fault } from '../src/sandbox/tenant';
import { decodeItemValue } from '../src/blocks/actions';
import { overflowButtons, withSharedValue } from '../test/blocks/fixtures';
import { commandBody, interactionBody, postSigned } from '../test/support/slackStandIn';
import { isFirstPollSummary, isNewWorkItemDm, isReminder } from './dmKinds';
import { iscRequestCount, rssMiB, SIGNING_SECRET, startBotProcess, startRig, type BotProcess, type Rig } from './lib';
import { flushRedis, startOwnPostgres, startOwnRedis, type OwnPostgres, type OwnRedis } from './ownServers';

// ---------------------------------------------------------------------------------------------------
// Settings

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const argAt = process.argv.indexOf('--replicas');
/** The fault soak: two replicas, a Redis and a PostgreSQL of the soak's own, paused / flushed / restarted. */
const FAULTS = process.argv.includes('--faults');
const REPLICAS = FAULTS ? 2 : argAt > 0 ? Number(process.argv[argAt + 1]) : 1;
const FLEET = REPLICAS > 1;
/** With --faults, set to the soak's own servers once they run. */
let REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_PREFIX = `soak:${process.pid}:${Date.now()}:`;
/** Replicas need a durable audit trail: a database of the run's own on this machine's PostgreSQL (kept, so --verify can be run on it again). */
let PG_ADMIN_URL = process.env.SOAK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseUrlOn = (adminUrl: string) => {
  const url = new URL(adminUrl);
  url.pathname = `/soak_${process.pid}_${Date.now()}`;
  return url.toString();
};
let DATABASE_URL = databaseUrlOn(PG_ADMIN_URL);
/** Fault soak: how long the leader stays paused, and the approvers who connect their ISC account. */
const PAUSE_MS = 20_000;
const LINKED_COUNT = 2;
const ISC_FAULTS = !FAULTS || process.env.SOAK_ISC_FAULTS === '1';
/**
 * The fleet's ISC budget; low enough here that the replicas together press against it. The fault soak
 * uses ISC's own 100 per 10 s: at 60 its traffic spends the budget and polling starves (reads miss
 * their deadline), which would hide what the faults do to notifications.
 */
const RATE_LIMIT_PER_10S = FAULTS ? 100 : 60;
const LEASE_SECONDS = 15;
/** Share of Slack requests delivered to two replicas at once. */
const DUPLICATE_RATE = 0.1;
const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const POLL_SECONDS = 10;
const DIGEST_CHANNEL = 'C0SOAKDIGEST';
/**
 * Share of ISC requests (token grants excepted) that get each fault. A timeout holds the request
 * TIMEOUT_DELAY_MS in ISC, past SAIL_TIMEOUT_MS: the bot gives up, ISC still carries it out (as a
 * real tenant behind a load balancer would). Half the resets cut the connection before ISC sees the
 * request, half after ISC has carried it out (the answer is lost).
 */
const FAULT_RATES = { status429: 0.04, status500: 0.04, timeout: 0.03, resetBefore: 0.015, resetAfter: 0.015, malformed: 0.03 };
const SAIL_TIMEOUT_MS = 1500;
const TIMEOUT_DELAY_MS = 2500;
/** How long a planned stop may take before SIGKILL (the bot drains in-flight work for at most 10 s). */
const STOP_GRACE_MS = 20_000;
/** How long a virtual user waits for the answer to what it sent before moving on. */
const ANSWER_WAIT_MS = 15_000;

interface VUser {
  id: string;
  email: string;
  name: string;
  tz: string;
}
const APPROVERS: VUser[] = Array.from({ length: 5 }, (_, i) => ({ id: `U0SOAK0${i + 1}`, email: `soak.approver${i + 1}@example.com`, name: `Approver ${i + 1}`, tz: 'UTC' }));
const ADMIN: VUser = { id: 'U0SOAKADM', email: 'soak.admin@example.com', name: 'Soak Admin', tz: 'UTC' };

const BOT_ENV: Record<string, string> = {
  POLL_INTERVAL_SECONDS: String(POLL_SECONDS),
  NOTIFY_USERS: APPROVERS.map((u) => u.id).join(','),
  QUIET_HOURS: 'off',
  DIGEST_CHANNEL,
  DIGEST_SCHEDULE: '* * * * *',
  DIGEST_TIMEZONE: 'UTC',
  DIGEST_OWNERS: APPROVERS.map((u) => u.id).join(','),
  ADMIN_SLACK_USER_IDS: ADMIN.id,
  SAIL_TIMEOUT_MS: String(SAIL_TIMEOUT_MS),
  ...(FLEET ? { REDIS_URL, DATABASE_URL, REDIS_KEY_PREFIX: REDIS_PREFIX, SAIL_RATE_LIMIT_PER_10S: String(RATE_LIMIT_PER_10S), LEADER_LEASE_SECONDS: String(LEASE_SECONDS) } : {}),
};

// ---------------------------------------------------------------------------------------------------
// Helpers

/** mulberry32: a small seeded PRNG, so a run's choices can be replayed with SOAK_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = prng(SEED);
const faultRng = prng(SEED ^ 0x5eed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const between = (lo: number, hi: number) => lo + rng() * (hi - lo);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const json = (v: unknown) => JSON.stringify(v);
let t0 = Date.now();
const now = () => Date.now() - t0;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function until(predicate: () => boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (predicate()) return true;
    if (Date.now() > deadline) return false;
    await sleep(stepMs);
  }
}

type Block = Record<string, any>;
interface Button {
  action_id: string;
  value: string;
}

/**
 * Buttons with a value in a message's blocks (actions blocks and accessories), a card's overflow
 * options among them, each with the value the router gives it (a card's value is said once, in its
 * actions block's id).
 */
function buttonsOf(blocks: Block[] | undefined): Button[] {
  const out: Button[] = [];
  for (const b of blocks ?? []) {
    for (const raw of [...(b.type === 'actions' ? b.elements ?? [] : []), ...(b.accessory ? [b.accessory] : [])]) {
      for (const e of raw.type === 'overflow' ? overflowButtons(raw, b.block_id) : [withSharedValue(raw, b.block_id)]) {
        if (typeof e.action_id === 'string' && typeof e.value === 'string' && !e.url) out.push({ action_id: e.action_id, value: e.value });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// What the soak sent, and what came back

type SentKind = 'command' | 'click' | 'opener' | 'select' | 'submit' | 'home';

interface Sent {
  n: number;
  kind: SentKind;
  user: string;
  /** Action id, command text or callback id. */
  label: string;
  at: number;
  done: number;
  /** HTTP status of the ack; 0 when the connection failed. */
  status: number;
  ackBody: string;
  gen: number;
  /** Replicas mode: every bot it was delivered to (two for a duplicate delivery). */
  gens: number[];
  responseId?: string;
  triggerId?: string;
  viewId?: string;
  /** slack.calls.length when it was sent: later calls are its answers. */
  callsAt: number;
  double?: boolean;
  /** A click's button (action id and value): repeats of one action on one item share one notice for 10 s. */
  button?: string;
}

/** A click on approve / reject / approve all / reject all / complete, for check 1. */
interface ActionClick {
  sent: Sent;
  kind: 'approve' | 'reject' | 'approveAll' | 'rejectAll' | 'complete';
  w: string;
  a?: string;
}

/** A modal submission (forward or account selection), for check 1. */
interface ModalSubmission {
  sent: Sent;
  kind: 'forward' | 'selectAccounts';
  w: string;
  viewId: string;
  target?: string;
}

interface SoakItem {
  w: string;
  title: string;
  owner: VUser;
  kind: 'single' | 'multi' | 'manual' | 'form';
  approvals: Array<{ a: string; value: string }>;
  addedAt: number;
  /** Fault soak: announced before the start (a ledger record written into the store, backdated), so a reminder is due during the run. */
  preAnnounced?: boolean;
}

interface Gen {
  n: number;
  /** Which replica (0 with one bot): a restart starts the next generation in the same slot. */
  slot: number;
  bot: BotProcess;
  pid: number;
  startedAt: number;
  planned: boolean;
  /** Taking no new requests (stopping, or about to be killed), as a load balancer would see it. */
  draining?: boolean;
  exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  stopMs?: number;
  /** SIGKILL after the grace period of a planned stop. */
  killed?: boolean;
  /** Killed on purpose with SIGKILL (replicas mode): a crash the fleet must survive. */
  crashed?: boolean;
}

const sent: Sent[] = [];
const actionClicks: ActionClick[] = [];
const submissions: ModalSubmission[] = [];
const items = new Map<string, SoakItem>();
const forwardedOnce = new Set<string>();
const gens: Gen[] = [];
const restartWindows: Array<{ from: number; to: number }> = [];
const rss: Array<{ t: number; gen: number; mib: number }> = [];
const faultCounts: Record<string, number> = { '429': 0, '500': 0, 'timeout (carried out late)': 0, 'reset before ISC': 0, 'reset after ISC (answer lost)': 0, malformed: 0 };
let faultsOn = ISC_FAULTS;
let running = true;
let restarting = false;
let sentSeq = 0;
let idSeq = 0;

let rig: Rig;
/** The live generation of each replica slot. */
const slots: Gen[] = [];
/** When the sandbox received each ISC request (token grants excepted), ms since the start. */
const iscRequestTimes: number[] = [];
/** Replicas mode: what each replica's /healthz said about the background work, over time. */
const roles: Array<{ t: number; gen: number; role: string }> = [];
/** `at`: the signal; `goneAt`: the process exited (a SIGTERM'd leader hands its lease back as it stops). */
const failovers: Array<{ kind: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP'; gen: number; at: number; goneAt?: number; takenOverAt?: number; by?: number }> = [];

/** Indexes the Slack stand-in's records as they arrive. */
class Answers {
  private calls = 0;
  private responses = 0;
  private viewSeq = 0;
  readonly byResponseId = new Map<string, Array<Record<string, any>>>();
  readonly viewByTrigger = new Map<string, string>();
  /** views.update calls per view id, with their index in slack.calls. */
  readonly updatesByView = new Map<string, Array<{ idx: number; view: Record<string, any> }>>();
  /** When each call / response was first seen (ms since the start), by index. */
  readonly callSeenAt: number[] = [];

  sync(): void {
    const { calls, responses } = rig.slack;
    for (; this.responses < responses.length; this.responses++) {
      const r = responses[this.responses];
      const list = this.byResponseId.get(r.id) ?? [];
      list.push(r.body);
      this.byResponseId.set(r.id, list);
    }
    for (; this.calls < calls.length; this.calls++) {
      const c = calls[this.calls];
      this.callSeenAt.push(now());
      // The stand-in numbers views V1, V2… in the order calls without a view_id arrive.
      if (!c.method.startsWith('views.')) continue;
      const id = c.args.view_id !== undefined && c.args.view_id !== null ? String(c.args.view_id) : `V${++this.viewSeq}`;
      if (c.method === 'views.open') this.viewByTrigger.set(String(c.args.trigger_id), id);
      if (c.method === 'views.update') {
        const list = this.updatesByView.get(id) ?? [];
        list.push({ idx: this.calls, view: c.args.view as Record<string, any> });
        this.updatesByView.set(id, list);
      }
    }
  }

  responsesTo(id: string): Array<Record<string, any>> {
    this.sync();
    return this.byResponseId.get(id) ?? [];
  }

  updatesOf(viewId: string, afterIdx = -1): Array<{ idx: number; view: Record<string, any> }> {
    this.sync();
    return (this.updatesByView.get(viewId) ?? []).filter((u) => u.idx >= afterIdx);
  }
}
const answers = new Answers();

// ---------------------------------------------------------------------------------------------------
// Sending, as Slack does

const FORM = 'application/x-www-form-urlencoded';

/** Where the load balancer sends a request: one live replica, or (now and then, with several) two at once. */
function targets(): Gen[] {
  const live = slots.filter((g) => !g.exit && !g.draining);
  if (!live.length) return [slots[0]];
  const first = live[Math.floor(rng() * live.length)];
  const second = live.find((g) => g !== first);
  return second && rng() < DUPLICATE_RATE ? [first, second] : [first];
}

async function send(kind: SentKind, user: string, label: string, body: string, contentType: string, extra: Partial<Sent> = {}): Promise<Sent> {
  const to = targets();
  const s: Sent = { n: ++sentSeq, kind, user, label, at: now(), done: 0, status: 0, ackBody: '', gen: to[0].n, gens: to.map((g) => g.n), callsAt: rig.slack.calls.length, ...extra };
  sent.push(s);
  // The same request, signed once, to each: acked when any of them acked it.
  const results = await Promise.all(to.map((g) => postSigned(g.bot.eventsUrl, SIGNING_SECRET, body, contentType).catch(() => undefined)));
  const acked = results.find((r) => r?.status === 200) ?? results.find((r) => r);
  s.status = acked?.status ?? 0;
  s.ackBody = acked?.body ?? '';
  s.done = now();
  return s;
}

const nextResponseId = (prefix: string) => `${prefix}-${++idSeq}`;
const nextTrigger = () => `soak-trigger-${++idSeq}`;

function command(user: VUser, text: string): Promise<Sent> {
  const responseId = nextResponseId('cmd');
  const body = commandBody({ user_id: user.id, user_name: user.name, text, response_url: rig.slack.responseUrl(responseId) });
  return send('command', user.id, `/workitems ${text}`.trim(), body, FORM, { responseId });
}

function actionBody(user: VUser, action: Record<string, unknown>, triggerId: string, where: { responseId: string; channel: string } | { viewId: string; callbackId: string }): string {
  const surface =
    'viewId' in where
      ? {
          container: { type: 'view', view_id: where.viewId },
          view: { id: where.viewId, type: 'modal', blocks: [], private_metadata: '', callback_id: where.callbackId, state: { values: {} }, hash: 'h' },
        }
      : {
          container: { type: 'message', message_ts: '1700000000.000100', channel_id: where.channel, is_ephemeral: where.channel.startsWith('C') },
          channel: { id: where.channel, name: where.channel.startsWith('D') ? 'directmessage' : 'soak' },
          response_url: rig.slack.responseUrl(where.responseId),
        };
  return interactionBody({
    type: 'block_actions',
    team: { id: 'T0TEAM', domain: 'soak' },
    user: { id: user.id, username: user.id, name: user.id, team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy',
    trigger_id: triggerId,
    ...surface,
    actions: [{ block_id: 'b', action_ts: `${Date.now() / 1000}`, ...action }],
  });
}

function click(user: VUser, kind: 'click' | 'opener', button: Button, channel: string, extra: Partial<Sent> = {}): Promise<Sent> {
  const responseId = nextResponseId('click');
  const triggerId = nextTrigger();
  const body = actionBody(user, { action_id: button.action_id, type: 'button', value: button.value }, triggerId, { responseId, channel });
  return send(kind, user.id, button.action_id, body, FORM, { responseId, triggerId, button: `${button.action_id}|${button.value}`, ...extra });
}

function submitView(user: VUser, view: Record<string, unknown>, extra: Partial<Sent> = {}): Promise<Sent> {
  const body = interactionBody({
    type: 'view_submission',
    team: { id: 'T0TEAM', domain: 'soak' },
    user: { id: user.id, username: user.id, name: user.id, team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy',
    trigger_id: nextTrigger(),
    view: { type: 'modal', hash: 'h', blocks: [], ...view },
  });
  return send('submit', user.id, String(view.callback_id), body, FORM, { viewId: String(view.id), ...extra });
}

function homeOpened(user: VUser): Promise<Sent> {
  const body = JSON.stringify({
    token: 'legacy',
    team_id: 'T0TEAM',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: `EvSoak${++idSeq}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user: user.id, channel: `D${user.id}`, tab: 'home', event_ts: `${Date.now() / 1000}` },
  });
  return send('home', user.id, 'app_home_opened', body, 'application/json');
}

// ---------------------------------------------------------------------------------------------------
// Between the bot and the sandbox: a pass-through that lets ISC finish what the bot gave up on, and
// that can lose ISC's answer after ISC carried the request out.

/** Serves on a free loopback port; close() drops open connections too. */
async function listenOnLoopback(server: http.Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startIscProxy(upstream: string, dropAnswer: (method: string, path: string) => boolean): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const drop = dropAnswer(req.method ?? 'GET', (req.url ?? '/').split('?')[0]);
      // Not aborted when the bot gives up: like a real tenant, ISC still carries the request out.
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('error', () => req.socket.destroy());
        answer.on('end', () => {
          if (drop) return void req.socket.destroy();
          if (res.destroyed || req.socket.destroyed) return;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(body));
        });
      });
      // The sandbox reset the connection: so does the proxy.
      up.on('error', () => req.socket.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  return listenOnLoopback(server);
}

// ---------------------------------------------------------------------------------------------------
// Work items

let itemSeq = 0;
const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, '0')}`;

function addItem(owner: VUser, kind: SoakItem['kind'] = pick(['single', 'single', 'multi', 'manual', 'form'] as const), created?: string): SoakItem {
  const n = ++itemSeq;
  const w = hex('5a', n);
  const identity = rig.sandbox.identityForEmail(owner.email);
  const title = `Soak ${n} ${kind} for ${owner.name}`;
  const approvals = kind === 'single' ? [0] : kind === 'multi' ? [0, 1, 2].slice(0, 2 + Math.floor(rng() * 2)) : [];
  const item: SoakItem = { w, title, owner, kind, approvals: approvals.map((i) => ({ a: hex('ab', n * 10 + i), value: `soakv-${n}-${i}` })), addedAt: now() };
  const wi: WorkItem = {
    id: w,
    name: title,
    type: kind === 'manual' ? 'ManualAction' : kind === 'form' ? 'Form' : 'Approval',
    state: 'Pending',
    ownerId: identity.id,
    ownerName: identity.name,
    requesterDisplayName: 'Soak Requester',
    description: `Soak test item ${n}`,
    approvalItems: item.approvals.map(({ a, value }) => ({ id: a, application: 'GitHub', name: 'team', operation: 'Add', value, state: 'Pending' })),
    errors: [],
    ...(created ? { created } : {}),
    ...(kind === 'form'
      ? {
          form: {
            id: hex('f0', n),
            name: 'AccountSelection Form',
            title: `Account selection ${n}`,
            sections: [{ name: 'accountSelection', label: 'Accounts', formItems: [{ name: 'GitHub', label: 'GitHub account', type: 'select', required: true, allowedValues: ['acct-a', 'acct-b'] }] }],
          },
        }
      : {}),
  };
  // The DMs and summaries name a work item by its title as the cards build it (from its lines).
  item.title = workItemTitle(wi);
  rig.sandbox.addWorkItem(wi);
  items.set(w, item);
  return item;
}

const identityOf = new Map<string, VUser>();
const pendingCount = (u: VUser) => {
  const id = rig.sandbox.identityForEmail(u.email).id;
  return [...items.values()].filter((i) => {
    const s = rig.sandbox.getWorkItemState(i.w);
    return s?.state === 'Pending' && s.ownerId === id;
  }).length;
};

// ---------------------------------------------------------------------------------------------------
// The bot process: start, planned restarts, crash detection, memory

/** Starts the next generation of a replica slot (each slot its own DATA_DIR, which Redis makes unused). */
async function startGen(dataDir: string, slot = 0): Promise<Gen> {
  const bot = await startBotProcess(rig, BOT_ENV, FLEET ? path.join(dataDir, `replica-${slot}`) : dataDir);
  const g: Gen = { n: gens.length + 1, slot, bot, pid: bot.child.pid!, startedAt: now(), planned: false };
  bot.child.once('exit', (code, signal) => {
    g.exit = { code, signal, at: now() };
    if (!g.planned) process.stderr.write(`!! bot process ${g.n} (pid ${g.pid}) exited unplanned: code ${code} signal ${signal}\n`);
  });
  gens.push(g);
  slots[slot] = g;
  return g;
}

/**
 * SIGTERM, then wait for the process to exit on its own (SIGKILL only after STOP_GRACE_MS): like
 * BotProcess.stop(), with room for the bot's bounded drain of the requests under way.
 */
async function stopGen(g: Gen): Promise<void> {
  g.planned = true;
  g.draining = true;
  if (g.exit) return;
  const started = now();
  const exited = new Promise((r) => g.bot.child.once('exit', r));
  g.bot.child.kill('SIGTERM');
  await Promise.race([exited, sleep(STOP_GRACE_MS)]);
  if (!g.exit) {
    g.killed = true;
    g.bot.child.kill('SIGKILL');
    await exited;
  }
  g.stopMs = now() - started;
}

async function restart(dataDir: string): Promise<void> {
  const from = now();
  restarting = true;
  process.stderr.write(`   restart: SIGTERM to bot ${slots[0].n} at ${secs(from)}…\n`);
  await stopGen(slots[0]);
  await startGen(dataDir);
  restarting = false;
  restartWindows.push({ from, to: now() });
  process.stderr.write(`   restart: bot ${slots[0].n} healthy after ${secs(now() - from)} (stop took ${secs(gens[gens.length - 2].stopMs ?? 0)})\n`);
}

function sampleRss(): void {
  if (restarting) return;
  for (const g of slots) {
    if (g.exit || g.draining) continue;
    try {
      rss.push({ t: now(), gen: g.n, mib: rssMiB(g.pid) });
    } catch {
      // The process went away between the check and the read.
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Replicas: who runs the background work, a crash of that replica, and a rolling restart

/** Asks every live replica's /healthz who runs the background work; notes when a failover completed. */
async function sampleRoles(): Promise<void> {
  await Promise.all(
    slots
      .filter((g) => !g.exit && !g.draining)
      .map(async (g) => {
        const body = (await fetch(`${g.bot.baseUrl}/healthz`).then((r) => r.json(), () => undefined)) as { background?: string } | undefined;
        if (!body?.background || g.exit || g.draining) return;
        const t = now();
        roles.push({ t, gen: g.n, role: body.background });
        for (const f of failovers) {
          if (body.background === 'leader' && f.takenOverAt === undefined && g.n !== f.gen && t > f.at) Object.assign(f, { takenOverAt: t, by: g.n });
        }
      }),
  );
}

async function leader(): Promise<Gen | undefined> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await sampleRoles();
    const latest = new Map(roles.map((r) => [r.gen, r.role]));
    const found = slots.find((g) => !g.exit && !g.draining && latest.get(g.n) === 'leader');
    if (found || Date.now() > deadline) return found;
    await sleep(250);
  }
}

/** SIGKILL to the replica running the background work; started again once another replica took it over. */
async function crashLeader(dataDir: string): Promise<void> {
  const victim = await leader();
  if (!victim) return void process.stderr.write('!! no replica reported running the background work; nothing killed\n');
  Object.assign(victim, { planned: true, crashed: true, draining: true });
  const exited = new Promise((r) => victim.bot.child.once('exit', r));
  const failover: (typeof failovers)[number] = { kind: 'SIGKILL', gen: victim.n, at: now() };
  failovers.push(failover);
  victim.bot.child.kill('SIGKILL');
  await exited;
  failover.goneAt = now();
  process.stderr.write(`   failover: SIGKILL to bot ${victim.n}, which ran the background work, at ${secs(failover.at)}…\n`);
  await until(() => failover.takenOverAt !== undefined, (LEASE_SECONDS + 15) * 1000, 100);
  process.stderr.write(`   failover: bot ${failover.by ?? '-'} took over after ${failover.takenOverAt === undefined ? 'never' : secs(failover.takenOverAt - failover.at)}; starting bot ${victim.slot + 1} again\n`);
  await startGen(dataDir, victim.slot);
}

/** A rolling deploy's step: SIGTERM to the replica running the background work, then its successor. */
async function rollLeader(dataDir: string): Promise<void> {
  const target = await leader();
  if (!target) return;
  const failover: (typeof failovers)[number] = { kind: 'SIGTERM', gen: target.n, at: now() };
  failovers.push(failover);
  await stopGen(target);
  failover.goneAt = now();
  await startGen(dataDir, target.slot);
  await until(() => failover.takenOverAt !== undefined, (LEASE_SECONDS + 15) * 1000, 100);
  process.stderr.write(`   rolling restart: bot ${target.n} stopped at ${secs(failover.at)} (took ${secs(target.stopMs ?? 0)}); bot ${failover.by ?? '-'} took over the background work after ${failover.takenOverAt === undefined ? 'never' : secs(failover.takenOverAt - failover.at)}\n`);
}

// ---------------------------------------------------------------------------------------------------
// The fault soak (--faults): the soak's own Redis and PostgreSQL, the leader paused, Redis flushed
// and restarted, PostgreSQL restarted; linked users; reminders due during the run.

/** The approvers who connect their ISC account at the start (and again after a state loss). */
const LINKED = new Set<string>();
const linkEvents: Array<{ user: string; kind: 'connect' | 'confirm'; at: number; ok: boolean; detail: string }> = [];
const refusalsSeen: Array<{ user: string; at: number; kind: 'lost' | 'revoked' }> = [];
type FaultKind = 'SIGSTOP leader 20 s' | 'FLUSHALL Redis' | 'restart Redis' | 'restart PostgreSQL';
const faultEvents: Array<{ kind: FaultKind; at: number; end: number; detail: string }> = [];
let ownRedis: OwnRedis | undefined;
let ownPg: OwnPostgres | undefined;
/** The digest's second post of a slot: its task health (the same slot claim covers both). */
const isTaskHealthPost = (args: Record<string, unknown>) => String(args.text).startsWith('ISC task health');
/** Which slot a scheduled post is for, and which of its two posts it is. */
const slotOf = (c: { args: Record<string, unknown> }) => `${/Scheduled for ([^·]+?) ·/.exec(JSON.stringify(c.args.blocks))?.[1] ?? '?'}${isTaskHealthPost(c.args) ? ' (task health)' : ''}`;

/** Items whose reminder falls due during the run, and when (ms since the start). */
const reminderSeeds: Array<{ user: string; w: string; title: string; dueAt: number }> = [];

/** SIGSTOP to the replica running the background work; SIGCONT after PAUSE_MS. Meanwhile the balancer sends it nothing. */
async function pauseLeader(): Promise<void> {
  const victim = await leader();
  if (!victim) return void process.stderr.write('!! no replica reported running the background work; nothing paused\n');
  victim.draining = true;
  const failover: (typeof failovers)[number] = { kind: 'SIGSTOP', gen: victim.n, at: now() };
  failovers.push(failover);
  victim.bot.child.kill('SIGSTOP');
  process.stderr.write(`   fault: SIGSTOP to bot ${victim.n}, which ran the background work, at ${secs(failover.at)}\n`);
  await sleep(PAUSE_MS);
  victim.bot.child.kill('SIGCONT');
  victim.draining = false;
  failover.goneAt = now();
  faultEvents.push({ kind: 'SIGSTOP leader 20 s', at: failover.at, end: now(), detail: `bot ${victim.n} paused ${secs(now() - failover.at)}; bot ${failover.by ?? '-'} took over after ${failover.takenOverAt === undefined ? 'never' : secs(failover.takenOverAt - failover.at)}` });
  process.stderr.write(`   fault: SIGCONT to bot ${victim.n} at ${secs(now())}; bot ${failover.by ?? '-'} had taken over after ${failover.takenOverAt === undefined ? 'never' : secs(failover.takenOverAt - failover.at)}\n`);
}

async function flushEvent(): Promise<void> {
  const at = now();
  const answer = flushRedis(ownRedis!);
  faultEvents.push({ kind: 'FLUSHALL Redis', at, end: now(), detail: `FLUSHALL answered ${answer}` });
  process.stderr.write(`   fault: FLUSHALL at ${secs(at)} (${answer})\n`);
}

async function restartRedisEvent(): Promise<void> {
  const at = now();
  const { downMs } = await ownRedis!.restart();
  faultEvents.push({ kind: 'restart Redis', at, end: now(), detail: `down ${secs(downMs)} (SHUTDOWN with its append-only file, started again)` });
  process.stderr.write(`   fault: Redis restarted at ${secs(at)}, down ${secs(downMs)}\n`);
}

async function restartPgEvent(): Promise<void> {
  const at = now();
  const { downMs } = await ownPg!.restart();
  faultEvents.push({ kind: 'restart PostgreSQL', at, end: now(), detail: `pg_ctl restart -m fast took ${secs(downMs)}` });
  process.stderr.write(`   fault: PostgreSQL restarted at ${secs(at)}, took ${secs(downMs)}\n`);
}

/** The load balancer in front of the replicas, as PUBLIC_URL: the OAuth callback lands on any live replica. */
async function startBalancer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const live = slots.filter((g) => !g.exit && !g.draining);
    const g = live[Math.floor(Math.random() * live.length)];
    if (!g) return void res.writeHead(503).end();
    const target = new URL(g.bot.baseUrl);
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return listenOnLoopback(server);
}

/**
 * Before the bots start: two items per approver announced "an hour ago" (a posted ledger record in
 * the store, created in ISC two days ago), so that with REMIND_AFTER_HOURS=1 one falls due in the
 * first seconds and one in the 10 s around the leader's pause. Each also gets the receipt in PostgreSQL
 * that the bot leaves with DATABASE_URL when it announces (the schema migrated as the bot does at start).
 */
async function seedReminders(): Promise<void> {
  const store = await RedisStateStore.connect({ url: REDIS_URL, keyPrefix: REDIS_PREFIX, logger: silentLogger });
  const trail = await PgAuditLog.open(DATABASE_URL, { retentionDays: 400, logger: silentLogger });
  const receipts = new PgAnnouncementReceipts(trail.pool, { logger: silentLogger });
  const start = Date.now();
  const span = SOAK_SECONDS * 1000;
  try {
    for (const [i, u] of APPROVERS.entries()) {
      for (const dueAt of [3000, span * 0.1 + (i / APPROVERS.length) * span * 0.1]) {
        const item = addItem(u, 'single', new Date(start - 2 * 86_400_000).toISOString());
        item.addedAt = 0;
        item.preAnnounced = true;
        const ledger = new Ledger(store, () => new Date(start + dueAt - 3_600_000));
        const claim = await ledger.claim(u.id, item.w, 'dm');
        const where = { channel: `D${u.id}`, ts: `${1_700_000_000 + itemSeq}.000100` };
        if (!claim || !(await ledger.posted(u.id, item.w, claim, where))) throw new Error(`could not seed the ledger record of ${item.w}`);
        await receipts.record(u.id, [item.w], { ...where, kind: 'dm', announcedAt: claim.at });
        reminderSeeds.push({ user: u.id, w: item.w, title: item.title, dueAt });
      }
    }
  } finally {
    await store.close();
    await trail.close();
  }
}

/** `npm run audit -- --verify` (the built CLI) on the soak's trail: its exit code and what it printed. */
function auditVerifyCli(): { code: number | null; output: string } {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-verify-'));
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'src', 'audit', 'cli.js'), '--verify'], {
    cwd,
    env: { PATH: process.env.PATH, DATABASE_URL, DATA_DIR: cwd },
    encoding: 'utf8',
    timeout: 60_000,
  });
  fs.rmSync(cwd, { recursive: true, force: true });
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Edits one decision record in PostgreSQL as the superuser would (the append-only triggers off for
 * the session), then runs verify again: it must name that record's sequence number and exit non-zero.
 */
async function tamperAndVerify(): Promise<{ seq: number; code: number | null; output: string; named: boolean }> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  let seq = 0;
  try {
    // The edit that matters: a refused or failed decision rewritten as done (or a done one as refused).
    const { rows } = await client.query<{ seq: string; outcome: string }>(
      `SELECT seq, record::jsonb->>'outcome' AS outcome FROM audit_trail WHERE record::jsonb->>'phase' = 'outcome' ORDER BY (record::jsonb->>'outcome' = 'done'), seq`,
    );
    if (!rows.length) throw new Error('no outcome record on the trail to edit');
    const notDone = rows.filter((r) => r.outcome !== 'done');
    const target = notDone.length ? notDone[Math.floor(notDone.length / 2)] : rows[Math.floor(rows.length / 2)];
    seq = Number(target.seq);
    await client.query('BEGIN');
    // The append-only triggers, off for this transaction (superuser): what someone with the database's keys could do.
    await client.query('SET LOCAL session_replication_role = replica');
    const edited = await client.query(`UPDATE audit_trail SET record = jsonb_set(record::jsonb, '{outcome}', to_jsonb($2::text))::text WHERE seq = $1`, [seq, target.outcome === 'done' ? 'refused' : 'done']);
    if (edited.rowCount !== 1) throw new Error(`no record ${seq} to edit`);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  const { code, output } = auditVerifyCli();
  return { seq, code, output, named: new RegExp(`broken at record ${seq}\\b`).test(output) };
}

interface FaultFigures {
  decisionsInIsc: number;
  decisionsOnTrail: number;
  missing: string[];
  extra: string[];
  verify: { code: number | null; output: string };
  tamper?: { seq: number; code: number | null; output: string; named: boolean };
  doubleDms: string[];
  doubleDmsAfterFlush: number;
  doubleReminders: string[];
  reminders: number;
  remindersDue: number;
  doubleDigests: string[];
  digestSlots: number;
  serviceForLinked: string[];
  linkedActions: number;
  serviceActions: number;
  requests: { sent: number; acked: number; notAcked: number; answeredTryAgain: number };
  faults: Array<{ kind: string; at: number; end: number; detail: string; after: string[] }>;
}

const DECISION_ACTIONS = new Set(['approve', 'reject', 'approveAll', 'rejectAll', 'complete', 'forward', 'selectAccounts']);

/** Each replica's log lines with their time (ms since the start), from the text format's leading timestamp. */
function logLines(): Array<{ t: number; gen: number; level: string; message: string }> {
  const out: Array<{ t: number; gen: number; level: string; message: string }> = [];
  for (const g of gens) {
    for (const line of g.bot.output.join('').split('\n')) {
      const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (\w+) (.*?)(?: \{.*)?$/.exec(line);
      if (m) out.push({ t: Date.parse(m[1]) - t0, gen: g.n, level: m[2], message: m[3] });
    }
  }
  return out;
}

async function faultFigures(): Promise<FaultFigures> {
  answers.sync();
  const stats = rig.sandbox.stats();
  const serviceId = SEED_IDENTITIES.service.id;
  const log = await openAuditLog({ dataDir: os.tmpdir(), audit: { retentionDays: 400, databaseUrl: DATABASE_URL } }, silentLogger);
  const rows = await decisionsSince(log, new Date(t0 - 60_000)).finally(() => log.close());

  // Decisions ISC carried out (successful work-item mutations) against the trail's.
  const iscKeys = new Map<string, { identityId: string; at: number }>();
  for (const m of stats.mutations) {
    const k = mutationKey(m.method, m.path);
    if (k && m.status === 200 && !iscKeys.has(k.key)) iscKeys.set(k.key, { identityId: m.identityId, at: Date.parse(m.at) - t0 });
  }
  const reached = new Map<string, DecisionRow[]>();
  for (const r of rows) if (r.acting_as && DECISION_ACTIONS.has(r.action)) reached.set(auditKey(r), [...(reached.get(auditKey(r)) ?? []), r]);
  const doneKeys = new Set(rows.filter((r) => r.outcome === 'done' && DECISION_ACTIONS.has(r.action)).map(auditKey));
  const missing = [...iscKeys.keys()].filter((k) => !reached.has(k)).map((k) => `${k}: carried out in ISC at ${secs(iscKeys.get(k)!.at)}, no decision on the trail`);
  const extra = [...doneKeys].filter((k) => !iscKeys.has(k)).map((k) => `${k}: done on the trail, not in ISC`);

  // Done as the service identity for a user who had connected their account.
  const serviceForLinked: string[] = [];
  for (const [k, m] of iscKeys) {
    if (m.identityId !== serviceId) continue;
    for (const r of reached.get(k) ?? []) if (r.acting_as === 'service' && LINKED.has(r.slack_user)) serviceForLinked.push(`${k}: by ${r.slack_user} (linked) as the service identity at ${r.time}`);
  }
  const linkedIds = new Set([...LINKED].map((id) => rig.sandbox.identityForEmail(APPROVERS.find((u) => u.id === id)!.email).id));

  // Double announcements: the same item to the same person more than once (a DM or a summary listing it).
  const flushAt = faultEvents.find((f) => f.kind === 'FLUSHALL Redis')?.at ?? Infinity;
  const { newItem, summaries, reminders } = dmCalls();
  const doubleDms: string[] = [];
  let doubleDmsAfterFlush = 0;
  for (const item of items.values()) {
    for (const u of [...APPROVERS, ADMIN]) {
      const times = [
        ...(item.preAnnounced && item.owner === u ? [-1] : []),
        ...[...newItem, ...summaries]
          .filter((c) => c.args.channel === `D${u.id}` && (String(c.args.text) === `New work item: ${item.title}` || (isFirstPollSummary(c.args) && json(c.args.blocks).includes(item.title))))
          .map((c) => answers.callSeenAt[rig.slack.calls.indexOf(c)]),
      ].sort((a, b) => a - b);
      if (times.length < 2) continue;
      const afterFlush = times.slice(1).every((t) => t >= flushAt) && times[0] < flushAt;
      if (afterFlush) doubleDmsAfterFlush++;
      doubleDms.push(`${u.id}: "${item.title}" announced ${times.length} times (at ${times.map((t) => (t < 0 ? 'before the start' : secs(t))).join(', ')})${afterFlush ? ', again after the FLUSHALL' : ''}`);
    }
  }
  // Reminders: the same item to the same person more than once (one reminder a day at most).
  const doubleReminders: string[] = [];
  for (const seed of reminderSeeds) {
    const n = reminders.filter((c) => c.args.channel === `D${seed.user}` && json(c.args).includes(seed.title)).length;
    if (n > 1) doubleReminders.push(`${seed.user}: "${seed.title}" reminded ${n} times`);
  }
  const remindersDue = reminderSeeds.filter((seed) => seed.dueAt < soakEnd && rig.sandbox.getWorkItemState(seed.w)?.state === 'Pending').length;
  // Digest slots posted more than once. A slot is two posts (the digest, then its task health, to the
  // same channel without DIGEST_ADMIN_CHANNEL): each counted apart.
  const scheduledPosts = rig.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === DIGEST_CHANNEL && json(c.args.blocks).includes('Scheduled for'));
  const scheduled = scheduledPosts.filter((c) => !isTaskHealthPost(c.args));
  const slotNames = scheduledPosts.map(slotOf);
  const doubleDigests = [...new Set(slotNames.filter((x, i) => slotNames.indexOf(x) !== i))].map((x) => `slot ${x} posted ${slotNames.filter((y) => y === x).length} times`);

  // What users were told, and how the bot behaved, after each fault.
  const lines = logLines();
  const TRY_AGAIN = /try again|isn't available|not available|could not reach|couldn't reach/i;
  const told = (s: Sent) => (s.responseId ? answers.responsesTo(s.responseId).map((r) => json(r)).join(' ') : '');
  const faults = faultEvents.map((f, i) => {
    // Until 15 s after it ended, or the next fault.
    const window = { from: f.at, to: Math.min(f.end + 15_000, faultEvents[i + 1]?.at ?? Infinity) };
    const inWindow = sent.filter((s) => s.at >= window.from && s.at <= window.to);
    const notAcked = inWindow.filter((s) => s.status !== 200).length;
    const tryAgain = inWindow.filter((s) => TRY_AGAIN.test(told(s))).length;
    const lost = inWindow.filter((s) => told(s).includes('state store lost its state')).length;
    const byMessage = new Map<string, { n: number; first: number; gens: Set<number>; level: string }>();
    for (const l of lines.filter((x) => x.t >= window.from && x.t <= window.to && x.level !== 'INFO' && x.level !== 'DEBUG')) {
      const key = l.message.slice(0, 140);
      const e = byMessage.get(key) ?? { n: 0, first: l.t, gens: new Set<number>(), level: l.level };
      e.n++;
      e.gens.add(l.gen);
      byMessage.set(key, e);
    }
    const logs = [...byMessage].sort((a, b) => a[1].first - b[1].first).slice(0, 6).map(([m, e]) => `${e.level} ×${e.n} (bot ${[...e.gens].join(', ')}; first at +${secs(e.first - f.at)}): ${m}`);
    return {
      ...f,
      after: [`${inWindow.length} requests from the fault to ${secs(window.to - f.at)} after it: ${notAcked} not acked, ${tryAgain} told to try again, ${lost} told the state was lost (connect again / confirm)`, ...logs],
    };
  });

  const acked = sent.filter((s) => s.status === 200).length;
  return {
    decisionsInIsc: iscKeys.size,
    decisionsOnTrail: reached.size,
    missing,
    extra,
    verify: auditVerifyCli(),
    doubleDms,
    doubleDmsAfterFlush,
    doubleReminders,
    reminders: reminders.filter((c) => reminderSeeds.some((seed) => json(c.args).includes(seed.title))).length,
    remindersDue,
    doubleDigests,
    digestSlots: scheduled.length,
    serviceForLinked,
    linkedActions: stats.mutations.filter((m) => m.status === 200 && linkedIds.has(m.identityId)).length,
    serviceActions: stats.mutations.filter((m) => m.status === 200 && m.identityId === serviceId).length,
    requests: { sent: sent.length, acked, notAcked: sent.length - acked, answeredTryAgain: sent.filter((s) => TRY_AGAIN.test(told(s))).length },
    faults,
  };
}

/** The fault soak's guarantees as checks (F1–F6), each failing the soak when broken. */
function faultChecks(f: FaultFigures, tamper: { seq: number; code: number | null; output: string; named: boolean }): Check[] {
  return [
    {
      name: 'F1. decisions ISC carried out = decisions on the PostgreSQL trail (0 missing, 0 extra)',
      ok: f.missing.length === 0 && f.extra.length === 0,
      detail: `${f.decisionsInIsc} decisions in ISC, ${f.decisionsOnTrail} on the trail that reached ISC; ${f.missing.length} missing, ${f.extra.length} extra`,
      problems: [...f.missing, ...f.extra],
    },
    {
      name: 'F2. npm run audit -- --verify passes on the soak trail',
      ok: f.verify.code === 0,
      detail: `exit ${f.verify.code}: ${f.verify.output.split('\n')[0]}`,
    },
    {
      name: 'F3. one record edited in PostgreSQL: verify names its sequence number and exits non-zero',
      ok: tamper.named && tamper.code !== 0 && tamper.code !== null,
      detail: `edited record ${tamper.seq}; exit ${tamper.code}: ${tamper.output.split('\n')[0]}`,
    },
    {
      name: 'F4. no double DMs (the same item announced to the same person twice), reminders or digest posts',
      ok: f.doubleDms.length === 0 && f.doubleReminders.length === 0 && f.doubleDigests.length === 0,
      detail: `double DMs ${f.doubleDms.length} (${f.doubleDmsAfterFlush} of them announced again after the FLUSHALL), double reminders ${f.doubleReminders.length} of ${f.reminders} reminders (${f.remindersDue} items due and still pending at the end), double digest slots ${f.doubleDigests.length} of ${f.digestSlots} scheduled posts`,
      problems: [...f.doubleDms, ...f.doubleReminders, ...f.doubleDigests],
    },
    {
      name: 'F5. nothing done in ISC as the service identity for a linked user',
      ok: f.serviceForLinked.length === 0,
      detail: `${f.serviceForLinked.length}; ${f.linkedActions} actions done as the linked users themselves, ${f.serviceActions} as the service identity (unlinked users)`,
      problems: f.serviceForLinked,
    },
  ];
}

function faultReport(f: FaultFigures, tamper: { seq: number; code: number | null; output: string; named: boolean }, checks: Check[]): { table: string; results: Record<string, unknown> } {
  const rows: Array<[string, string]> = [
    ['Decisions carried out in ISC / on the trail', `${f.decisionsInIsc} / ${f.decisionsOnTrail} (missing ${f.missing.length}, extra ${f.extra.length})`],
    ['`npm run audit -- --verify`', `exit ${f.verify.code}: ${f.verify.output.split('\n')[0]}`],
    ['Record edited in PostgreSQL, verify again', `edited record ${tamper.seq}: exit ${tamper.code}, ${tamper.named ? 'names it' : 'does NOT name it'}: ${tamper.output.split('\n')[0]}`],
    ['Double DMs (person + item)', `${f.doubleDms.length}${f.doubleDmsAfterFlush ? ` (${f.doubleDmsAfterFlush} re-announced after the FLUSHALL)` : ''}`],
    ['Double reminders', `${f.doubleReminders.length} (${f.reminders} reminders sent, ${f.remindersDue} items due and still pending at the end)`],
    ['Double digest posts for one slot', `${f.doubleDigests.length} (${f.digestSlots} scheduled posts)`],
    ['Done as the service identity for a linked user', `${f.serviceForLinked.length} (${f.linkedActions} done as the linked users, ${f.serviceActions} as the service identity)`],
    ['Requests sent / acked / not acked', `${f.requests.sent} / ${f.requests.acked} / ${f.requests.notAcked}; ${f.requests.answeredTryAgain} answered "try again"`],
    ['Refused after the state loss, then', `${refusalsSeen.length} users told; ${linkEvents.filter((e) => e.kind === 'connect' && e.at > 0 && e.ok).length - LINKED.size} reconnects, ${linkEvents.filter((e) => e.kind === 'confirm').length} confirmations with /workitems disconnect`],
  ];
  const table = [
    `Fault soak (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores): figures`,
    '| Figure | Result |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
    'After each fault:',
    ...f.faults.flatMap((e) => [`- ${e.kind} at ${secs(e.at)}: ${e.detail}`, ...e.after.map((a) => `    ${a}`)]),
  ].join('\n');
  return {
    table,
    results: {
      figures: { ...f, verify: f.verify, tamper },
      checks: checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, problems: c.problems ?? [] })),
      linkEvents,
      refusalsSeen,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Virtual users

interface Screen {
  blocks: Block[];
  channel: string;
}

const isDirect = (id: string): boolean => ([ACTION.approve, ACTION.reject, ACTION.approveAll, ACTION.rejectAll, ACTION.complete] as string[]).includes(id);
const DIRECT_KIND: Record<string, ActionClick['kind']> = {
  [ACTION.approve]: 'approve',
  [ACTION.reject]: 'reject',
  [ACTION.approveAll]: 'approveAll',
  [ACTION.rejectAll]: 'rejectAll',
  [ACTION.complete]: 'complete',
};
const WEIGHTS: Record<string, number> = {
  [ACTION.approve]: 30,
  [ACTION.reject]: 8,
  [ACTION.approveAll]: 10,
  [ACTION.rejectAll]: 3,
  [ACTION.complete]: 12,
  [ACTION.forward]: 10,
  [ACTION.selectAccounts]: 10,
  [ACTION.details]: 4,
};

function weightedPick(buttons: Button[]): Button | undefined {
  const total = buttons.reduce((n, b) => n + (WEIGHTS[b.action_id] ?? 0), 0);
  let r = rng() * total;
  for (const b of buttons) {
    r -= WEIGHTS[b.action_id] ?? 0;
    if (r < 0) return b;
  }
  return undefined;
}

/** Waits for the answer to a response_url; returns the last one that replaced the message, if any. */
async function answerOf(s: Sent, count = 1): Promise<Record<string, any> | undefined> {
  if (s.status !== 200 || !s.responseId) return undefined;
  await until(() => answers.responsesTo(s.responseId!).length >= count, ANSWER_WAIT_MS, 50);
  return answers.responsesTo(s.responseId).filter((r) => r.replace_original === true || r.response_type === 'ephemeral').at(-1);
}

class VirtualUser {
  screen?: Screen;
  constructor(
    readonly user: VUser,
    readonly admin = false,
  ) {}

  async list(text = ''): Promise<void> {
    const s = await command(this.user, text);
    const reply = await answerOf(s);
    if (reply && Array.isArray(reply.blocks) && buttonsOf(reply.blocks).length) this.screen = { blocks: reply.blocks, channel: 'C0SOAKCHAN' };
  }

  async pageTurn(): Promise<void> {
    const paging = buttonsOf(this.screen?.blocks).filter((b) => b.action_id === ACTION.pageNext || b.action_id === ACTION.pagePrev || b.action_id === ACTION.refresh);
    if (!paging.length || !this.screen) return this.list();
    const s = await click(this.user, 'click', pick(paging), this.screen.channel);
    const reply = await answerOf(s);
    if (reply?.replace_original) this.screen = { blocks: reply.blocks, channel: this.screen.channel };
  }

  /** A button from the list on screen, or from a DM about a new item. */
  async act(fromDm: boolean): Promise<void> {
    let screen = this.screen;
    if (fromDm) {
      const dms = rig.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === `D${this.user.id}` && isNewWorkItemDm(c.args));
      const dm = dms.length ? pick(dms.slice(-8)) : undefined;
      if (dm) screen = { blocks: dm.args.blocks as Block[], channel: String(dm.args.channel) };
    }
    const candidates = buttonsOf(screen?.blocks).filter((b) => {
      if (!(b.action_id in WEIGHTS)) return false;
      // Each item is forwarded at most once in the soak, so forwards can be counted per item.
      if (b.action_id === ACTION.forward) return !forwardedOnce.has(decodeItemValue(b.value)?.w ?? '');
      return true;
    });
    const button = weightedPick(candidates);
    if (!screen || !button) return this.list();
    if (button.action_id === ACTION.forward || button.action_id === ACTION.selectAccounts) return this.modal(button, screen);
    const value = decodeItemValue(button.value)!;
    // A double click: the same click twice at once (Slack sends each with its own response_url).
    const double = isDirect(button.action_id) && rng() < 0.15;
    const clicks = await Promise.all(Array.from({ length: double ? 2 : 1 }, () => click(this.user, 'click', button, screen.channel, { double })));
    if (isDirect(button.action_id)) for (const s of clicks) actionClicks.push({ sent: s, kind: DIRECT_KIND[button.action_id], w: value.w, a: value.a });
    const replies = await Promise.all(clicks.map((s) => answerOf(s)));
    const redraw = replies.filter((r) => r?.replace_original).at(-1);
    if (redraw && screen === this.screen) this.screen = { blocks: redraw.blocks, channel: screen.channel };
  }

  /** Forward or Select accounts: the modal opens (loading, then the form), the user fills it in and submits. */
  async modal(button: Button, screen: Screen): Promise<void> {
    const forward = button.action_id === ACTION.forward;
    const value = decodeItemValue(button.value)!;
    const opener = await click(this.user, 'opener', button, screen.channel);
    if (opener.status !== 200) return;
    let viewId: string | undefined;
    await until(() => {
      answers.sync();
      viewId = answers.viewByTrigger.get(opener.triggerId!);
      return viewId !== undefined;
    }, ANSWER_WAIT_MS, 50);
    if (!viewId) return;
    opener.viewId = viewId;
    await until(() => answers.updatesOf(viewId!).length > 0, ANSWER_WAIT_MS, 50);
    const form = answers.updatesOf(viewId)[0]?.view;
    const callbackId = forward ? VIEW.forward : VIEW.selectAccounts;
    if (!form || form.callback_id !== callbackId) return; // refused, no longer pending, or ISC failed: the modal says why
    await sleep(between(300, 1500)); // filling in the form
    let values: Record<string, Record<string, unknown>>;
    let target: VUser | undefined;
    if (forward) {
      if (forwardedOnce.has(value.w)) return;
      forwardedOnce.add(value.w);
      target = pick(APPROVERS.filter((u) => u.id !== this.user.id && rig.sandbox.identityForEmail(u.email).id !== rig.sandbox.getWorkItemState(value.w)?.ownerId));
      // Picking the person sends a block action (dispatch_action), as in Slack.
      const triggerId = nextTrigger();
      await send('select', this.user.id, FORWARD_FIELDS.targetAction, actionBody(this.user, { action_id: FORWARD_FIELDS.targetAction, type: 'users_select', selected_user: target.id }, triggerId, { viewId, callbackId }), FORM);
      values = {
        [FORWARD_FIELDS.targetBlock]: { [FORWARD_FIELDS.targetAction]: { type: 'users_select', selected_user: target.id } },
        [FORWARD_FIELDS.commentBlock]: { [FORWARD_FIELDS.commentAction]: { type: 'plain_text_input', value: 'Soak: please take this one' } },
        [FORWARD_FIELDS.notifyBlock]: { [FORWARD_FIELDS.notifyAction]: { type: 'checkboxes', selected_options: [] } },
      };
    } else {
      values = {};
      for (const b of (form.blocks ?? []) as Block[]) {
        if (b.type !== 'input' || !String(b.block_id).startsWith(ACCOUNT_FIELDS.blockPrefix)) continue;
        const options = (b.element?.options ?? []) as Array<{ value: string }>;
        values[b.block_id] = { [ACCOUNT_FIELDS.actionId]: options.length ? { type: 'static_select', selected_option: pick(options) } : { type: 'plain_text_input', value: 'acct-x' } };
      }
    }
    const view = { id: viewId, callback_id: callbackId, private_metadata: form.private_metadata, state: { values } };
    // Now and then the submit reaches the bot twice (a double click on Submit, a redelivery).
    const double = rng() < 0.15;
    const subs = await Promise.all(Array.from({ length: double ? 2 : 1 }, () => submitView(this.user, view, { double })));
    for (const s of subs) submissions.push({ sent: s, kind: forward ? 'forward' : 'selectAccounts', w: value.w, viewId, target: target?.id });
    const expected = subs.filter((s) => s.status === 200 && isLoadingAck(s)).length;
    await until(() => answers.updatesOf(viewId!, subs[0].callsAt).length >= expected, ANSWER_WAIT_MS, 50);
    // The card behind the modal is redrawn through the opener's response_url.
    await until(() => answers.responsesTo(opener.responseId!).length > 0, 2000, 50);
  }

  async home(): Promise<void> {
    const before = rig.slack.calls.length;
    const s = await homeOpened(this.user);
    if (s.status === 200) await until(() => rig.slack.calls.slice(before).some((c) => c.method === 'views.publish' && c.args.user_id === this.user.id), ANSWER_WAIT_MS, 50);
  }

  /**
   * `/workitems connect`, then the browser: the Connect button's URL, the sandbox's sign-in page as
   * this user, back to the bot's callback (through the balancer at PUBLIC_URL); true when connected.
   */
  async connect(): Promise<boolean> {
    const at = now();
    const s = await command(this.user, 'connect');
    const reply = await answerOf(s);
    const button = ((reply?.blocks ?? []) as Block[]).flatMap((b) => (b.elements ?? []) as Block[]).find((e) => e.action_id === ACTION.connect && typeof e.url === 'string');
    let ok = false;
    let detail = button ? '' : `no Connect button (${String(reply?.text ?? s.status).slice(0, 100)})`;
    if (button) {
      try {
        const authorize = new URL(String(button.url));
        await fetch(authorize, { redirect: 'manual' }).then((r) => r.text());
        const signedIn = await fetch(new URL('/oauth/authorize', authorize), {
          method: 'POST',
          body: new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), email: this.user.email, action: 'sign-in' }),
          redirect: 'manual',
        });
        const callback = signedIn.headers.get('location');
        const res = callback ? await fetch(callback, { redirect: 'manual' }) : undefined;
        const page = res ? await res.text() : '';
        ok = res?.status === 200 && page.includes('Connected to ISC as');
        detail = ok ? 'connected' : `callback ${res?.status ?? 'none'}: ${page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 120)}`;
      } catch (e) {
        detail = String(e);
      }
    }
    linkEvents.push({ user: this.user.id, kind: 'connect', at, ok, detail });
    return ok;
  }

  private reactedAt = -1;

  /**
   * After a state loss (or a revoked link) the bot refuses to act and says to connect again or to
   * confirm with `/workitems disconnect`: a linked user connects again, the others confirm.
   */
  async answerRefusals(): Promise<void> {
    if (!FAULTS) return;
    let found: 'lost' | 'revoked' | undefined;
    for (const s of sent) {
      if (s.user !== this.user.id || !s.responseId || s.at <= this.reactedAt || now() - s.at > 60_000) continue;
      const text = answers.responsesTo(s.responseId).map((r) => json(r)).join('\n');
      if (text.includes('state store lost its state')) found = 'lost';
      else if (text.includes('no longer accepts your connected account')) found = found ?? 'revoked';
    }
    if (!found) return;
    this.reactedAt = now();
    refusalsSeen.push({ user: this.user.id, at: now(), kind: found });
    if (LINKED.has(this.user.id)) await this.connect();
    else {
      const s = await command(this.user, 'disconnect');
      const reply = await answerOf(s);
      linkEvents.push({ user: this.user.id, kind: 'confirm', at: s.at, ok: Boolean(reply), detail: String(reply?.text ?? '').slice(0, 120) });
    }
  }

  async run(): Promise<void> {
    await this.list();
    while (running) {
      await sleep(between(400, 1800));
      if (!running) break;
      await this.answerRefusals();
      const r = rng();
      if (r < 0.18) await this.list(pick(['', '', '', 'completed', 'summary']));
      else if (r < 0.28) await this.pageTurn();
      else if (r < 0.78) await this.act(false);
      else if (r < 0.86) await this.home();
      else await this.act(true);
    }
  }

  /** The admin: digests, task lists, and someone else's work items (acting for them now and then). */
  async runAdmin(): Promise<void> {
    await sleep(between(2000, 5000));
    while (running) {
      await this.answerRefusals();
      const r = rng();
      if (r < 0.35) await this.digest();
      else if (r < 0.45) await this.list('digest preview');
      else if (r < 0.55) await this.list('tasks');
      else {
        await this.list(`<@${pick(APPROVERS).id}>`);
        if (rng() < 0.6) await this.act(false);
      }
      await sleep(between(4000, 9000));
    }
  }

  async digest(): Promise<void> {
    const s = await command(this.user, 'digest');
    if (s.status === 200) await until(() => answers.responsesTo(s.responseId!).some((r) => !isDigestProgress(r)), 30_000, 100);
  }
}

const isDigestProgress = (r: Record<string, any>) => /Reading ISC for the digest/.test(String(r.text));
/** The bot answered a submission by switching the modal to a progress view: a final views.update must follow. */
const isLoadingAck = (s: Sent) => /"response_action":"update"/.test(s.ackBody) && /⏳/.test(s.ackBody);

// ---------------------------------------------------------------------------------------------------
// Checks

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  problems?: string[];
}

/**
 * The blocks of one work item in a message: a detail card's (block ids `${w}:…`), or a list card's
 * section with its actions block, which names the item in its values or block id (`w=${w}`).
 */
function blocksOfItem(blocks: Block[] | undefined, w: string): Block[] {
  const all = blocks ?? [];
  const names = (b: Block) => b.type === 'actions' && (json(b).includes(`w=${w}&`) || json(b).includes(`w=${w}"`) || json(b).includes(`"w":"${w}"`));
  return all.filter((b, i) => String(b.block_id ?? '').startsWith(`${w}:`) || names(b) || (b.type === 'section' && all[i + 1] !== undefined && names(all[i + 1])));
}
const textOf = (b: Block) => json(b);

/** Whether a card redraw shows the click's action done by the actor. */
function redrawShowsSuccess(c: ActionClick): boolean {
  const replies = answers.responsesTo(c.sent.responseId!).filter((r) => r.replace_original === true);
  // The actor reads their own decision as "by you"; older cards named them.
  const byActor = (verb: string) => [`${verb} by <@${c.sent.user}>`, `${verb} by you`];
  // "Already decided" redraws the card as it is, with the person's own earlier decision on it, and says
  // so in a notice beside it: not this click's success.
  if (answers.responsesTo(c.sent.responseId!).some((r) => json(r).includes('was already decided; here it is as it is now'))) return false;
  return replies.some((r) => {
    const own = blocksOfItem(r.blocks, c.w);
    if (c.kind === 'approve' || c.kind === 'reject') {
      // The approval item's own line: block `${w}:ai${index}` on a detail card, in ISC's order of
      // approval items; a list card has the decision as its headline.
      const approvalItems = rig.sandbox.getWorkItemState(c.w)?.approvalItems ?? [];
      const index = approvalItems.findIndex((x) => x.id === c.a);
      const lines = byActor(c.kind === 'approve' ? 'Approved' : 'Rejected');
      const perLine = own.filter((b) => String(b.block_id ?? '').includes(':ai'));
      // A list card's headline is the item's latest decision: it names this line's only when the item has one line.
      const candidates = perLine.length ? perLine.filter((b) => b.block_id === `${c.w}:ai${index}`) : approvalItems.length <= 1 ? own : [];
      return candidates.some((b) => lines.some((line) => textOf(b).includes(line)));
    }
    const lines = byActor(c.kind === 'complete' ? 'Completed' : c.kind === 'approveAll' ? 'Approved' : 'Rejected');
    return own.some((b) => !String(b.block_id ?? '').includes(':ai') && lines.some((line) => textOf(b).includes(line)));
  });
}

function finalModalText(sub: ModalSubmission): string {
  return answers
    .updatesOf(sub.viewId, sub.sent.callsAt)
    .map((u) => json(u.view.blocks))
    .join('\n');
}

function submissionShowsSuccess(s: ModalSubmission): boolean {
  const line = s.kind === 'forward' ? 'Forwarded to' : 'Accounts submitted';
  if (finalModalText(s).includes(line)) return true;
  // A form closes on success: the card it was opened from, redrawn, says how it ended (each item is
  // forwarded at most once in the soak, so the item's redraw is this submission's).
  answers.sync();
  return [...answers.byResponseId.values()].some((bodies) => bodies.some((b) => blocksOfItem(b.blocks, s.w).some((x) => textOf(x).includes(line))));
}

const submissionKey = (s: ModalSubmission) => `${s.kind === 'forward' ? 'forward' : 'submit'}:${s.w}`;

interface MutationKey {
  w: string;
  key: string;
}

/** The kind of change a sandbox mutation made, keyed so that two of a key would be a repeat. */
function mutationKey(method: string, p: string): MutationKey | undefined {
  if (method !== 'POST') return undefined;
  const m = /^\/(?:v3\/work-items|work-items\/v1)\/(.+)$/.exec(p);
  if (!m) return undefined;
  const parts = m[1].split('/');
  if (parts[0] === 'bulk-approve' || parts[0] === 'bulk-reject') return { w: parts[1], key: `bulk:${parts[1]}` };
  const [w, op, a] = parts;
  if (!op) return { w, key: `complete:${w}` };
  if (op === 'approve' || op === 'reject') return { w, key: `decide:${w}:${a}` };
  if (op === 'forward') return { w, key: `forward:${w}` };
  if (op === 'submit-account-selection') return { w, key: `submit:${w}` };
  return { w, key: `${op}:${w}` };
}

function clickKey(c: ActionClick): string {
  if (c.kind === 'approve' || c.kind === 'reject') return `decide:${c.w}:${c.a}`;
  if (c.kind === 'complete') return `complete:${c.w}`;
  return `bulk:${c.w}`;
}

/** The soak's mutation key of an audit row, as mutationKey gives it for the ISC request. */
function auditKey(r: DecisionRow): string {
  if (r.action === 'approve' || r.action === 'reject') return `decide:${r.item_id}:${r.approval_item}`;
  if (r.action === 'approveAll' || r.action === 'rejectAll') return `bulk:${r.item_id}`;
  if (r.action === 'selectAccounts') return `submit:${r.item_id}`;
  return `${r.action}:${r.item_id}`;
}

/**
 * 8. The audit export lists every action the users saw succeed (as done), and every change ISC made as
 * a decision that reached ISC (an intent, with the identity ISC saw act: a request that timed out and
 * was carried out late shows as failed, "may still have been applied").
 */
async function auditCheck(dataDir: string): Promise<Check> {
  // The fleet shares one audit trail in PostgreSQL; one process keeps it in DATA_DIR.
  const config = { dataDir, audit: { retentionDays: 400, ...(FLEET ? { databaseUrl: DATABASE_URL } : {}) } };
  const log = await openAuditLog(config, silentLogger);
  const [rows, chain] = await Promise.all([decisionsSince(log, new Date(t0 - 60_000)), log.verify()]).finally(() => log.close());
  const carriedOut = new Set<string>();
  const sentToIsc = new Map<string, DecisionRow[]>();
  for (const r of rows) {
    if (r.outcome === 'done' || r.outcome === 'already_decided (unconfirmed)') carriedOut.add(auditKey(r));
    if (r.acting_as) sentToIsc.set(auditKey(r), [...(sentToIsc.get(auditKey(r)) ?? []), r]);
  }
  const problems: string[] = [];
  const serviceId = SEED_IDENTITIES.service.id;
  let changes = 0;
  for (const m of rig.sandbox.stats().mutations) {
    const k = mutationKey(m.method, m.path);
    if (!k || m.status !== 200) continue;
    changes++;
    const attempts = sentToIsc.get(k.key) ?? [];
    if (!attempts.length) problems.push(`${k.key}: changed in ISC, no decision on the audit trail reached ISC`);
    else if (!attempts.some((r) => (m.identityId === serviceId) === (r.acting_as === 'service') && r.acting_identity)) {
      problems.push(`${k.key}: ISC saw ${m.identityId} act, the audit trail says ${attempts.map((r) => r.acting_identity).join(', ')}`);
    }
  }
  const seen = new Set([
    ...actionClicks.filter((c) => c.sent.status === 200 && redrawShowsSuccess(c)).map(clickKey),
    ...submissions.filter((s) => s.sent.status === 200 && submissionShowsSuccess(s)).map(submissionKey),
  ]);
  for (const key of seen) if (!carriedOut.has(key)) problems.push(`${key}: the user saw it succeed, the audit trail has no done outcome`);
  if (!chain.ok) problems.push(`npm run audit -- --verify: broken at record ${chain.seq}: ${chain.problem}`);
  const count = (outcome: string) => rows.filter((r) => r.outcome.startsWith(outcome)).length;
  return {
    name: '8. the audit export lists every action the users saw succeed and every change ISC made, with the identity ISC saw act',
    ok: problems.length === 0,
    detail: `${chain.ok ? `chain whole (${chain.count} records${FLEET ? ` in ${DATABASE_URL}` : ''})` : 'chain broken'}; ${rows.length} decisions exported (done ${count('done')}, refused ${count('refused')}, failed ${count('failed')}, already decided ${count('already_decided')}, no outcome ${count('unknown')}); ${changes} changes in ISC; ${seen.size} successes seen`,
    problems,
  };
}

const inRestartWindow = (s: Sent) => restartWindows.some((w) => (s.at >= w.from - 50 && s.at <= w.to + 50) || (s.done >= w.from - 50 && s.done <= w.to + 50));
/** Delivered to a replica that was then killed while it could still be working on it: a crash loses such requests. */
const lostInCrash = (s: Sent) =>
  failovers.some((f) => f.kind === 'SIGKILL' && s.gens.includes(f.gen) && s.gens.length === 1 && s.at >= f.at - ANSWER_WAIT_MS && s.at <= f.at + 50);

function runChecks(): { checks: Check[]; totals: string[] } {
  answers.sync();
  const stats = rig.sandbox.stats();
  const ok200 = new Map<string, number>();
  for (const m of stats.mutations) {
    const k = mutationKey(m.method, m.path);
    if (k && m.status === 200) ok200.set(k.key, (ok200.get(k.key) ?? 0) + 1);
  }
  const checks: Check[] = [];

  // 1. What the user saw succeed happened exactly once in ISC.
  {
    const problems: string[] = [];
    let seen = 0;
    for (const c of actionClicks) {
      if (c.sent.status !== 200 || !redrawShowsSuccess(c)) continue;
      seen++;
      const n = ok200.get(clickKey(c)) ?? 0;
      if (n !== 1) problems.push(`${c.kind} ${c.w}${c.a ? `/${c.a}` : ''} by ${c.sent.user} showed success, ISC has ${n} successful mutations`);
    }
    for (const s of submissions) {
      if (s.sent.status !== 200 || !submissionShowsSuccess(s)) continue;
      seen++;
      const n = ok200.get(submissionKey(s)) ?? 0;
      if (n !== 1) problems.push(`${s.kind} ${s.w} by ${s.sent.user} showed success, ISC has ${n} successful mutations`);
    }
    checks.push({ name: '1. every action the user saw succeed happened exactly once in ISC', ok: problems.length === 0, detail: `${seen} successes seen (clicks and submissions, double clicks included)`, problems });
  }

  // 2. Nothing happened twice.
  {
    const problems = [...ok200].filter(([, n]) => n > 1).map(([k, n]) => `${k}: ${n} successful mutations`);
    const forwards = [...ok200].filter(([k]) => k.startsWith('forward:'));
    const byKind = new Map<string, number>();
    for (const [k, n] of ok200) byKind.set(k.split(':')[0], (byKind.get(k.split(':')[0]) ?? 0) + n);
    checks.push({
      name: '2. nothing happened twice in ISC (per approval item / work item and kind; forwards ≤ 1 per item, each forwarded once)',
      ok: problems.length === 0,
      detail: `${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}; ${forwards.length} items forwarded`,
      problems,
    });
  }

  // 3. Every click got a message back.
  {
    const problems: string[] = [];
    const unacked = sent.filter((s) => s.status !== 200 && s.kind !== 'select');
    const unackedPlanned = unacked.filter(inRestartWindow);
    const crashLost = sent.filter(lostInCrash);
    for (const s of unacked.filter((x) => !inRestartWindow(x) && !lostInCrash(x))) problems.push(`#${s.n} ${s.kind} ${s.label} by ${s.user} at ${secs(s.at)}: ack ${s.status || 'connection failed'} outside a planned restart`);
    let answered = 0;
    const acked = sent.filter((s) => s.status === 200);
    const submitsByView = new Map<string, Sent[]>();
    for (const s of acked) {
      let got = false;
      if (s.kind === 'command') {
        const rs = answers.responsesTo(s.responseId!);
        got = s.label === '/workitems digest' ? rs.some((r) => !isDigestProgress(r)) : rs.length > 0;
      } else if (s.kind === 'click') {
        got = answers.responsesTo(s.responseId!).length > 0;
        // By design a person's repeats of one action on one item within 10 s share the notice the first repeat got.
        if (!got) got = acked.some((o) => o !== s && o.kind === 'click' && o.user === s.user && o.button === s.button && o.at <= s.at && s.at - o.at <= REPEAT_NOTICE_MS && answers.responsesTo(o.responseId!).length > 0);
      }
      else if (s.kind === 'opener') {
        const viewId = answers.viewByTrigger.get(s.triggerId!);
        got = viewId !== undefined && answers.updatesOf(viewId).length > 0;
      } else if (s.kind === 'submit') {
        if (isLoadingAck(s) && !lostInCrash(s)) submitsByView.set(s.viewId!, [...(submitsByView.get(s.viewId!) ?? []), s]);
        continue;
      } else if (s.kind === 'home') continue;
      else continue; // a user picked in a modal needs only its ack
      if (got) answered++;
      else if (lostInCrash(s)) continue;
      else problems.push(`#${s.n} ${s.kind} ${s.label} by ${s.user} at ${secs(s.at)} (bot ${s.gen}): acked, never answered`);
    }
    for (const [viewId, subs] of submitsByView) {
      const updates = answers.updatesOf(viewId, Math.min(...subs.map((s) => s.callsAt))).length;
      answered += Math.min(updates, subs.length);
      if (updates < subs.length) {
        for (const s of subs.slice(updates)) problems.push(`#${s.n} submit ${s.label} by ${s.user} at ${secs(s.at)} (bot ${s.gen}): modal left on its progress view`);
      }
    }
    const homes = acked.filter((s) => s.kind === 'home');
    for (const u of [...APPROVERS, ADMIN]) {
      const opened = homes.filter((s) => s.user === u.id).length;
      const published = rig.slack.calls.filter((c) => c.method === 'views.publish' && c.args.user_id === u.id).length;
      answered += Math.min(opened, published);
      if (published < opened) problems.push(`${u.id}: ${opened} Home opens acked, ${published} Home tabs published`);
    }
    const lateAnswers = unackedPlanned.filter((s) => s.responseId && answers.responsesTo(s.responseId).length > 0).length;
    checks.push({
      name: '3. every interaction acked got a message back (card redraw, ephemeral notice, modal update, Home tab)',
      ok: problems.length === 0,
      detail:
        `${answered} answered; not acked because the bot was down for a planned restart: ${unackedPlanned.length} (in Slack the user sees Slack's own "didn't respond" error for these, and events are retried; ${lateAnswers} answered anyway)` +
        (FLEET ? `; sent only to the replica killed with SIGKILL in the ${ANSWER_WAIT_MS / 1000} s before: ${crashLost.length}, of them ${crashLost.filter((s) => s.status === 200).length} acked (a crash loses what was under way)` : ''),
      problems,
    });
  }

  // 4. Notifications: each new item announced to its owner exactly once.
  {
    const problems: string[] = [];
    const { expected, repeats, checked, optional } = notificationState();
    for (const e of expected) if (e.mentions !== 1) problems.push(`${e.user}: ${e.title} pending at the end, announced ${e.mentions} times`);
    for (const r of repeats) problems.push(r);
    const dms = dmCalls();
    checks.push({
      name: '4. notifications: every item pending for a subscriber was announced once (a DM, or the first-poll summary), none repeated (checked after a final settle with faults off)',
      ok: problems.length === 0,
      detail: `${checked} (user, item) pairs pending at the end checked; ${optional} decided or forwarded away before the poll (a DM optional); ${dms.newItem.length} new-item DMs`,
      problems,
    });
  }

  // 5. No crash.
  {
    const problems: string[] = [];
    for (const g of gens) {
      if (!g.exit) problems.push(`bot ${g.n} (pid ${g.pid}) still running`);
      else if (g.crashed) continue;
      else if (!g.planned) problems.push(`bot ${g.n} (pid ${g.pid}) exited unplanned at ${secs(g.exit.at)}: code ${g.exit.code}, signal ${g.exit.signal}`);
      else if (g.killed || g.exit.code !== 0) problems.push(`bot ${g.n} (pid ${g.pid}) did not stop cleanly on SIGTERM: code ${g.exit.code}, signal ${g.exit.signal}${g.killed ? ' (SIGKILL after the grace period)' : ''}`);
    }
    checks.push({
      name: `5. the process never exited except for the planned stops (each exit 0 on SIGTERM${FLEET ? '; the SIGKILL is the planned crash' : ''})`,
      ok: problems.length === 0,
      detail: gens.map((g) => `bot ${g.n}${FLEET ? ` (replica ${g.slot + 1})` : ''}: exit ${g.exit?.code ?? '-'}${g.exit?.signal ? ` ${g.exit.signal}` : ''}${g.stopMs !== undefined ? ` after ${secs(g.stopMs)}` : ''}`).join('; '),
      problems,
    });
  }

  // 6. Memory.
  {
    const span = SOAK_SECONDS * 1000;
    const first = rss.filter((s) => s.t < span / 3).map((s) => s.mib);
    const last = rss.filter((s) => s.t >= (2 * span) / 3 && s.t <= span).map((s) => s.mib);
    const firstMax = Math.max(...first);
    const lastMax = Math.max(...last);
    const all = rss.map((s) => s.mib);
    const ok = first.length > 0 && last.length > 0 && lastMax <= firstMax * 1.3;
    const perGen = gens.map((g) => {
      const xs = rss.filter((s) => s.gen === g.n).map((s) => s.mib);
      return xs.length ? `bot ${g.n}: ${xs[0]} → ${xs.at(-1)} (max ${Math.max(...xs)})` : `bot ${g.n}: –`;
    });
    checks.push({
      name: '6. memory stayed flat (max RSS of the last third ≤ 1.3 × max of the first third)',
      ok,
      detail: `RSS MiB first ${all[0]}, last ${all.at(-1)}, max ${Math.max(...all)}; first third max ${firstMax}, last third max ${lastMax} (${rss.length} samples; ${perGen.join('; ')})`,
      problems: ok ? [] : [`last third max ${lastMax} MiB > 1.3 × first third max ${firstMax} MiB`],
    });
  }

  if (FLEET) {
    // 9. The fleet's ISC requests, as the sandbox received them, within the one limit of the client id.
    const times = [...iscRequestTimes].sort((a, b) => a - b);
    let busiest = 0;
    let busiestAt = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[j] <= times[i] - 10_000) j++;
      if (i - j + 1 > busiest) [busiest, busiestAt] = [i - j + 1, times[j]];
    }
    // What the limiter's hold after a lost window costs: the requests either side of the flush.
    const flushAt = faultEvents.find((f) => f.kind === 'FLUSHALL Redis')?.at;
    const within = (from: number, to: number) => times.filter((t) => t >= from && t < to).length;
    const aroundFlush = flushAt === undefined ? '' : `; ${within(flushAt - 10_000, flushAt)} in the 10 s before the FLUSHALL, ${within(flushAt, flushAt + 10_000)} in the 10 s after it`;
    checks.push({
      name: `9. the fleet's ISC requests stayed within SAIL_RATE_LIMIT_PER_10S=${RATE_LIMIT_PER_10S} in every 10 s (counted where ISC receives them)`,
      ok: busiest <= RATE_LIMIT_PER_10S,
      detail: `busiest 10 s: ${busiest} requests (from ${secs(busiestAt)}); ${times.length} requests in all, retries included${aroundFlush}`,
      problems: busiest <= RATE_LIMIT_PER_10S ? [] : [`${busiest} requests in the 10 s from ${secs(busiestAt)}`],
    });

    // 10. One replica ran the background work at a time, and another took it over within the lease.
    const problems: string[] = [];
    // After a SIGKILL the lease must expire, then a follower's next round takes it; a SIGTERM'd
    // leader hands it back as it stops, before draining its requests.
    const round = (LEASE_SECONDS * 1000) / 3;
    const bound = (f: (typeof failovers)[number]) => (f.kind === 'SIGTERM' ? round + 1000 : LEASE_SECONDS * 1000 + round + 1000);
    for (const f of failovers) {
      const took = f.takenOverAt === undefined ? undefined : f.takenOverAt - f.at;
      if (took === undefined || took > bound(f)) problems.push(`${f.kind} to bot ${f.gen} at ${secs(f.at)}: taken over ${took === undefined ? 'never' : `after ${secs(took)}`} (bound ${secs(bound(f))})`);
    }
    const bySample = new Map<number, Set<number>>();
    for (const r of roles.filter((x) => x.role === 'leader')) {
      const slot = Math.floor(r.t / 250);
      bySample.set(slot, new Set([...(bySample.get(slot) ?? []), r.gen]));
    }
    const overlaps = [...bySample].filter(([, g]) => g.size > 1);
    for (const [slot, g] of overlaps.slice(0, 5)) problems.push(`bots ${[...g].join(' and ')} both reported leading at ${secs(slot * 250)}`);
    checks.push({
      name: `10. one replica at a time ran the background work; after a SIGKILL another took over within the ${LEASE_SECONDS} s lease (plus one renewal round), after a SIGTERM within a round`,
      ok: problems.length === 0 && failovers.length === (FAULTS ? 1 : 2),
      detail: failovers.map((f) => `${f.kind} to bot ${f.gen}: bot ${f.by ?? '-'} took over after ${f.takenOverAt === undefined ? 'never' : secs(f.takenOverAt - f.at)}`).join('; ') + `; ${roles.length} /healthz samples`,
      problems,
    });
  }

  // Digest slots: a scheduled slot is posted once, across restarts.
  const digests = rig.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === DIGEST_CHANNEL);
  const scheduledPosts = digests.filter((c) => json(c.args.blocks).includes('Scheduled for'));
  const scheduled = scheduledPosts.filter((c) => !isTaskHealthPost(c.args));
  const slots = scheduledPosts.map(slotOf);
  const repeatedSlots = slots.filter((s, i) => slots.indexOf(s) !== i);
  checks.push({
    name: '+ digest: each scheduled slot posted at most once across restarts',
    ok: repeatedSlots.length === 0,
    detail: `${scheduled.length} scheduled (${scheduled.filter((c) => json(c.args.blocks).includes('Late')).length} late catch-ups), ${digests.filter((c) => !isTaskHealthPost(c.args)).length - scheduled.length} by /workitems digest`,
    problems: repeatedSlots.map((s) => `slot ${s} posted more than once`),
  });

  // 7. Nothing ISC carried out was reported to the user as a plain failure. For each change no click
  // showed as a success (a POST whose answer was lost or late), the click(s) that asked for it — sent
  // before it happened — must have said it may have gone through, or shown the item decided.
  const shown = new Set<string>();
  for (const c of actionClicks) if (c.sent.status === 200 && redrawShowsSuccess(c)) shown.add(clickKey(c));
  for (const s of submissions) if (s.sent.status === 200 && submissionShowsSuccess(s)) shown.add(submissionKey(s));
  const firstAt = new Map<string, number>();
  for (const m of stats.mutations) {
    const k = mutationKey(m.method, m.path);
    if (k && m.status === 200 && !firstAt.has(k.key)) firstAt.set(k.key, Date.parse(m.at) - t0);
  }
  const unseen = [...ok200.keys()].filter((k) => !shown.has(k));
  const MAYBE = /may still have been applied|most likely/;
  const misreported: string[] = [];
  let caveated = 0;
  let unattributed = 0;
  let crashLost = 0;
  for (const k of unseen) {
    const at = firstAt.get(k)!;
    const [, w, a] = k.split(':');
    const clicks = actionClicks.filter((c) => c.sent.status === 200 && clickKey(c) === k && c.sent.at <= at);
    const subs = submissions.filter((x) => x.sent.status === 200 && submissionKey(x) === k && x.sent.at <= at);
    if (!clicks.length && !subs.length) {
      unattributed++;
      continue;
    }
    const clickInformed = (c: ActionClick) =>
      answers.responsesTo(c.sent.responseId!).some((r) => {
        if (MAYBE.test(json(r))) return true;
        const own = blocksOfItem(r.blocks, w);
        if (!r.replace_original || !own.length) return false;
        const values = buttonsOf(own).filter((b) => b.action_id !== ACTION.details).map((b) => decodeItemValue(b.value)!);
        return !values.some((v) => v.w === w && (!a || v.a === a));
      });
    if (clicks.some(clickInformed) || subs.some((x) => MAYBE.test(finalModalText(x)))) {
      caveated++;
      continue;
    }
    // The replica doing it was killed before it could answer: the user was told nothing, not a failure.
    if ([...clicks.map((c) => c.sent), ...subs.map((x) => x.sent)].every(lostInCrash)) {
      crashLost++;
      continue;
    }
    const told = [...clicks.flatMap((c) => answers.responsesTo(c.sent.responseId!).map((r) => String(r.text))), ...subs.map((x) => finalModalText(x).slice(0, 200))];
    misreported.push(`${k} carried out at ${secs(at)}; the user was told: ${told.map((t) => JSON.stringify(t.slice(0, 120))).join(' / ') || 'nothing'}`);
  }
  checks.push({
    name: '7. nothing ISC carried out was reported to the user as a plain failure',
    ok: misreported.length === 0,
    detail:
      `${unseen.length} ISC changes no click showed as a success (answer late or lost): ${caveated} told "it may still have been applied"/"most likely went through" or shown the item decided, ${unattributed} with no click before them` +
      (FLEET ? `, ${crashLost} asked of the replica killed before it could answer` : ''),
    problems: misreported,
  });

  if (process.env.SOAK_DEBUG_FILE) {
    const detail = unseen.map((k) => {
      const w = k.split(':')[1];
      return {
        key: k,
        mutations: stats.mutations.filter((m) => m.path.includes(w)),
        clicks: actionClicks.filter((c) => c.w === w).map((c) => ({ ...c, answers: answers.responsesTo(c.sent.responseId!) })),
        submissions: submissions.filter((x) => x.w === w).map((x) => ({ ...x, updates: answers.updatesOf(x.viewId) })),
        openers: sent.filter((x) => x.kind === 'opener' && answers.responsesTo(x.responseId!).length >= 0 && (x.viewId ? submissions.some((y) => y.viewId === x.viewId && y.w === w) : false)),
      };
    });
    const dmPosts = rig.slack.calls
      .map((c, i) => ({ c, t: answers.callSeenAt[i] }))
      .filter(({ c }) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('D'))
      .map(({ c, t }) => ({ t, channel: c.args.channel, text: String(c.args.text).slice(0, 160), thread: c.args.thread_ts }));
    const itemLog = [...items.values()].map((i) => ({ w: i.w, title: i.title, owner: i.owner.id, addedAt: i.addedAt, state: rig.sandbox.getWorkItemState(i.w)?.state, ownerId: rig.sandbox.getWorkItemState(i.w)?.ownerId }));
    fs.writeFileSync(process.env.SOAK_DEBUG_FILE, JSON.stringify({ dmPosts, itemLog, detail, gens: gens.map((g) => ({ n: g.n, output: g.bot.output.join('') })) }, null, 1));
  }

  // How long after an item arrived its DM was posted.
  const delays: number[] = [];
  for (const c of dmCalls().newItem) {
    const item = [...items.values()].find((i) => String(c.args.text) === `New work item: ${i.title}`);
    const idx = rig.slack.calls.indexOf(c);
    if (item && item.addedAt > 0 && item.owner.id === String(c.args.channel).slice(1)) delays.push(answers.callSeenAt[idx] - item.addedAt);
  }
  delays.sort((a, b) => a - b);

  const by = (kind: SentKind) => sent.filter((s) => s.kind === kind).length;
  const clicksByAction = new Map<string, number>();
  for (const s of sent.filter((x) => x.kind === 'click' || x.kind === 'opener')) clicksByAction.set(s.label, (clicksByAction.get(s.label) ?? 0) + 1);
  const dms = dmCalls();
  const totals = [
    `interactions sent: ${sent.length} — commands ${by('command')}, button clicks ${by('click') + by('opener')} (${[...clicksByAction].map(([k, n]) => `${k.replace(/^wi_/, '')} ${n}`).join(', ')}), of them double clicks ${sent.filter((s) => s.double && s.kind === 'click').length}, modal submissions ${by('submit')} (double ${sent.filter((s) => s.double && s.kind === 'submit').length}), user picks ${by('select')}, Home opens ${by('home')}`,
    `ISC requests: ${iscRequestCount(rig)} (+ ${stats.tokenRequests} token grants) in ${secs(soakEnd)}, ${(iscRequestCount(rig) / (soakEnd / 1000)).toFixed(1)}/s; mutations ${stats.mutations.length} (${stats.mutations.filter((m) => m.status === 200).length} answered 200)`,
    `faults injected: ${Object.entries(faultCounts).map(([k, n]) => `${k} ${n}`).join(', ')} (${Object.values(faultCounts).reduce((a, b) => a + b, 0)} in all)`,
    FLEET
      ? `replicas: ${REPLICAS} on one Redis; ${sent.filter((x) => x.gens.length > 1).length} requests delivered to two replicas at once; ${failovers.map((f) => `${f.kind} to the leader at ${secs(f.at)}`).join(', ')}`
      : `restarts: ${restartWindows.length} planned (${restartWindows.map((w) => `at ${secs(w.from)}, down ${secs(w.to - w.from)}`).join('; ')})`,
    `DMs: ${dms.newItem.length} new-item DMs, ${dms.summaries.length} first-poll summaries, ${dms.reminders.length} reminders, ${dms.updates.length} DM updates (chat.update); new item → DM: median ${secs(delays[Math.floor(delays.length / 2)] ?? NaN)}, max ${secs(delays.at(-1) ?? NaN)} (poll every ${POLL_SECONDS} s)`,
    `digests posted: ${digests.filter((c) => !isTaskHealthPost(c.args)).length} (${scheduled.length} scheduled, ${digests.filter((c) => !isTaskHealthPost(c.args)).length - scheduled.length} by /workitems digest), each with its task-health post`,
    `work items added: ${items.size} (${[...items.values()].filter((i) => i.addedAt > 0).length} during the soak)`,
  ];
  // The numbered checks first, the extra ones after.
  checks.sort((x, y) => Number(x.name.startsWith('+')) - Number(y.name.startsWith('+')));
  return { checks, totals };
}

function dmCalls() {
  const posts = rig.slack.calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('D'));
  return {
    newItem: posts.filter((c) => isNewWorkItemDm(c.args)),
    summaries: posts.filter((c) => isFirstPollSummary(c.args)),
    reminders: posts.filter((c) => isReminder(c.args)),
    updates: rig.slack.calls.filter((c) => c.method === 'chat.update' && String(c.args.channel).startsWith('D')),
  };
}

/**
 * For each soak item and each approver it was pending for (its first owner; the one it was forwarded
 * to): how often it was announced — a new-item DM naming it, or a first-poll summary listing it.
 */
function notificationState() {
  const { newItem, summaries } = dmCalls();
  const mentions = (user: VUser, item: SoakItem) =>
    Number(Boolean(item.preAnnounced) && user === item.owner) +
    newItem.filter((c) => c.args.channel === `D${user.id}` && String(c.args.text) === `New work item: ${item.title}`).length +
    summaries.filter((c) => c.args.channel === `D${user.id}` && json(c.args.blocks).includes(item.title)).length;
  const expected: Array<{ user: string; title: string; mentions: number }> = [];
  const repeats: string[] = [];
  let optional = 0;
  for (const item of items.values()) {
    const state = rig.sandbox.getWorkItemState(item.w);
    const finalOwner = state?.ownerId ? identityOf.get(state.ownerId) : undefined;
    const holders = new Set([item.owner, ...(finalOwner ? [finalOwner] : [])]);
    for (const user of holders) {
      const n = mentions(user, item);
      if (n > 1) repeats.push(`${user.id}: "${item.title}" announced ${n} times`);
      const pendingAtEnd = state?.state === 'Pending' && finalOwner === user;
      if (pendingAtEnd) expected.push({ user: user.id, title: item.title, mentions: n });
      else optional++;
    }
  }
  // Any other new-item DM (the sandbox's demo items, whose titles repeat across users) repeated to the
  // same person, by work item id (the card's block ids start with it).
  const seen = new Map<string, number>();
  for (const c of newItem) {
    const w = String((c.args.blocks as Block[] | undefined)?.[0]?.block_id ?? '').split(':')[0];
    if (items.has(w)) continue;
    const key = `${c.args.channel}: ${c.args.text} (${w})`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  for (const [k, n] of seen) if (n > 1) repeats.push(`${k}: ${n} DMs`);
  return { expected, repeats, checked: expected.length, optional };
}

// ---------------------------------------------------------------------------------------------------
// Main

let soakEnd = 0;

/** Replicas mode: a Redis on this machine that answers (the soak never leaves loopback). */
async function checkRedis(): Promise<void> {
  const host = new URL(REDIS_URL).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new Error(`The soak only runs against a local Redis; REDIS_URL names ${host}`);
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, protocol: 2 });
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** Visits the run's own keys (its prefix only). */
async function eachRedisKeys(visit: (redis: Redis, keys: string[]) => Promise<unknown>): Promise<void> {
  const redis = new Redis(REDIS_URL, { protocol: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 500);
      if (keys.length) await visit(redis, keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const deleteRedisKeys = () => eachRedisKeys((redis, keys) => redis.del(...keys));

/** How many keys the run left in Redis, and their memory (MEMORY USAGE). */
async function redisFootprint(): Promise<string> {
  let keys = 0;
  let bytes = 0;
  await eachRedisKeys(async (redis, batch) => {
    keys += batch.length;
    for (const key of batch) bytes += Number(await redis.call('MEMORY', 'USAGE', key)) || 0;
  });
  return `Redis at the end: ${keys} keys, ${(bytes / 1024).toFixed(0)} KiB (MEMORY USAGE), for ${APPROVERS.length + 1} users, ${items.size} soak work items and the demo ones`;
}

async function main(): Promise<void> {
  const started = Date.now();
  if (FAULTS) {
    // A Redis and a PostgreSQL of the soak's own: they are flushed and restarted, the shared ones never.
    ownRedis = await startOwnRedis();
    ownPg = await startOwnPostgres();
    REDIS_URL = ownRedis.url;
    PG_ADMIN_URL = ownPg.adminUrl;
    DATABASE_URL = databaseUrlOn(PG_ADMIN_URL);
    Object.assign(BOT_ENV, { REDIS_URL, DATABASE_URL, AUTH_MODE: 'linked', REMIND_AFTER_HOURS: '1', LOG_LEVEL: 'info', TOKEN_ENCRYPTION_KEYS: `soak1:${Buffer.alloc(32, 9).toString('base64')}` });
    process.stderr.write(`   own Redis ${REDIS_URL} (${ownRedis.dir}), own PostgreSQL ${PG_ADMIN_URL} (${ownPg.dir})\n`);
  }
  process.stderr.write(`soak: ${SOAK_SECONDS} s, seed ${SEED} (SOAK_SEED=${SEED} to replay the choices), ${os.cpus().length} cores, Node ${process.version}${FLEET ? `, ${REPLICAS} replicas on ${REDIS_URL}` : ''}${FAULTS ? ', fault soak' : ''}\n`);
  if (FLEET) {
    await checkRedis();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${new URL(DATABASE_URL).pathname.slice(1)}`).finally(() => admin.end());
  }
  rig = await startRig();
  for (const u of [...APPROVERS, ADMIN]) {
    rig.slack.addUser(u);
    identityOf.set(rig.sandbox.identityForEmail(u.email).id!, u);
  }
  // Each approver starts with 6 items of ours (plus the sandbox's 3 demo work items, a demo access request and a demo
  // generic approval): the first poll lists them in one summary, ours by name (work items come first; it names 10).
  for (const u of APPROVERS) for (const kind of ['single', 'single', 'multi', 'manual', 'form', 'single'] as const) addItem(u, kind).addedAt = 0;

  // Faults before ISC handles a request come from the sandbox's hook (never on token grants)…
  rig.fault = (): Fault | undefined => {
    iscRequestTimes.push(now());
    if (!faultsOn) return undefined;
    const r = faultRng();
    let edge = 0;
    if (r < (edge += FAULT_RATES.status429)) return faultCounts['429']++, { kind: 'status', status: 429, retryAfterSeconds: 1 };
    if (r < (edge += FAULT_RATES.status500)) return faultCounts['500']++, { kind: 'status', status: 500 };
    if (r < (edge += FAULT_RATES.timeout)) return faultCounts['timeout (carried out late)']++, { kind: 'none', delayMs: TIMEOUT_DELAY_MS };
    if (r < (edge += FAULT_RATES.resetBefore)) return faultCounts['reset before ISC']++, { kind: 'reset' };
    if (r < (edge += FAULT_RATES.malformed)) return faultCounts.malformed++, { kind: 'malformed' };
    return undefined;
  };
  // …and the lost answers after it come from the proxy.
  const proxy = await startIscProxy(rig.sandbox.url, (_method, p) => {
    if (!faultsOn || p.startsWith('/oauth/') || faultRng() >= FAULT_RATES.resetAfter) return false;
    faultCounts['reset after ISC (answer lost)']++;
    return true;
  });
  BOT_ENV.SAIL_BASE_URL = proxy.url;
  const balancer = FAULTS ? await startBalancer() : undefined;
  if (balancer) {
    Object.assign(BOT_ENV, { PUBLIC_URL: balancer.url, SAIL_LOGIN_URL: rig.sandbox.url, SAIL_OAUTH_CLIENT_ID: rig.sandbox.oauthClientId, SAIL_OAUTH_CLIENT_SECRET: rig.sandbox.oauthClientSecret });
    await seedReminders();
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-data-'));
  t0 = Date.now();
  for (let slot = 0; slot < REPLICAS; slot++) {
    const g = await startGen(dataDir, slot);
    process.stderr.write(`   bot ${g.n} healthy after ${Math.round(g.bot.startupMs)} ms; ${FLEET ? `Redis key prefix ${REDIS_PREFIX}` : `DATA_DIR ${dataDir}`}\n`);
  }
  const span = SOAK_SECONDS * 1000;
  if (FAULTS) {
    for (const u of APPROVERS.slice(0, LINKED_COUNT)) {
      LINKED.add(u.id);
      if (!(await new VirtualUser(u).connect())) throw new Error(`${u.id} could not connect: ${linkEvents.at(-1)?.detail}`);
    }
    process.stderr.write(`   ${[...LINKED].join(', ')} connected their ISC accounts at ${secs(now())}\n`);
  }
  const sampler = setInterval(sampleRss, 10_000);
  sampleRss();
  const answerSync = setInterval(() => answers.sync(), 25);
  const roleSampler = FLEET ? setInterval(() => void sampleRoles(), 250) : undefined;

  // Crashes: an unplanned exit is recorded (check 5) and the bot started again so the soak goes on.
  const watchdog = setInterval(() => {
    for (const g of slots) {
      if (restarting || !g.exit || g.planned || !running) continue;
      restarting = true;
      const from = now();
      startGen(dataDir, g.slot).then(
        () => {
          restarting = false;
          restartWindows.push({ from, to: now() });
        },
        (e: unknown) => process.stderr.write(`!! could not restart the bot: ${String(e)}\n`),
      );
    }
  }, 500);

  // New items arrive throughout, for approvers whose first poll has been summarised (so each new one gets a DM).
  const arrivals = (async () => {
    while (running) {
      await sleep(between(1000, 2500));
      const u = pick(APPROVERS);
      const primed = dmCalls().summaries.some((c) => c.args.channel === `D${u.id}`);
      if (running && primed && pendingCount(u) < 10) addItem(u);
    }
  })();

  const users = APPROVERS.map((u) => new VirtualUser(u));
  const admin = new VirtualUser(ADMIN, true);
  const loops = [...users.map((u) => u.run()), admin.runAdmin()];

  // One bot: two planned restarts. Several: the leader crashes, later a rolling restart of the leader.
  // The fault soak: the leader paused, Redis flushed, Redis restarted, PostgreSQL restarted.
  const events: Array<[number, () => Promise<void>]> = FAULTS
    ? [
        [0.15, pauseLeader],
        [0.4, flushEvent],
        [0.6, restartRedisEvent],
        [0.8, restartPgEvent],
      ]
    : FLEET
      ? [
          [1 / 3, () => crashLeader(dataDir)],
          [2 / 3, () => rollLeader(dataDir)],
        ]
      : [
          [1 / 3, () => restart(dataDir)],
          [2 / 3, () => restart(dataDir)],
        ];
  const restarts = (async () => {
    for (const [share, event] of events) {
      await sleep(Math.max(0, share * span - now()));
      if (!running) return;
      await event();
    }
  })();
  const progress = setInterval(() => {
    const bots = slots.map((g) => g.n).join(' and ');
    process.stderr.write(`   ${secs(now())}: ${sent.length} interactions, ${iscRequestCount(rig)} ISC requests, ${Object.values(faultCounts).reduce((a, b) => a + b, 0)} faults, bot ${bots}\n`);
  }, 30_000);

  await sleep(span);
  running = false;
  soakEnd = now();
  process.stderr.write(`   ${secs(now())}: traffic stopped; waiting for the answers under way…\n`);
  await Promise.all([...loops, arrivals, restarts]);
  clearInterval(progress);
  clearInterval(watchdog);

  // Settle: faults off, then wait (at most 3.5 poll intervals) until every item pending at the end was announced.
  faultsOn = false;
  const settleFrom = now();
  await until(() => notificationState().expected.every((e) => e.mentions >= 1), 3.5 * POLL_SECONDS * 1000, 500);
  // One more poll interval, so a repeat would show, then quiet on the Slack side.
  await sleep(POLL_SECONDS * 1000 + 1000);
  let calls = -1;
  await until(() => {
    const n = rig.slack.calls.length + rig.slack.responses.length;
    const quiet = n === calls;
    calls = n;
    return quiet;
  }, 10_000, 2000);
  process.stderr.write(`   settled after ${secs(now() - settleFrom)} (faults off); stopping the bot…\n`);
  clearInterval(sampler);
  clearInterval(roleSampler);
  await Promise.all(slots.map((g) => stopGen(g)));
  clearInterval(answerSync);

  const { checks, totals } = runChecks();
  checks.push(await auditCheck(dataDir));
  // The fault soak's figures, then one record edited in PostgreSQL: verify must name it.
  const figures = FAULTS ? await faultFigures() : undefined;
  const tamper = FAULTS ? await tamperAndVerify() : undefined;
  if (figures && tamper) checks.push(...faultChecks(figures, tamper));
  if (FLEET) totals.push(await redisFootprint());
  const errors = gens.flatMap((g) => g.bot.output.join('').split('\n').filter((l) => / ERROR /.test(l)));
  const errorKinds = new Map<string, number>();
  for (const l of errors) {
    const msg = l.replace(/^\S+ ERROR /, '').replace(/ \{.*$/, '');
    errorKinds.set(msg, (errorKinds.get(msg) ?? 0) + 1);
  }

  const out: string[] = [];
  out.push(`soak: ${SOAK_SECONDS} s of traffic, seed ${SEED}; machine ${os.cpus().length} cores, Node ${process.version}; runtime ${secs(Date.now() - started)}`);
  out.push('');
  for (const line of totals) out.push(`  ${line}`);
  out.push(`  bot ERROR log lines: ${errors.length}${errorKinds.size ? ` (${[...errorKinds].map(([k, n]) => `${n}× ${k}`).join('; ')})` : ''}`);
  out.push('');
  for (const c of checks) {
    out.push(`${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
    for (const p of (c.problems ?? []).slice(0, 15)) out.push(`       - ${p}`);
    if ((c.problems?.length ?? 0) > 15) out.push(`       … and ${c.problems!.length - 15} more`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  out.push('');
  out.push(failed ? `SOAK FAILED: ${failed} of ${checks.length} checks` : `SOAK PASSED: ${checks.length} of ${checks.length} checks`);
  process.stdout.write(out.join('\n') + '\n');
  if (FAULTS) {
    const { table, results } = faultReport(figures!, tamper!, checks);
    process.stdout.write(`\n${table}\n`);
    const file = path.join(__dirname, '..', '..', 'bench', 'soak-results.json');
    fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, seed: SEED, soakSeconds: SOAK_SECONDS, runtimeSeconds: Math.round((Date.now() - started) / 1000), ...results }, null, 1) + '\n');
    process.stderr.write(`   figures written to ${path.relative(process.cwd(), file)}\n`);
  }

  await proxy.close();
  await balancer?.close();
  await rig.sandbox.close();
  await rig.slack.close();
  if (process.env.SOAK_KEEP_DATA !== '1') {
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (FLEET) await deleteRedisKeys();
    await ownRedis?.stop();
    await ownPg?.stop();
  } else if (FAULTS) {
    process.stderr.write(`   kept (SOAK_KEEP_DATA=1): Redis ${REDIS_URL} and PostgreSQL ${DATABASE_URL} still run (${ownRedis?.dir}, ${ownPg?.dir})\n`);
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (e: unknown) => {
  process.stderr.write(`soak failed to run: ${e instanceof Error ? e.stack : String(e)}\n`);
  for (const g of gens) if (!g.exit) g.bot.child.kill('SIGKILL');
  if (FLEET) await deleteRedisKeys().catch(() => undefined);
  await ownRedis?.stop().catch(() => undefined);
  await ownPg?.stop().catch(() => undefined);
  process.exit(2);
});
