import { loadConfig } from '../src/config';
import { registerSecret } from '../src/log';
import { reportStartupFailure, startupLogFormat } from '../src/startupError';

function configError(): unknown {
  try {
    loadConfig({ SLACK_BOT_TOKEN: 'xoxb-your-bot-token', REDIS_ULR: 'redis://127.0.0.1:6379' });
  } catch (e) {
    return e;
  }
  throw new Error('expected a ConfigError');
}

describe('start-up failures follow LOG_FORMAT', () => {
  it('reads LOG_FORMAT even when the configuration is what failed', () => {
    expect(startupLogFormat({ LOG_FORMAT: 'json' })).toBe('json');
    expect(startupLogFormat({ LOG_FORMAT: ' json ' })).toBe('json');
    expect(startupLogFormat({ LOG_FORMAT: 'logfmt' })).toBe('text');
    expect(startupLogFormat({})).toBe('text');
  });

  it('LOG_FORMAT=json: one JSON line with every configuration problem as a list', () => {
    const lines: string[] = [];
    reportStartupFailure(configError(), 'json', (l) => lines.push(l));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as { level: string; message: string; fields: { problems: string[] } };
    expect(entry.level).toBe('error');
    expect(entry.message).toMatch(/^Configuration is invalid/);
    expect(entry.fields.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^SAIL_BASE_URL is missing/), 'REDIS_ULR is not a setting of the bot: did you mean REDIS_URL?']),
    );
  });

  it('LOG_FORMAT=json: any other failure is one JSON line too, its secrets redacted', () => {
    registerSecret('xoxb-leaky-secret-token');
    const lines: string[] = [];
    reportStartupFailure(new Error('Slack said no to xoxb-leaky-secret-token'), 'json', (l) => lines.push(l));
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'error', message: 'isc-workitems-bot failed to start: Slack said no to [redacted]' });
  });

  it('text: the problems one a line, as people read them', () => {
    const lines: string[] = [];
    reportStartupFailure(configError(), 'text', (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/^Configuration is invalid:\n {2}- /);
    expect(lines.join('\n')).toContain('  - REDIS_ULR is not a setting of the bot: did you mean REDIS_URL?');
  });
});
