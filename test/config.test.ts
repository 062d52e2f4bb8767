import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

const base = {
  SLACK_BOT_TOKEN: 'xoxb-123-456-abc',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, os.tmpdir());
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  it('defaults to the sandbox tenant and HTTP mode on port 3000', () => {
    const c = loadConfig(base, '/srv/bot');
    expect(c.isc.baseUrl).toBe('sandbox');
    expect(c.isc.versions).toEqual({ workItems: 'v3', taskManagement: 'v2024', identities: 'v3' });
    expect(c.slack.port).toBe(3000);
    expect(c.slack.appToken).toBeUndefined();
    expect(c.dataDir).toBe('/srv/bot/data');
  });

  it('names every missing or malformed variable in one error', () => {
    const p = problems({
      SAIL_BASE_URL: 'https://acme.api.identitynow.com',
      SLACK_BOT_TOKEN: 'xoxp-user-token',
      PORT: 'eighty',
      ADMIN_SLACK_USER_IDS: 'U012ABC, bob',
      SAIL_WORK_ITEMS_API: 'v2',
    });
    const text = p.join('\n');
    expect(text).toMatch(/SAIL_CLIENT_ID is missing/);
    expect(text).toMatch(/SAIL_CLIENT_SECRET is missing/);
    expect(text).toMatch(/SLACK_BOT_TOKEN must be a bot token/);
    expect(text).toMatch(/SLACK_SIGNING_SECRET is missing/);
    expect(text).toMatch(/PORT must be a whole number/);
    expect(text).toMatch(/ADMIN_SLACK_USER_IDS .*bob/);
    expect(text).toMatch(/SAIL_WORK_ITEMS_API must be one of v3, v1/);
  });

  it('refuses plain http to a remote tenant but allows loopback', () => {
    expect(problems({ ...base, SAIL_BASE_URL: 'http://acme.api.identitynow.com', SAIL_CLIENT_ID: 'a', SAIL_CLIENT_SECRET: 'b' }).join()).toMatch(
      /SAIL_BASE_URL must use https/,
    );
    const c = loadConfig({ ...base, SAIL_BASE_URL: 'http://127.0.0.1:4010/', SAIL_CLIENT_ID: 'a', SAIL_CLIENT_SECRET: 'b' });
    expect(c.isc.baseUrl).toBe('http://127.0.0.1:4010');
  });

  it('derives the ISC UI from the API host and takes Socket Mode without a signing secret', () => {
    const c = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      SAIL_BASE_URL: 'https://acme.api.identitynow.com',
      SAIL_CLIENT_ID: 'id',
      SAIL_CLIENT_SECRET: 'secret',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      ADMIN_SLACK_USER_IDS: 'U0ADMIN1,W0ADMIN2',
    });
    expect(c.isc.uiBaseUrl).toBe('https://acme.identitynow.com');
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect([...c.slack.adminUserIds]).toEqual(['U0ADMIN1', 'W0ADMIN2']);
  });

  it('reads IDENTITY_MAP and reports a bad file by name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    fs.writeFileSync(path.join(dir, 'map.json'), JSON.stringify({ U0AAA: 'id-1', 'Ada@Example.com': 'id-2' }));
    const c = loadConfig({ ...base, IDENTITY_MAP: 'map.json' }, dir);
    expect(c.identityMap.get('U0AAA')).toBe('id-1');
    expect(c.identityMap.get('ada@example.com')).toBe('id-2');
    fs.writeFileSync(path.join(dir, 'bad.json'), '[1,2]');
    expect(problems({ ...base, IDENTITY_MAP: path.join(dir, 'bad.json') }).join()).toMatch(/IDENTITY_MAP: .*must hold a JSON object/);
  });

  it('never echoes a secret in its message', () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'xoxp-super-secret-token', SAIL_BASE_URL: 'https://x.api.identitynow.com', SAIL_CLIENT_SECRET: 'shh-secret' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as Error).message).not.toContain('super-secret');
      expect((e as Error).message).not.toContain('shh-secret');
    }
  });
});
