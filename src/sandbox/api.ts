// What the sandbox's APIs share: ISC's error and reply shapes, the principal a token acts for, the
// standard collection parameters (limit/offset/count, filters, sorters) and the route table, in
// both path layouts.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ErrorResponseDto } from '../isc/types';

// ---------------------------------------------------------------------------------------------------
// Errors and replies

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (text: string) => new HttpError(400, text);

const DETAIL_CODES: Record<number, string> = {
  400: '400.1 Bad Request Content',
  403: '403 Forbidden',
  404: '404 Not found',
  415: '415 Unsupported Media Type',
  500: '500.0 Internal Fault',
};

export function errorResponse(status: number, text: string): ErrorResponseDto {
  return {
    detailCode: DETAIL_CODES[status] ?? `${status} ${http.STATUS_CODES[status] ?? 'Error'}`,
    trackingId: randomBytes(16).toString('hex'),
    messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text }],
    causes: [],
  };
}

export const UNAUTHORIZED = { error: 'JWT validation failed: JWT is expired' };
export const RATE_LIMITED = { message: ' Rate Limit Exceeded ' };

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const ok = (body?: unknown): Reply => ({ status: 200, body });

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------
// Standard collection parameters: limit/offset/count, filters, sorters

export interface Paging {
  limit: number;
  offset: number;
  count: boolean;
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw badRequest(`Query parameter '${name}' must be an integer ${range}; got '${raw}'.`);
  }
  return n;
}

export function paging(query: URLSearchParams): Paging {
  const count = query.get('count');
  if (count !== null && count !== 'true' && count !== 'false') throw badRequest(`Query parameter 'count' must be true or false; got '${count}'.`);
  return { limit: intParam(query, 'limit', 250, 0, 250), offset: intParam(query, 'offset', 0, 0), count: count === 'true' };
}

/** One page of `items`; `X-Total-Count` when asked. `emptyStatus` 204 answers an empty page with no content. */
export function pageReply<T>(items: T[], p: Paging, emptyStatus: 200 | 204 = 200): Reply {
  const slice = items.slice(p.offset, p.offset + p.limit);
  const headers = p.count ? { 'X-Total-Count': String(items.length) } : undefined;
  return slice.length === 0 && emptyStatus === 204 ? { status: 204, headers } : { status: 200, body: slice, headers };
}

export type FilterOp = 'eq' | 'ne' | 'in' | 'sw' | 'co' | 'gt' | 'ge' | 'lt' | 'le' | 'isnull';
export interface FilterTerm {
  field: string;
  op: FilterOp;
  values: string[];
}
/** A field may have several values (an approval's approvers, its localized names): a term matches if one does (`ne`: if none equals). */
export type FilterFields<T> = Record<string, { ops: readonly FilterOp[]; get: (x: T) => string | null | undefined | readonly string[] }>;

const SINGLE_VALUE_OPS: readonly string[] = ['eq', 'ne', 'sw', 'co', 'gt', 'ge', 'lt', 'le'];

const FILTER_TOKEN = /\s*(?:"((?:[^"\\]|\\.)*)"|([(),])|([^\s(),"]+))/y;

/** Parses the subset of the SCIM-like syntax ISC documents for these fields: terms joined by `and`. */
function parseFilters(text: string): FilterTerm[] {
  const tokens: Array<{ quoted: boolean; text: string }> = [];
  FILTER_TOKEN.lastIndex = 0;
  while (FILTER_TOKEN.lastIndex < text.trimEnd().length) {
    const m = FILTER_TOKEN.exec(text);
    if (!m) throw badRequest(`Invalid filter: ${text}`);
    tokens.push(m[1] !== undefined ? { quoted: true, text: m[1].replace(/\\(.)/g, '$1') } : { quoted: false, text: m[2] ?? m[3] });
  }
  let i = 0;
  const next = () => {
    if (i >= tokens.length) throw badRequest(`Invalid filter (unexpected end): ${text}`);
    return tokens[i++];
  };
  const word = (expected?: string) => {
    const t = next();
    if (t.quoted || (expected !== undefined && t.text.toLowerCase() !== expected)) throw badRequest(`Invalid filter near '${t.text}': ${text}`);
    return t.text;
  };
  const value = () => {
    const t = next();
    if (!t.quoted && '(),'.includes(t.text)) throw badRequest(`Invalid filter near '${t.text}': ${text}`);
    return t.text;
  };
  const terms: FilterTerm[] = [];
  while (i < tokens.length) {
    if (terms.length) word('and');
    const field = word();
    const op = word().toLowerCase();
    if (op === 'isnull') terms.push({ field, op, values: [] });
    else if (SINGLE_VALUE_OPS.includes(op)) terms.push({ field, op: op as FilterOp, values: [value()] });
    else if (op === 'in') {
      word('(');
      const values = [value()];
      for (let sep = word(); sep !== ')'; sep = word()) {
        if (sep !== ',') throw badRequest(`Invalid filter near '${sep}': ${text}`);
        values.push(value());
      }
      terms.push({ field, op, values });
    } else throw badRequest(`Unsupported filter operator '${op}': ${text}`);
  }
  return terms;
}

export function compileFilters<T>(text: string | null, fields: FilterFields<T>): { terms: FilterTerm[]; test: (x: T) => boolean } {
  const terms = text?.trim() ? parseFilters(text) : [];
  for (const t of terms) {
    if (!Object.hasOwn(fields, t.field)) throw badRequest(`Filtering on '${t.field}' is not supported.`);
    if (!fields[t.field].ops.includes(t.op)) throw badRequest(`Operator '${t.op}' is not supported for '${t.field}'.`);
  }
  const matchesOne = (v: string, t: FilterTerm) => {
    const [lower, want] = [v.toLowerCase(), t.values[0].toLowerCase()];
    switch (t.op) {
      case 'sw':
        return lower.startsWith(want);
      case 'co':
        return lower.includes(want);
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le': {
        const c = compareValues(v, t.values[0]);
        return t.op === 'gt' ? c > 0 : t.op === 'ge' ? c >= 0 : t.op === 'lt' ? c < 0 : c <= 0;
      }
      default:
        return t.values.some((x) => x.toLowerCase() === lower);
    }
  };
  const matches = (v: string | null | undefined | readonly string[], t: FilterTerm) => {
    const values = v == null ? [] : typeof v === 'string' ? [v] : v;
    if (t.op === 'isnull') return values.length === 0;
    if (t.op === 'ne') return !values.some((x) => matchesOne(x, { ...t, op: 'eq' }));
    return values.some((x) => matchesOne(x, t));
  };
  return { terms, test: (x) => terms.every((t) => matches(fields[t.field].get(x), t)) };
}

export const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** Dates as instants (ISC writes them with and without milliseconds), anything else as text. */
function compareValues(x: string, y: string): number {
  const isDate = (v: string) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v));
  return isDate(x) && isDate(y) ? Date.parse(x) - Date.parse(y) : compare(x, y);
}

export function sortBy<T>(items: T[], sorters: string | null, keys: Record<string, (x: T) => string>): T[] {
  if (!sorters?.trim()) return items;
  const specs = sorters.split(',').map((s) => {
    const desc = s.trim().startsWith('-');
    const key = s.trim().replace(/^[-+]/, '');
    if (!Object.hasOwn(keys, key)) throw badRequest(`Sorting on '${key}' is not supported.`);
    return { get: keys[key], dir: desc ? -1 : 1 };
  });
  return [...items].sort((a, b) => {
    for (const { get, dir } of specs) {
      const c = compare(get(a), get(b));
      if (c) return c * dir;
    }
    return 0;
  });
}

/** A store's objects by id. `add` and `copy` hand out copies, so no caller holds a stored object. */
export class ById<T extends { id?: string }> {
  private readonly items = new Map<string, T>();

  constructor(private readonly noun: string) {}

  /** Adds (or replaces, by id); returns a copy of what is stored. */
  add(item: T): T {
    const copy = structuredClone(item);
    if (!copy.id) throw new Error(`${this.noun} needs an id`);
    this.items.set(copy.id, copy);
    return structuredClone(copy);
  }

  copy(id: string): T | undefined {
    const found = this.items.get(id);
    return found && structuredClone(found);
  }

  /** The stored object itself, for the store's own changes. */
  stored(id: string): T | undefined {
    return this.items.get(id);
  }

  remove(id: string): void {
    this.items.delete(id);
  }

  all(): T[] {
    return [...this.items.values()];
  }
}

// ---------------------------------------------------------------------------------------------------
// Principals and routes

/**
 * Who a token acts for. Client-credentials tokens act as the service identity, an admin who may pass
 * any `ownerId`; the authorization-code flow mints tokens with the user's id and `admin: false`.
 */
export interface Principal {
  identityId: string;
  admin: boolean;
  /** An admin level that may name any owner but not list a whole queue of the tenant (not ORG_ADMIN). */
  scoped?: boolean;
}

/** Listing a whole queue (no owner named) needs ORG_ADMIN. */
export function requireWholeTenant(p: Principal): void {
  if (!p.admin || p.scoped) throw new HttpError(403, 'Listing every approval of the tenant requires ORG_ADMIN.');
}

export function requireActsFor(p: Principal, ownerId: string | null | undefined): void {
  if (!p.admin && ownerId !== p.identityId) throw new HttpError(403, 'The server understood the request but refuses to authorize it.');
}

export type ApiVersion = 'v3' | 'v2024' | 'v1';

export interface RequestContext {
  principal: Principal;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  contentType: string;
  /** Request headers, names in lower case. */
  headers: Record<string, string | string[] | undefined>;
}

export interface Route {
  methods: readonly string[];
  /** Spec path with `{param}`s, without the version; also the stats key. */
  path: string;
  versions: readonly ApiVersion[];
  handler: (c: RequestContext) => Reply;
}

/** `/v3/work-items/x` and `/work-items/v1/x` both give `v3`|`v1` and `['work-items', 'x']`. */
function locate(pathname: string): { version: ApiVersion; segments: string[] } | undefined {
  let segments: string[];
  try {
    segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [first, second, ...rest] = segments;
  if (first === 'v3' || first === 'v2024') return { version: first, segments: segments.slice(1) };
  if (second === 'v1') return { version: 'v1', segments: [first, ...rest] };
  return undefined;
}

export function matchRoute(
  table: Route[],
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string>; version: ApiVersion } | undefined {
  const located = locate(pathname);
  if (!located) return undefined;
  for (const route of table) {
    if (!route.methods.includes(method) || !route.versions.includes(located.version)) continue;
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== located.segments.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((part, i) => {
      const seg = located.segments[i];
      if (part.startsWith('{')) params[part.slice(1, -1)] = seg;
      return part.startsWith('{') || part === seg;
    });
    if (fits) return { route, params, version: located.version };
  }
  return undefined;
}
