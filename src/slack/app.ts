import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oauthCallbackRoute } from '../auth/callbackRoute';
import { proxyDispatcher } from '../proxy';
import { triggerRoute } from '../requests/triggerRoute';
import { registerApprovalActions } from './actions/approvalActions';
import { registerAwayActions } from './actions/awayActions';
import { registerDigestActions } from './actions/digestActions';
import { registerReviewActions } from './actions/reviewActions';
import { registerTaskActions } from './actions/taskActions';
import { registerWorkItemActions } from './actions/workItemActions';
import { registerRequestActions } from './actions/requestActions';
import { registerRequestViews } from './views/requestViews';
import { registerWorkitemsCommand } from './commands/workitems';
import type { BotContext } from './context';
import { InFlight } from './inFlight';
import { readinessRoute } from './readiness';
import { acceptedWorkspace, refuseFutureRequests, requestGate, type TokenWorkspace } from './requestGuards';
import { responseUrlGuard, responseUrlPoster } from './responseUrl';
import { SlackRouter } from './router';
import { UserLimit } from './userLimit';
import { metricsRoute, slackClientOptions, timeAcks } from './slackMetrics';
import { slackLogger } from './slackLogger';
import { registerAppHome } from './events/appHome';
import { registerApprovalViews } from './views/approvalViews';
import { registerReviewViews } from './views/reviewViews';
import { registerWorkItemViews } from './views/workItemViews';

function healthRoute(ctx: BotContext) {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      void Promise.all([
        ctx.iscHealth().catch(() => ({ ok: false, detail: 'ISC health check failed' })),
        ctx.store.health(),
      ]).then(([isc, store]) => {
        // The bot is up either way; the body says whether ISC and the state store answer (a load
        // balancer should not restart us for their outage: a click still gets "try again in a moment").
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', mode: ctx.config.slack.appToken ? 'socket' : 'http', isc, store, ...(ctx.background ? { background: ctx.background() } : {}) }));
      });
    },
  };
}

/**
 * `bot`: the bot's own ids and workspace from the start-up token check, so Bolt need not call
 * auth.test again, requests from elsewhere are refused, and /readyz can say Slack accepted the token.
 * `inFlight` counts requests whose listeners are still running, for a graceful shutdown.
 */
export function createSlackApp(ctx: BotContext, bot: { botId?: string; botUserId?: string; team?: string } & TokenWorkspace, inFlight: InFlight = new InFlight()): App {
  const { slack } = ctx.config;
  const socketMode = Boolean(slack.appToken);
  const accepted = acceptedWorkspace(slack, bot);
  // The OAuth callback needs app.client, which exists by the time a browser comes back.
  const customRoutes = [
    healthRoute(ctx),
    readinessRoute(ctx, bot),
    ...(ctx.metrics ? [metricsRoute(ctx.metrics)] : []),
    ...(ctx.linking ? [oauthCallbackRoute({ flow: ctx.linking.flow, slack: () => app.client, logger: ctx.logger })] : []),
    ...(ctx.config.requests.triggerSecret ? [triggerRoute({ secret: ctx.config.requests.triggerSecret, reread: (ids) => ctx.requests.reread(ids), logger: ctx.logger })] : []),
  ];
  const clientOptions = slackClientOptions(slack, ctx.metrics);
  const logger = slackLogger(ctx.logger, 'bolt');
  // In Socket Mode Bolt serves custom routes on installerOptions.port.
  const installerOptions = socketMode ? { port: slack.port } : undefined;
  // Behind a proxy Socket Mode's WebSocket needs the proxy's dispatcher, which only a receiver of our own can be given.
  const dispatcher = socketMode ? proxyDispatcher() : undefined;
  // HTTP mode: the bot's own receiver, so that a request stamped in the future is refused before Bolt reads it.
  const receiver = socketMode
    ? dispatcher && new SocketModeReceiver({ appToken: slack.appToken!, dispatcher, logger, customRoutes, installerOptions: { ...installerOptions, clientOptions } })
    : new HTTPReceiver({ signingSecret: slack.signingSecret ?? '', port: slack.port, customRoutes, logger });
  if (receiver instanceof HTTPReceiver) refuseFutureRequests(receiver, ctx.logger);
  const app: App = new App({
    token: slack.botToken,
    botId: bot.botId,
    botUserId: bot.botUserId,
    appToken: slack.appToken,
    socketMode,
    receiver,
    ...(receiver ? {} : { installerOptions, customRoutes }),
    clientOptions,
    logger,
    // Bolt's default conversation store is unused here, yet costs every request a lookup that rejects with a new Error.
    convoStore: false,
  });
  if (ctx.metrics) timeAcks(app, ctx.metrics);
  app.use(requestGate(accepted, ctx.logger, { socketMode }));
  const subscriptions = ctx.notifier?.subscriptions;
  const router = new SlackRouter();
  registerWorkitemsCommand(router, ctx);
  registerWorkItemActions(router, ctx);
  registerApprovalActions(router, ctx);
  registerTaskActions(router, ctx);
  registerWorkItemViews(router, ctx);
  registerApprovalViews(router, ctx);
  registerRequestActions(router, ctx);
  registerRequestViews(router, ctx);
  registerReviewActions(router, ctx);
  registerReviewViews(router, ctx);
  registerAppHome(router, ctx);
  registerAwayActions(router, ctx);
  registerDigestActions(router, ctx);
  const unhandled = (error: Error) => ctx.logger.error('Unhandled error in a Slack listener', { error: error.message, code: (error as { code?: string }).code });
  // Whoever uses the bot (a command, the Home tab, a button) gets notification DMs, unless they opted
  // out; nothing may stand between a request and its ack, so the store is written after this turn of
  // the event loop, once the listeners, which ack before any I/O, have acked.
  const onUser = subscriptions
    ? (userId: string) => setImmediate(() => void subscriptions.touch(userId).catch((e: unknown) => ctx.logger.warn('Could not subscribe a user to notifications', { userId, error: String(e) })))
    : undefined;
  const reads = { waitMs: ctx.config.isc.readWaitMs, perUser: new UserLimit({ requests: ctx.config.slack.userRequestsPer10s, perMs: 10_000 }) };
  router.register(app, {
    inFlight,
    onUser,
    reads,
    onError: (error) => unhandled(error instanceof Error ? error : new Error(String(error))),
    responseUrlAllowed: responseUrlGuard(slack.responseUrlHosts, ctx.logger),
    respondTo: responseUrlPoster({ dispatcher: proxyDispatcher(), counted: ctx.metrics && ((status) => ctx.metrics!.slackCall('response_url', status)) }),
  });
  app.error(async (error) => unhandled(error));
  return app;
}
