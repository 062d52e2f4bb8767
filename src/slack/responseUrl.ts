import { request, type Dispatcher } from 'undici';
import { LOOPBACK } from '../config';
import type { Logger } from '../log';

/** May the bot post to this response_url: https on one of `hosts` (plain http only for a loopback host, in tests). */
export function isAllowedResponseUrl(url: string, hosts: ReadonlySet<string>): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (!hosts.has(parsed.host.toLowerCase())) return false;
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname));
}

/**
 * The check every response_url post goes through: true when allowed; otherwise false, and the refusal
 * is logged with the host only (a response_url is itself a credential).
 */
export function responseUrlGuard(hosts: ReadonlySet<string>, logger: Logger): (url: string) => boolean {
  return (url) => {
    if (isAllowedResponseUrl(url, hosts)) return true;
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      host = '(not a URL)';
    }
    logger.warn("Refused to post to a response_url outside Slack's hosts (SLACK_RESPONSE_URL_HOSTS adds one)", { host });
    return false;
  };
}

/** What respond() sends: a message, or its text alone. */
export type RespondMessage = string | Record<string, unknown>;

/**
 * respond() for a request's response_url, as Bolt's own (the message as JSON; an error for any status
 * but 2xx), but posted with undici's request() instead of fetch(): fetch builds WHATWG streams, a
 * Request, Headers and a Response for every post, which under sustained clicks was most of the bot's
 * CPU after the ack, run on the event loop that acks the next clicks. Through `dispatcher` (the proxy)
 * when there is one; counted as Slack calls of `response_url`, as before.
 */
export function responseUrlPoster(opts: { dispatcher?: Dispatcher; counted?: (status: number | 'error') => void } = {}): (url: string) => (message: RespondMessage) => Promise<{ status: number }> {
  return (url) => async (message) => {
    const post = () =>
      request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(typeof message === 'string' ? { text: message } : message),
        ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      });
    let res: Dispatcher.ResponseData;
    try {
      res = await post().catch((e: unknown) => {
        // A kept-alive connection that died while the process was paused (or idle past Slack's
        // timeout) fails the first post on it; without a second try the user is never told the outcome.
        if (!isDeadConnection(e)) throw e;
        opts.counted?.('error');
        return post();
      });
    } catch (e) {
      opts.counted?.('error');
      throw e;
    }
    await res.body.dump();
    opts.counted?.(res.statusCode);
    if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`Failed to respond to the response_url: HTTP ${res.statusCode}`);
    return { status: res.statusCode };
  };
}

const DEAD_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);

function isDeadConnection(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DEAD_CONNECTION_CODES.has(code);
}
