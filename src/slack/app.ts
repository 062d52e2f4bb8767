import { App } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { registerWorkItemActions } from './actions/workItemActions';
import { registerWorkitemsCommand } from './commands/workitems';
import type { BotContext } from './context';
import { slackLogger } from './slackLogger';
import { registerAppHome } from './events/appHome';
import { registerWorkItemViews } from './views/workItemViews';

function healthRoute(ctx: BotContext) {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      ctx
        .iscHealth()
        .catch(() => ({ ok: false, detail: 'ISC health check failed' }))
        .then((isc) => {
          // The bot is up either way; the body says whether ISC answers (a load balancer should not restart us for an ISC outage).
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ status: 'ok', mode: ctx.config.slack.appToken ? 'socket' : 'http', isc }));
        });
    },
  };
}

export function createSlackApp(ctx: BotContext): App {
  const { slack } = ctx.config;
  const socketMode = Boolean(slack.appToken);
  const app = new App({
    token: slack.botToken,
    signingSecret: slack.signingSecret,
    appToken: slack.appToken,
    socketMode,
    port: slack.port,
    // In Socket Mode Bolt serves custom routes on installerOptions.port.
    installerOptions: socketMode ? { port: slack.port } : undefined,
    customRoutes: [healthRoute(ctx)],
    clientOptions: slack.apiUrl ? { slackApiUrl: slack.apiUrl } : undefined,
    logger: slackLogger(ctx.logger, 'bolt'),
  });
  registerWorkitemsCommand(app, ctx);
  registerWorkItemActions(app, ctx);
  registerWorkItemViews(app, ctx);
  registerAppHome(app, ctx);
  app.error(async (error) => {
    ctx.logger.error('Unhandled error in a Slack listener', { error: error.message, code: (error as { code?: string }).code });
  });
  return app;
}
