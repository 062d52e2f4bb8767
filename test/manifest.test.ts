import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REQUEST_SHORTCUT } from '../src/blocks/requestAccess';

const schemaDir = path.join(__dirname, 'fixtures', 'slack-manifest-schema');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8')) as Record<string, unknown>;
const manifest = parse(fs.readFileSync(path.join(__dirname, '..', 'manifest.yml'), 'utf8')) as {
  features: { slash_commands: Array<{ command: string; should_escape?: boolean }>; app_home: { home_tab_enabled: boolean }; shortcuts: Array<{ type: string; callback_id: string }> };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean };
};

describe('manifest.yml', () => {
  it("validates against Slack's official manifest schema", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const v of ['1.0.0', '2.0.0']) {
      ajv.addSchema(readJson(`schemas/manifest.schema.${v}.json`), `https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.${v}.json`);
    }
    const validate = ajv.compile(readJson('manifest.schema.json'));
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('creates the app as the bot uses it, with the scopes it needs and no more', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/workitems']);
    // Mentions arrive as <@U…> ids, which the command parser reads.
    expect(manifest.features.slash_commands[0].should_escape).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.features.shortcuts).toEqual([expect.objectContaining({ type: 'global', callback_id: REQUEST_SHORTCUT })]);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'commands', 'files:write', 'im:write', 'users:read', 'users:read.email']);
  });
});
