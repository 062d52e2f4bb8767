import { startHarness, USERS, type Harness } from './support/botHarness';
import { startConnectProxy, type ConnectProxy } from './support/connectProxy';
import { SocketModeStandIn } from './support/socketModeStandIn';

// Behind an egress proxy (HTTPS_PROXY / HTTP_PROXY, NO_PROXY) the real bot reaches Slack's Web API,
// Socket Mode's WebSocket and ISC through it: a loopback CONNECT proxy counts the tunnels to each
// stand-in. The stand-ins are plain http on loopback, so HTTP_PROXY is what applies to them; a tenant
// and Slack are https, where HTTPS_PROXY does.

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
function useProxyEnv(env: Record<string, string>): void {
  for (const name of PROXY_VARIABLES) delete process.env[name];
  Object.assign(process.env, env);
}
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const hostOf = (url: string) => new URL(url).host;

let proxy: ConnectProxy;
beforeAll(async () => {
  proxy = await startConnectProxy();
});
afterAll(() => proxy.close());

describe('HTTP mode', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('reaches Slack (auth.test, respond, chat) and ISC only through the proxy', async () => {
    useProxyEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '' });
    proxy.tunnels.length = 0;
    h = await startHarness({ NOTIFY_USERS: USERS.ada.id });
    await h.command(USERS.ada.id, '', 'list');
    await h.responsesTo('list');
    await h.bot.notifier.runCycle();
    const slack = hostOf(h.slack.url);
    const isc = hostOf(h.sandbox.url);
    expect(proxy.tunnels).toContain(slack);
    expect(proxy.tunnels).toContain(isc);
    expect(proxy.forwarded).toEqual([]);
    // Every Web API call and response_url post the bot made went through a tunnel to the stand-in
    // (tunnels are kept alive, so there are fewer tunnels than calls, but at least one).
    expect(h.slack.calls.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels)).toEqual(new Set([slack, isc]));
  });

  it('goes direct to the hosts NO_PROXY names', async () => {
    useProxyEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost' });
    proxy.tunnels.length = 0;
    h = await startHarness();
    await h.command(USERS.ada.id, '', 'direct');
    await h.responsesTo('direct');
    expect(proxy.tunnels).toEqual([]);
  });

  it('goes direct without a proxy variable', async () => {
    useProxyEnv({});
    proxy.tunnels.length = 0;
    h = await startHarness();
    await h.command(USERS.ada.id, '', 'none');
    await h.responsesTo('none');
    expect(proxy.tunnels).toEqual([]);
  });
});

describe('Socket Mode', () => {
  it("opens Socket Mode's WebSocket through the proxy, and answers an envelope", async () => {
    useProxyEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '' });
    proxy.tunnels.length = 0;
    const socket = await new SocketModeStandIn().start();
    const h = await startHarness({}, { socketMode: socket });
    try {
      await socket.connected();
      expect(proxy.tunnels).toContain(hostOf(socket.url.replace(/^ws/, 'http')));
      expect(proxy.tunnels).toContain(hostOf(h.slack.url));
      const ack = await socket.command(USERS.ada.id, '', h.slack.responseUrl('sm-proxied'));
      expect(ack.ms).toBeLessThan(3000);
      await h.responsesTo('sm-proxied');
    } finally {
      await h.close();
      await socket.close();
    }
  });
});
