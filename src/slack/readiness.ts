import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BotContext } from './context';

/** What Slack's auth.test said of the bot token at start; undefined when it was not checked. */
export interface SlackAcceptance {
  team?: string;
}

interface Check {
  ok: boolean;
  detail: string;
}

/**
 * GET /readyz: 200 only while the bot can serve a click: its state store answers, ISC gives it a token,
 * and Slack accepted its bot token (auth.test at start). 503 with the reasons otherwise, so that a load
 * balancer sends requests to another replica; /healthz stays 200 (a restart would not help).
 * The body is public: the checks' details say nothing of secrets or why ISC refused.
 */
export function readinessRoute(ctx: BotContext, slack: SlackAcceptance | undefined) {
  const slackCheck: Check = slack
    ? { ok: true, detail: `Slack accepted the bot token at start${slack.team ? ` (workspace ${slack.team})` : ''}.` }
    : { ok: false, detail: 'The bot token was not checked with Slack (auth.test).' };
  return {
    path: '/readyz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      void Promise.all([ctx.store.health(), ctx.iscHealth().catch((): Check => ({ ok: false, detail: 'ISC health check failed' }))]).then(([store, isc]) => {
        const checks = { store, isc, slack: slackCheck };
        const reasons = [
          ...(store.ok ? [] : [`state store: ${store.detail}`]),
          ...(isc.ok ? [] : [`ISC: ${isc.detail}`]),
          ...(slackCheck.ok ? [] : [`Slack: ${slackCheck.detail}`]),
        ];
        res.writeHead(reasons.length ? 503 : 200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ status: reasons.length ? 'not ready' : 'ready', ...(reasons.length ? { reasons } : {}), ...checks }));
      });
    },
  };
}
