import type { App } from '@slack/bolt';
import type { FetchFunction } from '@slack/web-api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SlackConfig } from '../config';
import type { Metrics } from '../metrics/metrics';
import { proxiedFetch } from '../proxy';

export const SLACK_API_URL = 'https://slack.com/api/';
/** `chat.postMessage`, `apps.connections.open`: anything else under the API root is counted as `other`. */
const METHOD_NAME = /^[a-z]+(?:\.[a-zA-Z]+)+$/;

/** The kind of a Slack request, for the ack histogram's label. */
export function requestKind(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') return 'command';
  switch (body.type) {
    case 'block_actions':
      return 'block_action';
    case 'view_submission':
      return 'view_submission';
    case 'view_closed':
      return 'view_closed';
    case 'block_suggestion':
      return 'options';
    case 'event_callback':
      return 'event';
    case 'shortcut':
    case 'message_action':
      return 'shortcut';
    default:
      return 'other';
  }
}

/**
 * Times every request from the moment Bolt's receiver hands it over (read and, in HTTP mode, its
 * signature verified) to its ack being sent, in both modes. Bolt acks an event before any middleware
 * runs, so this wraps the receiver's ack instead of being a middleware.
 */
export function timeAcks(app: App, metrics: Metrics): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => {
    const started = performance.now();
    return processEvent({
      ...event,
      ack: async (response) => {
        await event.ack(response);
        metrics.ack(requestKind(event.body), (performance.now() - started) / 1000);
      },
    });
  };
}

/** A fetch for @slack/web-api and Bolt's respond() that counts each call by method and HTTP status. */
export function countingFetch(metrics: Metrics, apiUrl = SLACK_API_URL, fetch: FetchFunction = globalThis.fetch): FetchFunction {
  return async (url, init) => {
    const href = String(url);
    const name = href.startsWith(apiUrl) ? href.slice(apiUrl.length).split('?')[0] : 'response_url';
    const method = name === 'response_url' || METHOD_NAME.test(name) ? name : 'other';
    try {
      const res = await fetch(url, init);
      metrics.slackCall(method, res.status);
      return res;
    } catch (e) {
      metrics.slackCall(method, 'error');
      throw e;
    }
  };
}

/**
 * The Web API root (SLACK_API_URL in tests) and the fetch, through HTTPS_PROXY when one is set and,
 * with metrics, counting the calls: for every client of the bot's.
 */
export function slackClientOptions(slack: Pick<SlackConfig, 'apiUrl'>, metrics?: Metrics): { slackApiUrl?: string; fetch?: FetchFunction } {
  const proxied = proxiedFetch();
  const fetch = metrics ? countingFetch(metrics, slack.apiUrl, proxied) : proxied;
  return {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    ...(fetch ? { fetch } : {}),
  };
}

/** GET /metrics: unauthenticated, like /healthz (restrict it at the network or ingress). */
export function metricsRoute(metrics: Metrics) {
  return {
    path: '/metrics',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      metrics.exposition().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    },
  };
}
