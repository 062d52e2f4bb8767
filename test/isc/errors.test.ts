import { IscError, isIscError, malformedError, parseErrorBody, responseError } from '../../src/isc/errors';

const approve = { method: 'POST', path: '/v3/work-items/wi1/approve/ai1' };

describe('parseErrorBody', () => {
  test('ErrorResponseDto: detailCode, trackingId, messages then causes', () => {
    const body = JSON.stringify({
      detailCode: '400.1 Bad Request Content',
      trackingId: 'e7eab60924f64aa284175b9fa3309599',
      messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'The request was syntactically correct but its content is semantically invalid.' }],
      causes: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'comment is required' }],
    });
    expect(parseErrorBody(body)).toEqual({
      detailCode: '400.1 Bad Request Content',
      trackingId: 'e7eab60924f64aa284175b9fa3309599',
      messages: ['The request was syntactically correct but its content is semantically invalid.', 'comment is required'],
    });
  });

  test('the 401 {error} and the 429 {message} shapes', () => {
    expect(parseErrorBody('{"error":"JWT validation failed: JWT is expired"}').messages).toEqual([
      'JWT validation failed: JWT is expired',
    ]);
    expect(parseErrorBody('{"message":" Rate Limit Exceeded "}').messages).toEqual(['Rate Limit Exceeded']);
  });

  test.each(['', '<html>Bad gateway</html>', '[1,2]', 'null', '{"messages":"not a list","detailCode":5}'])(
    'anything else yields no texts: %p',
    (body) => {
      expect(parseErrorBody(body)).toEqual({ detailCode: undefined, trackingId: undefined, messages: [] });
    },
  );
});

describe('IscError', () => {
  test('message carries status, method, path, detailCode, trackingId and ISC texts', () => {
    const error = responseError(approve, {
      status: 403,
      body: JSON.stringify({ detailCode: '403 Forbidden', trackingId: 'abc123', messages: [{ text: 'Not yours.' }] }),
    });
    expect(error.message).toBe(
      'ISC POST /v3/work-items/wi1/approve/ai1 failed [http; status 403; detailCode 403 Forbidden; trackingId abc123]: Not yours.',
    );
    expect(error.name).toBe('IscError');
    expect(isIscError(error)).toBe(true);
    expect(isIscError(new Error('x'))).toBe(false);
  });

  test("the trackingId is the body's, else the response's request id header (a 429 or 401 body has none)", () => {
    const headers: Record<string, string> = { 'slpt-request-id': 'req-9' };
    const header = (name: string) => headers[name];
    expect(responseError(approve, { status: 429, body: '{"message":" Rate Limit Exceeded "}', header }).trackingId).toBe('req-9');
    expect(responseError(approve, { status: 403, body: JSON.stringify({ trackingId: 'abc123' }), header }).trackingId).toBe('abc123');
    expect(responseError(approve, { status: 500, body: '', header: (name) => (name === 'x-request-id' ? 'proxy-1' : undefined) }).trackingId).toBe('proxy-1');
  });

  test('a 401 response is of kind auth', () => {
    expect(responseError(approve, { status: 401, body: '{"error":"expired"}' }).kind).toBe('auth');
  });

  test('secrets in any field are redacted', () => {
    const error = new IscError({ kind: 'http', ...approve, status: 400, messages: ['header was Authorization: Bearer abc.def.ghi'] });
    expect(error.messages).toEqual(['header was Authorization: Bearer [redacted]']);
    expect(error.message).not.toContain('abc.def.ghi');
    expect(error.userMessage()).not.toContain('abc.def.ghi');
  });
});

describe('userMessage', () => {
  const http = (status: number, path = approve.path, body: object = {}) =>
    responseError({ method: 'POST', path }, { status, body: JSON.stringify(body) }).userMessage();

  test.each([
    [400, { messages: [{ text: 'comment must not be blank.' }], trackingId: 't1' }, 'ISC rejected the request (400): comment must not be blank. Tracking id t1.'],
    [400, {}, 'ISC rejected the request (400): invalid request.'],
    [403, { trackingId: 'abc123' }, 'ISC refused this (403 Forbidden): you may not act on this work item. Tracking id abc123.'],
    [403, {}, 'ISC refused this (403 Forbidden): you may not act on this work item.'],
    [404, {}, 'ISC could not find that work item (404); it may have been completed or removed.'],
    [429, { message: ' Rate Limit Exceeded ' }, 'ISC is busy (rate limit); try again in a minute.'],
    [500, { trackingId: 'X' }, 'ISC had an internal error (500). Try again; if it persists give your admin tracking id X.'],
    [503, {}, 'ISC had an internal error (503). Try again; if it persists tell your admin.'],
    [409, { messages: [{ text: 'Already completed' }] }, 'ISC returned an error (409): Already completed.'],
    [415, {}, 'ISC returned an error (415).'],
  ])('%i %j', (status, body, expected) => {
    expect(http(status, approve.path, body)).toBe(expected);
  });

  test('names the resource from the path', () => {
    expect(http(403, '/task-status/v1/t1')).toBe('ISC refused this (403 Forbidden): you may not act on this task.');
    expect(http(404, '/v3/public-identities')).toBe('ISC could not find that identity (404); it may have been removed.');
  });

  test('401 after a refresh', () => {
    expect(http(401)).toBe('ISC did not accept the sign-in for this request (401 Unauthorized). If it keeps happening, tell your admin.');
  });

  test('timeouts and network errors: GET may be retried, a POST may have been applied', () => {
    const get = { method: 'GET', path: '/v3/work-items' };
    expect(new IscError({ kind: 'timeout', ...get, timeoutMs: 10_000 }).userMessage()).toBe(
      'ISC did not answer within 10 s. Try again in a moment.',
    );
    expect(new IscError({ kind: 'timeout', ...approve, timeoutMs: 10_000 }).userMessage()).toBe(
      'ISC did not answer within 10 s. It may still have been applied: refresh before trying again.',
    );
    expect(new IscError({ kind: 'network', ...approve, code: 'ECONNREFUSED' }).userMessage()).toBe(
      'Could not reach ISC (ECONNREFUSED). Try again in a moment.',
    );
    expect(new IscError({ kind: 'network', ...get }).userMessage()).toBe('Could not reach ISC (network error). Try again in a moment.');
  });

  test('malformed', () => {
    expect(malformedError(approve, 200, 'expected a JSON body').userMessage()).toBe(
      'ISC sent a response the bot could not read (200). Try again; if it persists tell your admin.',
    );
  });

  test('a userText given by the thrower wins', () => {
    expect(new IscError({ kind: 'auth', ...approve, status: 401, userText: 'Relink your account.' }).userMessage()).toBe(
      'Relink your account.',
    );
  });
});

test('mayHaveReachedIsc is false only for failures that prove nothing was sent', () => {
  expect(new IscError({ kind: 'network', ...approve, code: 'ECONNREFUSED' }).mayHaveReachedIsc).toBe(false);
  expect(new IscError({ kind: 'network', ...approve, code: 'ENOTFOUND' }).mayHaveReachedIsc).toBe(false);
  expect(new IscError({ kind: 'network', ...approve, code: 'ECONNRESET' }).mayHaveReachedIsc).toBe(true);
  expect(new IscError({ kind: 'timeout', ...approve, timeoutMs: 1 }).mayHaveReachedIsc).toBe(true);
});
