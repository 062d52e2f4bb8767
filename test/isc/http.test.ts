import nock from 'nock';
import type { TokenProvider } from '../../src/isc/auth';
import { IscError } from '../../src/isc/errors';
import { withRequestDeadline, withRequestSignal, withWriteCheck } from '../../src/isc/deadline';
import { retryAfterMs } from '../../src/isc/http';
import {
  BASE,
  TOKEN,
  TOKEN_2,
  caught,
  expectCall,
  expectNoSecrets,
  expectRequest,
  mockToken,
  testClient,
  useNock,
} from './helpers';

useNock();

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const ITEM = { id: 'wi1', state: 'Pending' };
const ITEM_PATH = '/work-items/v1/wi1';
const APPROVE_PATH = '/work-items/v1/wi1/approve/ai1';
const ISE = { detailCode: '500.0 Internal Fault', trackingId: 'trk-500', messages: [{ text: 'An internal fault occurred.' }] };
const RATE_LIMITED = { message: ' Rate Limit Exceeded ' };

function staticTokens(token: string): TokenProvider & { invalidate: jest.Mock } {
  return { getToken: async () => token, invalidate: jest.fn() };
}

function resetError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code });
}

beforeEach(() => {
  // A frozen clock makes every wait exact (the injected sleep returns at once).
  jest.spyOn(Date, 'now').mockReturnValue(T0);
});
afterEach(() => jest.restoreAllMocks());

describe('401', () => {
  test('invalidates the token, fetches a new one and retries once', async () => {
    const firstToken = mockToken(TOKEN);
    const { client, lines } = testClient();
    const rejected = expectCall({ method: 'GET', path: ITEM_PATH, status: 401, reply: { error: 'JWT validation failed: JWT is expired' } });
    const secondToken = mockToken(TOKEN_2);
    const accepted = expectCall({ method: 'GET', path: ITEM_PATH, reply: ITEM });

    await expect(client.workItems.getWorkItem('wi1')).resolves.toEqual(ITEM);
    [firstToken, rejected.scope, secondToken, accepted.scope].forEach((s) => s.done());
    expectRequest(rejected.received[0], { token: TOKEN });
    expectRequest(accepted.received[0], { token: TOKEN_2 });
    expect(lines.filter((l) => l.includes('WARN'))).toEqual([expect.stringContaining('"status":401')]);
  });

  test('a second 401 surfaces as an auth error instead of looping', async () => {
    mockToken(TOKEN);
    mockToken(TOKEN_2);
    const { client } = testClient();
    const calls = expectCall({ method: 'POST', path: APPROVE_PATH, status: 401, reply: { error: 'JWT validation failed' } });
    nock(BASE).post(APPROVE_PATH).reply(401, { error: 'JWT validation failed' });

    const error = await caught(client.workItems.approveApprovalItem('wi1', 'ai1'));
    expect(error).toBeInstanceOf(IscError);
    expect(error).toMatchObject({ kind: 'auth', status: 401, messages: ['JWT validation failed'] });
    expect(calls.received).toHaveLength(1);
    expect(nock.pendingMocks()).toEqual([]);
  });

  test('a client built withTokenProvider invalidates that provider, not the service token', async () => {
    const userTokens = staticTokens(TOKEN_2);
    const { client } = testClient();
    const user = client.withTokenProvider(userTokens);
    expectCall({ method: 'GET', path: ITEM_PATH, status: 401, reply: { error: 'expired' } });
    const retried = expectCall({ method: 'GET', path: ITEM_PATH, reply: ITEM });

    await expect(user.workItems.getWorkItem('wi1')).resolves.toEqual(ITEM);
    expect(userTokens.invalidate).toHaveBeenCalledWith(TOKEN_2);
    expectRequest(retried.received[0], { token: TOKEN_2 });
  });
});

describe('429', () => {
  test.each([
    ['seconds', '7', 7_000],
    ['an HTTP date', new Date(T0 + 30_000).toUTCString(), 30_000],
    ['a date in the past', new Date(T0 - 5_000).toUTCString(), 0],
    ['nothing (defaults to 1 s)', undefined, 1_000],
    ['a value above the cap', '3600', 60_000],
  ])('Retry-After as %s: waits, then retries even a POST', async (_label, retryAfter, expectedWait) => {
    mockToken();
    const { client, sleep } = testClient();
    const limited = expectCall({
      method: 'POST',
      path: APPROVE_PATH,
      status: 429,
      reply: RATE_LIMITED,
      replyHeaders: retryAfter === undefined ? {} : { 'Retry-After': retryAfter },
    });
    const ok = expectCall({ method: 'POST', path: APPROVE_PATH, reply: ITEM });

    await expect(client.workItems.approveApprovalItem('wi1', 'ai1')).resolves.toEqual(ITEM);
    expect(limited.received).toHaveLength(1);
    expect(ok.received).toHaveLength(1);
    expect(sleep.mock.calls).toEqual(expectedWait > 0 ? [[expectedWait]] : []);
  });

  test('gives up after maxRetries with a user-facing "busy" error', async () => {
    mockToken();
    const { client, sleep } = testClient({ maxRetries: 2 });
    const calls = expectCall({ method: 'GET', path: ITEM_PATH, status: 429, reply: RATE_LIMITED, replyHeaders: { 'Retry-After': '2' } });
    nock(BASE).get(ITEM_PATH).times(2).reply(429, RATE_LIMITED, { 'Retry-After': '2' });

    const error = (await caught(client.workItems.getWorkItem('wi1'))) as IscError;
    expect(error).toMatchObject({ kind: 'http', status: 429, messages: ['Rate Limit Exceeded'] });
    expect(error.userMessage()).toBe('ISC is busy (rate limit); try again in a minute.');
    expect(calls.received).toHaveLength(1);
    expect(nock.pendingMocks()).toEqual([]);
    expect(sleep.mock.calls).toEqual([[2_000], [2_000]]);
  });

  test('the pause holds every caller of the handle, including withTokenProvider clients', async () => {
    mockToken();
    let release!: () => void;
    let pausedWith: number | undefined;
    const sleep = jest.fn((ms: number) => {
      pausedWith = ms;
      return new Promise<void>((resolve) => (release = resolve));
    });
    const { client } = testClient({ sleep });
    const user = client.withTokenProvider(staticTokens(TOKEN_2));
    expectCall({ method: 'GET', path: ITEM_PATH, status: 429, reply: RATE_LIMITED, replyHeaders: { 'Retry-After': '5' } });
    expectCall({ method: 'GET', path: ITEM_PATH, reply: ITEM });
    const other = expectCall({ method: 'GET', path: '/work-items/v1/summary', reply: { open: 1 } });

    const first = client.workItems.getWorkItem('wi1');
    while (pausedWith === undefined) await new Promise((r) => setImmediate(r));
    const second = user.workItems.getWorkItemsSummary();
    await new Promise((r) => setTimeout(r, 50));
    expect(other.received).toHaveLength(0);

    release();
    await expect(first).resolves.toEqual(ITEM);
    await expect(second).resolves.toEqual({ open: 1 });
    expect(pausedWith).toBe(5_000);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  test('a POST under a deadline is not sent again once the wait for a slot would pass the deadline: nothing reached ISC', async () => {
    mockToken();
    const { client, sleep, lines } = testClient();
    const limited = expectCall({ method: 'POST', path: APPROVE_PATH, status: 429, reply: RATE_LIMITED, replyHeaders: { 'Retry-After': '30' } });
    const error = (await caught(withRequestDeadline(T0 + 10_000, () => client.workItems.approveApprovalItem('wi1', 'ai1')))) as IscError;
    expect(limited.received).toHaveLength(1);
    expect(nock.pendingMocks()).toEqual([]);
    expect(error).toMatchObject({ kind: 'deadline', method: 'POST', mayHaveReachedIsc: false });
    expect(error.userMessage()).toMatch(/not sent to ISC and nothing was changed/);
    expect(sleep).not.toHaveBeenCalled();
    expect(lines.join('\n')).toMatch(/WARN ISC request not sent: no rate-limit slot before its deadline/);
    // The limiter's pause still holds other callers; a request without a deadline waits it out.
    expectCall({ method: 'GET', path: ITEM_PATH, reply: ITEM });
    await expect(client.workItems.getWorkItem('wi1')).resolves.toEqual(ITEM);
  });

  test('retryAfterMs reads seconds, HTTP dates and junk', () => {
    expect(retryAfterMs('2', 60_000)).toBe(2_000);
    expect(retryAfterMs('0.5', 60_000)).toBe(500);
    expect(retryAfterMs(new Date(T0 + 4_000).toUTCString(), 60_000)).toBe(4_000);
    expect(retryAfterMs('soon', 60_000)).toBe(1_000);
    expect(retryAfterMs('120', 30_000)).toBe(30_000);
  });
});

describe('5xx, timeouts and network errors', () => {
  test('a GET is retried on 5xx with exponential backoff and full jitter', async () => {
    mockToken();
    const { client, sleep, lines } = testClient();
    expectCall({ method: 'GET', path: '/work-items/v1', query: { ownerId: 'own1' }, status: 500, reply: ISE });
    expectCall({ method: 'GET', path: '/work-items/v1', query: { ownerId: 'own1' }, status: 503 });
    expectCall({ method: 'GET', path: '/work-items/v1', query: { ownerId: 'own1' }, reply: [ITEM] });

    await expect(client.workItems.listWorkItems({ ownerId: 'own1' })).resolves.toEqual({ items: [ITEM] });
    // random() is 0.5: 0.5 × 250 ms, then 0.5 × 500 ms.
    expect(sleep.mock.calls).toEqual([[125], [250]]);
    const warns = lines.filter((l) => l.includes('WARN'));
    expect(warns).toHaveLength(2);
    expect(warns[0]).toContain('"method":"GET"');
    expect(warns[0]).toContain('"path":"/work-items/v1"');
    expect(warns[0]).toContain('"status":500');
    expect(warns[0]).toContain('"trackingId":"trk-500"');
    expect(warns.join('\n')).not.toContain('own1');
  });

  test('a GET that keeps failing gives up after maxRetries with the tracking id', async () => {
    mockToken();
    const { client } = testClient({ maxRetries: 3 });
    nock(BASE).get(ITEM_PATH).times(4).reply(500, ISE);
    const error = (await caught(client.workItems.getWorkItem('wi1'))) as IscError;
    expect(nock.pendingMocks()).toEqual([]);
    expect(error).toMatchObject({ kind: 'http', status: 500, trackingId: 'trk-500', detailCode: '500.0 Internal Fault' });
    expect(error.userMessage()).toBe('ISC had an internal error (500). Try again; if it persists give your admin tracking id trk-500.');
  });

  test.each([
    ['POST', 'approve', (c: ReturnType<typeof testClient>['client']) => c.workItems.approveApprovalItem('wi1', 'ai1'), APPROVE_PATH],
    ['PATCH', 'task update', (c: ReturnType<typeof testClient>['client']) => c.taskManagement.updateTaskStatus('t1', []), '/task-status/v1/t1'],
  ] as const)('a %s (%s) is never repeated after a 5xx', async (method, _label, call, path) => {
    mockToken();
    const { client, sleep } = testClient();
    const calls = expectCall({ method, path, status: 502 });
    nock(BASE).intercept(path, method).times(3).reply(200, ITEM);

    await expect(call(client)).rejects.toMatchObject({ kind: 'http', status: 502, method, path });
    expect(calls.received).toHaveLength(1);
    expect(nock.pendingMocks()).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('a GET that times out is retried, then reported as a timeout', async () => {
    mockToken();
    const { client } = testClient({ timeoutMs: 50, maxRetries: 1 });
    nock(BASE).get(ITEM_PATH).times(2).delay(1_000).reply(200, ITEM);
    const error = (await caught(client.workItems.getWorkItem('wi1'))) as IscError;
    expect(nock.pendingMocks()).toEqual([]);
    expect(error).toMatchObject({ kind: 'timeout', timeoutMs: 50, method: 'GET', path: ITEM_PATH });
    expect(error.userMessage()).toBe('ISC did not answer within 0.05 s. Try again in a moment.');
  });

  test('a POST that times out is not repeated, and the user is told it may have been applied', async () => {
    mockToken();
    const { client } = testClient({ timeoutMs: 50 });
    nock(BASE).post(APPROVE_PATH).delay(1_000).reply(200, ITEM);
    nock(BASE).post(APPROVE_PATH).reply(200, ITEM);
    const error = (await caught(client.workItems.approveApprovalItem('wi1', 'ai1'))) as IscError;
    expect(error.kind).toBe('timeout');
    expect(error.userMessage()).toBe('ISC did not answer within 0.05 s. It may still have been applied: refresh before trying again.');
    expect(nock.pendingMocks()).toHaveLength(1);
  });

  test('a GET is retried after a connection reset', async () => {
    mockToken();
    const { client, sleep } = testClient();
    nock(BASE).get(ITEM_PATH).replyWithError(resetError('ECONNRESET'));
    nock(BASE).get(ITEM_PATH).reply(200, ITEM);
    await expect(client.workItems.getWorkItem('wi1')).resolves.toEqual(ITEM);
    expect(sleep.mock.calls).toEqual([[125]]);
  });

  test('a POST is not repeated after a connection reset', async () => {
    mockToken();
    const { client } = testClient();
    nock(BASE).post(APPROVE_PATH).replyWithError(resetError('ECONNRESET'));
    nock(BASE).post(APPROVE_PATH).reply(200, ITEM);
    const error = (await caught(client.workItems.approveApprovalItem('wi1', 'ai1'))) as IscError;
    expect(error).toMatchObject({ kind: 'network', code: 'ECONNRESET', method: 'POST', path: APPROVE_PATH });
    expect(error.userMessage()).toBe('Could not reach ISC (ECONNRESET). It may still have been applied: refresh before trying again.');
    expect(nock.pendingMocks()).toHaveLength(1);
  });

  test('a POST is retried after a refused connection (it never reached ISC)', async () => {
    mockToken();
    const { client } = testClient();
    nock(BASE).post(APPROVE_PATH).replyWithError(resetError('ECONNREFUSED'));
    nock(BASE).post(APPROVE_PATH).reply(200, ITEM);
    await expect(client.workItems.approveApprovalItem('wi1', 'ai1')).resolves.toEqual(ITEM);
  });

  test('a malformed JSON body is an IscError of kind malformed, not a crash, and is not retried', async () => {
    mockToken();
    const { client } = testClient();
    nock(BASE).get(ITEM_PATH).reply(200, '{"id": "wi1", ', { 'Content-Type': 'application/json' });
    const error = (await caught(client.workItems.getWorkItem('wi1'))) as IscError;
    expect(error).toMatchObject({ kind: 'malformed', status: 200, method: 'GET', path: ITEM_PATH });
    expect(error.message).toContain('invalid JSON body');
    expect(error.userMessage()).toBe('ISC sent a response the bot could not read (200). Try again; if it persists tell your admin.');
  });

  test('an object response without a body is malformed', async () => {
    mockToken();
    const { client } = testClient();
    nock(BASE).post(APPROVE_PATH).reply(200);
    await expect(client.workItems.approveApprovalItem('wi1', 'ai1')).rejects.toMatchObject({ kind: 'malformed' });
  });
});

describe('work that stops (withRequestSignal)', () => {
  test('a request in flight is cut off when the signal aborts, with its reason, and not retried', async () => {
    mockToken();
    const { client } = testClient({ timeoutMs: 5_000, maxRetries: 2 });
    const slow = nock(BASE).get(ITEM_PATH).delay(2_000).reply(200, ITEM);
    const stop = new AbortController();
    const error = caught(withRequestSignal(stop.signal, () => client.workItems.getWorkItem('wi1')));
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    expect(await error).toMatchObject({ name: 'AbortError' });
    expect(slow.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  test('a request waiting for a rate-limit slot is not sent once the signal aborts; other work goes on', async () => {
    mockToken();
    let wake!: () => void;
    const { client } = testClient({ rateLimit: { requests: 1, perMs: 10_000 }, sleep: () => new Promise<void>((r) => (wake = r)) });
    const first = expectCall({ method: 'GET', path: ITEM_PATH, reply: ITEM });
    await client.workItems.getWorkItem('wi1');
    const stop = new AbortController();
    const waiting = caught(withRequestSignal(stop.signal, () => client.workItems.getWorkItem('wi1')));
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    expect(await waiting).toMatchObject({ name: 'AbortError' });
    expect(first.received).toHaveLength(1);
    // The abandoned wait took no slot: once its window has passed, the next caller is sent at once.
    expectCall({ method: 'GET', path: ITEM_PATH, reply: ITEM });
    let sent = false;
    const next = client.workItems.getWorkItem('wi1').then((item) => ((sent = true), item));
    wake();
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toBe(true);
    await expect(next).resolves.toEqual(ITEM);
  });
});

test('the rate limiter is shared by the service client and withTokenProvider clients', async () => {
  mockToken();
  const { client, sleep } = testClient({ rateLimit: { requests: 2, perMs: 1_000 } });
  const user = client.withTokenProvider(staticTokens(TOKEN_2));
  nock(BASE).get(ITEM_PATH).times(3).reply(200, ITEM);
  await client.workItems.getWorkItem('wi1');
  await user.workItems.getWorkItem('wi1');
  expect(sleep).not.toHaveBeenCalled();
  await client.workItems.getWorkItem('wi1');
  expect(sleep.mock.calls).toEqual([[1_000]]);
});

test('no secret or token appears in any error or log line', async () => {
  mockToken();
  const { client, lines } = testClient({ timeoutMs: 50, maxRetries: 1 });
  // ISC echoing the credentials in an error body, a 401 → refresh, a retry, a timeout, and a request no
  // interceptor matches (nock's own error lists the request headers, Authorization included).
  nock(BASE).post(APPROVE_PATH).reply(400, { messages: [{ text: `bad token ${TOKEN}` }], trackingId: 't-400' });
  nock(BASE).get(ITEM_PATH).reply(401, { error: `JWT ${TOKEN} is expired` });
  mockToken(TOKEN_2);
  nock(BASE).get(ITEM_PATH).reply(500, ISE);
  nock(BASE).get(ITEM_PATH).delay(1_000).reply(200, ITEM);
  nock(BASE).get('/work-items/v1/summary').times(2).replyWithError(resetError('ECONNRESET'));

  const errors = [
    await caught(client.workItems.approveApprovalItem('wi1', 'ai1')),
    await caught(client.workItems.getWorkItem('wi1')),
    await caught(client.workItems.getWorkItemsSummary()),
    await caught(client.workItems.getCountWorkItems()),
  ] as IscError[];

  expect(errors.map((e) => e.kind)).toEqual(['http', 'timeout', 'network', 'network']);
  expect(errors[0].userMessage()).toBe('ISC rejected the request (400): bad token [redacted]. Tracking id t-400.');
  expect(errors[3].messages.join(' ')).toContain('No match for request');
  for (const e of errors) {
    expectNoSecrets(JSON.stringify(e));
    expectNoSecrets(e.message);
    expectNoSecrets(e.stack ?? '');
    expectNoSecrets(e.userMessage());
  }
  expect(lines.length).toBeGreaterThan(0);
  lines.forEach(expectNoSecrets);
});

describe('identical reads in flight', () => {
  test('two at once make one ISC call, and each caller gets its own copy of the answer', async () => {
    mockToken();
    const { client } = testClient();
    const call = expectCall({ method: 'GET', path: ITEM_PATH, reply: ITEM });
    nock(BASE).get(ITEM_PATH).reply(200, ITEM);
    const [a, b] = await Promise.all([client.workItems.getWorkItem('wi1'), client.workItems.getWorkItem('wi1')]);
    expect(call.received).toHaveLength(1);
    expect(nock.pendingMocks()).toHaveLength(1);
    expect(a).toEqual(ITEM);
    expect(b).toEqual(ITEM);
    expect(a).not.toBe(b);
  });

  test('never share an answer across identities: another token makes its own call', async () => {
    const { client } = testClient();
    const [ada, ben] = [TOKEN, TOKEN_2].map((t) => client.withTokenProvider(staticTokens(t)));
    const seen: string[] = [];
    nock(BASE)
      .get(ITEM_PATH)
      .times(2)
      .delay(100)
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [200, JSON.stringify(ITEM)];
      });
    await Promise.all([ada.workItems.getWorkItem('wi1'), ben.workItems.getWorkItem('wi1'), ada.workItems.getWorkItem('wi1')]);
    expect(seen.sort()).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN_2}`]);
  });

  test('a different query, or a write, is not shared; a read after the first has ended makes a new call', async () => {
    mockToken();
    const { client } = testClient();
    const scope = nock(BASE).get(ITEM_PATH).times(2).reply(200, ITEM).get('/work-items/v1/wi2').reply(200, { ...ITEM, id: 'wi2' }).post(APPROVE_PATH).times(2).reply(200, ITEM);
    await Promise.all([client.workItems.getWorkItem('wi1'), client.workItems.getWorkItem('wi2')]);
    await client.workItems.getWorkItem('wi1');
    await Promise.all([client.workItems.approveApprovalItem('wi1', 'ai1'), client.workItems.approveApprovalItem('wi1', 'ai1')]);
    scope.done();
  });
});

describe('the check before a write (withWriteCheck)', () => {
  test('runs after a write has its rate-limit turn and before it is sent; not before a read', async () => {
    mockToken();
    const { client } = testClient();
    const order: string[] = [];
    const read = expectCall({ method: 'GET', path: ITEM_PATH, reply: ITEM });
    const write = expectCall({ method: 'POST', path: APPROVE_PATH, reply: ITEM });
    const check = jest.fn(async () => {
      order.push(`check (writes sent: ${write.received.length})`);
    });
    await withWriteCheck(check, async () => {
      await client.workItems.getWorkItem('wi1');
      order.push('read');
      await client.workItems.approveApprovalItem('wi1', 'ai1');
      order.push('write');
    });
    expect(order).toEqual(['read', 'check (writes sent: 0)', 'write']);
    expect(read.received).toHaveLength(1);
  });

  test('a check that throws stops the write: nothing reaches ISC and the error is the check’s', async () => {
    mockToken();
    const { client } = testClient();
    const write = expectCall({ method: 'POST', path: APPROVE_PATH, reply: ITEM });
    const refused = new Error('changed hands');
    await expect(withWriteCheck(async () => Promise.reject(refused), () => client.workItems.approveApprovalItem('wi1', 'ai1'))).rejects.toBe(refused);
    expect(write.received).toHaveLength(0);
    nock.cleanAll();
  });
});
