import { silentLogger } from '../../src/log';
import { verifySlackToken } from '../../src/slack/verifyToken';
import { SlackStandIn } from '../support/slackStandIn';

const slackConfig = (apiUrl: string) => ({ botToken: 'xoxb-token-under-test', apiUrl, port: 3000, adminUserIds: new Set<string>(), userRequestsPer10s: 10 });

describe('verifySlackToken', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await new SlackStandIn().start();
  });
  afterAll(() => slack.close());

  it('returns the workspace for a good token', async () => {
    await expect(verifySlackToken(slackConfig(slack.apiUrl), silentLogger)).resolves.toEqual({ team: 'Acme', botId: 'B0BOT', botUserId: 'U0BOT', teamId: 'T0TEAM', appId: 'A0APP' });
  });

  it('says what to fix when Slack rejects the token, without printing it', async () => {
    slack.answers.set('auth.test', { ok: false, error: 'invalid_auth' });
    const error = (await verifySlackToken(slackConfig(slack.apiUrl), silentLogger).catch((e: Error) => e)) as Error;
    slack.answers.clear();
    expect(error.message).toMatch(/rejected SLACK_BOT_TOKEN .*OAuth & Permissions/);
    expect(error.message).not.toContain('xoxb-token-under-test');
  });

  it('names the URL it could not reach', async () => {
    const error = (await verifySlackToken(slackConfig('http://127.0.0.1:1/api/'), silentLogger).catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/Could not reach Slack's Web API at http:\/\/127\.0\.0\.1:1\/api\//);
  });
});
