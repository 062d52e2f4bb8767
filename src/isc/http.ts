import { createHash } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import { proxyAgentFor } from '../proxy';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { TokenProvider } from './auth';
import { SlotDeadlineError, SlotQueueFullError, type RequestGate } from '../rateLimit/slotQueue';
import { requestDeadline, requestPriority, requestSignal, writeCheck } from './deadline';
import type { DeprecationNotices } from './deprecation';
import { IscError, isIscError, malformedError, responseError, type RequestInfo } from './errors';
import { noteRequestId, requestIdOf } from './requestIds';
import type { Page, PageParams } from './types';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type Query = Record<string, string | number | boolean | undefined>;

/** ISC's ceiling for `limit` on every collection. */
export const MAX_PAGE_SIZE = 250;

/** Every item of a collection, read a page of MAX_PAGE_SIZE at a time until a short page. */
export async function readAllPages<T>(readPage: (page: { offset: number; limit: number }) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
    const page = await readPage({ offset, limit: MAX_PAGE_SIZE });
    items.push(...page.items);
    if (page.items.length < MAX_PAGE_SIZE) return items;
  }
}

export interface RawRequest {
  method: HttpMethod;
  path: string;
  query?: Query;
  headers?: Record<string, string>;
  /** The serialised body. */
  data?: string;
}

export interface RawResponse {
  status: number;
  body: string;
  header(name: string): string | undefined;
}

function encodeQuery(query: Query): string {
  return Object.entries(query)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
}

/**
 * One exchange with ISC, without auth or retries. Returns a response of any status; turns every
 * transport failure into an IscError (timeout or network).
 */
export class RawHttp {
  private readonly axios: AxiosInstance;

  constructor(private readonly options: { baseUrl: string; timeoutMs: number }) {
    // Through HTTPS_PROXY (a CONNECT tunnel) unless NO_PROXY exempts the tenant; axios' own proxy handling is off.
    const agent = proxyAgentFor(options.baseUrl);
    this.axios = axios.create({
      baseURL: options.baseUrl,
      proxy: false,
      ...(agent ? { httpAgent: agent, httpsAgent: agent } : {}),
      validateStatus: () => true,
      maxRedirects: 0,
      // Bodies stay text both ways: requests are serialised and responses parsed here, so that a
      // malformed JSON body is reported instead of being handed on as a string.
      responseType: 'text',
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      paramsSerializer: { serialize: encodeQuery },
    });
  }

  async send(req: RawRequest): Promise<RawResponse> {
    // A deadline for the whole exchange (axios' own `timeout` only bounds socket inactivity), and the
    // work's own signal (withRequestSignal), if it has one.
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const cancel = requestSignal();
    const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
    try {
      const res = await this.axios.request<string>({
        method: req.method,
        url: req.path,
        params: req.query,
        // `false` stops axios from labelling a bodiless POST as a form.
        headers: { 'Content-Type': false, ...req.headers },
        data: req.data,
        signal,
      });
      return {
        status: res.status,
        body: typeof res.data === 'string' ? res.data : '',
        header: (name) => {
          const value: unknown = res.headers[name.toLowerCase()];
          return value === undefined || value === null ? undefined : String(value);
        },
      };
    } catch (e) {
      // Never rethrow or keep the axios error: its config carries the Authorization header.
      const info = { method: req.method, path: req.path };
      if (cancel?.aborted) throw cancel.reason;
      if (timeout.aborted) throw new IscError({ ...info, kind: 'timeout', timeoutMs: this.options.timeoutMs });
      const err = e as { code?: unknown; message?: unknown };
      throw new IscError({
        ...info,
        kind: 'network',
        code: typeof err.code === 'string' ? err.code : undefined,
        messages: typeof err.message === 'string' ? [err.message] : [],
      });
    }
  }
}

/** Parses a JSON body; undefined when there is none. */
export function readJson(req: RequestInfo, res: RawResponse): unknown {
  if (res.body.trim() === '') return undefined;
  try {
    return JSON.parse(res.body);
  } catch (e) {
    throw malformedError(req, res.status, `invalid JSON body (${(e as Error).message})`);
  }
}

export interface IscRequest {
  /** The operation, as the spec's operationId without its version suffix (`listWorkItems`); names the call in logs. */
  operation: string;
  method: HttpMethod;
  /** Path below the base URL, ids already encoded (paths.ts). */
  path: string;
  query?: Query;
  /** Sent as JSON, `null` included; no body when undefined. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface IscResponse {
  status: number;
  /** Parsed JSON body; undefined when empty (204, HEAD). */
  data: unknown;
  header(name: string): string | undefined;
}

export interface IscHttpOptions {
  raw: RawHttp;
  limiter: RequestGate;
  maxRetries: number;
  retryAfterCapMs: number;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Reports responses marked `X-Deprecated: true`, once per operation. */
  deprecations?: DeprecationNotices;
  /** Counts every attempt by operation and outcome, the retries, and the limiter's waits. */
  metrics?: Metrics;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 8_000;
const DEFAULT_RETRY_AFTER_MS = 1_000;

/** `Retry-After` in seconds or as an HTTP date, capped; 1 s when missing or unreadable. */
export function retryAfterMs(value: string | undefined, capMs: number): number {
  if (value === undefined || value.trim() === '') return Math.min(DEFAULT_RETRY_AFTER_MS, capMs);
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  if (Number.isNaN(ms)) return Math.min(DEFAULT_RETRY_AFTER_MS, capMs);
  return Math.min(Math.max(ms, 0), capMs);
}

function checkPage({ limit, offset }: PageParams): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0 && limit <= MAX_PAGE_SIZE)) {
    throw new RangeError(`ISC collections take a limit from 0 to ${MAX_PAGE_SIZE} (got ${limit})`);
  }
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) {
    throw new RangeError(`ISC collections take an offset of 0 or more (got ${offset})`);
  }
}

/**
 * Authenticated, rate-limited, retrying access to ISC.
 * - 401: the token is invalidated, refreshed and the request sent once more.
 * - 429: every method is retried (the request was not executed) after Retry-After, for which the
 *   shared limiter holds all callers.
 * - 5xx, timeouts, network errors: only GET/HEAD are retried, with exponential backoff and full
 *   jitter. A POST/PATCH that may have reached ISC is never sent twice (an approve must not repeat).
 */
export class IscHttp {
  constructor(
    private readonly options: IscHttpOptions,
    private readonly tokens: TokenProvider,
    /** GETs under way, shared by every token source (the key names the token). */
    private readonly readsInFlight = new Map<string, Promise<RawResponse>>(),
  ) {}

  /** The same HTTP layer and rate limiter, authenticated by another token source. */
  withTokens(tokens: TokenProvider): IscHttp {
    return new IscHttp(this.options, tokens, this.readsInFlight);
  }

  /**
   * Each caller parses the body itself, so callers that shared one GET never share (and mutate) one
   * object.
   */
  async request(req: IscRequest): Promise<IscResponse> {
    const res = req.method === 'GET' ? await this.sharedRead(req) : await this.exchange(req);
    return { status: res.status, data: readJson(req, res), header: res.header };
  }

  /**
   * Identical GETs under way at once are sent once: the same token (so the same identity and
   * permissions), operation, path, query and headers, at the same priority (a click never waits on a
   * read's turn, nor a read on background work's). The first caller's deadline and signal bound it.
   */
  private async sharedRead(req: IscRequest): Promise<RawResponse> {
    const token = await this.tokens.getToken();
    const key = [
      createHash('sha256').update(token).digest('base64'),
      requestPriority() ?? 'read',
      req.operation,
      req.path,
      encodeQuery(req.query ?? {}),
      JSON.stringify(req.headers ?? {}),
    ].join('\n');
    const pending = this.readsInFlight.get(key);
    if (pending) {
      this.options.metrics?.iscRequest(req.operation, 'coalesced');
      return pending;
    }
    const read = this.exchange(req).finally(() => this.readsInFlight.delete(key));
    this.readsInFlight.set(key, read);
    return read;
  }

  /** One request to a 2xx response, with its retries. */
  private async exchange(req: IscRequest): Promise<RawResponse> {
    const { limiter, maxRetries, sleep, metrics } = this.options;
    let retries = 0;
    let refreshed = false;
    for (;;) {
      requestSignal()?.throwIfAborted();
      const token = await this.tokens.getToken();
      await this.turn(req);
      if (req.method !== 'GET' && req.method !== 'HEAD') await writeCheck()?.();
      const started = performance.now();
      const outcome = await this.attempt(req, token);
      metrics?.iscRequest(req.operation, isIscError(outcome) ? outcome.kind : outcome.status, (performance.now() - started) / 1000);
      if (!isIscError(outcome)) {
        this.options.deprecations?.observe(req, outcome.header);
        noteRequestId(req.method, requestIdOf(outcome));
      }
      if (!isIscError(outcome) && outcome.status >= 200 && outcome.status < 300) return outcome;
      const error = isIscError(outcome) ? outcome : responseError(req, outcome);
      if (error.status === 401 && !refreshed) {
        refreshed = true;
        this.tokens.invalidate(token);
        metrics?.iscRetry(req.operation, 401);
        this.logRetry('ISC rejected the access token; refreshing it and retrying once', req, error, 0);
        continue;
      }
      const waitMs = retries < maxRetries ? this.retryDelay(req, error, outcome, retries) : undefined;
      if (waitMs === undefined) throw error;
      retries += 1;
      metrics?.iscRetry(req.operation, error.status ?? error.kind);
      this.logRetry(`ISC request failed; retry ${retries} of ${maxRetries}`, req, error, waitMs);
      if (error.status === 429) limiter.pause(waitMs);
      else await sleep(waitMs);
    }
  }

  /** A request whose response must carry a JSON body. */
  async json<T>(req: IscRequest): Promise<T> {
    const res = await this.request(req);
    if (res.data === undefined || res.data === null) throw malformedError(req, res.status, 'expected a JSON body');
    return res.data as T;
  }

  /** One page of a collection: `limit`/`offset`/`count` added to the query; 204 or no body is an empty page. */
  async list<T>(req: IscRequest, page: PageParams = {}): Promise<Page<T>> {
    checkPage(page);
    const { limit, offset, count } = page;
    const res = await this.request({ ...req, query: { ...req.query, limit, offset, count: count || undefined } });
    const items = res.data ?? [];
    if (!Array.isArray(items)) throw malformedError(req, res.status, 'expected a JSON array');
    if (!count) return { items: items as T[] };
    if (res.status === 204) return { items: [], total: 0 };
    const header = res.header('x-total-count') ?? '';
    if (!/^\d+$/.test(header.trim())) throw malformedError(req, res.status, 'count=true but no valid X-Total-Count header');
    return { items: items as T[], total: Number(header) };
  }

  /**
   * The limiter's slot for one attempt, at the priority of the work under way (withRequestPriority),
   * within its deadline (withRequestDeadline) until its signal aborts (withRequestSignal).
   */
  private async turn(req: IscRequest): Promise<void> {
    const { metrics } = this.options;
    const started = performance.now();
    try {
      await this.options.limiter.acquire({ deadline: requestDeadline(), signal: requestSignal(), priority: requestPriority() });
      metrics?.iscLimiterWait((performance.now() - started) / 1000);
    } catch (e) {
      if (!(e instanceof SlotDeadlineError || e instanceof SlotQueueFullError)) throw e;
      metrics?.iscRequest(req.operation, 'deadline');
      // A flood of reads refused is the limiter doing its job, not news for every one of them.
      const log = requestPriority() === 'read' ? this.options.logger.debug : this.options.logger.warn;
      log.call(this.options.logger, `ISC request not sent: ${e instanceof SlotQueueFullError ? 'too many requests waiting for the rate limit' : 'no rate-limit slot before its deadline'}`, { method: req.method, path: req.path });
      throw new IscError({ kind: 'deadline', method: req.method, path: req.path });
    }
  }

  private attempt(req: IscRequest, token: string): Promise<RawResponse | IscError> {
    const raw: RawRequest = {
      method: req.method,
      path: req.path,
      query: req.query,
      headers: {
        Accept: 'application/json',
        ...(req.body !== undefined && { 'Content-Type': 'application/json' }),
        ...req.headers,
        Authorization: `Bearer ${token}`,
      },
      data: req.body === undefined ? undefined : JSON.stringify(req.body),
    };
    return this.options.raw.send(raw).catch((e: unknown) => {
      if (isIscError(e)) return e;
      throw e;
    });
  }

  private retryDelay(
    req: IscRequest,
    error: IscError,
    outcome: RawResponse | IscError,
    retries: number,
  ): number | undefined {
    if (error.status === 429) {
      return retryAfterMs(isIscError(outcome) ? undefined : outcome.header('retry-after'), this.options.retryAfterCapMs);
    }
    const transient = error.kind === 'timeout' || error.kind === 'network' || (error.status ?? 0) >= 500;
    const safeToRepeat = req.method === 'GET' || req.method === 'HEAD' || !error.mayHaveReachedIsc;
    if (!transient || !safeToRepeat) return undefined;
    return Math.floor(this.options.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retries));
  }

  private logRetry(msg: string, req: IscRequest, error: IscError, waitMs: number): void {
    this.options.logger.warn(msg, {
      method: req.method,
      path: req.path,
      status: error.status,
      kind: error.kind,
      code: error.code,
      trackingId: error.trackingId,
      waitMs,
    });
  }
}
