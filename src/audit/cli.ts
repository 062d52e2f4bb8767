// `npm run audit -- --since 30d --format csv|json`: prints the decisions taken through the bot, read
// from the audit trail of the configured backend (PostgreSQL with DATABASE_URL, the Redis stream with
// REDIS_URL, else DATA_DIR), and records the export on the trail. `--verify` walks the trail's hash
// chain. It never prunes.
import fs from 'node:fs';
import os from 'node:os';
import { ConfigError, loadConfig, withoutIscSettings, withoutSlackSettings } from '../config';
import { createLogger, redact, writeToStderr, type Logger } from '../log';
import { openAuditLog } from './backend';
import { decisionsSince, exportRecord, parseSince, toCsv, toJson } from './export';

type Env = Record<string, string | undefined>;

const USAGE =
  'Usage: npm run audit -- [--since 30d|12h|2026-01-31] [--format csv|json]\n' +
  '  Prints the decisions taken through the bot since then (default 30d) as CSV (default) or JSON.\n' +
  '       npm run audit -- --verify\n' +
  "  Checks the trail's hash chain: exits 0 when it is whole, 1 with the first record that does not hold.\n";

/** The value after `name`; `fallback` when the option is absent, '' when it has no value. */
function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1] ?? '';
}

/** Writes the export to `out`; returns the process exit code. */
export async function runAuditCli(args: readonly string[], env: Env, out: (text: string) => void, err: (text: string) => void, logger?: Logger): Promise<number> {
  if (args.includes('--verify')) {
    if (args.length === 1) return verify(env, out, err, logger);
    err(`--verify takes no other option.\n${USAGE}`);
    return 2;
  }
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
  const log = await open(env, logger);
  try {
    const rows = await decisionsSince(log, since);
    // Recorded before it is printed: an export the trail cannot record does not happen.
    await log.append(exportRecord({ by: `cli:${os.userInfo().username}`, since, rows: rows.length, format, at: new Date() }));
    out(format === 'csv' ? toCsv(rows) : toJson(rows));
    return 0;
  } finally {
    await log.close();
  }
}

async function open(env: Env, logger: Logger | undefined) {
  const config = loadConfig(withoutIscSettings(withoutSlackSettings(env)));
  return openAuditLog(config, logger ?? createLogger(config.logLevel, writeToStderr, config.logFormat));
}

async function verify(env: Env, out: (text: string) => void, err: (text: string) => void, logger: Logger | undefined): Promise<number> {
  const log = await open(env, logger);
  try {
    const result = await log.verify();
    if (!result.ok) {
      err(`The audit trail is broken at record ${result.seq}: ${result.problem}. ${result.count} records before it hold.\n`);
      return 1;
    }
    const older = result.unchainedBefore ? ` (and ${result.unchainedBefore} older records written before the chain began)` : '';
    out(`The audit trail is whole: ${result.count} records${older}; the last is record ${result.head.seq} with hash ${result.head.hash}.\n`);
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
