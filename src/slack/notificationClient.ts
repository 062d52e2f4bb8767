import { WebClient } from '@slack/web-api';
import type { SlackConfig } from '../config';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { slackClientOptions } from './slackMetrics';
import { slackLogger } from './slackLogger';

/**
 * A Web API client built for the notifications' SlackSender: a 429 comes back as an error at once
 * (SlackSender waits Retry-After on its own clock and limiters), and a failed call is not retried
 * inside it, so a poll is never held for the half hour of @slack/web-api's default retries; what
 * failed is retried on the next poll.
 */
export function createNotificationClient(slack: SlackConfig, logger: Logger, metrics?: Metrics): WebClient {
  return new WebClient(slack.botToken, {
    logger: slackLogger(logger, 'notify'),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    ...slackClientOptions(slack, metrics),
  });
}

/**
 * The digest's client: a failed or timed-out post is never retried inside it, since it may have
 * reached the channel (the same digest twice is worse than one missing; an admin can post it with
 * `/workitems digest`). A 429 is still waited out: Slack posted nothing then.
 */
export function createDigestClient(slack: SlackConfig, logger: Logger, metrics?: Metrics): WebClient {
  return new WebClient(slack.botToken, { logger: slackLogger(logger, 'digest'), retryConfig: { retries: 0 }, ...slackClientOptions(slack, metrics) });
}
