import { App, LogLevel } from '@slack/bolt';
import type { Logger as SlackLogger } from '@slack/logger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log';
import { registerWorkItemActions } from './actions/workItemActions';
import { registerWorkitemsCommand } from './commands/workitems';
import type { BotContext } from './context';
import { registerAppHome } from './events/appHome';
import { registerWorkItemViews } from './views/workItemViews';

/** Bolt logs through the bot's own logger, so its lines are redacted too. */
function boltLogger(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const join = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...m: unknown[]) => logger.debug(`[bolt] ${join(m)}`),
    info: (...m: unknown[]) => logger.info(`[bolt] ${join(m)}`),
    warn: (...m: unknown[]) => logger.warn(`[bolt] ${join(m)}`),
    error: (...m: unknown[]) => logger.error(`[bolt] ${join(m)}`),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

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
    logger: boltLogger(ctx.logger),
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
