import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { responseUrlPoster } from '../../src/slack/responseUrl';

// respond() posts with undici's request() instead of fetch(): what Slack receives and what the
// listeners see must stay as Bolt's own respond() had them.

let server: http.Server;
let base: string;
const received: Array<{ url?: string; method?: string; type?: string; body: string }> = [];
let status = 200;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ url: req.url, method: req.method, type: req.headers['content-type'], body });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'expired_url');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  received.length = 0;
  status = 200;
});

describe('responseUrlPoster', () => {
  it('posts the message as JSON to the response_url (a text alone as {text}) and counts each post by status', async () => {
    const counted: Array<number | string> = [];
    const respondTo = responseUrlPoster({ counted: (s) => void counted.push(s) });
    await expect(respondTo(`${base}/actions/T1/1/abc`)({ text: 'Done', replace_original: true, blocks: [{ type: 'divider' }] })).resolves.toEqual({ status: 200 });
    await respondTo(`${base}/actions/T1/2/def`)('Just text');
    expect(received).toEqual([
      { url: '/actions/T1/1/abc', method: 'POST', type: 'application/json', body: JSON.stringify({ text: 'Done', replace_original: true, blocks: [{ type: 'divider' }] }) },
      { url: '/actions/T1/2/def', method: 'POST', type: 'application/json', body: '{"text":"Just text"}' },
    ]);
    expect(counted).toEqual([200, 200]);
  });

  it('a status other than 2xx (an expired response_url) is an error for the listener, counted by its status', async () => {
    status = 404;
    const counted: Array<number | string> = [];
    await expect(responseUrlPoster({ counted: (s) => void counted.push(s) })(`${base}/actions/T1/3/old`)('Late')).rejects.toThrow('Failed to respond to the response_url: HTTP 404');
    expect(counted).toEqual([404]);
  });

  it('a post that cannot be sent is an error, counted as error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const counted: Array<number | string> = [];
    await expect(responseUrlPoster({ counted: (s) => void counted.push(s) })(`http://127.0.0.1:${port}/actions/x`)('Hi')).rejects.toThrow();
    expect(counted).toEqual(['error']);
  });

  it('a post on a connection that died (reset before any answer) is sent once more, on a new connection', async () => {
    let resets = 1;
    const flaky = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (resets-- > 0) return void req.socket.destroy();
        received.push({ url: req.url, method: req.method, type: req.headers['content-type'], body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/actions/T1/5/jkl`;
    const counted: Array<number | string> = [];
    try {
      await expect(responseUrlPoster({ counted: (s) => void counted.push(s) })(url)('After a pause')).resolves.toEqual({ status: 200 });
      expect(received.map((r) => r.body)).toEqual(['{"text":"After a pause"}']);
      expect(counted).toEqual(['error', 200]);
      // Reset twice: the second failure is the listener's error, and no third post is made.
      resets = 2;
      received.length = 0;
      await expect(responseUrlPoster()(url)('Again')).rejects.toThrow();
      expect(resets).toBe(0);
      expect(received).toEqual([]);
    } finally {
      await new Promise((resolve) => flaky.close(resolve));
    }
  });

  it('goes through the dispatcher it is given (the proxy), not straight to the host', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const seen: string[] = [];
    agent
      .get('https://hooks.slack.com')
      .intercept({ path: '/actions/T1/4/ghi', method: 'POST' })
      .reply(200, (opts) => {
        seen.push(String(opts.body));
        return 'ok';
      });
    await responseUrlPoster({ dispatcher: agent })('https://hooks.slack.com/actions/T1/4/ghi')({ text: 'Via proxy' });
    expect(seen).toEqual(['{"text":"Via proxy"}']);
    expect(received).toEqual([]);
    await agent.close();
  });
});
