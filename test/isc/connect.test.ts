import nock from 'nock';
import { loadConfig } from '../../src/config';
import { connectIsc } from '../../src/isc/connect';
import { freePort } from '../support/slackStandIn';
import { BASE, CLIENT_ID, CLIENT_SECRET, captureLogger, mockToken, useNock } from './helpers';

useNock();

const config = (baseUrl = BASE) =>
  loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'signing', SAIL_BASE_URL: baseUrl, SAIL_CLIENT_ID: CLIENT_ID, SAIL_CLIENT_SECRET: CLIENT_SECRET, SAIL_TIMEOUT_MS: '1000' });

describe('connectIsc checks the credentials at start', () => {
  it('gets a token, so the client starts with one', async () => {
    const scope = mockToken();
    const { isc } = await connectIsc(config(), captureLogger().logger);
    expect(scope.isDone()).toBe(true);
    await isc.tokens.getToken();
  });

  it.each([401, 400])('stops on a %s, naming SAIL_CLIENT_ID and SAIL_CLIENT_SECRET and never the secret', async (status) => {
    nock(BASE).post('/oauth/token').reply(status, { error: 'invalid_client' });
    const error = (await connectIsc(config(), captureLogger().logger).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/refused the bot's client credentials .*Check SAIL_CLIENT_ID and SAIL_CLIENT_SECRET/);
    expect(error.message).not.toContain(CLIENT_SECRET);
  });

  it('stops on a tenant that does not answer, naming SAIL_BASE_URL', async () => {
    const port = await freePort();
    nock.enableNetConnect(`127.0.0.1:${port}`);
    const error = (await connectIsc(config(`http://127.0.0.1:${port}`), captureLogger().logger).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(new RegExp(`Could not get a token from ISC at http://127.0.0.1:${port} \\(ECONNREFUSED\\)\\. Check SAIL_BASE_URL`));
  });

  it('stops on a host that is no ISC tenant (404), naming SAIL_BASE_URL', async () => {
    nock(BASE).post('/oauth/token').reply(404, '<html>Not found</html>');
    await expect(connectIsc(config(), captureLogger().logger)).rejects.toThrow(/Check SAIL_BASE_URL/);
  });

  it('starts while ISC itself fails (503), saying so: readiness waits for the token', async () => {
    nock(BASE).post('/oauth/token').reply(503, 'busy');
    const { lines, logger } = captureLogger();
    await connectIsc(config(), logger);
    expect(lines.join('\n')).toMatch(/ISC could not issue a token at start; starting anyway/);
  });
});
