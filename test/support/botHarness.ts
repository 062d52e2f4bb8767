import { overflowButtons, withSharedValue } from '../blocks/fixtures';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FORWARD_FIELDS } from '../../src/blocks/modals';
import { startBot, type RunningBot } from '../../src/bot';
import { loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/log';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { startSandboxTenant, type Fault, type SandboxTenant } from '../../src/sandbox/tenant';
import type { SocketModeStandIn } from './socketModeStandIn';
import { commandBody, freePort, interactionBody, postSigned, slackInteraction, SlackStandIn, submittedView, type PostResult } from './slackStandIn';

export const SIGNING_SECRET = 'test-signing-secret-5f1c2e';
export const BOT_TOKEN = 'xoxb-test-bot-token-9a8b7c';
export const APP_TOKEN = 'xapp-1-test-app-token-3d4e5f';
export const TOKEN_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** Slack users of the tests; Ada owns most seeded work items. */
export const USERS = {
  ada: { id: 'U0ADA0001', email: SEED_IDENTITIES.ada.email, tz: 'Europe/Paris', name: 'Ada' },
  ben: { id: 'U0BEN0001', email: SEED_IDENTITIES.ben.email, tz: 'America/New_York', name: 'Ben' },
  admin: { id: 'U0ADMIN01', email: 'it-admin@example.com', tz: 'UTC', name: 'Admin' },
  /** No email on the Slack profile: no ISC identity can be found. */
  ghost: { id: 'U0GHOST01', tz: 'UTC', name: 'Ghost' },
} as const;


/** What Slack sends to one bot process: signed requests to its /slack/events. */
export interface SlackSide {
  command(userId: string, text: string, responseId?: string): Promise<PostResult>;
  interact(payload: Record<string, unknown>): Promise<PostResult>;
  /** `action`: fields that replace the clicked element's (an overflow's `type`, `selected_option`, `block_id`). */
  click(userId: string, actionId: string, value: unknown, opts?: { responseId?: string; home?: boolean; modalViewId?: string; action?: Record<string, unknown> }): Promise<PostResult>;
  submitView(userId: string, view: Record<string, unknown>): Promise<PostResult>;
  event(event: Record<string, unknown>): Promise<PostResult>;
}

/** Another bot process on the same config (and so the same store), its own port: a second replica. */
export interface Replica extends SlackSide {
  bot: RunningBot;
  baseUrl: string;
  stop(): Promise<void>;
}

export interface Harness extends SlackSide {
  slack: SlackStandIn;
  sandbox: SandboxTenant;
  bot: RunningBot;
  eventsUrl: string;
  baseUrl: string;
  /** Every line the bot and the sandbox logged (at debug, in LOG_FORMAT), and the logger that wrote them. */
  logs: string[];
  logger: Logger;
  dataDir: string;
  /** Set to inject ISC faults (latency, statuses, resets) per request. */
  fault?: (req: { method: string; path: string }) => Fault | undefined;
  /** Starts a second replica (meaningful with REDIS_URL); close() stops it too. */
  replica(): Promise<Replica>;
  /** The Slack payloads the bot sent to a response_url, most recent last, once there are `count`. */
  responsesTo(id: string, count?: number): Promise<Array<Record<string, any>>>;
  /**
   * Clicks a button that opens a form and returns the form as the bot filled it in (the views.update
   * after the loading view), and its id.
   */
  openForm(userId: string, actionId: string, value: unknown, opts?: { responseId?: string; home?: boolean }): Promise<{ id: string; view: Record<string, any> }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The `state.values` of a submitted Forward form. */
export function forwardFormValues(targetSlackUserId: string, comment: string, notify = false): Record<string, unknown> {
  return {
    [FORWARD_FIELDS.targetBlock]: { [FORWARD_FIELDS.targetAction]: { type: 'users_select', selected_user: targetSlackUserId } },
    [FORWARD_FIELDS.commentBlock]: { [FORWARD_FIELDS.commentAction]: { type: 'plain_text_input', value: comment } },
    [FORWARD_FIELDS.notifyBlock]: { [FORWARD_FIELDS.notifyAction]: { type: 'checkboxes', selected_options: notify ? [{ value: 'notify' }] : [] } },
  };
}

let seq = 0;
const form = 'application/x-www-form-urlencoded';

function slackSide(slack: SlackStandIn, eventsUrl: string): SlackSide {
  const side: SlackSide = {
    command: (userId, text, responseId = `cmd-${++seq}`) =>
      postSigned(eventsUrl, SIGNING_SECRET, commandBody({ user_id: userId, text, response_url: slack.responseUrl(responseId) }), form),
    interact: (payload) => postSigned(eventsUrl, SIGNING_SECRET, interactionBody(payload), form),
    click: (userId, actionId, value, opts = {}) => {
      const surface = opts.home
        ? { container: { type: 'view', view_id: 'VHOME' }, view: { id: 'VHOME', type: 'home', blocks: [], private_metadata: '', callback_id: '', state: { values: {} }, hash: 'h' } }
        : opts.modalViewId
          ? { container: { type: 'view', view_id: opts.modalViewId }, view: { id: opts.modalViewId, type: 'modal', blocks: [], private_metadata: '', callback_id: '', state: { values: {} }, hash: 'h' } }
          : {
              container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0CHAN', is_ephemeral: true },
              channel: { id: 'C0CHAN', name: 'general' },
              response_url: slack.responseUrl(opts.responseId ?? `click-${++seq}`),
            };
      const action = typeof value === 'string' ? { value, type: 'button' } : value === undefined ? { type: 'button' } : { value: JSON.stringify(value), type: 'button' };
      return side.interact(slackInteraction('block_actions', userId, { ...surface, actions: [{ action_id: actionId, block_id: 'b1', action_ts: `${Date.now() / 1000}`, ...action, ...opts.action }] }));
    },
    submitView: (userId, view) => side.interact(slackInteraction('view_submission', userId, { view: submittedView(view) })),
    event: (event) =>
      postSigned(
        eventsUrl,
        SIGNING_SECRET,
        JSON.stringify({ token: 'legacy', team_id: 'T0TEAM', api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev${++seq}`, event_time: Math.floor(Date.now() / 1000), event }),
        'application/json',
      ),
  };
  return side;
}

/** `socketMode`: the bot connects to this stand-in in Socket Mode instead of serving HTTP requests. */
export async function startHarness(env: Record<string, string> = {}, opts: { socketMode?: SocketModeStandIn } = {}): Promise<Harness> {
  const slack = await new SlackStandIn().start();
  if (opts.socketMode) slack.socketModeUrl = opts.socketMode.url;
  for (const user of Object.values(USERS)) slack.addUser(user);
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => logs.push(line), env.LOG_FORMAT === 'json' ? 'json' : 'text');
  const h = {} as Harness;
  const sandbox = await startSandboxTenant({ logger, faults: (req) => h.fault?.(req) });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    PORT: String(port),
    SLACK_API_URL: slack.apiUrl,
    SLACK_RESPONSE_URL_HOSTS: slack.host,
    SAIL_BASE_URL: sandbox.url,
    SAIL_CLIENT_ID: sandbox.clientId,
    SAIL_CLIENT_SECRET: sandbox.clientSecret,
    SAIL_TIMEOUT_MS: '1500',
    ADMIN_SLACK_USER_IDS: USERS.admin.id,
    DATA_DIR: dataDir,
    // Account linking, used when env sets AUTH_MODE: the sandbox's sign-in page and OAuth client.
    PUBLIC_URL: baseUrl,
    SAIL_LOGIN_URL: sandbox.url,
    SAIL_OAUTH_CLIENT_ID: sandbox.oauthClientId,
    SAIL_OAUTH_CLIENT_SECRET: sandbox.oauthClientSecret,
    TOKEN_ENCRYPTION_KEY: TOKEN_ENCRYPTION_KEY,
    ...(opts.socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : {}),
    ...env,
  });
  const eventsUrl = `${baseUrl}/slack/events`;
  const replicas: Replica[] = [];

  Object.assign(h, {
    slack,
    sandbox,
    logs,
    logger,
    dataDir,
    baseUrl,
    eventsUrl,
    bot: await startBot(config, logger),
    ...slackSide(slack, eventsUrl),
    async responsesTo(id: string, count = 1) {
      await slack.waitFor(() => slack.responses.filter((r) => r.id === id).length >= count);
      return slack.responses.filter((r) => r.id === id).map((r) => r.body);
    },
    async openForm(userId: string, actionId: string, value: unknown, opts: { responseId?: string; home?: boolean } = {}) {
      const updates = slack.callsTo('views.update').length;
      await h.click(userId, actionId, value, opts);
      await slack.waitFor(() => slack.callsTo('views.update').length > updates);
      const filled = slack.callsTo('views.update')[updates].args as { view_id: string; view: Record<string, any> };
      return { id: filled.view_id, view: filled.view };
    },
    async replica() {
      const replicaPort = await freePort();
      const bot = await startBot({ ...config, slack: { ...config.slack, port: replicaPort } }, logger);
      const replica: Replica = { bot, baseUrl: `http://127.0.0.1:${replicaPort}`, ...slackSide(slack, `http://127.0.0.1:${replicaPort}/slack/events`), stop: () => bot.stop() };
      replicas.push(replica);
      return replica;
    },
    async restart() {
      await h.bot.stop();
      h.bot = await startBot(config, logger);
    },
    async close() {
      await Promise.all(replicas.map((r) => r.stop()));
      await h.bot.stop();
      await sandbox.close();
      await slack.close();
    },
  });
  return h;
}

/** The button with this action_id among the blocks (actions blocks and section accessories); throws when there is none. */
export function findButton(blocks: Array<Record<string, any>>, actionId: string): Record<string, any> {
  const found = blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])].flatMap((e) => (e.type === 'overflow' ? overflowButtons(e, b.block_id) : [withSharedValue(e, b.block_id)]))).find((e) => e.action_id === actionId);
  if (!found) throw new Error(`no ${actionId} button`);
  return found;
}

/** The action_ids of every button among the blocks. */
export const buttonIds = (blocks: Array<Record<string, any>>): string[] =>
  blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).flatMap((e: Record<string, any>) => (e.type === 'overflow' ? overflowButtons(e) : [e])).map((e: Record<string, any>) => e.action_id);
