import type { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { AuditTrail, type AuditLog } from './audit/auditLog';
import { openAuditLog } from './audit/backend';
import { createAccountLinking } from './auth/accountLinking';
import type { Config } from './config';
import { createDigestScheduler } from './digest/digestService';
import { connectIsc } from './isc/connect';
import { createLogger, registerSecret, type Logger } from './log';
import { Notifier } from './notify/notifier';
import { createNotificationClient } from './notify/slackSender';
import type { SandboxTenant } from './sandbox/tenant';
import { createSlackApp } from './slack/app';
import { InFlight } from './slack/inFlight';
import type { BotContext } from './slack/context';
import { slackLogger } from './slack/slackLogger';
import { verifySlackToken } from './slack/verifyToken';
import { FileStateStore } from './store/fileStore';
import { IdentityDirectory } from './workitems/identityDirectory';
import { WorkItemService } from './workitems/workItemService';

export interface RunningBot {
  app: App;
  sandbox?: SandboxTenant;
  store: FileStateStore;
  audit: AuditLog;
  notifier: Notifier;
  /** Graceful: stops taking requests, waits (bounded) for those under way, then stops the rest. Idempotent. */
  stop(): Promise<void>;
}

/** How long stop() waits for the listeners of requests already acked. */
const SHUTDOWN_DRAIN_MS = 10_000;

/** Builds every service from the validated config and starts the Slack app (and the sandbox tenant when configured). */
export async function startBot(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningBot> {
  for (const secret of [config.isc.clientSecret, config.slack.botToken, config.slack.signingSecret, config.slack.appToken]) registerSecret(secret);
  const linkingConfig = config.auth.mode === 'service' ? undefined : config.auth.linking;
  for (const secret of [linkingConfig?.oauthClientSecret, linkingConfig?.tokenEncryptionKey.toString('base64')]) registerSecret(secret);

  const workspace = await verifySlackToken(config.slack, logger);
  const { isc, baseUrl: iscBaseUrl, sandbox } = await connectIsc(config, logger, { oauthClientId: linkingConfig?.oauthClientId, oauthClientSecret: linkingConfig?.oauthClientSecret });
  const store = await FileStateStore.open(config.dataDir);
  const audit = await openAuditLog(config, logger);
  await audit.prune();
  const slackApi = new WebClient(config.slack.botToken, { logger: slackLogger(logger, 'web-api'), ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}) });
  const directory = new IdentityDirectory({
    slack: slackApi,
    identities: isc.identities,
    overrides: config.identityMap,
    ttlMs: config.identityCacheTtlMs,
    logger,
  });
  const linking = createAccountLinking(config, { isc, store, directory, logger, iscBaseUrl });
  // The service tells the notifier about every action (so DMs follow their items); the notifier is built from the services, the service among them.
  const service = new WorkItemService({
    isc,
    directory,
    store,
    admins: config.slack.adminUserIds,
    logger,
    acting: linking,
    iscTimeoutMs: config.isc.timeoutMs,
    audit: new AuditTrail(audit, { logger, serviceClientId: config.isc.clientId }),
    onItemChanged: (item, decisions) => notifier.itemChanged(item, decisions),
  });
  const ctx: BotContext = { config, isc, service, directory, store, audit, logger, now: () => new Date(), iscHealth: () => isc.checkHealth(), linking };
  const notifier = new Notifier(ctx, { slack: createNotificationClient(config.slack, logger) });
  const inFlight = new InFlight();
  const app = createSlackApp({ ...ctx, notifier }, workspace, inFlight);
  const digest = config.digest.channel ? createDigestScheduler({ config, isc, directory, store, logger, now: () => new Date() }, slackApi) : undefined;

  await app.start(config.slack.port);
  logger.info(`isc-workitems-bot is running in ${config.slack.appToken ? 'Socket Mode' : `HTTP mode on port ${config.slack.port} (/slack/events)`}`, {
    isc: sandbox ? 'sandbox' : iscBaseUrl,
    workspace: workspace.team,
  });
  notifier.start();
  if (digest) void digest.start();
  else logger.info('digest is off (no DIGEST_CHANNEL)');

  let stopping: Promise<void> | undefined;
  return {
    app,
    sandbox,
    store,
    audit,
    notifier,
    stop() {
      stopping ??= (async () => {
        // No new requests; then the ones already acked finish (their ISC call and the message to the
        // user) before anything they use is stopped, within a bound.
        await app.stop();
        // An event is acked before the middleware that counts it runs: let it get there.
        await new Promise((resolve) => setImmediate(resolve));
        if (!(await inFlight.idle(SHUTDOWN_DRAIN_MS))) logger.warn(`Stopping with ${inFlight.size} Slack requests still being handled after ${SHUTDOWN_DRAIN_MS} ms`);
        await notifier.stop();
        await digest?.stop();
        await store.flush();
        await audit.close();
        await sandbox?.close();
      })();
      return stopping;
    },
  };
}
