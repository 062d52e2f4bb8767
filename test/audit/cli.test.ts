import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAuditCli } from '../../src/audit/cli';
import { FileAuditLog } from '../../src/audit/fileAuditLog';
import { silentLogger } from '../../src/log';

describe('npm run audit', () => {
  async function dataDir(): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-'));
    const log = await FileAuditLog.open(path.join(dir, 'audit'), { retentionDays: 400, logger: silentLogger });
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
    const base = { slackUserId: 'U0ADA0001', item: { kind: 'work-item', id: 'w1' }, action: 'approve', actingAs: { kind: 'service' as const, clientId: 'bot' } };
    await log.append({ ...base, decisionId: 'old', phase: 'outcome', at: at(45), outcome: 'done' });
    await log.append({ ...base, decisionId: 'new', phase: 'intent', at: at(2) });
    await log.append({ ...base, decisionId: 'new', phase: 'outcome', at: at(2), outcome: 'done' });
    return dir;
  }

  async function run(args: string[], env: Record<string, string>) {
    let out = '';
    let err = '';
    const code = await runAuditCli(args, env, (t) => (out += t), (t) => (err += t), silentLogger);
    return { code, out, err };
  }

  it('--since 30d --format csv prints the decisions of the last 30 days from DATA_DIR, without Slack settings', async () => {
    const DATA_DIR = await dataDir();
    const { code, out } = await run(['--since', '30d', '--format', 'csv'], { DATA_DIR });
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^time,slack_user,/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',approve,,,done,');
    expect(lines[1]).toMatch(/,new$/);
  });

  it('--format json, and a longer --since', async () => {
    const DATA_DIR = await dataDir();
    const { code, out } = await run(['--format', 'json', '--since', '60d'], { DATA_DIR });
    expect(code).toBe(0);
    expect((JSON.parse(out) as Array<{ decision_id: string }>).map((r) => r.decision_id)).toEqual(['old', 'new']);
  });

  it.each([
    [['--since', 'yesterday'], /--since must be like 30d/],
    [['--since'], /--since must be like 30d/],
    [['--format', 'xml'], /--format must be csv or json/],
    [['--out', 'x.csv'], /Unknown option --out/],
  ])('%j is refused with the usage', async (args, problem) => {
    const { code, out, err } = await run(args, {});
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(problem);
    expect(err).toContain('Usage: npm run audit');
  });
});
