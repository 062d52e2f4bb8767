import os from 'node:os';
import type { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { AuditTrail, type AuditLog } from './audit/auditLog';
import { AwayService } from './away/awayService';
import { openAuditLog } from './audit/backend';
import { PgAuditLog } from './audit/pgAuditLog';
import { checkTrailDurable } from './audit/durability';
import { createAccountLinking } from './auth/accountLinking';
import type { Config } from './config';
import { createDigestScheduler, LAST_POST_KEY, LAST_SLOT_KEY } from './digest/digestService';
import { createInboxServices } from './inbox/services';
import { connectIsc } from './isc/connect';
import { createLogger, registerSecret, writeToStderr, type Logger } from './log';
import { Metrics } from './metrics/metrics';
import { Notifier } from './notify/notifier';
import { noReceipts, PgAnnouncementReceipts } from './notify/receipts';
import { noDurableClaims, PgDurableClaims } from './store/durableClaims';
import { decisionReserve } from './rateLimit/slotQueue';
import { SUBSCRIPTIONS_KEY } from './notify/subscriptions';
import { sweptCounts } from './notify/sweep';
import type { SandboxTenant } from './sandbox/tenant';
import { createSlackApp } from './slack/app';
import { InFlight } from './slack/inFlight';
import type { BotContext } from './slack/context';
import { createDigestClient, createNotificationClient } from './slack/notificationClient';
import { acceptedWorkspace } from './slack/requestGuards';
import { slackClientOptions } from './slack/slackMetrics';
import { slackLogger } from './slack/slackLogger';
import { verifySlackToken } from './slack/verifyToken';
import { FileStateStore } from './store/fileStore';
import { Leadership } from './store/leadership';
import { StateSentinel } from './store/stateSentinel';
import { RedisRateLimiter } from './store/redisRateLimiter';
import { RedisStateStore } from './store/redisStore';
import type { StateStore } from './store/store';
import { IdentityDirectory } from './workitems/identityDirectory';
import { RequestService } from './requests/requestService';
import { RequestWatch } from './requests/requestWatch';
import { ReviewNotices } from './reviews/reviewNotices';
import { SlackSender } from './notify/slackSender';

export interface RunningBot {
  app: App;
  sandbox?: SandboxTenant;
  store: StateStore;
  audit: AuditLog;
  notifier: Notifier;
  /** Undefined on the file store (one process runs everything). */
  leadership?: Leadership;
  /**
   * Graceful: stops taking requests, waits (at most `drainMs`) for those under way, tells the users of
   * any still under way that the bot stopped before it could answer, then stops the rest. Idempotent.
   */
  stop(drainMs?: number): Promise<void>;
}

/** How long stop() waits for the listeners of requests already acked. */
const SHUTDOWN_DRAIN_MS = 10_000;
/** How long it then waits for the messages telling the users of the rest. */
const CUT_OFF_NOTICE_MS = 3_000;
/** How often each replica looks whether the state store lost its state, when nothing else asked. */
const SENTINEL_WATCH_MS = 30_000;

/** Builds every service from the validated config and starts the Slack app (and the sandbox tenant when configured). */
export async function startBot(
  config: Config,
  logger: Logger = createLogger(config.logLevel, writeToStderr, config.logFormat),
  /** `host`: the address the HTTP receiver listens on (default: every interface), e.g. 127.0.0.1 for a local demo. */
  { host }: { host?: string } = {},
): Promise<RunningBot> {
  for (const secret of [config.isc.clientSecret, config.slack.botToken, config.slack.signingSecret, config.slack.appToken, config.requests.triggerSecret]) registerSecret(secret);
  const linkingConfig = config.auth.mode === 'service' ? undefined : config.auth.linking;
  for (const secret of [linkingConfig?.oauthClientSecret, ...(linkingConfig?.tokenEncryptionKeys ?? []).map((k) => k.key.toString('base64'))]) registerSecret(secret);

  const workspace = await verifySlackToken(config.slack, logger);
  // This bot's own registry: several bots in one process (tests) count apart.
  const metrics = new Metrics();
  const store: StateStore = config.redis
    ? await RedisStateStore.connect({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger, metrics })
    : await FileStateStore.open(config.dataDir, { onLockLost: (message) => logger.error(message), metrics });
  await checkTrailDurable(config, store instanceof RedisStateStore ? store.client : undefined, logger).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  // Its loss must show before anything relies on what the store says was done. Once the notifier
  // exists, a loss also makes it subscribe again whoever it remembers subscribing (their records went too).
  let afterStateLoss = () => {};
  const sentinel = new StateSentinel({
    store,
    logger,
    priorUseKeys: [SUBSCRIPTIONS_KEY, LAST_SLOT_KEY, LAST_POST_KEY],
    markerDir: config.dataDir,
    onLoss: (lostAt, noticedHere) => {
      metrics.stateLoss(lostAt, noticedHere);
      afterStateLoss();
    },
  });
  await sentinel.start();
  sentinel.watch(SENTINEL_WATCH_MS);
  // With Redis the whole fleet shares one ISC budget per client id.
  const limiter =
    store instanceof RedisStateStore ? new RedisRateLimiter(store.client, { clientId: config.isc.clientId, requests: config.isc.rateLimitPer10s, perMs: 10_000, maxWaiting: config.isc.queueMax, reserve: decisionReserve(config.isc.rateLimitPer10s), logger }) : undefined;
  const { isc, baseUrl: iscBaseUrl, sandbox } = await connectIsc(config, logger, { oauthClientId: linkingConfig?.oauthClientId, oauthClientSecret: linkingConfig?.oauthClientSecret }, { limiter, metrics });
  const audit = await openAuditLog(config, logger, store);
  await audit.prune();
  // What was announced to whom, in PostgreSQL next to the trail: a state store that loses its state
  // (a flushed Redis) does not make the poll announce it all again.
  const receipts = audit instanceof PgAuditLog ? new PgAnnouncementReceipts(audit.pool, { logger }) : noReceipts;
  await receipts.prune().catch((e: unknown) => logger.warn('Could not prune the notification receipts', { error: e instanceof Error ? e.message : String(e) }));
  const durableClaims = audit instanceof PgAuditLog ? new PgDurableClaims(audit.pool, { logger }) : noDurableClaims;
  const slackApi = new WebClient(config.slack.botToken, { logger: slackLogger(logger, 'web-api'), ...slackClientOptions(config.slack, metrics) });
  const accepted = acceptedWorkspace(config.slack, workspace);
  const directory = new IdentityDirectory({
    slack: slackApi,
    identities: isc.identities,
    overrides: config.identityMap,
    home: { teamIds: accepted.teamIds, enterpriseId: accepted.enterpriseId ?? workspace.enterpriseId },
    ttlMs: config.identityCacheTtlMs,
    logger,
  });
  const auditTrail = new AuditTrail(audit, { logger, serviceClientId: config.isc.clientId });
  const linking = createAccountLinking(config, { isc, store, directory, logger, iscBaseUrl, stateLoss: sentinel, audit: auditTrail });
  // The services tell the notifier about every action (so DMs follow their items); the notifier is built from the services.
  const services = createInboxServices(
    {
      isc,
      directory,
      store,
      admins: config.slack.adminUserIds,
      logger,
      acting: linking,
      iscTimeoutMs: config.isc.timeoutMs,
      audit: auditTrail,
    },
    (entry, decisions) => notifier.itemChanged(entry, decisions),
    { staleAfterDays: config.digest.staleAfterDays },
  );
  let leadership: Leadership | undefined;
  const background = () => (leadership ? (leadership.isLeader ? 'leader' : 'standby') : 'single');
  const dms = new SlackSender({ client: createNotificationClient(config.slack, logger, metrics), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), logger, metrics });
  const watch = new RequestWatch({
    store,
    isc,
    dms,
    logger,
  });
  const requests = new RequestService({ isc, directory, acting: linking, store, audit: auditTrail, watch, logger });
  const away = new AwayService({ isc, directory, audit: auditTrail, logger, now: () => new Date() });
  const ctx: BotContext = { config, isc, ...services, requests, away, directory, store, audit, trail: auditTrail, logger, now: () => new Date(), iscHealth: () => isc.checkHealth(), linking, background, metrics };
  const notifier = new Notifier(ctx, { slack: createNotificationClient(config.slack, logger, metrics), receipts });
  afterStateLoss = () => notifier.subscriptions.forgetTouched();
  metrics.watch({
    leader: () => background() !== 'standby',
    storeUp: async () => (await store.health()).ok,
    iscUp: async () => (await isc.checkHealth()).ok,
    lastPollAt: () => notifier.pollStatus().lastCycleAt,
    oldestUnsentSince: () => notifier.pollStatus().oldestUnsentSince,
    now: () => Date.now(),
  });
  const inFlight = new InFlight();
  const app = createSlackApp({ ...ctx, notifier }, workspace, inFlight);
  const knownApprovers = () => notifier.subscriptions.activeUserIds();
  const reviewNotices = new ReviewNotices({
    reviews: services.reviews,
    directory,
    reviewers: knownApprovers,
    store,
    dms,
    logger,
    now: () => new Date(),
    quietHours: config.notify.quietHours,
    claims: durableClaims,
  });
  const digest = config.digest.channel
    ? createDigestScheduler(
        { config, isc, directory, store, logger, now: () => new Date(), knownApprovers, approvalCounts: () => sweptCounts(store), metrics, stateLoss: sentinel },
        createDigestClient(config.slack, logger, metrics),
      )
    : undefined;

  await app.start(host && !config.slack.appToken ? { port: config.slack.port, host } : config.slack.port);
  logger.info(`isc-workitems-bot is running in ${config.slack.appToken ? 'Socket Mode' : `HTTP mode on port ${config.slack.port} (/slack/events)`}`, {
    isc: sandbox ? 'sandbox' : iscBaseUrl,
    workspace: workspace.team,
  });
  if (!digest) logger.info('digest is off (no DIGEST_CHANNEL)');
  // The background work (notification polling and reminders, the digest schedule) runs on one replica.
  const startBackground = () => {
    notifier.start();
    watch.start(config.requests.followIntervalMs);
    reviewNotices.start(config.requests.reviewNoticeIntervalMs);
    if (digest) void digest.start();
  };
  // Stepping down does not wait for a digest under way (it posts by itself, once: its slot is
  // claimed), so the lease goes to another replica at once; a shutdown waits for it before exiting.
  const stopBackground = async () => {
    await Promise.all([notifier.stopPolling(), watch.stop(), reviewNotices.stop()]);
    digest?.disarm();
  };
  if (config.redis) {
    leadership = new Leadership({ store, ttlMs: config.redis.leaseMs, holder: `${os.hostname()} pid ${process.pid}`, logger, onGain: startBackground, onLose: stopBackground });
    leadership.start();
  } else startBackground();

  let stopping: Promise<void> | undefined;
  return {
    app,
    sandbox,
    store,
    audit,
    notifier,
    leadership,
    stop(drainMs = SHUTDOWN_DRAIN_MS) {
      stopping ??= (async () => {
        // The background work stops first; a leader hands its lease back, so another replica takes
        // over at its next round instead of after the lease expires.
        const background = leadership ? leadership.stop() : stopBackground();
        // No new requests; then the ones already acked finish (their ISC call and the message to the
        // user) before anything they use is stopped, within a bound.
        await app.stop();
        // An event is acked before the middleware that counts it runs: let it get there.
        await new Promise((resolve) => setImmediate(resolve));
        if (!(await inFlight.idle(drainMs))) {
          logger.warn(`Stopping with ${inFlight.size} Slack requests still being handled after ${drainMs} ms; telling their users`);
          await inFlight.cutOff(CUT_OFF_NOTICE_MS);
        }
        await background;
        await digest?.stop();
        await notifier.stop();
        sentinel.stop();
        await store.close();
        await audit.close();
        await sandbox?.close();
      })();
      return stopping;
    },
  };
}
