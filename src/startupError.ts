import { ConfigError } from './config';
import { createLogger, redact, type LogFormat } from './log';

type Env = Record<string, string | undefined>;

/** LOG_FORMAT as far as it can be read when the configuration itself is what failed. */
export function startupLogFormat(env: Env): LogFormat {
  return env.LOG_FORMAT?.trim() === 'json' ? 'json' : 'text';
}

/**
 * Writes why the bot could not start, in the log format asked for: a log collector reading JSON lines
 * gets the problems as a list, a person reading text gets one problem a line. Redacted like every line.
 */
export function reportStartupFailure(error: unknown, format: LogFormat, write: (line: string) => void): void {
  const logger = createLogger('error', write, format);
  if (error instanceof ConfigError) {
    if (format === 'json') logger.error('Configuration is invalid; see .env.example and the README', { problems: error.problems });
    else write(redact(error.message));
    return;
  }
  const message = `isc-workitems-bot failed to start: ${error instanceof Error ? error.message : String(error)}`;
  if (format === 'json') logger.error(message);
  else write(redact(message));
}
