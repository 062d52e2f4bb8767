// `npm run audit -- --since 30d --format csv|json`: prints the decisions taken through the bot, read
// from the audit trail of the configured backend (the Redis stream with REDIS_URL, else DATA_DIR). It
// never prunes or writes a record.
import fs from 'node:fs';
import { ConfigError, loadConfig, withoutIscSettings, withoutSlackSettings } from '../config';
import { createLogger, redact, writeToStderr, type Logger } from '../log';
import { openAuditLog } from './backend';
import { decisionsSince, parseSince, toCsv, toJson } from './export';

type Env = Record<string, string | undefined>;

const USAGE =
  'Usage: npm run audit -- [--since 30d|12h|2026-01-31] [--format csv|json]\n' +
  '  Prints the decisions taken through the bot since then (default 30d) as CSV (default) or JSON.\n';

/** The value after `name`; `fallback` when the option is absent, '' when it has no value. */
function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1] ?? '';
}

/** Writes the export to `out`; returns the process exit code. */
export async function runAuditCli(args: readonly string[], env: Env, out: (text: string) => void, err: (text: string) => void, logger?: Logger): Promise<number> {
  const known = new Set(['--since', '--format']);
  const unknown = args.filter((a, i) => a.startsWith('--') && !known.has(a) && !known.has(args[i - 1]));
  const sinceText = option(args, '--since', '30d');
  const format = option(args, '--format', 'csv');
  const since = parseSince(sinceText, new Date());
  if (unknown.length || !since || (format !== 'csv' && format !== 'json')) {
    const problem = unknown.length
      ? `Unknown option ${unknown[0]}.`
      : !since
        ? `--since must be like 30d, 12h or 2026-01-31 (got ${sinceText || 'nothing'}).`
        : `--format must be csv or json (got ${format || 'nothing'}).`;
    err(`${problem}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(withoutIscSettings(withoutSlackSettings(env)));
  const log = await openAuditLog(config, logger ?? createLogger(config.logLevel, writeToStderr, config.logFormat));
  try {
    const rows = await decisionsSince(log, since);
    out(format === 'csv' ? toCsv(rows) : toJson(rows));
    return 0;
  } finally {
    await log.close();
  }
}

if (require.main === module) {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
  // exitCode, not exit(): a large export to a pipe must be written out in full first.
  runAuditCli(process.argv.slice(2), process.env, write(process.stdout), write(process.stderr)).then(
    (code) => void (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(e instanceof ConfigError ? `${e.message}\n` : redact(`audit export failed: ${e instanceof Error ? e.message : String(e)}\n`));
      process.exit(1);
    },
  );
}
