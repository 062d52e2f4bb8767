import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateMessage } from '../../src/blocks/limits';
import { runDigestCli } from '../../src/digest/cli';
import { silentLogger } from '../../src/log';

describe('npm run digest -- --dry-run', () => {
  it('prints the Block Kit JSON of the digest read from the sandbox tenant, without Slack settings', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'digest-cli-'));
    let out = '';
    const code = await runDigestCli(['--dry-run'], { SAIL_BASE_URL: 'sandbox', DATA_DIR: dataDir, DIGEST_TIMEZONE: 'Europe/Berlin' }, (text) => (out += text), silentLogger);
    expect(code).toBe(0);
    const [message, health] = JSON.parse(out) as Array<{ text: string; blocks: [] }>;
    expect(validateMessage(message)).toEqual([]);
    expect(validateMessage(health)).toEqual([]);
    expect(message.text).toBe('ISC digest: 2 open work items, 1 pending access request');
    expect(health.text).toMatch(/^ISC task health: 3 pending tasks \(1 stuck\)/);
    expect(JSON.stringify(message.blocks)).toContain('times in Europe/Berlin');
    // Nothing was recorded: the state store belongs to the running bot.
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('refuses to run without --dry-run', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runDigestCli([], {}, () => undefined, silentLogger)).toBe(2);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('Usage: npm run digest -- --dry-run'));
    stderr.mockRestore();
  });
});
