// The bot under a flood (`npm run bench -- --only flood,sustained`), the real bot process against the
// sandbox with ISC's DEFAULT rate limit:
// - flood: 12,000 mixed interactions (list, next page, details, summary) from three users at 300 a
//   second, while a fourth user approves: RSS over the run and after 30 s idle, the share answered
//   (or told ISC is busy, or to slow down) within 3 s, and the p99 of the fourth user's approvals;
// - sustained: approve clicks on one item, 25 in flight at all times (not rounds), ISC answering in
//   2 s, to the bot and to a bare Bolt app in alternating blocks: the ack p99 ratio, and the CPU
//   milliseconds per click of each (from /proc, ÷ the clicks of that side).
import fs from 'node:fs';
import os from 'node:os';
import { ACTION } from '../src/blocks/actions';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { addApprovals, click, command, iscRequestCount, pool, rssMiB, SIGNING_SECRET, startBareBoltProcess, startBotProcess, summarise, type BotProcess, type Rig } from './lib';
import type { FloodRequest, FloodSenderInput, FloodSenderOutput } from './floodSender';
import { commandBody, interactionBody, signSlackRequest, slackInteraction, type PostResult } from '../test/support/slackStandIn';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;

/** BENCH_FLOOD_INTERACTIONS only to profile a shorter flood: the figures are of 12,000. */
const FLOOD = { interactions: Number(process.env.BENCH_FLOOD_INTERACTIONS ?? 12_000), perS: 300, iscLatencyMs: 100, approveEveryMs: 500, answerWithinMs: 3_000, idleMs: 30_000 };
const FLOODERS = [1, 2, 3].map((n) => ({ id: `U0FLOOD0${n}`, email: `flood${n}@example.com`, tz: 'UTC', name: `Flood ${n}` }));
const APPROVER = { id: 'U0APPROVE1', email: 'approver@example.com', tz: 'UTC', name: 'Approver' };

/** When each response_url post arrived (epoch ms), by id, read from the stand-in's records as they come. */
function arrivals(rig: Rig) {
  const at = new Map<string, number>();
  let seen = 0;
  const timer = setInterval(() => {
    const { responses } = rig.slack;
    const now = epoch();
    for (; seen < responses.length; seen++) if (!at.has(responses[seen].id)) at.set(responses[seen].id, now);
  }, 5);
  return { at, stop: () => clearInterval(timer) };
}

const epoch = () => performance.timeOrigin + performance.now();

/** The bot's CPU time so far (user + system), ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime, fields 14 and 15 of stat, in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const FORM = 'application/x-www-form-urlencoded';

/** A request of the flood, built and signed before the flood starts (Slack's signatures are valid 5 minutes). */
function signed(at: number, body: string): FloodRequest {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = signSlackRequest(SIGNING_SECRET, body, timestamp);
  return { at, body, contentType: FORM, timestamp: headers['X-Slack-Request-Timestamp'], signature: headers['X-Slack-Signature'] };
}

function commandRequest(rig: Rig, at: number, text: string, id: string, userId: string): FloodRequest {
  return signed(at, commandBody({ user_id: userId, text, response_url: rig.slack.responseUrl(id) }));
}

function clickRequest(rig: Rig, at: number, actionId: string, value: unknown, id: string, userId: string): FloodRequest {
  return signed(
    at,
    interactionBody(
      slackInteraction('block_actions', userId, {
        container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0BENCH', is_ephemeral: true },
        channel: { id: 'C0BENCH', name: 'bench' },
        response_url: rig.slack.responseUrl(id),
        actions: [{ action_id: actionId, block_id: 'b', type: 'button', value: JSON.stringify(value), action_ts: `${Date.now() / 1000}` }],
      }),
    ),
  );
}

/** Sends the requests from a worker thread (bench/floodSender.ts); `onProgress` hears every 1,000 sent. */
function sendFromWorker(bot: BotProcess, requests: FloodRequest[], onProgress: (sent: number) => void): Promise<FloodSenderOutput> {
  const url = new URL(bot.eventsUrl);
  const input: FloodSenderInput = { origin: url.origin, path: url.pathname, requests, connections: 512 };
  const worker = new Worker(path.join(__dirname, 'floodSender.js'), { workerData: input });
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { progress?: number; allSent?: number; result?: FloodSenderOutput }) => {
      if (m.progress !== undefined) onProgress(m.progress);
      if (m.result) {
        resolve(m.result);
        void worker.terminate();
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the flood's sender exited (${code}) before its results`)));
  });
}

export async function flood(rig: Rig) {
  for (const u of [...FLOODERS, APPROVER]) rig.slack.addUser(u);
  rig.iscLatencyMs = FLOOD.iscLatencyMs;
  const bot = await startBotProcess(rig);
  const pid = bot.child.pid!;
  const seen = arrivals(rig);
  try {
    // Items to look at for each flooder, and one to approve for each of the approver's clicks.
    const own = FLOODERS.map((u) => addApprovals(rig, 30, u.email));
    const toApprove = addApprovals(rig, Math.ceil((FLOOD.interactions / FLOOD.perS) * (1000 / FLOOD.approveEveryMs)) + 10, APPROVER.email);
    // Each user's identity is looked up once, as any earlier use would have done.
    for (const [i, u] of [...FLOODERS, APPROVER].entries()) await command(bot, rig, '', `flood-warm-${i}`, u.id);
    await sleep(3_000);

    // Every request built and signed first: the flooders' 12,000 and, every 0.5 s among them, the approver's clicks.
    const requests: FloodRequest[] = [];
    const sent: Array<{ id: string; kind: string; req: number }> = [];
    const approvals: Array<{ id: string; req: number }> = [];
    for (let i = 0; i < FLOOD.interactions; i++) {
      const at = (i * 1000) / FLOOD.perS;
      if (at >= approvals.length * FLOOD.approveEveryMs && approvals.length < toApprove.length) {
        const id = `flood-approve-${approvals.length}`;
        approvals.push({ id, req: requests.length });
        requests.push(clickRequest(rig, at, ACTION.approve, toApprove[approvals.length - 1], id, APPROVER.id));
      }
      const user = FLOODERS[i % FLOODERS.length];
      const id = `flood-${i}`;
      const kind = ['list', 'next page', 'details', 'summary'][Math.floor(i / FLOODERS.length) % 4];
      const item = own[i % FLOODERS.length][i % 30];
      sent.push({ id, kind, req: requests.length });
      requests.push(
        kind === 'list'
          ? commandRequest(rig, at, '', id, user.id)
          : kind === 'summary'
            ? commandRequest(rig, at, 'summary', id, user.id)
            : kind === 'details'
              ? clickRequest(rig, at, ACTION.details, item, id, user.id)
              : clickRequest(rig, at, ACTION.pageNext, { k: 'pending', o: 5 + (i % 20), s: 'w' }, id, user.id),
      );
    }

    const rss: Array<{ at: string; rssMiB: number }> = [{ at: 'start', rssMiB: rssMiB(pid) }];
    let maxRss = rss[0].rssMiB;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMiB(pid))), 500);
    const isc0 = iscRequestCount(rig);
    const cpu0 = cpuMs(pid);
    const out = await sendFromWorker(bot, requests, (n) => {
      // n requests of all sent, the approver's included: the milestones count the flooders' only.
      if (n && n % 4_000 === 0) rss.push({ at: `${n.toLocaleString('en-US')} sent`, rssMiB: rssMiB(pid) });
    });
    const sentOverS = round1((out.lastSentAt - out.firstSentAt) / 1000);
    const lastAck = Math.max(...Array.from(out.ackedAt).filter(Number.isFinite));
    process.stderr.write(`    sent ${requests.length} in ${sentOverS} s (${Math.round(requests.length / sentOverS)}/s); last ack ${round1((lastAck - out.firstSentAt) / 1000)} s after the first send\n`);
    // Everything has had its 3 s (and more) to be answered.
    await sleep(FLOOD.answerWithinMs + 2_000);
    rss.push({ at: 'end', rssMiB: rssMiB(pid) });
    const botCpuMs = cpuMs(pid) - cpu0;
    const iscCalls = iscRequestCount(rig) - isc0;
    const ackBody = new Map(out.bodies);
    // A command refused for going too fast is answered in its ack; anything else through its response_url.
    const answerMs = sent.map((s) => (ackBody.has(s.req) ? out.ackedAt[s.req] - out.sentAt[s.req] : (seen.at.get(s.id) ?? Number.POSITIVE_INFINITY) - out.sentAt[s.req]));
    const bodies = new Map(rig.slack.responses.filter((r) => r.id.startsWith('flood-')).map((r) => [r.id, JSON.stringify(r.body)]));
    const told = (text: string) => sent.filter((s) => (bodies.get(s.id) ?? ackBody.get(s.req) ?? '').includes(text)).length;
    const approveMs = approvals.map((a) => (seen.at.get(a.id) ?? Number.POSITIVE_INFINITY) - out.sentAt[a.req]);
    const approved = approvals.filter((a) => /Approved by/.test(bodies.get(a.id) ?? '')).length;
    const ackMs = sent.map((s) => out.ackedAt[s.req] - out.sentAt[s.req]).filter(Number.isFinite);
    await sleep(FLOOD.idleMs);
    clearInterval(sampler);
    if (bot.child.exitCode !== null) throw new Error(`the bot exited during the flood:\n${bot.output.join('').slice(-3000)}`);
    rss.push({ at: `after ${FLOOD.idleMs / 1000} s idle`, rssMiB: rssMiB(pid) });
    return {
      interactions: FLOOD.interactions,
      perS: FLOOD.perS,
      sentOverS,
      reachedPerS: Math.round(requests.length / sentOverS),
      /** The bot's CPU time (user + system) per request of the flood, and how long it took to ack them all. */
      botCpuMsPerRequest: round1(botCpuMs / requests.length),
      lastAckS: round1((lastAck - out.firstSentAt) / 1000),
      iscLatencyMs: FLOOD.iscLatencyMs,
      iscCalls,
      rss,
      maxRssMiB: maxRss,
      answeredWithin3sPct: round1((answerMs.filter((ms) => ms <= FLOOD.answerWithinMs).length / sent.length) * 100),
      unanswered: answerMs.filter((ms) => !Number.isFinite(ms)).length,
      answer: round(summarise(answerMs.filter(Number.isFinite))),
      ack: round(summarise(ackMs)),
      ackFailed: sent.filter((s) => out.status[s.req] !== 200).length,
      toldBusy: told('ISC is busy'),
      toldTooFast: told('faster than the bot can keep up'),
      approvals: { ...round(summarise(approveMs)), n: approvals.length, approved, ackFailed: approvals.filter((a) => out.status[a.req] !== 200).length },
    };
  } finally {
    seen.stop();
    await bot.stop();
    rig.iscLatencyMs = 0;
  }
}

const SUSTAINED = { clicksPerSide: 2_000, concurrency: 25, iscLatencyMs: 2_000, block: 250 };

/**
 * Each side gets its clicks in blocks of SUSTAINED.block, 25 always in flight within a block (a click
 * is sent as soon as one is acked), in the order bot, bare, bare, bot… so that a drift over the run
 * falls on neither. Every click approves the same item: the bot checks it in ISC (2 s) each time and
 * answers that it is decided, so its work after the ack runs under the next clicks' acks.
 */
export async function sustained(rig: Rig) {
  rig.iscLatencyMs = SUSTAINED.iscLatencyMs;
  const bot = await startBotProcess(rig);
  const bare = await startBareBoltProcess();
  const seen = arrivals(rig);
  try {
    const [item] = addApprovals(rig, 1);
    let seq = 0;
    const block = (target: BotProcess, n: number) => pool(n, SUSTAINED.concurrency, () => click(target, rig, ACTION.approve, item, `sustained-${++seq}`));
    // Warm-up: lazy module loading and V8's first optimisations, on both.
    await block(bot, 100);
    await block(bare, 100);
    await sleep(SUSTAINED.iscLatencyMs + 1_000);
    const load0 = os.loadavg()[0];
    const cpu0 = cpuMs(bot.child.pid!);
    const bareCpu0 = cpuMs(bare.child.pid!);
    const wall0 = performance.now();
    const results = { bot: [] as PostResult[], bare: [] as PostResult[] };
    for (let b = 0; b < (2 * SUSTAINED.clicksPerSide) / SUSTAINED.block; b++) {
      const side = b % 4 === 0 || b % 4 === 3 ? 'bot' : 'bare';
      results[side].push(...(await block(side === 'bot' ? bot : bare, SUSTAINED.block)));
    }
    // The bot's work after its last acks (ISC answers 2 s later) belongs to those clicks.
    await sleep(SUSTAINED.iscLatencyMs + 2_000);
    const botCpuMs = cpuMs(bot.child.pid!) - cpu0;
    const bareCpuMs = cpuMs(bare.child.pid!) - bareCpu0;
    const [b, y] = [summarise(results.bot.map((r) => r.ms)), summarise(results.bare.map((r) => r.ms))];
    return {
      clicksPerSide: SUSTAINED.clicksPerSide,
      concurrency: SUSTAINED.concurrency,
      iscLatencyMs: SUSTAINED.iscLatencyMs,
      p99Ratio: Math.round((b.p99 / y.p99) * 100) / 100,
      p50Ratio: Math.round((b.p50 / y.p50) * 100) / 100,
      bot: { ...round(b), failed: results.bot.filter((r) => r.status !== 200).length },
      bare: { ...round(y), failed: results.bare.filter((r) => r.status !== 200).length },
      botCpuMsPerClick: Math.round((botCpuMs / SUSTAINED.clicksPerSide) * 100) / 100,
      bareCpuMsPerClick: Math.round((bareCpuMs / SUSTAINED.clicksPerSide) * 100) / 100,
      wallS: round1((performance.now() - wall0) / 1000),
      // The machine's 1-minute load average as the clicks began and once they were done: the run's noise.
      loadAverage: [round1(load0), round1(os.loadavg()[0])],
    };
  } finally {
    seen.stop();
    await bare.stop();
    await bot.stop();
    rig.iscLatencyMs = 0;
  }
}

function round<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round1(v)])) as T;
}

/** The README table's rows for these parts. */
export function floodRows(r: { flood?: Awaited<ReturnType<typeof flood>>; sustained?: Awaited<ReturnType<typeof sustained>> }): string[] {
  const lines: string[] = [];
  const f = r.flood;
  if (f) {
    lines.push(`| flood: ${f.interactions.toLocaleString('en-US')} interactions (list, next page, details, summary) from 3 users at ${f.perS}/s (reached ${f.reachedPerS}/s, sent over ${f.sentOverS} s), default ISC limit, ISC ${f.iscLatencyMs} ms: bot RSS | ${f.rss.map((s) => `${s.at} ${s.rssMiB}`).join(' → ')} MiB; max ${f.maxRssMiB} MiB | ≤ 150 MiB, flat |`);
    lines.push(`| flood: answered (or told busy / to slow down) within 3 s | ${f.answeredWithin3sPct} % (p99 ${f.answer.p99} ms, max ${f.answer.max} ms; unanswered ${f.unanswered}; ack p99 ${f.ack.p99} ms, ${f.ackFailed} acks failed, the last ${f.lastAckS} s after the first send; bot CPU ${f.botCpuMsPerRequest} ms per request; told ISC is busy ${f.toldBusy}, told to slow down ${f.toldTooFast}; ${f.iscCalls} ISC calls) | 100 % |`);
    lines.push(`| flood: a fourth user's approve clicks during it, click to updated card | p50 ${f.approvals.p50} ms, p99 ${f.approvals.p99} ms, max ${f.approvals.max} ms (${f.approvals.approved} of ${f.approvals.n} approved) | within the click's deadline |`);
  }
  const s = r.sustained;
  if (s) {
    lines.push(`| ack under sustained clicks: ${s.clicksPerSide.toLocaleString('en-US')} per side, ${s.concurrency} always in flight, one item, ISC ${s.iscLatencyMs} ms: bot / bare Bolt app | p99 ratio ${s.p99Ratio} (bot p99 ${s.bot.p99} ms, bare ${s.bare.p99} ms), p50 ratio ${s.p50Ratio} (bot ${s.bot.p50} ms, bare ${s.bare.p50} ms); CPU per click: bot ${s.botCpuMsPerClick} ms, bare ${s.bareCpuMsPerClick} ms; load average ${s.loadAverage.join(' → ')} | p99 ratio ≤ 1.25 |`);
  }
  return lines;
}
