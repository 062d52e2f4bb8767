import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@slack/web-api';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/log';
import { createDigestClient, createNotificationClient } from '../../src/slack/notificationClient';

describe('createNotificationClient', () => {
  let server: http.Server;
  let hits = 0;
  let status = 429;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(status, status === 429 ? { 'Retry-After': '7', 'Content-Type': 'application/json' } : { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = (create = createNotificationClient) => {
    const { port } = server.address() as AddressInfo;
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: `http://127.0.0.1:${port}/api` });
    return create(config.slack, silentLogger);
  };

  it('hands a 429 back at once with its Retry-After (the sender waits on its own clock), instead of retrying for half an hour', async () => {
    hits = 0;
    status = 429;
    await expect(client().chat.postMessage({ channel: 'D1', text: 'x' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(hits).toBe(1);
  });

  it('does not retry a failed call inside the client: the next poll does', async () => {
    hits = 0;
    status = 503;
    await expect(client().chat.update({ channel: 'D1', ts: '1.0', text: 'x' })).rejects.toMatchObject({ code: ErrorCode.HTTPError });
    expect(hits).toBe(1);
  });

  it("the digest's client does not retry a post that failed: it may have reached the channel", async () => {
    hits = 0;
    status = 500;
    await expect(client(createDigestClient).chat.postMessage({ channel: 'C1', text: 'digest' })).rejects.toMatchObject({ code: ErrorCode.HTTPError });
    expect(hits).toBe(1);
  });
});
