// Egress through a company's HTTP proxy: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case), as curl and
// most tools read them. ISC's client (axios) gets an agent that tunnels with CONNECT (axios' own proxy
// support sends an https request to the proxy as plain HTTP); Slack's clients (fetch, and Socket Mode's
// WebSocket) get undici's EnvHttpProxyAgent. Without any of the variables nothing changes. A company CA
// is trusted with NODE_EXTRA_CA_CERTS, which Node reads for every TLS connection, the tunnelled ones too.
import type http from 'node:http';
import type { FetchFunction } from '@slack/web-api';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';

type Env = Record<string, string | undefined>;

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];
const hasProxy = (env: Env) => PROXY_VARIABLES.some((name) => env[name]?.trim());

/** The agent for requests to `url` (ISC's API base): a CONNECT tunnel through its proxy, or undefined for a direct connection. */
export function proxyAgentFor(url: string, env: Env = process.env): http.Agent | undefined {
  const proxy = getProxyForUrl(url, env);
  return proxy ? new HttpsProxyAgent(proxy, { keepAlive: true }) : undefined;
}

/** For Slack: undici's dispatcher that picks the proxy per request under NO_PROXY; undefined without a proxy variable. */
export function proxyDispatcher(env: Env = process.env): Dispatcher | undefined {
  if (!hasProxy(env)) return undefined;
  const pick = (...names: string[]) => names.map((n) => env[n]?.trim()).find(Boolean);
  return new EnvHttpProxyAgent({
    httpProxy: pick('HTTP_PROXY', 'http_proxy'),
    httpsProxy: pick('HTTPS_PROXY', 'https_proxy') ?? pick('HTTP_PROXY', 'http_proxy'),
    noProxy: pick('NO_PROXY', 'no_proxy') ?? '',
  });
}

/** A fetch through the proxy for Slack's Web API clients and Bolt's respond(); undefined without a proxy variable (the clients' own fetch then). */
export function proxiedFetch(env: Env = process.env): FetchFunction | undefined {
  const dispatcher = proxyDispatcher(env);
  if (!dispatcher) return undefined;
  return (url, init) => undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher }) as unknown as ReturnType<FetchFunction>;
}
