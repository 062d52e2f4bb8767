import fs from 'node:fs';
import { RequestService } from '../../src/requests/requestService';
import os from 'node:os';
import path from 'node:path';
import { WebClient } from '@slack/web-api';
import { AR_ACTION, GA_ACTION } from '../../src/blocks/actions';
import { loadConfig } from '../../src/config';
import { createIscClient } from '../../src/isc/client';
import { createLogger } from '../../src/log';
import { Notifier } from '../../src/notify/notifier';
import type { AnnouncementReceipts } from '../../src/notify/receipts';
import type { SlackDmClient } from '../../src/notify/slackSender';
import { createNotificationClient } from '../../src/slack/notificationClient';
import { sandboxId, SEED_IDENTITIES } from '../../src/sandbox/seed';
import { startSandboxTenant, type Fault, type SandboxOptions, type SandboxTenant } from '../../src/sandbox/tenant';
import type { StateStore } from '../../src/store/store';
import type { BotContext } from '../../src/slack/context';
import { FileStateStore } from '../../src/store/fileStore';
import { IdentityDirectory } from '../../src/workitems/identityDirectory';
import { createInboxServices } from '../../src/inbox/services';
import { SlackStandIn, type StandInUser } from '../support/slackStandIn';

/** Slack users of the notification tests (Ada and Ben own seeded items; the others get demo items on first lookup). */
export const PEOPLE = {
  ada: { id: 'U0ADA0001', email: SEED_IDENTITIES.ada.email, tz: 'Europe/Paris', name: 'Ada' },
  ben: { id: 'U0BEN0001', email: SEED_IDENTITIES.ben.email, tz: 'America/New_York', name: 'Ben' },
  kenji: { id: 'U0KENJI01', email: 'kenji@example.com', tz: 'Asia/Tokyo', name: 'Kenji' },
  lucy: { id: 'U0LUCY001', email: 'lucy@example.com', tz: 'America/Los_Angeles', name: 'Lucy' },
} as const satisfies Record<string, StandInUser & { email: string }>;

/** A Slack call the rig's fault hook may fail instead of sending. */
export type SlackFault = (method: 'chat.postMessage' | 'chat.update') => Error | undefined;

export interface Rig {
  sandbox: SandboxTenant;
  slack: SlackStandIn;
  notifier: Notifier;
  ctx: BotContext;
  store: FileStateStore;
  logs: string[];
  /** Virtual time: the notifier's clock; its sleeps move it forward at once. */
  clock: { now: number };
  fault?: (req: { method: string; path: string; query: URLSearchParams }) => Fault | undefined;
  slackFault?: SlackFault;
  /** Awaited before every chat.postMessage of any replica: another replica's work between a claim and its post. */
  beforePost?: () => Promise<void>;
  /** A second notifier on the same store and Slack, as another replica that believes it leads. */
  replica(): Notifier;
  /** Builds a fresh notifier, service and store on the same data directory, as after a restart. */
  restart(): Promise<void>;
  /** Another replica's notifier (its own ISC client, services and directory) on the given store, with the given receipts. */
  replica(store: StateStore, receipts?: AnnouncementReceipts): Notifier;
  close(): Promise<void>;
  /** The messages the bot posted into a user's DM channel (thread replies included). */
  posts(userId: string): Array<Record<string, any>>;
  updates(userId: string): Array<Record<string, any>>;
}

export const dmChannel = (userId: string) => `D${userId}`;

let nextItem = 0x2000;
/** A new pending approval work item for an ISC identity; returns its id and its first approval item's. */
export function newApproval(sandbox: SandboxTenant, ownerId: string, name = 'Access Request: Payroll admin', approvals = 1): { id: string; approvalItemId: string } {
  const id = sandboxId('workItem', nextItem);
  const approvalItems = Array.from({ length: approvals }, (_, i) => ({
    id: sandboxId('approvalItem', nextItem * 16 + i),
    application: 'Payroll',
    operation: 'Add',
    name: 'role',
    value: `admin-${i}`,
    state: 'Pending' as const,
  }));
  nextItem++;
  sandbox.addWorkItem({ id, ownerId, name, type: 'Approval', requesterDisplayName: 'Jane Doe', description: 'Payroll admin for the year-end run', approvalItems });
  return { id, approvalItemId: approvalItems[0].id };
}

export async function startRig(env: Record<string, string> = {}, start = '2030-01-07T10:00:00Z', sandboxOptions: Partial<SandboxOptions> = {}): Promise<Rig> {
  const slack = await new SlackStandIn().start();
  for (const user of Object.values(PEOPLE)) slack.addUser(user);
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => logs.push(line));
  const rig = { slack, logs, clock: { now: Date.parse(start) } } as Rig;
  const sandbox = await startSandboxTenant({ logger, faults: (req) => rig.fault?.(req), ...sandboxOptions });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-'));
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-notify-test',
    SLACK_SIGNING_SECRET: 'notify-signing-secret',
    SLACK_API_URL: slack.apiUrl,
    SAIL_BASE_URL: sandbox.url,
    SAIL_CLIENT_ID: sandbox.clientId,
    SAIL_CLIENT_SECRET: sandbox.clientSecret,
    DATA_DIR: dataDir,
    ...env,
  });
  // ISC 5xx are not retried inside the client here, so a fault shows at once.
  const iscClient = () => createIscClient({ baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, maxRetries: 0, timeoutMs: 2000, logger });
  const isc = iscClient();
  const web = createNotificationClient(config.slack, logger);
  const slackClient: SlackDmClient = {
    conversations: web.conversations,
    chat: {
      postMessage: async (args) => {
        await rig.beforePost?.();
        const error = rig.slackFault?.('chat.postMessage');
        return error ? Promise.reject(error) : web.chat.postMessage(args);
      },
      update: (args) => {
        const error = rig.slackFault?.('chat.update');
        return error ? Promise.reject(error) : web.chat.update(args);
      },
    },
    // The stand-in does not know users.lookupByEmail.
    users: { lookupByEmail: async ({ email }) => ({ ok: true, user: { id: [...slack.users.values()].find((u) => u.email === email)?.id } }) },
  };

  function notifierOn(store: StateStore, isc = iscClient(), receipts?: AnnouncementReceipts): { ctx: BotContext; notifier: Notifier } {
    const directory = new IdentityDirectory({ slack: new WebClient('xoxb-notify-test', { slackApiUrl: slack.apiUrl }), identities: isc.identities, overrides: new Map(), ttlMs: 3600_000, logger });
    const services = createInboxServices({ isc, directory, store, admins: new Set(), logger }, (entry, decisions) => notifier.itemChanged(entry, decisions));
    const ctx: BotContext = { config, isc, ...services, requests: new RequestService({ isc, directory, store, logger }), directory, store, logger, now: () => new Date(rig.clock.now), iscHealth: async () => ({ ok: true, detail: '' }) };
    const notifier: Notifier = new Notifier(ctx, {
      slack: slackClient,
      receipts,
      sleep: async (ms) => {
        rig.clock.now += ms;
      },
    });
    return { ctx, notifier };
  }
  async function build(): Promise<void> {
    const store = await FileStateStore.open(dataDir);
    Object.assign(rig, { store, ...notifierOn(store, isc) });
  }
  await build();

  const inDm = (method: string, userId: string) => slack.callsTo(method).filter((c) => c.args.channel === dmChannel(userId)).map((c) => c.args);
  Object.assign(rig, {
    sandbox,
    async restart() {
      await rig.notifier.stop();
      await rig.store.flush();
      await build();
    },
    async close() {
      await rig.notifier.stop();
      await rig.store.flush();
      await sandbox.close();
      await slack.close();
    },
    replica: (store: StateStore, receipts?: AnnouncementReceipts) => notifierOn(store, undefined, receipts).notifier,
    posts: (userId: string) => inDm('chat.postMessage', userId),
    updates: (userId: string) => inDm('chat.update', userId),
  });
  return rig;
}

const ACTIONS = new Set([
  'wi_approve',
  'wi_reject',
  'wi_approve_all',
  'wi_reject_all',
  'wi_complete',
  'wi_forward',
  'wi_select_accounts',
  ...Object.values(AR_ACTION).filter((id) => id !== AR_ACTION.details),
  ...Object.values(GA_ACTION).filter((id) => id !== GA_ACTION.details),
]);

/** action_ids of the buttons that act on the item, of any kind (not Details, not the Open-in-ISC link). */
export function actionButtons(blocks: Array<Record<string, any>>): string[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).map((e: Record<string, any>) => e.action_id).filter((id: string) => ACTIONS.has(id));
}

/** Waits until the predicate holds, for work the notifier does after an action (its itemChanged hook). */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('Timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
