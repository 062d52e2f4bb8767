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
