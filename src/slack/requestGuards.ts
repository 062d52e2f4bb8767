// What a Slack request must show before any listener sees it: a time stamp within five minutes of
// ours (either way), and the workspace, organisation and app the bot is configured for.
import type { AnyMiddlewareArgs, HTTPReceiver, Middleware } from '@slack/bolt';
import type { SlackConfig } from '../config';
import type { Logger } from '../log';

/** Slack's bound on a request's age; Bolt enforces it only for requests from the past. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

const isFromTheFuture = (timestampSec: number, nowMs: number) => timestampSec > Math.floor(nowMs / 1000) + MAX_CLOCK_SKEW_SECONDS;

function futureRefusal(logger: Logger, timestampSec: number, nowMs: number, where: string): void {
  logger.warn(`Refused a Slack ${where} stamped more than ${MAX_CLOCK_SKEW_SECONDS / 60} minutes in the future (a replay, or a clock that is wrong)`, {
    timestamp: timestampSec,
    aheadSeconds: timestampSec - Math.floor(nowMs / 1000),
  });
}

/**
 * HTTP mode: a request whose X-Slack-Request-Timestamp is more than five minutes ahead is answered
 * 401 before Bolt reads it (Bolt itself refuses only the ones more than five minutes old).
 */
export function refuseFutureRequests(receiver: HTTPReceiver, logger: Logger, now: () => number = Date.now): void {
  const listener = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestampSec = Number(Array.isArray(header) ? header[0] : header);
    const nowMs = now();
    if (header !== undefined && Number.isFinite(timestampSec) && isFromTheFuture(timestampSec, nowMs)) {
      futureRefusal(logger, timestampSec, nowMs, 'request');
      req.resume();
      res.writeHead(401);
      res.end();
      return;
    }
    listener(req, res);
  };
}

/**
 * The time stamp Slack puts in a payload (Socket Mode envelopes carry no signed header): an event's
 * `event_time`, a click's `action_ts`. Commands and form submissions carry none.
 */
function payloadTimestamp(body: Record<string, unknown>): number | undefined {
  if (typeof body.event_time === 'number') return body.event_time;
  const actionTs = (body.actions as Array<{ action_ts?: unknown }> | undefined)?.[0]?.action_ts;
  return typeof actionTs === 'string' && actionTs ? Number(actionTs) : undefined;
}

/** The only requests served: from these workspaces (or this organisation) and for this app. */
export interface AcceptedWorkspace {
  teamIds?: ReadonlySet<string>;
  enterpriseId?: string;
  appId?: string;
}

/** What Slack's auth.test says of the bot token. */
export interface TokenWorkspace {
  teamId?: string;
  enterpriseId?: string;
  /** An organisation-wide install: every workspace of the organisation may use the app. */
  isEnterpriseInstall?: boolean;
  appId?: string;
}

/**
 * SLACK_TEAM_IDS / SLACK_ENTERPRISE_ID / SLACK_APP_ID where set; otherwise the token's own workspace
 * (or, for an organisation-wide install, its organisation) and app. Throws when neither says.
 */
export function acceptedWorkspace(slack: Pick<SlackConfig, 'teamIds' | 'enterpriseId' | 'appId'>, token: TokenWorkspace): AcceptedWorkspace {
  const configured = slack.teamIds !== undefined || slack.enterpriseId !== undefined;
  const teamIds = slack.teamIds ?? (!configured && !token.isEnterpriseInstall && token.teamId ? new Set([token.teamId]) : undefined);
  const enterpriseId = slack.enterpriseId ?? (!configured && token.isEnterpriseInstall ? token.enterpriseId : undefined);
  if (!teamIds && !enterpriseId) {
    throw new Error('Slack did not say which workspace SLACK_BOT_TOKEN belongs to, so the bot cannot tell its own requests from others: set SLACK_TEAM_IDS (or SLACK_ENTERPRISE_ID).');
  }
  const appId = slack.appId ?? token.appId;
  return { ...(teamIds ? { teamIds } : {}), ...(enterpriseId ? { enterpriseId } : {}), ...(appId ? { appId } : {}) };
}

function workspaceRefusal(accepted: AcceptedWorkspace, seen: { teamId?: string; enterpriseId?: string; appId?: string }): string | undefined {
  if (accepted.appId && seen.appId !== accepted.appId) return 'it is for another Slack app';
  if (accepted.enterpriseId && seen.enterpriseId !== accepted.enterpriseId) return 'it comes from another Slack organisation';
  if (accepted.teamIds && !(seen.teamId && accepted.teamIds.has(seen.teamId))) return 'it comes from another Slack workspace';
  return undefined;
}

/**
 * The first global middleware: a request from another workspace, organisation or app, or (Socket
 * Mode) stamped more than five minutes ahead, is acked with nothing and logged; no listener runs.
 */
export function requestGate(accepted: AcceptedWorkspace, logger: Logger, opts: { socketMode: boolean; now?: () => number }): Middleware<AnyMiddlewareArgs> {
  const now = opts.now ?? Date.now;
  return async (args) => {
    const body = args.body as Record<string, unknown>;
    const seen = { teamId: args.context.teamId, enterpriseId: args.context.enterpriseId, appId: typeof body.api_app_id === 'string' ? body.api_app_id : undefined };
    const refusal = workspaceRefusal(accepted, seen);
    const stamped = opts.socketMode ? payloadTimestamp(body) : undefined;
    const nowMs = now();
    if (refusal) logger.warn(`Refused a Slack request: ${refusal}`, seen);
    else if (stamped !== undefined && isFromTheFuture(stamped, nowMs)) futureRefusal(logger, stamped, nowMs, 'payload');
    else return args.next();
    const { ack } = args as { ack?: () => Promise<void> };
    if (ack) await ack();
  };
}
