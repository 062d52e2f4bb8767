import crypto from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
}

export interface StandInUser {
  id: string;
  email?: string;
  tz?: string;
  name?: string;
  /** users.info answers it when asked with include_locale. */
  locale?: string;
  /** A guest (is_restricted), someone of another organisation (is_stranger, team_id), a deactivated account. */
  standing?: { is_restricted?: boolean; is_stranger?: boolean; deleted?: boolean; team_id?: string };
}

/**
 * A loopback stand-in for Slack's Web API (reached through SLACK_API_URL) and for response_url
 * endpoints. It records every call so tests can assert what the bot sent to Slack.
 */
export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  readonly responses: Array<{ id: string; body: Record<string, unknown> }> = [];
  /** Files uploaded through files.getUploadURLExternal: the bytes POSTed to the upload URL, by file id. */
  readonly uploads = new Map<string, string>();
  private fileSeq = 0;
  private server!: http.Server;
  private viewSeq = 0;
  private tsSeq = 0;
  url = '';
  users = new Map<string, StandInUser>();
  /** Answers that replace the default for a method (e.g. an error), by method name. */
  readonly answers = new Map<string, Record<string, unknown>>();
  /** An HTTP error status that replaces the answer for a method (the call is still recorded), by method name. */
  readonly statuses = new Map<string, number>();
  /** Extra delay before answering, for latency measurements. */
  delayMs = 0;
  /** What `apps.connections.open` answers: the Socket Mode stand-in's ws:// URL. */
  socketModeUrl = '';
  private waiters: Array<() => void> = [];

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** host:port of its response_urls, for SLACK_RESPONSE_URL_HOSTS (the bot posts to no other host but Slack's). */
  get host(): string {
    return new URL(this.url).host;
  }

  responseUrl(id: string): string {
    return `${this.url}/respond/${id}`;
  }

  addUser(user: StandInUser): void {
    this.users.set(user.id, user);
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
  }

  /** Resolves once `predicate` holds (checked after every call received), or rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('Timed out waiting for the expected Slack calls');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const args = parseBody(raw, req.headers['content-type'] ?? '');
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const url = req.url ?? '';
    if (url.startsWith('/upload/')) {
      // The second step of files.uploadV2: the file's bytes, posted to the URL the first step gave.
      this.uploads.set(url.slice('/upload/'.length), raw);
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`OK - ${raw.length}`);
      this.waiters.splice(0).forEach((w) => w());
      return;
    }
    let body: Record<string, unknown>;
    let status = 200;
    if (url.startsWith('/respond/')) {
      this.responses.push({ id: url.slice('/respond/'.length), body: args });
      body = { ok: true };
    } else {
      const method = url.replace(/^\/api\//, '').split('?')[0];
      this.calls.push({ method, args });
      status = this.statuses.get(method) ?? 200;
      body = status === 200 ? this.answer(method, args) : { ok: false, error: 'internal_error' };
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
    this.waiters.splice(0).forEach((w) => w());
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const override = this.answers.get(method);
    if (override) return override;
    switch (method) {
      case 'apps.connections.open':
        return this.socketModeUrl ? { ok: true, url: this.socketModeUrl } : { ok: false, error: 'not_allowed_token_type' };
      case 'auth.test':
        return { ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'workitems', team_id: 'T0TEAM', user_id: 'U0BOT', bot_id: 'B0BOT', app_id: 'A0APP' };
      case 'users.info': {
        const user = this.users.get(String(args.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: { id: user.id, team_id: 'T0TEAM', ...user.standing, name: user.name ?? user.id, real_name: user.name ?? user.id, tz: user.tz ?? 'UTC', ...(args.include_locale ? { locale: user.locale ?? 'en-US' } : {}), profile: { email: user.email, display_name: user.name ?? '' } },
        };
      }
      case 'views.open':
      case 'views.update':
      case 'views.publish':
      case 'views.push':
        return { ok: true, view: { id: String(args.view_id ?? `V${++this.viewSeq}`) } };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users).replace(/\W/g, '')}` } };
      case 'files.getUploadURLExternal': {
        const fileId = `F0FILE${++this.fileSeq}`;
        return { ok: true, file_id: fileId, upload_url: `${this.url}/upload/${fileId}` };
      }
      case 'files.completeUploadExternal':
        return { ok: true, files: (args.files as Array<{ id: string; title?: string }> | undefined)?.map((f) => ({ id: f.id, title: f.title })) ?? [] };
      case 'chat.postMessage':
      case 'chat.update':
      case 'chat.postEphemeral':
        return { ok: true, channel: args.channel, ts: String(args.ts ?? `${1700000000 + ++this.tsSeq}.000100`) };
      default:
        return { ok: true };
    }
  }
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    try {
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. */
export function signSlackRequest(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = 'v0=' + crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': signature };
}

export interface PostResult {
  status: number;
  body: string;
  /** Milliseconds until the HTTP response (Slack's 3-second ack budget). */
  ms: number;
}

/** Posts a signed request to the bot's real HTTP receiver, as Slack does. */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  opts: { timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<PostResult> {
  const headers: Record<string, string> = { 'Content-Type': contentType, ...signSlackRequest(secret, body, opts.timestamp), ...opts.headers };
  if (opts.signature) headers['X-Slack-Signature'] = opts.signature;
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - started };
}

export function commandBody(fields: Record<string, string>): string {
  return new URLSearchParams({ command: '/workitems', team_id: 'T0TEAM', api_app_id: 'A0APP', channel_id: 'C0CHAN', trigger_id: 'trig.1', ...fields }).toString();
}

export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

let triggerSeq = 0;

/** The envelope Slack puts around every interaction payload (block_actions, view_submission). */
export function slackInteraction(type: 'block_actions' | 'view_submission', userId: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    type,
    team: { id: 'T0TEAM', domain: 'acme' },
    user: { id: userId, username: userId, name: userId, team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy',
    trigger_id: `trigger-${++triggerSeq}`,
    ...fields,
  };
}

/** A modal submission's `view`, with the fields every view carries. */
export function submittedView(view: Record<string, unknown>): Record<string, unknown> {
  return { type: 'modal', hash: 'h', blocks: [], ...view };
}

/** A free TCP port on loopback, for a server started right after. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
