// Every failure of an ISC call surfaces as an IscError: an operator-facing `message` (status, method,
// path, detailCode, trackingId, ISC's own texts) and a Slack-user-facing `userMessage()`. Both pass
// through redact(), and an IscError never carries the underlying axios error, whose config holds the
// Authorization header.

import { redact } from '../log';
import { requestIdOf } from './requestIds';
import type { ErrorMessageDto, ErrorResponseDto } from './types';

/** `deadline`: the request was never sent, because the rate limiter had no slot for it before its caller's deadline. */
export type IscErrorKind = 'http' | 'timeout' | 'network' | 'malformed' | 'auth' | 'deadline';

/** The request an error belongs to. `path` has no query string (a query may hold an e-mail address). */
export interface RequestInfo {
  method: string;
  path: string;
}

export interface IscErrorInit extends RequestInfo {
  kind: IscErrorKind;
  status?: number;
  detailCode?: string;
  trackingId?: string;
  messages?: string[];
  /** Node error code of a network failure, e.g. `ECONNRESET`. */
  code?: string;
  /** The request timeout, for kind `timeout`. */
  timeoutMs?: number;
  /** Replaces the generated userMessage(), for failures whose cause is known better by the thrower. */
  userText?: string;
}

/** Codes that prove the request never reached ISC, so even a POST may be sent again. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export class IscError extends Error {
  readonly kind: IscErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly detailCode?: string;
  readonly trackingId?: string;
  readonly messages: string[];
  readonly code?: string;
  readonly timeoutMs?: number;
  private readonly userText?: string;

  constructor(init: IscErrorInit) {
    super(redact(operatorMessage(init)));
    this.name = 'IscError';
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.detailCode = init.detailCode;
    this.trackingId = init.trackingId;
    this.messages = (init.messages ?? []).map(redact);
    this.code = init.code;
    this.timeoutMs = init.timeoutMs;
    this.userText = init.userText;
  }

  /** False only when the request certainly never left this process or reached ISC. */
  get mayHaveReachedIsc(): boolean {
    if (this.kind === 'deadline') return false;
    return !(this.kind === 'network' && this.code !== undefined && UNSENT_CODES.has(this.code));
  }

  /** A short, specific sentence fit to show a Slack user. */
  userMessage(): string {
    return redact(this.userText ?? composeUserMessage(this));
  }
}

export function isIscError(e: unknown): e is IscError {
  return e instanceof IscError;
}

/** Why a part of a list, count or digest could not be read from ISC; `message` is fit for users (not escaped). */
export interface SectionFailure {
  message: string;
  trackingId?: string;
}

export function failureOf(e: unknown): SectionFailure {
  return isIscError(e) ? { message: e.userMessage(), ...(e.trackingId ? { trackingId: e.trackingId } : {}) } : { message: 'internal error in the bot (see its log)' };
}

function operatorMessage(init: IscErrorInit): string {
  const facts = [
    init.kind,
    init.status !== undefined && `status ${init.status}`,
    init.code && `code ${init.code}`,
    init.timeoutMs !== undefined && `timeout ${init.timeoutMs} ms`,
    init.detailCode && `detailCode ${init.detailCode}`,
    init.trackingId && `trackingId ${init.trackingId}`,
  ].filter(Boolean);
  const texts = init.messages?.length ? `: ${init.messages.join(' / ')}` : '';
  return `ISC ${init.method} ${init.path} failed [${facts.join('; ')}]${texts}`;
}

const RESOURCES = [
  { segment: '/work-items', noun: 'work item', gone: 'it may have been completed or removed' },
  { segment: '/task-status', noun: 'task', gone: 'it may be older than 90 days or have been removed' },
  { segment: '/public-identities', noun: 'identity', gone: 'it may have been removed' },
  { segment: '/access-request-approvals', noun: 'access request approval', gone: 'it may have been decided, forwarded or expired' },
  { segment: '/generic-approvals', noun: 'approval', gone: 'it may have been decided or cancelled' },
  { segment: '/certifications', noun: 'access review', gone: 'it may have been signed off, reassigned or removed' },
];
const UNKNOWN_RESOURCE = { noun: 'item', gone: 'it may have been removed' };

function sentence(text: string): string {
  return text.trim().replace(/\.+$/, '') + '.';
}

function composeUserMessage(e: IscError): string {
  const track = e.trackingId ? ` Tracking id ${e.trackingId}.` : '';
  const retryAdvice =
    e.method === 'GET' || e.method === 'HEAD' || !e.mayHaveReachedIsc
      ? ' Try again in a moment.'
      : ' It may still have been applied: refresh before trying again.';
  const resource = RESOURCES.find((r) => e.path.includes(r.segment)) ?? UNKNOWN_RESOURCE;
  const iscText = e.messages[0];

  switch (e.kind) {
    case 'timeout':
      return `ISC did not answer within ${(e.timeoutMs ?? 0) / 1000} s.${retryAdvice}`;
    case 'network':
      return `Could not reach ISC (${e.code ?? 'network error'}).${retryAdvice}`;
    case 'malformed':
      return (
        `ISC sent a response the bot could not read${e.status ? ` (${e.status})` : ''}.${track} ` +
        'Try again; if it persists tell your admin.'
      );
    case 'deadline':
      if (e.method === 'GET' || e.method === 'HEAD') return "ISC is busy right now — try again in a minute (the bot's share of ISC's rate limit is used up).";
      return "ISC is busy: the bot's share of ISC's rate limit is used up, so this was not sent to ISC and nothing was changed. Try again in a minute.";
    case 'auth':
      return `ISC did not accept the sign-in for this request (401 Unauthorized). If it keeps happening, tell your admin.${track}`;
    case 'http':
      break;
  }
  const status = e.status ?? 0;
  if (status === 400) return `ISC rejected the request (400): ${sentence(iscText ?? 'invalid request')}${track}`;
  if (status === 403) return `ISC refused this (403 Forbidden): you may not act on this ${resource.noun}.${track}`;
  if (status === 404) return `ISC could not find that ${resource.noun} (404); ${resource.gone}.${track}`;
  if (status === 429) return `ISC is busy (rate limit); try again in a minute.${track}`;
  if (status >= 500) {
    const ask = e.trackingId ? `give your admin tracking id ${e.trackingId}` : 'tell your admin';
    return `ISC had an internal error (${status}). Try again; if it persists ${ask}.`;
  }
  return `ISC returned an error (${status})${iscText ? `: ${sentence(iscText)}` : '.'}${track}`;
}

type ErrorBody = ErrorResponseDto & { error?: unknown; error_description?: unknown; message?: unknown };

/**
 * Reads the three error shapes ISC uses: ErrorResponseDto (`messages`/`causes`), the 401 `{error}`
 * (plus OAuth's `error_description`) and the 429 `{message}`. Anything else yields no texts.
 */
export function parseErrorBody(body: string): Pick<IscErrorInit, 'detailCode' | 'trackingId'> & { messages: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { messages: [] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { messages: [] };
  const dto = parsed as ErrorBody;
  const dtoTexts = (list: ErrorMessageDto[] | undefined) => (Array.isArray(list) ? list.map((m) => m?.text) : []);
  const messages = [...dtoTexts(dto.messages), ...dtoTexts(dto.causes), dto.error, dto.error_description, dto.message]
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
    .map((t) => t.trim());
  return {
    detailCode: typeof dto.detailCode === 'string' ? dto.detailCode : undefined,
    trackingId: typeof dto.trackingId === 'string' ? dto.trackingId : undefined,
    messages,
  };
}

/**
 * The IscError for an HTTP error response (kind `auth` for a 401 unless `extra` says otherwise). Its
 * trackingId is the body's, else the response's request id header (a 401 or 429 body has none).
 */
export function responseError(
  req: RequestInfo,
  res: { status: number; body: string; header?(name: string): string | undefined },
  extra: Partial<IscErrorInit> = {},
): IscError {
  const parsed = parseErrorBody(res.body);
  return new IscError({
    kind: res.status === 401 ? 'auth' : 'http',
    method: req.method,
    path: req.path,
    status: res.status,
    ...parsed,
    trackingId: parsed.trackingId ?? (res.header ? requestIdOf({ header: res.header }) : undefined),
    ...extra,
  });
}

export function malformedError(req: RequestInfo, status: number, why: string): IscError {
  return new IscError({ kind: 'malformed', method: req.method, path: req.path, status, messages: [why] });
}
