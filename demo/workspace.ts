// The demo's Slack: a workspace held in memory (people, a channel, DMs with the bot, the Home tab,
// open modals) that answers the bot's Web API calls and its response_url posts, and turns what the
// page does into the signed requests Slack would send to the bot's /slack/events.
import crypto from 'node:crypto';

export interface DemoPerson {
  id: string;
  name: string;
  email: string;
  role: string;
  tz: string;
}

export interface DemoChannel {
  id: string;
  name: string;
  topic: string;
}

type Json = Record<string, any>;

export interface DemoMessage {
  ts: string;
  channel: string;
  /** Who posted it: 'bot' or a person's id. */
  from: string;
  text: string;
  blocks?: Json[];
  /** Shown only to this person (chat.postEphemeral, a response_url answer). */
  ephemeralFor?: string;
  files?: Array<{ id: string; title: string }>;
  edited?: boolean;
}

export interface DemoView extends Json {
  id: string;
  type: 'modal' | 'home';
}

/** What a response_url belongs to: who, where, and the message it replaces once there is one. */
interface ResponseTarget {
  user: string;
  channel: string;
  ts?: string;
}

export const BOT_USER_ID = 'U0WORKITEMS';
export const TEAM = { id: 'T0DEMO', domain: 'acme-demo', name: 'Acme (demo)' };
export const APP_ID = 'A0WORKITEMS';

/** The channel of a person's DM with the bot (what conversations.open answers). */
export const dmChannelOf = (userId: string) => `D${userId.slice(1)}`;

export interface WorkspaceOptions {
  people: DemoPerson[];
  channels: DemoChannel[];
  signingSecret: string;
  /** The bot's receiver, e.g. http://127.0.0.1:3101/slack/events. */
  eventsUrl: string;
  /** This server's own origin, for response_url and file links. */
  publicUrl: string;
  log?: (line: string) => void;
}

/** Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return 'v0=' + crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
}

export class SlackWorkspace {
  readonly messages: DemoMessage[] = [];
  /** Each person's stack of open modals, the top last. */
  readonly modals = new Map<string, DemoView[]>();
  readonly homes = new Map<string, DemoView>();
  readonly files = new Map<string, { title: string; content: Buffer }>();
  private readonly responseTargets = new Map<string, ResponseTarget>();
  private readonly triggers = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  private lastTs = 0;

  constructor(private readonly opts: WorkspaceOptions) {}

  get people(): DemoPerson[] {
    return this.opts.people;
  }

  get channels(): DemoChannel[] {
    return this.opts.channels;
  }

  /** Called after every change the page should see. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  person(id: string): DemoPerson | undefined {
    return this.opts.people.find((p) => p.id === id);
  }

  private nextTs(): string {
    // Slack's ts: seconds with six digits of sequence, unique and increasing within a channel.
    const now = Date.now() * 1000;
    this.lastTs = Math.max(now, this.lastTs + 1);
    return `${Math.floor(this.lastTs / 1e6)}.${String(this.lastTs % 1e6).padStart(6, '0')}`;
  }

  private id(prefix: string): string {
    return `${prefix}${(++this.seq).toString(36).toUpperCase().padStart(6, '0')}`;
  }

  // -------------------------------------------------------------------------------------------------
  // What the page sees

  /** Everything one person sees: channels and DMs with the messages visible to them, their Home tab, their open modals. */
  snapshot(userId: string): Json {
    const visible = (m: DemoMessage) => !m.ephemeralFor || m.ephemeralFor === userId;
    const dm = dmChannelOf(userId);
    const conversations = [
      ...this.opts.channels.map((c) => ({ ...c, kind: 'channel' })),
      { id: dm, name: 'ISC Work Items', kind: 'app' },
    ].map((c) => ({ ...c, messages: this.messages.filter((m) => m.channel === c.id && visible(m)) }));
    return {
      me: userId,
      team: TEAM,
      bot: { id: BOT_USER_ID, name: 'ISC Work Items' },
      people: this.opts.people,
      conversations,
      home: this.homes.get(userId) ?? null,
      modals: this.modals.get(userId) ?? [],
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Slack's Web API, as the bot calls it (SLACK_API_URL points here)

  api(method: string, args: Json): Json {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: `https://${TEAM.domain}.slack.com/`, team: TEAM.name, user: 'workitems', team_id: TEAM.id, user_id: BOT_USER_ID, bot_id: 'B0WORKITEMS' };
      case 'users.info': {
        const p = this.person(String(args.user));
        return p ? { ok: true, user: this.userObject(p, String(args.include_locale) === 'true') } : { ok: false, error: 'user_not_found' };
      }
      case 'users.lookupByEmail': {
        const p = this.opts.people.find((x) => x.email.toLowerCase() === String(args.email).toLowerCase());
        return p ? { ok: true, user: this.userObject(p, false) } : { ok: false, error: 'users_not_found' };
      }
      case 'conversations.open': {
        const users = String(args.users ?? '').split(',');
        if (users.length !== 1 || !this.person(users[0])) return { ok: false, error: 'user_not_found' };
        return { ok: true, channel: { id: dmChannelOf(users[0]) } };
      }
      case 'chat.postMessage': {
        const channel = this.resolveChannel(String(args.channel ?? ''));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const message = this.post({ channel, from: 'bot', text: String(args.text ?? ''), blocks: blocksOf(args.blocks) });
        return { ok: true, channel, ts: message.ts, message: { ts: message.ts, text: message.text, blocks: message.blocks, user: BOT_USER_ID } };
      }
      case 'chat.postEphemeral': {
        const channel = this.resolveChannel(String(args.channel ?? ''));
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!this.person(String(args.user))) return { ok: false, error: 'user_not_in_channel' };
        const message = this.post({ channel, from: 'bot', text: String(args.text ?? ''), blocks: blocksOf(args.blocks), ephemeralFor: String(args.user) });
        return { ok: true, message_ts: message.ts };
      }
      case 'chat.update': {
        const channel = this.resolveChannel(String(args.channel ?? ''));
        const message = this.messages.find((m) => m.channel === channel && m.ts === String(args.ts));
        if (!message) return { ok: false, error: 'message_not_found' };
        this.replace(message, { text: String(args.text ?? message.text), blocks: args.blocks === undefined ? message.blocks : blocksOf(args.blocks) });
        return { ok: true, channel, ts: message.ts, text: message.text };
      }
      case 'chat.delete': {
        const channel = this.resolveChannel(String(args.channel ?? ''));
        const at = this.messages.findIndex((m) => m.channel === channel && m.ts === String(args.ts));
        if (at < 0) return { ok: false, error: 'message_not_found' };
        this.messages.splice(at, 1);
        this.changed();
        return { ok: true, channel, ts: String(args.ts) };
      }
      case 'views.open':
      case 'views.push': {
        const user = this.triggers.get(String(args.trigger_id));
        if (!user) return { ok: false, error: 'invalid_trigger_id' };
        // views.open starts a new stack; views.push stacks a view on the open one (at most three).
        const stack = method === 'views.open' ? [] : (this.modals.get(user) ?? []);
        if (stack.length >= 3) return { ok: false, error: 'push_limit_reached' };
        const view = this.view(parseJson(args.view), 'modal', stack.at(-1));
        this.modals.set(user, [...stack, view]);
        this.changed();
        return { ok: true, view };
      }
      case 'views.update': {
        const found = this.findView(String(args.view_id ?? ''), String(args.external_id ?? ''));
        if (!found) return { ok: false, error: 'not_found' };
        if (args.hash && args.hash !== found.view.hash) return { ok: false, error: 'hash_conflict' };
        const view = this.view({ ...parseJson(args.view), id: found.view.id }, found.view.type, undefined, found.view);
        found.put(view);
        this.changed();
        return { ok: true, view };
      }
      case 'views.publish': {
        const user = String(args.user_id);
        if (!this.person(user)) return { ok: false, error: 'user_not_found' };
        const old = this.homes.get(user);
        const view = this.view({ ...parseJson(args.view), id: old?.id }, 'home');
        this.homes.set(user, view);
        this.changed();
        return { ok: true, view };
      }
      case 'files.getUploadURLExternal': {
        const id = this.id('F');
        this.files.set(id, { title: String(args.filename ?? id), content: Buffer.alloc(0) });
        return { ok: true, file_id: id, upload_url: `${this.opts.publicUrl}/upload/${id}` };
      }
      case 'files.completeUploadExternal': {
        const list = parseJson(args.files) as unknown as Array<{ id: string; title?: string }>;
        const files = list.map((f) => ({ id: f.id, title: f.title ?? this.files.get(f.id)?.title ?? f.id }));
        for (const f of files) {
          const stored = this.files.get(f.id);
          if (stored) stored.title = f.title;
        }
        const channel = args.channel_id ? this.resolveChannel(String(args.channel_id)) : undefined;
        if (channel) this.post({ channel, from: 'bot', text: String(args.initial_comment ?? ''), files });
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      default:
        this.opts.log?.(`The bot called ${method}, which the demo's Slack does not know; it answered unknown_method`);
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** The second step of files.uploadV2: the file's bytes, posted to the URL the first step gave. */
  upload(fileId: string, content: Buffer): boolean {
    const file = this.files.get(fileId);
    if (!file) return false;
    file.content = content;
    return true;
  }

  /** A message posted to a response_url (Bolt's respond()). */
  respond(id: string, body: Json): Json {
    const target = this.responseTargets.get(id);
    if (!target) return { ok: false, error: 'expired_url' };
    this.answer(target, body);
    return { ok: true };
  }

  private answer(target: ResponseTarget, body: Json): void {
    const original = target.ts ? this.messages.find((m) => m.channel === target.channel && m.ts === target.ts) : undefined;
    if (body.delete_original && original) {
      this.messages.splice(this.messages.indexOf(original), 1);
      this.changed();
      return;
    }
    const content = { text: String(body.text ?? ''), blocks: blocksOf(body.blocks) };
    if (body.replace_original && original) return this.replace(original, content);
    const message = this.post({ channel: target.channel, from: 'bot', ...content, ...(body.response_type === 'in_channel' ? {} : { ephemeralFor: target.user }) });
    // A slash command's response_url has no message of its own: its first answer becomes the one later answers replace.
    target.ts ??= message.ts;
  }

  private userObject(p: DemoPerson, withLocale: boolean): Json {
    return {
      id: p.id,
      team_id: TEAM.id,
      name: p.email.split('@')[0],
      real_name: p.name,
      tz: p.tz,
      deleted: false,
      is_bot: false,
      ...(withLocale ? { locale: 'en-US' } : {}),
      profile: { email: p.email, real_name: p.name, display_name: p.name.split(' ')[0] },
    };
  }

  /** A channel id, a DM id or a person's id (Slack posts to their DM with the bot). */
  private resolveChannel(channel: string): string | undefined {
    if (this.opts.channels.some((c) => c.id === channel)) return channel;
    const dmUser = this.opts.people.find((p) => dmChannelOf(p.id) === channel || p.id === channel);
    return dmUser ? dmChannelOf(dmUser.id) : undefined;
  }

  private post(fields: Omit<DemoMessage, 'ts'>): DemoMessage {
    const message: DemoMessage = { ts: this.nextTs(), ...fields };
    this.messages.push(message);
    this.changed();
    return message;
  }

  private replace(message: DemoMessage, content: { text: string; blocks?: Json[] }): void {
    message.text = content.text;
    message.blocks = content.blocks;
    message.edited = true;
    this.changed();
  }

  /** A view as Slack stores and returns it: an id, a hash that changes with each update, an empty state. */
  private view(spec: Json, type: 'modal' | 'home', previous?: DemoView, replacing?: DemoView): DemoView {
    const id = spec.id ?? this.id('V');
    return {
      ...spec,
      id,
      team_id: TEAM.id,
      type,
      blocks: withBlockIds(Array.isArray(spec.blocks) ? spec.blocks : []),
      private_metadata: spec.private_metadata ?? '',
      callback_id: spec.callback_id ?? '',
      external_id: spec.external_id ?? '',
      state: { values: {} },
      hash: `${Date.now()}.${this.id('h')}`,
      app_id: APP_ID,
      bot_id: 'B0WORKITEMS',
      root_view_id: replacing?.root_view_id ?? previous?.root_view_id ?? id,
      previous_view_id: replacing ? replacing.previous_view_id : (previous?.id ?? null),
    };
  }

  private findView(viewId: string, externalId: string): { view: DemoView; put(view: DemoView): void } | undefined {
    const matches = (v: DemoView) => (viewId && v.id === viewId) || (externalId && v.external_id === externalId);
    for (const [user, stack] of this.modals) {
      const at = stack.findIndex(matches);
      if (at >= 0) return { view: stack[at], put: (view) => this.modals.set(user, stack.map((v, i) => (i === at ? view : v))) };
    }
    for (const [user, home] of this.homes) if (matches(home)) return { view: home, put: (view) => this.homes.set(user, view) };
    return undefined;
  }

  // -------------------------------------------------------------------------------------------------
  // What the page does, sent to the bot as Slack would

  /** A line typed in the message box. Returns an error to show, if any. */
  async type(user: string, channel: string, line: string): Promise<string | undefined> {
    const target = this.resolveChannel(channel);
    if (!this.person(user) || !target) return 'Unknown person or conversation';
    const text = line.trim();
    if (!text.startsWith('/')) {
      this.post({ channel: target, from: user, text });
      return undefined;
    }
    const [command, ...rest] = text.split(/\s+/);
    if (command !== '/workitems') {
      this.post({ channel: target, from: 'slackbot', text: `${command} is not a valid command. In this demo the bot answers /workitems (try /workitems help).`, ephemeralFor: user });
      return undefined;
    }
    const responseId = this.id('R');
    const responseTarget: ResponseTarget = { user, channel: target };
    this.responseTargets.set(responseId, responseTarget);
    const p = this.person(user)!;
    const body = new URLSearchParams({
      token: 'demo-verification-token',
      team_id: TEAM.id,
      team_domain: TEAM.domain,
      channel_id: target,
      channel_name: this.opts.channels.find((c) => c.id === target)?.name ?? 'directmessage',
      user_id: user,
      user_name: p.email.split('@')[0],
      command,
      text: rest.join(' '),
      api_app_id: APP_ID,
      is_enterprise_install: 'false',
      response_url: `${this.opts.publicUrl}/respond/${responseId}`,
      trigger_id: this.trigger(user),
    }).toString();
    const reply = await this.send(body, 'application/x-www-form-urlencoded');
    if (reply.error) return reply.error;
    // A command may answer in its HTTP response instead of through the response_url.
    if (reply.body) this.answer(responseTarget, reply.body.startsWith('{') ? (JSON.parse(reply.body) as Json) : { text: reply.body });
    return undefined;
  }

  /** A button, menu, select or date picked on a message, the Home tab or a modal. */
  async act(user: string, where: { channel?: string; ts?: string; viewId?: string }, action: Json, values: Json): Promise<string | undefined> {
    const common = { action_ts: `${Date.now() / 1000}`, ...action };
    let surface: Json;
    if (where.viewId) {
      const found = this.findView(where.viewId, '');
      if (!found) return 'That view is no longer open';
      surface = { container: { type: 'view', view_id: found.view.id }, view: { ...found.view, state: { values } } };
    } else {
      const message = this.messages.find((m) => m.channel === where.channel && m.ts === where.ts);
      if (!message) return 'That message is gone';
      const responseId = this.id('R');
      this.responseTargets.set(responseId, { user, channel: message.channel, ts: message.ts });
      const ephemeral = Boolean(message.ephemeralFor);
      surface = {
        container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: ephemeral },
        channel: { id: message.channel, name: this.opts.channels.find((c) => c.id === message.channel)?.name ?? 'directmessage' },
        // Slack sends the message itself only for a message everyone sees.
        ...(ephemeral ? {} : { message: { type: 'message', user: BOT_USER_ID, ts: message.ts, text: message.text, blocks: message.blocks } }),
        state: { values },
        response_url: `${this.opts.publicUrl}/respond/${responseId}`,
      };
    }
    const payload = { type: 'block_actions', ...this.envelope(user), ...surface, actions: [common] };
    const reply = await this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    return reply.error;
  }

  /** An external select asking for its options as the person types (block_suggestion); the bot's ack carries them. */
  async suggest(user: string, viewId: string, blockId: string, actionId: string, value: string): Promise<{ options?: Json[]; error?: string }> {
    const found = this.findView(viewId, '');
    if (!found) return { error: 'That view is no longer open' };
    const payload = { type: 'block_suggestion', ...this.envelope(user), container: { type: 'view', view_id: viewId }, view: found.view, block_id: blockId, action_id: actionId, value };
    const reply = await this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    if (reply.error) return { error: reply.error };
    const ack = reply.body ? (JSON.parse(reply.body) as Json) : {};
    return { options: (ack.options as Json[] | undefined) ?? ((ack.option_groups as Array<{ options: Json[] }> | undefined) ?? []).flatMap((g) => g.options) };
  }

  /** A modal's submit button. Returns the errors to show under its inputs, or an error. */
  async submit(user: string, viewId: string, values: Json): Promise<{ error?: string; errors?: Record<string, string> }> {
    const stack = this.modals.get(user) ?? [];
    const at = stack.findIndex((v) => v.id === viewId);
    if (at < 0) return { error: 'That form is no longer open' };
    const view = { ...stack[at], state: { values } };
    const payload = { type: 'view_submission', ...this.envelope(user), view, response_urls: [] };
    const reply = await this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    if (reply.error) return { error: reply.error };
    const ack = reply.body ? (JSON.parse(reply.body) as Json) : {};
    const current = this.modals.get(user) ?? [];
    switch (ack.response_action) {
      case 'errors':
        return { errors: ack.errors as Record<string, string> };
      case 'update':
        this.modals.set(user, current.map((v) => (v.id === viewId ? this.view({ ...ack.view, id: viewId }, 'modal', undefined, v) : v)));
        break;
      case 'push':
        this.modals.set(user, [...current, this.view(ack.view, 'modal', current.at(-1))]);
        break;
      case 'clear':
        this.modals.set(user, []);
        break;
      default:
        this.modals.set(user, current.filter((v) => v.id !== viewId));
    }
    this.changed();
    return {};
  }

  /** The modal's Cancel/close: Slack closes it and tells the bot only when the view asked (notify_on_close). */
  async close(user: string, viewId: string): Promise<string | undefined> {
    const stack = this.modals.get(user) ?? [];
    const view = stack.find((v) => v.id === viewId);
    if (!view) return undefined;
    this.modals.set(user, stack.filter((v) => v.id !== viewId));
    this.changed();
    if (!view.notify_on_close) return undefined;
    const payload = { type: 'view_closed', ...this.envelope(user), view, is_cleared: false };
    return (await this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded')).error;
  }

  /** The person opened the app's Home or Messages tab. */
  async openApp(user: string, tab: 'home' | 'messages'): Promise<string | undefined> {
    const event = { type: 'app_home_opened', user, channel: dmChannelOf(user), tab, event_ts: `${Date.now() / 1000}`, ...(tab === 'home' && this.homes.get(user) ? { view: this.homes.get(user) } : {}) };
    const envelope = {
      token: 'demo-verification-token',
      team_id: TEAM.id,
      api_app_id: APP_ID,
      event,
      type: 'event_callback',
      event_id: this.id('Ev'),
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: TEAM.id, user_id: BOT_USER_ID, is_bot: true }],
    };
    return (await this.send(JSON.stringify(envelope), 'application/json')).error;
  }

  private envelope(user: string): Json {
    const p = this.person(user);
    return {
      team: { id: TEAM.id, domain: TEAM.domain },
      user: { id: user, username: p?.email.split('@')[0] ?? user, name: p?.email.split('@')[0] ?? user, team_id: TEAM.id },
      api_app_id: APP_ID,
      token: 'demo-verification-token',
      trigger_id: this.trigger(user),
      is_enterprise_install: false,
    };
  }

  private trigger(user: string): string {
    const id = `${Date.now()}.${this.id('trig')}`;
    this.triggers.set(id, user);
    return id;
  }

  /** Posts a signed request to the bot's receiver. Slack gives up after 3 seconds; so does the demo. */
  private async send(body: string, contentType: string): Promise<{ body?: string; error?: string }> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await fetch(this.opts.eventsUrl, {
        method: 'POST',
        headers: {
          'Content-Type': contentType,
          'X-Slack-Request-Timestamp': String(timestamp),
          'X-Slack-Signature': slackSignature(this.opts.signingSecret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(3000),
      });
      const text = await res.text();
      if (res.status !== 200) return { error: `The bot answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
      return { body: text || undefined };
    } catch (e) {
      return { error: `The bot did not answer within 3 seconds (${e instanceof Error ? e.message : String(e)})` };
    }
  }
}

function parseJson(value: unknown): Json {
  if (typeof value === 'string') return JSON.parse(value) as Json;
  return (value ?? {}) as Json;
}

function blocksOf(value: unknown): Json[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(parsed) ? withBlockIds(parsed as Json[]) : undefined;
}

/** Slack gives every block without a block_id one of its own, and state.values is keyed by it. */
function withBlockIds(blocks: Json[]): Json[] {
  return blocks.map((b, i) => (b.block_id ? b : { ...b, block_id: `b${i}-${crypto.createHash('sha1').update(JSON.stringify(b)).digest('hex').slice(0, 5)}` }));
}
