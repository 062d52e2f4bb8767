// The bot's side of the scale part (bench/scale.ts), in a process of its own started with `npm start`'s
// Node options, so that its RSS is the bot's alone: the sandbox tenant (10,000 items, 5,000
// identities) and the Slack stand-in stay in the bench's process. It builds the notification
// machinery as src/bot.ts does (ISC client, identity directory, inbox services, state store, Slack
// notification client, Notifier), on a skip-ahead clock: every wait returns at once and moves the
// clock on. The clock is this process's; each move is sent to the bench (IPC) before the wait
// returns, so the tenant's rate limit and the new items follow the same clock.
import diagnostics_channel from 'node:diagnostics_channel';
import fs from 'node:fs';
import type { ClientRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebClient, type ChatPostMessageArguments } from '@slack/web-api';
import { loadConfig } from '../src/config';
import { createInboxServices } from '../src/inbox/services';
import { createIscClient } from '../src/isc/client';
import { silentLogger } from '../src/log';
import { Notifier } from '../src/notify/notifier';
import type { SlackDmClient } from '../src/notify/slackSender';
import { RequestService } from '../src/requests/requestService';
import type { BotContext } from '../src/slack/context';
import { createNotificationClient } from '../src/slack/notificationClient';
import { MemoryStateStore } from '../src/store/memoryStore';
import { IdentityDirectory } from '../src/workitems/identityDirectory';

export interface ScaleBotInput {
  design: 'sweep' | 'per-subscriber';
  slackApiUrl: string;
  iscUrl: string;
  clientId: string;
  clientSecret: string;
  userIds: string[];
}

export type ScaleBotMessage =
  | { clock: number }
  | { dm: string; at: number }
  | { warm: { simulatedMs: number; realMs: number; pollerShare: number } }
  | { stopped: { heapUsedMiB: number; rssMiB: number; busiestIssuedPer10s: number } }
  | { failed: string };

const send = (m: ScaleBotMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

let until = 0;
const now = () => Math.max(Date.now(), until);
const sleep = async (ms: number) => {
  until = now() + Math.max(0, ms);
  await send({ clock: until });
};

/** The most in any 10 s of the clock times given, in order. */
function busiest(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] <= times[i] - 10_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function main(): Promise<void> {
  const input = JSON.parse(fs.readFileSync(process.env.SCALE_BOT_INPUT!, 'utf8')) as ScaleBotInput;
  // When the bot sent each ISC API request, on its clock (the tenant stamps arrivals, which a wait
  // elsewhere in the bot can move on in between): from the start of the measured window.
  const iscHost = new URL(input.iscUrl).host;
  const issued: number[] = [];
  let counting = false;
  diagnostics_channel.subscribe('http.client.request.start', (message) => {
    const request = (message as { request: ClientRequest }).request;
    if (counting && request.getHeader('host') === iscHost && !request.path.startsWith('/oauth/')) issued.push(now());
  });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-bot-'));
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: input.slackApiUrl,
    SAIL_BASE_URL: input.iscUrl,
    SAIL_CLIENT_ID: input.clientId,
    SAIL_CLIENT_SECRET: input.clientSecret,
    DATA_DIR: dataDir,
    NOTIFY_SWEEP: input.design === 'sweep' ? 'on' : 'off',
    QUIET_HOURS: 'off',
  });
  const store = new MemoryStateStore(now);
  // The client's own limiter keeps real time and cannot follow the skip-ahead clock, so it is raised;
  // the poller's limiter (POLL_RATE_SHARE of the configured limit, on the clock) paces the bot, and the
  // tenant enforces ISC's own limit on the same clock.
  const isc = createIscClient({ baseUrl: config.isc.baseUrl, clientId: input.clientId, clientSecret: input.clientSecret, rateLimit: { requests: 100_000, perMs: 10_000 }, logger: silentLogger });
  const date = () => new Date(now());
  const directory = new IdentityDirectory({ slack: new WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl }), identities: isc.identities, overrides: config.identityMap, ttlMs: config.identityCacheTtlMs, logger: silentLogger, now });
  let notifier: Notifier | undefined;
  const services = createInboxServices({ isc, directory, store, admins: new Set(), logger: silentLogger, now: date }, (entry, decisions) => notifier?.itemChanged(entry, decisions));
  const ctx: BotContext = { config, isc, ...services, requests: new RequestService({ isc, directory, store, logger: silentLogger }), directory, store, logger: silentLogger, now: date, iscHealth: async () => ({ ok: true, detail: '' }) };
  const web = createNotificationClient(config.slack, silentLogger);
  const dmed = new Set<string>();
  const client: SlackDmClient = {
    conversations: web.conversations,
    users: web.users,
    chat: {
      update: (args) => web.chat.update(args),
      postMessage: async (args: ChatPostMessageArguments) => {
        const res = await web.chat.postMessage(args);
        const name = /Scale item \d+/.exec(String((args as { text?: string }).text ?? ''))?.[0];
        if (name && !dmed.has(name)) {
          dmed.add(name);
          await send({ dm: name, at: now() });
        }
        return res;
      },
    },
  };
  notifier = new Notifier(ctx, { slack: client, sleep });
  const n = notifier;

  process.on('message', (m: { cmd: 'warm' | 'start' | 'stop' }) => {
    const run = async () => {
      if (m.cmd === 'warm') {
        for (const userId of input.userIds) await n.subscriptions.touch(userId);
        const at = now();
        const real = performance.now();
        await n.runCycle();
        await send({ warm: { simulatedMs: Math.round(now() - at), realMs: Math.round(performance.now() - real), pollerShare: Math.floor(config.isc.rateLimitPer10s * config.notify.pollRateShare) } });
      } else if (m.cmd === 'start') {
        counting = true;
        n.start();
      } else {
        await n.stop();
        await store.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
        const mem = process.memoryUsage();
        await send({ stopped: { heapUsedMiB: Math.round(mem.heapUsed / 2 ** 20), rssMiB: Math.round(mem.rss / 2 ** 20), busiestIssuedPer10s: busiest(issued) } });
        process.exit(0);
      }
    };
    run().catch(async (e: unknown) => {
      await send({ failed: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      process.exit(1);
    });
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`scaleBot: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
