import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAuditCli } from '../../src/audit/cli';
import { FileAuditLog } from '../../src/audit/fileAuditLog';
import { PgAuditLog } from '../../src/audit/pgAuditLog';
import { silentLogger } from '../../src/log';
import { pgFixture } from '../support/postgres';
import { auditRecord, readAll } from './helpers';

const pg = pgFixture('cli');

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

  it('records each export on the trail, before printing it: who (the OS user), from when, how many', async () => {
    const DATA_DIR = await dataDir();
    await run(['--since', '30d'], { DATA_DIR });
    const log = await FileAuditLog.open(path.join(DATA_DIR, 'audit'), { retentionDays: 400, logger: silentLogger });
    const records = await readAll(log);
    expect(records.at(-1)).toMatchObject({ action: 'export', slackUserId: `cli:${os.userInfo().username}`, item: { kind: 'audit-trail', id: 'export' }, outcome: 'done', reason: '1 decisions exported' });
    expect(await log.verify()).toMatchObject({ ok: true, count: 4 });
  });

  it('--verify exits 0 with the count when the chain is whole, and 1 naming the first record that does not hold', async () => {
    const DATA_DIR = await dataDir();
    const whole = await run(['--verify'], { DATA_DIR });
    expect(whole).toMatchObject({ code: 0, err: '' });
    expect(whole.out).toMatch(/^The audit trail is whole: 3 records; the last is record 3 with hash [0-9a-f]{64}\.\n$/);

    const [file] = fs.readdirSync(path.join(DATA_DIR, 'audit')).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(DATA_DIR, 'audit', f));
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"outcome":"done"', '"outcome":"refused"'));
    const broken = await run(['--verify'], { DATA_DIR });
    expect(broken.code).toBe(1);
    expect(broken.out).toBe('');
    expect(broken.err).toMatch(/^The audit trail is broken at record 1: its content does not match its hash/);
  });

  it('--verify and the export read the PostgreSQL trail with DATABASE_URL', async () => {
    const DATABASE_URL = await pg.freshUrl();
    const log = await PgAuditLog.open(DATABASE_URL, { retentionDays: 400, logger: silentLogger });
    await log.append(auditRecord(1, new Date().toISOString(), { phase: 'outcome', outcome: 'done' }));
    await log.close();
    const exported = await run(['--format', 'json'], { DATABASE_URL, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-')) });
    expect(exported.code).toBe(0);
    expect((JSON.parse(exported.out) as Array<{ decision_id: string }>).map((r) => r.decision_id)).toEqual(['d1']);
    const verified = await run(['--verify'], { DATABASE_URL });
    expect(verified).toMatchObject({ code: 0, out: expect.stringMatching(/is whole: 2 records/) });
    await pg.sql('ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only', [], DATABASE_URL);
    await pg.sql('DELETE FROM audit_trail WHERE seq = 1', [], DATABASE_URL);
    expect(await run(['--verify'], { DATABASE_URL })).toMatchObject({ code: 1, err: expect.stringMatching(/broken at record 2: the chain starts at record 2, but no prune mark/) });
  });

  it.each([
    [['--verify', '--since', '30d'], /--verify takes no other option/],
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
