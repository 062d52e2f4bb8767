import { WebClient } from '@slack/web-api';
import type { SlackConfig } from '../config';
import type { Logger } from '../log';
import type { TokenWorkspace } from './requestGuards';
import { slackLogger } from './slackLogger';
import { SLACK_API_URL } from './slackMetrics';

const HINTS: Record<string, string> = {
  invalid_auth: 'Slack rejected SLACK_BOT_TOKEN (invalid_auth). Copy the Bot User OAuth Token (xoxb-…) again from "OAuth & Permissions".',
  not_authed: 'Slack received no token. Set SLACK_BOT_TOKEN.',
  account_inactive: 'The token belongs to a deactivated app or user. Reinstall the app to your workspace and copy the new SLACK_BOT_TOKEN.',
  token_revoked: 'SLACK_BOT_TOKEN was revoked. Reinstall the app to your workspace and copy the new token.',
};

/**
 * Checks the bot token once before Bolt starts, so a wrong token or an unreachable Slack ends start-up
 * within seconds with a sentence saying what to fix, instead of minutes of silent retries.
 */
export async function verifySlackToken(slack: Pick<SlackConfig, 'botToken' | 'apiUrl'>, logger: Logger): Promise<{ team?: string; botId?: string; botUserId?: string } & TokenWorkspace> {
  const client = new WebClient(slack.botToken, {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    retryConfig: { retries: 2, factor: 1.5, minTimeout: 500, maxTimeout: 2000 },
    timeout: 10_000,
    logger: slackLogger(logger, 'web-api'),
  });
  try {
    const res = await client.auth.test();
    return {
      team: res.team,
      botId: res.bot_id,
      botUserId: res.user_id,
      teamId: res.team_id,
      ...(res.enterprise_id ? { enterpriseId: res.enterprise_id } : {}),
      ...(res.is_enterprise_install ? { isEnterpriseInstall: true } : {}),
      ...(res.app_id ? { appId: res.app_id } : {}),
    };
  } catch (e) {
    const code = (e as { data?: { error?: string } }).data?.error;
    const where = slack.apiUrl ?? SLACK_API_URL;
    throw new Error(
      code
        ? (HINTS[code] ?? `Slack refused the bot token (${code}).`)
        : `Could not reach Slack's Web API at ${where} to verify SLACK_BOT_TOKEN. Check the network, proxy, or SLACK_API_URL.`,
    );
  }
}
