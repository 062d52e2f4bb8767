import nock from 'nock';
import { createIscClient, type IscClientOptions } from '../../src/isc/client';
import { createLogger } from '../../src/log';

export const BASE = 'https://acme.api.identitynow.com';
export const CLIENT_ID = 'bot-client-id';
// Distinctive values, so that a leak anywhere is easy to assert on. The secret needs form encoding.
export const CLIENT_SECRET = 'sEcReT-Qx81+z/9=';
export const TOKEN = 'eyJ0eXAi.TOKEN-one-8c1f2e77.c2ln';
export const TOKEN_2 = 'eyJ0eXAi.TOKEN-two-5d9a7b31.c2ln';
export const TOKEN_FORM = `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=sEcReT-Qx81%2Bz%2F9%3D`;

/** No test may reach the network: every request must match an interceptor. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}

export function mockToken(token = TOKEN, expiresIn = 749): nock.Scope {
  return nock(BASE)
    .post('/oauth/token', TOKEN_FORM)
    .matchHeader('content-type', 'application/x-www-form-urlencoded')
    .reply(200, { access_token: token, token_type: 'bearer', expires_in: expiresIn });
}

export function captureLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger('debug', (line) => lines.push(line)) };
}

/** A client on BASE whose sleeps are recorded and return at once; jitter is fixed at 0.5. */
export function testClient(overrides: Partial<IscClientOptions> = {}) {
  const sleep = jest.fn(async (_ms: number) => undefined);
  const { lines, logger } = captureLogger();
  const client = createIscClient({
    baseUrl: BASE,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    logger,
    sleep,
    random: () => 0.5,
    ...overrides,
  });
  return { client, sleep, lines };
}

/** Every form a secret could leak in. */
export function expectNoSecrets(text: string): void {
  for (const secret of [CLIENT_SECRET, encodeURIComponent(CLIENT_SECRET), TOKEN, TOKEN_2]) {
    expect(text).not.toContain(secret);
  }
}

export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

export interface ReceivedRequest {
  /** Path and query exactly as sent (still percent-encoded). */
  uri: string;
  headers: Record<string, string | string[] | undefined>;
  /** As nock hands it over: JSON parsed when possible, '' when there was no body. */
  body: unknown;
}

export interface ExpectedCall {
  method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  /** Exact query (decoded); no query at all when omitted. */
  query?: Record<string, string>;
  status?: number;
  reply?: unknown;
  replyHeaders?: Record<string, string>;
}

/** One interceptor matching method, path and exact query; records the headers and body it received. */
export function expectCall(call: ExpectedCall): { scope: nock.Scope; received: ReceivedRequest[] } {
  const received: ReceivedRequest[] = [];
  const scope = nock(BASE);
  const verb = { GET: scope.get, HEAD: scope.head, POST: scope.post, PATCH: scope.patch, PUT: scope.put, DELETE: scope.delete }[call.method].bind(scope);
  let interceptor = verb(call.path);
  if (call.query) interceptor = interceptor.query(call.query);
  interceptor.reply(function (uri, body) {
    received.push({ uri, headers: { ...this.req.headers }, body });
    return [call.status ?? 200, call.reply === undefined ? '' : JSON.stringify(call.reply), call.replyHeaders ?? {}];
  });
  return { scope, received };
}

/** The headers every ISC API request carries, and its exact body (raw JSON text) or the absence of one. */
export function expectRequest(
  r: ReceivedRequest,
  expected: { rawBody?: string; contentType?: string; token?: string; headers?: Record<string, string> } = {},
): void {
  expect(r.headers.authorization).toBe(`Bearer ${expected.token ?? TOKEN}`);
  expect(r.headers.accept).toBe('application/json');
  if (expected.rawBody === undefined) {
    expect(r.body).toBe('');
    expect(r.headers['content-type']).toBeUndefined();
  } else {
    expect(r.headers['content-type']).toBe(expected.contentType ?? 'application/json');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(expected.rawBody)));
    expect(r.body).toEqual(JSON.parse(expected.rawBody));
  }
  for (const [name, value] of Object.entries(expected.headers ?? {})) expect(r.headers[name.toLowerCase()]).toBe(value);
}

/** One client operation and the exchange with ISC it must make; see expectOperation. */
export interface OperationCase<Api> {
  name: string;
  call: (api: Api) => Promise<unknown>;
  method: ExpectedCall['method'];
  /** Below the `root` given to expectOperation. */
  path: string;
  /** Exact query (decoded); none when omitted. */
  query?: Record<string, string>;
  /** Exact JSON body; none when omitted. */
  rawBody?: string;
  contentType?: string;
  status?: number;
  reply?: unknown;
  replyHeaders?: Record<string, string>;
  /** What the call resolves to. */
  result: unknown;
}

/** Runs the operation against one interceptor at `root + path`: its result, and the one request's headers and body. */
export async function expectOperation<Api>(api: Api, root: string, c: OperationCase<Api>, headers?: Record<string, string>): Promise<void> {
  const { scope, received } = expectCall({ ...c, path: root + c.path });
  await expect(c.call(api)).resolves.toEqual(c.result);
  scope.done();
  expect(received).toHaveLength(1);
  expectRequest(received[0], { rawBody: c.rawBody, contentType: c.contentType, headers });
}
