// `npm run demo`: the real bot (HTTP mode), the sandbox ISC tenant and a local stand-in for Slack
// with a web page, all on loopback. The bot is started exactly as in production, from its config;
// only Slack's address (SLACK_API_URL) and ISC's (SAIL_BASE_URL=sandbox) point at local stand-ins.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startBot, type RunningBot } from '../src/bot';
import { loadConfig } from '../src/config';
import { createLogger, type Logger } from '../src/log';
import type { SandboxTenant } from '../src/sandbox/tenant';
import { SEED_IDENTITIES } from '../src/sandbox/seed';
import { APP_ID, SlackWorkspace, TEAM, type DemoChannel, type DemoPerson } from './workspace';

/** The people to switch between in the page, each the Slack face of a sandbox identity (matched by email). */
export const DEMO_PEOPLE: DemoPerson[] = [
  { id: 'U0ADA00001', name: SEED_IDENTITIES.ada.name, email: SEED_IDENTITIES.ada.email, role: 'approver', tz: 'Europe/Paris' },
  { id: 'U0BEN00001', name: SEED_IDENTITIES.ben.name, email: SEED_IDENTITIES.ben.email, role: 'requester', tz: 'America/New_York' },
  { id: 'U0MAYA0001', name: SEED_IDENTITIES.manager.name, email: SEED_IDENTITIES.manager.email, role: 'bot admin', tz: 'UTC' },
];
const [ADA, BEN, MAYA] = DEMO_PEOPLE;

/** The digest's channel; the other is where anyone can type commands. */
export const DEMO_CHANNELS: DemoChannel[] = [
  { id: 'C0APPROVALS', name: 'iam-approvals', topic: 'The digest is posted here (DIGEST_CHANNEL)' },
  { id: 'C0GENERAL01', name: 'general', topic: 'Anyone can type /workitems here' },
];

export interface DemoOptions {
  /** The page's port; 0 picks a free one. */
  port: number;
  /** Where the bot and the sandbox log; default stderr at info. */
  logger?: Logger;
}

export interface RunningDemo {
  /** The page, e.g. http://127.0.0.1:3100 */
  url: string;
  bot: RunningBot;
  sandbox: SandboxTenant;
  workspace: SlackWorkspace;
  close(): Promise<void>;
}

const PAGE_DIR = [path.join(__dirname, 'public'), path.join(__dirname, '..', '..', 'demo', 'public')].find((dir) => fs.existsSync(path.join(dir, 'index.html')));
const PAGE_FILES: Record<string, string> = { '/': 'index.html', '/app.js': 'app.js', '/style.css': 'style.css' };
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  if (!PAGE_DIR) throw new Error('The demo page (demo/public/index.html) is missing');
  const logger = opts.logger ?? createLogger('info');
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const botPort = await freePort();
  const signingSecret = crypto.randomBytes(16).toString('hex');
  const botToken = `xoxb-demo-${crypto.randomBytes(8).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'isc-workitems-demo-'));
  const workspace = new SlackWorkspace({
    people: DEMO_PEOPLE,
    channels: DEMO_CHANNELS,
    signingSecret,
    eventsUrl: `http://127.0.0.1:${botPort}/slack/events`,
    publicUrl: url,
    log: (line) => logger.warn(line),
  });
  server.on('request', (req, res) => void handle(req, res, workspace, botToken));

  let bot: RunningBot;
  try {
    const config = loadConfig(
      {
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: `${url}/api/`,
        // The request boundaries hold as in production: this workspace and app only, response_urls on this server only.
        SLACK_TEAM_IDS: TEAM.id,
        SLACK_APP_ID: APP_ID,
        SLACK_RESPONSE_URL_HOSTS: new URL(url).host,
        PORT: String(botPort),
        SAIL_BASE_URL: 'sandbox',
        ADMIN_SLACK_USER_IDS: MAYA.id,
        DIGEST_CHANNEL: DEMO_CHANNELS[0].id,
        DIGEST_OWNERS: [ADA, BEN, MAYA].map((p) => p.id).join(','),
        NOTIFY_USERS: [ADA, BEN, MAYA].map((p) => p.id).join(','),
        POLL_INTERVAL_SECONDS: '15',
        QUIET_HOURS: 'off',
        DATA_DIR: dataDir,
      },
      dataDir,
    );
    bot = await startBot(config, logger, { host: '127.0.0.1' });
  } catch (e) {
    server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  if (!bot.sandbox) throw new Error('The bot did not start the sandbox tenant');
  const sandbox = bot.sandbox;

  return {
    url,
    bot,
    sandbox,
    workspace,
    async close() {
      await bot.stop(2000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Json = Record<string, any>;

async function handle(req: http.IncomingMessage, res: http.ServerResponse, workspace: SlackWorkspace, botToken: string): Promise<void> {
  const { pathname, searchParams } = new URL(req.url ?? '/', 'http://127.0.0.1');
  const send = (status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };
  try {
    if (req.method === 'GET' && PAGE_FILES[pathname]) {
      const file = PAGE_FILES[pathname];
      return send(200, fs.readFileSync(path.join(PAGE_DIR!, file)), CONTENT_TYPES[path.extname(file)]);
    }
    if (req.method === 'GET' && pathname === '/ui/state') return send(200, workspace.snapshot(String(searchParams.get('user'))));
    if (req.method === 'GET' && pathname === '/ui/events') return events(req, res, workspace);
    if (req.method === 'GET' && pathname.startsWith('/files/')) {
      const file = workspace.files.get(pathname.slice('/files/'.length));
      if (!file) return send(404, 'No such file', 'text/plain');
      res.setHeader('Content-Disposition', `attachment; filename="${file.title.replace(/[^\w.-]/g, '_')}"`);
      return send(200, file.content, 'application/octet-stream');
    }
    if (req.method !== 'POST') return send(404, 'Not found', 'text/plain');
    const raw = await readBody(req);
    if (pathname.startsWith('/api/')) {
      // The bot's Web API calls, authenticated with its token as Slack does.
      if (req.headers.authorization !== `Bearer ${botToken}`) return send(200, { ok: false, error: 'invalid_auth' });
      return send(200, workspace.api(pathname.slice('/api/'.length), parseForm(raw.toString('utf8'), req.headers['content-type'] ?? '')));
    }
    if (pathname.startsWith('/respond/')) return send(200, workspace.respond(pathname.slice('/respond/'.length), JSON.parse(raw.toString('utf8')) as Json));
    if (pathname.startsWith('/upload/')) return workspace.upload(pathname.slice('/upload/'.length), raw) ? send(200, `OK - ${raw.length}`, 'text/plain') : send(404, 'No such upload', 'text/plain');
    // The page's own calls: JSON only, so another site's page cannot post a form here.
    if (!String(req.headers['content-type']).startsWith('application/json')) return send(415, { error: 'JSON only' });
    const body = JSON.parse(raw.toString('utf8') || '{}') as Json;
    const user = String(body.user);
    switch (pathname) {
      case '/ui/type':
        return send(200, { error: await workspace.type(user, String(body.channel), String(body.text ?? '')) });
      case '/ui/act':
        return send(200, { error: await workspace.act(user, body.where as Json, body.action as Json, (body.values ?? {}) as Json) });
      case '/ui/suggest':
        return send(200, await workspace.suggest(user, String(body.viewId), String(body.blockId), String(body.actionId), String(body.value ?? '')));
      case '/ui/submit':
        return send(200, await workspace.submit(user, String(body.viewId), (body.values ?? {}) as Json));
      case '/ui/close':
        return send(200, { error: await workspace.close(user, String(body.viewId)) });
      case '/ui/open-app':
        return send(200, { error: await workspace.openApp(user, body.tab === 'messages' ? 'messages' : 'home') });
      default:
        return send(404, { error: 'Not found' });
    }
  } catch (e) {
    send(500, { error: e instanceof Error ? e.message : String(e) });
  }
}

/** Server-sent events: one `change` after each change of the workspace, so the page fetches its state again. */
function events(req: http.IncomingMessage, res: http.ServerResponse, workspace: SlackWorkspace): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write('retry: 1000\n\n');
  let pending = false;
  const off = workspace.onChange(() => {
    // Changes that come together (a card updated, then a notice) reach the page as one.
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      res.write('data: change\n\n');
    }, 20);
  });
  req.on('close', off);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A Web API call's arguments: form fields (objects among them JSON-encoded, as @slack/web-api sends them) or JSON. */
function parseForm(raw: string, contentType: string): Json {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Json;
  return Object.fromEntries(new URLSearchParams(raw));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
