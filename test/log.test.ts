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
