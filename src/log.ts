// Minimal structured logger. Every line passes through redact(), so a secret registered at start-up
// (client secret, tokens, signing secret) can never be printed, even inside an error message.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** text: one readable line per entry; json: one JSON object per line (time, level, message, fields, error). */
export type LogFormat = 'text' | 'json';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const secrets = new Set<string>();
/** Access tokens rotate every few minutes: keep only the most recent ones, so a long-running bot does not grow this set forever. */
const rotatingSecrets = new Set<string>();
const MAX_ROTATING_SECRETS = 32;
const BEARER = /(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi;
const SECRET_NAMES = 'client_secret|clientSecret|access_token|refresh_token|accessToken|refreshToken|signingSecret|password|token';
const SECRET_FIELDS = new RegExp(`("?(?:${SECRET_NAMES})"?\\s*[:=]\\s*"?)([^"&\\s,}]+)`, 'gi');
/** A field whose name ends like a secret's (`botToken`, `password`): its whole value is redacted in a JSON line. */
const SECRET_KEY = new RegExp(`(?:${SECRET_NAMES})$`, 'i');

/** Registers a value that must never be logged (ignores short values that would redact noise). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

/** Registers a short-lived secret (an access token); the oldest is forgotten once many newer ones exist. */
export function registerRotatingSecret(value: string | undefined): void {
  if (!value || value.length < 6 || secrets.has(value)) return;
  rotatingSecrets.delete(value);
  rotatingSecrets.add(value);
  if (rotatingSecrets.size > MAX_ROTATING_SECRETS) rotatingSecrets.delete(rotatingSecrets.values().next().value as string);
}

export function redact(text: string): string {
  let out = text.replace(BEARER, '$1[redacted]').replace(SECRET_FIELDS, '$1[redacted]');
  for (const set of [secrets, rotatingSecrets]) for (const s of set) out = out.split(s).join('[redacted]');
  return out;
}

export interface Logger {
  debug(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

function serialise(ctx: Record<string, unknown>): string {
  return JSON.stringify(ctx, (_k, v: unknown) =>
    v instanceof Error ? { name: v.name, message: v.message, ...(v as unknown as Record<string, unknown>) } : v,
  );
}

const errorWithStack = (e: Error) => ({ name: e.name, message: e.message, stack: e.stack, ...(e as unknown as Record<string, unknown>) });

/**
 * Redacts value by value, before JSON escapes anything, so the line stays valid JSON: every string
 * (messages, stacks, nested fields) and the whole value of a secret-named field.
 */
function redactJson(key: string, value: unknown): unknown {
  if (value instanceof Error) return errorWithStack(value);
  if (value !== undefined && SECRET_KEY.test(key)) return '[redacted]';
  return typeof value === 'string' ? redact(value) : value;
}

function textLine(lvl: LogLevel, msg: string, ctx?: Record<string, unknown>): string {
  const tail = ctx && Object.keys(ctx).length ? ' ' + serialise(ctx) : '';
  return redact(`${new Date().toISOString()} ${lvl.toUpperCase()} ${msg}${tail}`);
}

/** `error`, when it is an Error, is lifted out of the fields with its stack. */
function jsonLine(lvl: LogLevel, msg: string, ctx: Record<string, unknown> = {}): string {
  const { error, ...rest } = ctx;
  const lifted = error instanceof Error;
  const fields = lifted ? rest : ctx;
  return JSON.stringify({ time: new Date().toISOString(), level: lvl, message: msg, fields, ...(lifted ? { error } : {}) }, redactJson);
}

export const writeToStderr = (line: string): void => void process.stderr.write(line + '\n');

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = writeToStderr, format: LogFormat = 'text'): Logger {
  const min = LEVELS[level];
  const line = format === 'json' ? jsonLine : textLine;
  const emit = (lvl: LogLevel, msg: string, ctx?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    write(line(lvl, msg, ctx));
  };
  return {
    debug: (m, c) => emit('debug', m, c),
    info: (m, c) => emit('info', m, c),
    warn: (m, c) => emit('warn', m, c),
    error: (m, c) => emit('error', m, c),
  };
}

/** A logger that discards everything (tests, benchmarks). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
