import { createLogger, redact, registerRotatingSecret, registerSecret } from '../src/log';

describe('log redaction', () => {
  it('redacts registered secrets, bearer tokens and secret fields from every line', () => {
    registerSecret('client-secret-XYZ123');
    const lines: string[] = [];
    const logger = createLogger('debug', (l) => lines.push(l));
    logger.error('token request failed client-secret-XYZ123', {
      header: 'Authorization: Bearer eyJhbGciOi.abc.def',
      body: 'grant_type=client_credentials&client_secret=hunter2hunter2&client_id=abc',
      error: new Error('boom client-secret-XYZ123'),
    });
    const out = lines.join('\n');
    expect(out).not.toContain('client-secret-XYZ123');
    expect(out).not.toContain('eyJhbGciOi');
    expect(out).not.toContain('hunter2hunter2');
    expect(out).toContain('client_id=abc');
  });

  it('keeps permanent secrets while forgetting the oldest rotating ones', () => {
    registerSecret('permanent-secret-1');
    for (let i = 0; i < 100; i++) registerRotatingSecret(`rotating-token-${String(i).padStart(3, '0')}`);
    expect(redact('permanent-secret-1')).toBe('[redacted]');
    expect(redact('rotating-token-099')).toBe('[redacted]');
    expect(redact('rotating-token-000')).toBe('rotating-token-000');
  });

  it('honours the level', () => {
    const lines: string[] = [];
    const logger = createLogger('warn', (l) => lines.push(l));
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARN loud$/);
  });
});

describe('LOG_FORMAT=json', () => {
  const jsonLines = () => {
    const lines: string[] = [];
    return { lines, logger: createLogger('debug', (l) => lines.push(l), 'json') };
  };

  it('writes one JSON object a line: time, level, message, fields, and an Error with its stack', () => {
    const { lines, logger } = jsonLines();
    logger.info('Digest posted', { slot: '2026-01-01T08:00:00.000Z', late: false });
    const boom = new Error('ISC refused');
    logger.error('Could not post', { userId: 'U1', error: boom });
    logger.warn('no fields');
    const [info, error, warn] = lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(info).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', message: 'Digest posted', fields: { slot: '2026-01-01T08:00:00.000Z', late: false } });
    expect(error).toMatchObject({ level: 'error', message: 'Could not post', fields: { userId: 'U1' }, error: { name: 'Error', message: 'ISC refused' } });
    expect(error.error.stack).toContain('log.test.ts');
    expect(warn).toMatchObject({ level: 'warn', message: 'no fields', fields: {} });
  });

  it('redacts like the text lines, inside messages, nested fields and stacks, and keeps the line valid JSON', () => {
    registerSecret('json-secret-ABC987');
    const { lines, logger } = jsonLines();
    const error = new Error('failed with json-secret-ABC987');
    logger.error('token json-secret-ABC987 refused', {
      error,
      request: { headers: { Authorization: 'Bearer eyJhbGciOi.payload.sig' }, body: 'grant_type=client_credentials&client_secret=hunter2hunter2' },
      botToken: 'xoxb-not-registered-1234',
      accessToken: 42,
      password: { nested: 'p4ssw0rd-value' },
      cause: new Error('inner json-secret-ABC987'),
    });
    const [line] = lines;
    const entry = JSON.parse(line) as Record<string, any>;
    for (const secret of ['json-secret-ABC987', 'eyJhbGciOi', 'hunter2hunter2', 'xoxb-not-registered-1234', 'p4ssw0rd-value']) expect(line).not.toContain(secret);
    expect(entry.fields.botToken).toBe('[redacted]');
    expect(entry.fields.accessToken).toBe('[redacted]');
    expect(entry.fields.request.headers.Authorization).toBe('Bearer [redacted]');
    expect(entry.error.stack).toContain('[redacted]');
    expect(entry.fields.cause.message).toBe('inner [redacted]');
  });
});
