// `npm run bench`: runs the real bot (HTTP mode, its own process) against loopback stand-ins — the
// sandbox ISC tenant with injected latency and a Slack Web API stand-in — sends signed requests as
// Slack does, prints a table and writes bench/results.json. Part 5 (digest and polling, see
// digestPolling.ts) runs the digest and notification code in this process against its own stand-ins.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTION, AR_ACTION, GA_ACTION, VIEW } from '../src/blocks/actions';
import { FORWARD_FIELDS } from '../src/blocks/modals';
import { digestAndPolling, digestAndPollingNotes, digestAndPollingRows } from './digestPolling';
import { flood, floodRows, sustained } from './flood';
import { requestOptions, requestOptionsRow } from './requestOptions';
import { accessReviewRows, accessReviews } from './reviews';
import { scale, scaleRows } from './scale';
import { addApprovals, click, command, homeOpened, iscRequestCount, pool, rssMiB, startBareBoltProcess, startBotProcess, startRig, submitView, summarise, TARGET, USER, type BotProcess, type Rig } from './lib';
import type { PostResult } from '../test/support/slackStandIn';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RAISED_LIMIT = { SAIL_RATE_LIMIT_PER_10S: '10000' };
const COST_TARGETS: Record<string, string> = { list: '≤ 3 ISC (one list per kind)', pageTurn: '≤ 2 ISC', approve: '≤ 3 ISC' };

async function waitUntil(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the bot to finish');
    await sleep(5);
  }
}

const responsesFor = (rig: Rig, id: string) => rig.slack.responses.filter((r) => r.id === id).length;

/**
 * `runs` runs, each of `clicks` approve clicks to each of the bot and the bare app, `concurrency` at
 * once, on freshly started processes.
 */
const ACK = { runs: 5, clicks: 1000, concurrency: 25, iscLatencyMs: 2000 };
const WARM_UP_ROUNDS = 3;

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/**
 * Ack latency of the bot against a bare Bolt app that only acks (bench/bareBolt.ts): each in its own
 * process, the same approve clicks. What the bot adds is the ratio; an absolute figure would move with
 * whatever else the machine is doing. So that such noise falls on both alike, the clicks go in short
 * rounds of ACK.concurrency clicks sent at once (tens of ms each), which alternate bot, bare, bare,
 * bot, bot, bare… (the ABBA order leaves a drift over the run to neither side). The bot keeps its
 * default ISC rate limit, as in production: its clicks' ISC requests drain through the limiter
 * throughout the run, a light load that falls on the bare app's rounds too. One run's p99 is set by
 * its worst round or two, so one burst of other work on the machine can swing it: the p50 and p99
 * reported are those of every click of ACK.runs runs (each on new processes) together, and each
 * run's ratio is listed beside them.
 */
async function ackLatency(rig: Rig) {
  const runs: Array<{ bot: PostResult[]; bare: PostResult[]; cold: PostResult[] }> = [];
  for (let run = 0; run < ACK.runs; run++) runs.push(await ackRun(rig));
  const side = (rs: PostResult[]) => ({
    ...round(summarise(rs.map((r) => r.ms))),
    over3s: rs.filter((r) => r.ms > 3000).length,
    failed: rs.filter((r) => r.status !== 200).length,
  });
  const [bot, bare] = [side(runs.flatMap((r) => r.bot)), side(runs.flatMap((r) => r.bare))];
  return {
    runs: ACK.runs,
    clicks: ACK.clicks,
    concurrency: ACK.concurrency,
    iscLatencyMs: ACK.iscLatencyMs,
    p99Ratio: ratio(bot.p99, bare.p99),
    p50Ratio: ratio(bot.p50, bare.p50),
    perRun: runs.map((r) => {
      const [b, y] = [summarise(r.bot.map((x) => x.ms)), summarise(r.bare.map((x) => x.ms))];
      return { p99Ratio: ratio(b.p99, y.p99), p50Ratio: ratio(b.p50, y.p50), botP99: Math.round(b.p99 * 10) / 10, bareP99: Math.round(y.p99 * 10) / 10 };
    }),
    bot,
    bare,
    coldBurst: round(summarise(runs.flatMap((r) => r.cold).map((r) => r.ms))),
  };
}

/** Resolves once the sandbox has had no ISC request for `quietMs`. */
async function iscSettled(rig: Rig, quietMs = 200, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = iscRequestCount(rig);
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() < deadline) {
    await sleep(20);
    const now = iscRequestCount(rig);
    if (now !== last) [last, quietSince] = [now, Date.now()];
  }
}

async function ackRun(rig: Rig) {
  rig.iscLatencyMs = ACK.iscLatencyMs;
  const bot = await startBotProcess(rig);
  const bare = await startBareBoltProcess();
  try {
    const burst = async (target: BotProcess, n: number) => {
      const items = addApprovals(rig, n);
      return pool(n, ACK.concurrency, (i) => click(target, rig, ACTION.approve, items[i]));
    };
    // The first burst after start-up pays for lazy module loading, and its clicks send the bot's
    // first ISC requests (a token, then the limiter's whole first window at once, on new
    // connections): the bot's is reported on its own. V8 optimises the ack path over the first
    // hundred or so requests (in the bot's third round, before this warm-up, its slowest every run):
    // the rounds start after WARM_UP_ROUNDS more to each, once the bot's first ISC requests are out.
    const cold = await burst(bot, ACK.concurrency);
    await burst(bare, ACK.concurrency);
    for (let w = 0; w < WARM_UP_ROUNDS; w++) {
      await burst(bot, ACK.concurrency);
      await burst(bare, ACK.concurrency);
    }
    await iscSettled(rig);
    const results = { bot: [] as PostResult[], bare: [] as PostResult[], cold };
    for (let r = 0; r < (2 * ACK.clicks) / ACK.concurrency; r++) {
      const target = r % 4 === 0 || r % 4 === 3 ? 'bot' : 'bare';
      results[target].push(...(await burst(target === 'bot' ? bot : bare, ACK.concurrency)));
    }
    return results;
  } finally {
    await bare.stop();
    await bot.stop();
    rig.iscLatencyMs = 0;
  }
}

/** ISC requests and Slack calls one interaction causes, measured from the stand-ins' counters. */
async function measure(rig: Rig, run: () => Promise<void>) {
  const isc0 = iscRequestCount(rig);
  const slack0 = rig.slack.calls.length + rig.slack.responses.length;
  await run();
  await sleep(150);
  return { isc: iscRequestCount(rig) - isc0, slack: rig.slack.calls.length + rig.slack.responses.length - slack0 };
}

async function costPerInteraction(rig: Rig, bot: BotProcess) {
  const items = addApprovals(rig, 12);
  const once = async (id: string, send: () => Promise<unknown>) => {
    await send();
    await waitUntil(() => responsesFor(rig, id) > 0);
  };
  // Warm the caches (token, Slack profile, identity mapping) the way any earlier use would.
  await once('warm', () => command(bot, rig, '', 'warm'));

  const forward = async (w: string) => {
    const updates = rig.slack.callsTo('views.update').length;
    await click(bot, rig, ACTION.forward, { w });
    await waitUntil(() => rig.slack.callsTo('views.update').length > updates);
    const view = rig.slack.callsTo('views.update').at(-1)!.args.view as { private_metadata: string };
    await submitView(bot, {
      id: 'VFWD',
      callback_id: VIEW.forward,
      private_metadata: view.private_metadata,
      state: {
        values: {
          [FORWARD_FIELDS.targetBlock]: { [FORWARD_FIELDS.targetAction]: { type: 'users_select', selected_user: TARGET.id } },
          [FORWARD_FIELDS.commentBlock]: { [FORWARD_FIELDS.commentAction]: { type: 'plain_text_input', value: 'bench' } },
          [FORWARD_FIELDS.notifyBlock]: { [FORWARD_FIELDS.notifyAction]: { type: 'checkboxes', selected_options: [] } },
        },
      },
    });
    await waitUntil(() => rig.slack.callsTo('views.update').length > updates + 1);
  };
  await forward(items[10].w); // warms the target's identity mapping

  // One approval of each kind for the bench user (ISC answers an access-request decision 202, a generic one 200).
  const owner = rig.sandbox.identityForEmail(USER.email);
  const ben = { type: 'IDENTITY' as const, id: 'bench-requester', name: 'Bench Requester' };
  const accessRequest = rig.sandbox.addAccessRequestApproval({ owner: { id: owner.id }, requester: ben, requestedFor: ben, requestedObject: { id: 'bench-role', name: 'Bench role', type: 'ROLE' } });
  const generic = rig.sandbox.addGenericApproval({ approvers: [{ identityID: owner.id, type: 'IDENTITY', name: owner.name }], name: [{ value: 'Bench approval', locale: 'en-US' }] });

  const homes = () => rig.slack.callsTo('views.publish').length;
  return {
    list: await measure(rig, () => once('list', () => command(bot, rig, '', 'list'))),
    pageTurn: await measure(rig, () => once('page', () => click(bot, rig, ACTION.pageNext, { k: 'pending', o: 5 }, 'page'))),
    approve: await measure(rig, () => once('approve', () => click(bot, rig, ACTION.approve, items[0], 'approve'))),
    forward: await measure(rig, () => forward(items[11].w)),
    homeRefresh: await measure(rig, async () => {
      const before = homes();
      await homeOpened(bot);
      await waitUntil(() => homes() > before);
    }),
    accessRequestApprove: await measure(rig, () => once('ar', () => click(bot, rig, AR_ACTION.approve, { i: accessRequest.id }, 'ar'))),
    genericApprove: await measure(rig, () => once('ga', () => click(bot, rig, GA_ACTION.approve, { i: generic.id }, 'ga'))),
  };
}

async function capacity(rig: Rig) {
  rig.iscLatencyMs = 50;
  const bot = await startBotProcess(rig, RAISED_LIMIT);
  await command(bot, rig, '', 'cap-warm');
  await waitUntil(() => responsesFor(rig, 'cap-warm') > 0);
  const steps: Array<{ ratePerS: number; sent: number; p50: number; p99: number; max: number; failed: number }> = [];
  for (const rate of [50, 100, 200, 400, 800, 1600]) {
    const durationMs = 3000;
    const sends: Array<Promise<{ status: number; ms: number }>> = [];
    const started = performance.now();
    for (let i = 0; i < (rate * durationMs) / 1000; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      sends.push(click(bot, rig, ACTION.refresh, { k: 'pending', o: 0 }).catch(() => ({ status: 0, ms: 99_999 })));
    }
    const results = await Promise.all(sends);
    const s = summarise(results.map((r) => r.ms));
    steps.push({ ratePerS: rate, sent: results.length, ...round(s), failed: results.filter((r) => r.status !== 200).length });
    await sleep(1500);
    if (s.p99 > 1000 || results.some((r) => r.status !== 200)) break;
  }
  await bot.stop();
  rig.iscLatencyMs = 0;
  const sustained = steps.filter((s) => s.p99 <= 1000 && s.failed === 0).at(-1)?.ratePerS ?? 0;
  return { iscLatencyMs: 50, sustainedPerS: sustained, steps };
}

/**
 * What the bot has finished, read incrementally from the stand-in's records: response_url posts by
 * id, views.update by view id, and the number of Home tabs published.
 */
function finished(rig: Rig) {
  const ids = new Set<string>();
  let responses = 0;
  let calls = 0;
  let homes = 0;
  const read = () => {
    for (; responses < rig.slack.responses.length; responses++) ids.add(rig.slack.responses[responses].id);
    for (; calls < rig.slack.calls.length; calls++) {
      const { method, args } = rig.slack.calls[calls];
      if (method === 'views.publish') homes++;
      if (method === 'views.update') ids.add(String(args.view_id));
    }
  };
  return {
    /** Resolves once the bot has finished with `id` (and forgets it). */
    async id(id: string): Promise<void> {
      await rig.slack.waitFor(() => (read(), ids.delete(id)), 30_000);
    },
    async homes(n: number): Promise<void> {
      await rig.slack.waitFor(() => (read(), homes >= n), 30_000);
    },
  };
}

/**
 * One of the ten kinds of interaction the memory part sends in turn, as a user would: it resolves once
 * the bot has shown the result, not at the ack, so the work in flight stays that of 25 users.
 * Approvals and forwards each take a fresh item.
 */
async function mixedInteraction(bot: BotProcess, rig: Rig, n: number, standing: Array<{ w: string; a: string }>, done: ReturnType<typeof finished>, homesStarted: { n: number }): Promise<{ status: number }> {
  const id = `mem-${n}`;
  const respond = async (send: Promise<{ status: number }>) => {
    const result = await send;
    if (result.status === 200) await done.id(id);
    return result;
  };
  switch (n % 10) {
    case 0:
      return respond(command(bot, rig, '', id));
    case 1:
      return respond(command(bot, rig, 'summary', id));
    case 2:
      return respond(command(bot, rig, 'help', id));
    case 3:
      return respond(click(bot, rig, ACTION.pageNext, { k: 'pending', o: 5 }, id));
    case 4:
      return respond(click(bot, rig, ACTION.pagePrev, { k: 'pending', o: 0 }, id));
    case 5:
      return respond(click(bot, rig, ACTION.details, standing[n % standing.length], id));
    case 6:
      return respond(click(bot, rig, ACTION.approve, addApprovals(rig, 1)[0], id));
    case 7: {
      const mine = ++homesStarted.n;
      const result = await homeOpened(bot);
      if (result.status === 200) await done.homes(mine);
      return result;
    }
    case 8:
      return respond(
        submitView(bot, {
          id,
          callback_id: VIEW.forward,
          private_metadata: JSON.stringify({ w: addApprovals(rig, 1)[0].w }),
          state: {
            values: {
              [FORWARD_FIELDS.targetBlock]: { [FORWARD_FIELDS.targetAction]: { type: 'users_select', selected_user: TARGET.id } },
              [FORWARD_FIELDS.commentBlock]: { [FORWARD_FIELDS.commentAction]: { type: 'plain_text_input', value: 'bench' } },
              [FORWARD_FIELDS.notifyBlock]: { [FORWARD_FIELDS.notifyAction]: { type: 'checkboxes', selected_options: [] } },
            },
          },
        }),
      );
    default:
      return respond(click(bot, rig, ACTION.refresh, { k: 'pending', o: 0 }, id));
  }
}

const MEMORY_SAMPLES = [10_000, 25_000, 50_000];

async function startupAndMemory(rig: Rig) {
  const startups: number[] = [];
  for (let i = 0; i < 3; i++) {
    const b = await startBotProcess(rig);
    startups.push(b.startupMs);
    if (i < 2) await b.stop();
  }
  const bot = rig.bot!;
  const pid = bot.child.pid!;
  const atReady = rssMiB(pid);
  const tokens0 = rig.sandbox.stats().tokenRequests;
  await bot.stop();
  const mem = await startBotProcess(rig, RAISED_LIMIT);
  const memPid = mem.child.pid!;
  const standing = addApprovals(rig, 30);
  const done = finished(rig);
  const homesStarted = { n: 0 };
  const samples: Array<{ interactions: number; rssMiB: number }> = [{ interactions: 0, rssMiB: rssMiB(memPid) }];
  let failed = 0;
  let sent = 0;
  const started = performance.now();
  for (const upTo of MEMORY_SAMPLES) {
    const from = sent;
    const results = await pool(upTo - from, 25, (i) => mixedInteraction(mem, rig, from + i, standing, done, homesStarted));
    failed += results.filter((r) => r.status !== 200).length;
    sent = upTo;
    await sleep(1000);
    samples.push({ interactions: upTo, rssMiB: rssMiB(memPid) });
  }
  const perS = Math.round(sent / ((performance.now() - started) / 1000));
  const tokens = rig.sandbox.stats().tokenRequests - tokens0;
  await mem.stop();
  const at = (n: number) => samples.find((s) => s.interactions === n)!.rssMiB;
  return {
    startupMs: round(summarise(startups)),
    rssAtReadyMiB: atReady,
    interactions: sent,
    perS,
    failed,
    rssSamples: samples,
    growth25kTo50kPct: Math.round(((at(50_000) - at(25_000)) / at(25_000)) * 1000) / 10,
    tokenRequestsPer1000: Math.round((tokens / sent) * 1000 * 100) / 100,
  };
}

function round<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10])) as T;
}

/** `npm run bench -- --only cost,capacity`: the parts named (ack, cost, capacity, memory, digest, requests, reviews, flood, sustained, scale); all by default. */
const PARTS = ['ack', 'cost', 'capacity', 'memory', 'digest', 'requests', 'reviews', 'flood', 'sustained', 'scale'] as const;
type Part = (typeof PARTS)[number];

function selectedParts(argv: string[]): Set<Part> {
  const i = argv.indexOf('--only');
  if (i === -1) return new Set(PARTS);
  const named = (argv[i + 1] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = named.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (!named.length || unknown.length) throw new Error(`--only takes a comma-separated list of ${PARTS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  return new Set(named as Part[]);
}

async function main() {
  const parts = selectedParts(process.argv.slice(2));
  const rig = await startRig();
  const results: Record<string, unknown> = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, when: new Date().toISOString() },
  };
  try {
    if (parts.has('ack')) {
      process.stderr.write(`1/5 ack latency against a bare Bolt app (${ACK.runs} runs of ${ACK.clicks} clicks to each, concurrency ${ACK.concurrency}, ISC 2 s)…\n`);
      results.ack = await ackLatency(rig);
    }
    if (parts.has('cost')) {
      process.stderr.write('2/5 cost per interaction…\n');
      const bot = await startBotProcess(rig);
      results.costPerInteraction = await costPerInteraction(rig, bot);
      await bot.stop();
    }
    if (parts.has('capacity')) {
      process.stderr.write('3/5 capacity (ISC 50 ms)…\n');
      results.capacity = await capacity(rig);
    }
    if (parts.has('memory')) {
      process.stderr.write('4/5 start-up and memory (50,000 mixed interactions, concurrency 25)…\n');
      results.startupAndMemory = await startupAndMemory(rig);
    }
    if (parts.has('requests')) {
      process.stderr.write('Request access options while typing (ISC 300 ms)…\n');
      results.requestOptions = await requestOptions(rig);
    }
    if (parts.has('reviews')) {
      process.stderr.write('access reviews (300 items, ISC 200 ms)…\n');
      const bot = await startBotProcess(rig);
      results.accessReviews = await accessReviews(rig, bot);
      await bot.stop();
    }
    if (parts.has('flood')) {
      process.stderr.write('flood: 12,000 mixed interactions from 3 users at 300/s (sent from a worker thread), default ISC limit, and a fourth user approving…\n');
      results.flood = await flood(rig);
    }
    if (parts.has('sustained')) {
      process.stderr.write('sustained clicks: 2,000 per side, 25 always in flight, against a bare Bolt app, ISC 2 s…\n');
      results.sustained = await sustained(rig);
    }
  } finally {
    await rig.close();
  }
  if (parts.has('digest')) {
    process.stderr.write('5/5 digest and polling (10,000 pending tasks, 500 approvers, 1,000 subscribers; in-process)…\n');
    results.digestAndPolling = await digestAndPolling((line) => process.stderr.write(`    ${line}…\n`));
  }
  if (parts.has('scale')) {
    process.stderr.write('6/6 notifications at 5,000 subscribers, sweep against per-subscriber lists (the bot in its own process, skip-ahead clock)…\n');
    results.scale = await scale((line) => process.stderr.write(`    ${line}…\n`));
  }
  // A partial run leaves the full run's results alone.
  const file = parts.size === PARTS.length ? 'results.json' : `results.${[...parts].join('-')}.json`;
  fs.writeFileSync(path.join(__dirname, '..', '..', 'bench', file), JSON.stringify(results, null, 2) + '\n');
  printTable(results);
}

function printTable(r: Record<string, any>): void {
  const lines: string[] = [];
  lines.push(`machine: ${r.machine.cpus} cores, ${r.machine.memGiB} GiB, Node ${r.machine.node}`);
  lines.push('');
  lines.push('| measure | result | target |');
  lines.push('| --- | --- | --- |');
  const a = r.ack;
  if (a) {
    const side = (s: Record<string, number>) => `p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms, over 3 s: ${s.over3s}, failed: ${s.failed}`;
    lines.push(`| ack latency, ${a.runs} runs of ${a.clicks} clicks at concurrency ${a.concurrency}, ISC ${a.iscLatencyMs} ms: bot / bare Bolt app (interleaved) | p99 ratio ${a.p99Ratio}, p50 ratio ${a.p50Ratio} (all runs' clicks together; each run's p99 ratio: ${a.perRun.map((p: { p99Ratio: number }) => p.p99Ratio).join(', ')}); bot ${side(a.bot)}; bare ${side(a.bare)} | p99 ratio ≤ 1.25, none > 3 s |`);
    lines.push(`| ack latency, the first 25 clicks after each start-up | p50 ${a.coldBurst.p50} ms, max ${a.coldBurst.max} ms | none > 3 s |`);
  }
  for (const [name, c] of Object.entries((r.costPerInteraction ?? {}) as Record<string, { isc: number; slack: number }>)) {
    lines.push(`| cost: ${name} | ${c.isc} ISC requests, ${c.slack} Slack calls | ${COST_TARGETS[name] ?? '–'} |`);
  }
  const m = r.startupAndMemory;
  if (m) lines.push(`| token requests per 1,000 interactions | ${m.tokenRequestsPer1000} | only on expiry |`);
  if (r.capacity) lines.push(`| capacity, ISC 50 ms | ${r.capacity.sustainedPerS} interactions/s with p99 ack ≤ 1 s | – |`);
  if (m) {
    lines.push(`| start-up to /healthz 200 | median ${m.startupMs.p50} ms (max ${m.startupMs.max} ms) | – |`);
    lines.push(`| RSS at ready | ${m.rssAtReadyMiB} MiB | – |`);
    lines.push(`| RSS over ${m.interactions.toLocaleString('en-US')} mixed interactions, 25 users, ${m.perS}/s (failed: ${m.failed}) | ${m.rssSamples.map((s: { interactions: number; rssMiB: number }) => `${s.interactions}: ${s.rssMiB}`).join(' → ')} MiB | ≤ 150 MiB at 50,000 |`);
    lines.push(`| RSS growth from 25,000 to 50,000 interactions | ${m.growth25kTo50kPct} % | ≤ 10 % |`);
  }
  if (r.requestOptions) lines.push(requestOptionsRow(r.requestOptions));
  if (r.accessReviews) lines.push(...accessReviewRows(r.accessReviews));
  lines.push(...floodRows(r));
  if (r.digestAndPolling) {
    lines.push(...digestAndPollingRows(r.digestAndPolling));
    lines.push('', ...digestAndPollingNotes(r.digestAndPolling).map((note) => `- ${note}`));
  }
  if (r.scale) lines.push(...scaleRows(r.scale));
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
