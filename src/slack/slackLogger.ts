import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../log';

/** Bolt and @slack/web-api log through the bot's own logger, so their lines are redacted too. */
export function slackLogger(logger: Logger, name = 'slack'): SlackLogger {
  let level = LogLevel.INFO;
  const join = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...m: unknown[]) => logger.debug(`[${name}] ${join(m)}`),
    info: (...m: unknown[]) => logger.info(`[${name}] ${join(m)}`),
    warn: (...m: unknown[]) => logger.warn(`[${name}] ${join(m)}`),
    error: (...m: unknown[]) => logger.error(`[${name}] ${join(m)}`),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
