import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditRecord } from '../../src/audit/auditLog';
import { EMPTY_HEAD, link } from '../../src/audit/chain';
import { FileAuditLog } from '../../src/audit/fileAuditLog';
import { auditRecord, mockLogger, readAll } from './helpers';

function setup(now = { t: Date.parse('2026-11-20T10:00:00Z') }, retentionDays = 400) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
  const log = mockLogger();
  const open = () => FileAuditLog.open(dir, { retentionDays, logger: log, now: () => new Date(now.t) });
  return { dir, log, now, open };
}

describe('FileAuditLog', () => {
  it('appends JSON lines to a file per UTC month, readable by another instance (a restarted process), oldest first', async () => {
    const { dir, now, open } = setup();
    const writer = await open();
    await writer.append(auditRecord(1, '2026-11-20T10:00:00.000Z'));
    now.t = Date.parse('2026-12-01T00:00:01Z');
    await writer.append(auditRecord(2, '2026-12-01T00:00:01.000Z'));
    expect(fs.readdirSync(dir).sort()).toEqual(['audit-2026-11.jsonl', 'audit-2026-12.jsonl']);
    expect(fs.statSync(path.join(dir, 'audit-2026-11.jsonl')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'audit-2026-11.jsonl'), 'utf8')).toBe(`${JSON.stringify(link(auditRecord(1, '2026-11-20T10:00:00.000Z'), EMPTY_HEAD))}\n`);

    const reader = await open();
    expect((await readAll(reader)).map((r) => r.decisionId)).toEqual(['d1', 'd2']);
    expect((await readAll(reader, new Date('2026-11-25T00:00:00Z'))).map((r) => r.decisionId)).toEqual(['d2']);
  });

  it('two writers (two processes sharing DATA_DIR) appending at once lose and tear nothing', async () => {
    const { dir, open } = setup();
    const [a, b] = await Promise.all([open(), open()]);
    const comment = 'x'.repeat(1500);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).append(auditRecord(i, '2026-11-20T10:00:00.000Z', { comment }))),
    );
    const lines = fs.readFileSync(path.join(dir, 'audit-2026-11.jsonl'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(200);
    expect(new Set(lines.map((l) => (JSON.parse(l) as AuditRecord).decisionId)).size).toBe(200);
  });

  it('closes off a line torn by a power loss before the next record, and readers skip it', async () => {
    const { dir, log, open } = setup();
    const file = path.join(dir, 'audit-2026-11.jsonl');
    fs.writeFileSync(file, `${JSON.stringify(auditRecord(1, '2026-11-20T09:00:00.000Z'))}\n{"decisionId":"d2","pha`);
    const audit = await open();
    await audit.append(auditRecord(3, '2026-11-20T10:00:00.000Z'));
    expect((await readAll(audit)).map((r) => r.decisionId)).toEqual(['d1', 'd3']);
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('unreadable line'), { file: 'audit-2026-11.jsonl', line: 2 });
  });

  it('deletes whole monthly files once all their records are past the retention, and nothing newer', async () => {
    const { dir, now, open, log } = setup({ t: Date.parse('2026-11-20T10:00:00Z') }, 30);
    for (const month of ['2026-09', '2026-10', '2026-11']) fs.writeFileSync(path.join(dir, `audit-${month}.jsonl`), `${JSON.stringify(auditRecord(1, `${month}-15T00:00:00.000Z`))}\n`);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not ours');
    const audit = await open();
    await audit.prune();
    // September ended 50 days ago: gone. October ended 20 days ago: some of it is younger than 30 days.
    expect(fs.readdirSync(dir).sort()).toEqual(['audit-2026-10.jsonl', 'audit-2026-11.jsonl', 'notes.txt']);
    expect(log.info).toHaveBeenCalledWith('Deleted an audit file past the retention', { file: 'audit-2026-09.jsonl', retentionDays: 30 });
    // An append prunes too, at most once a day.
    fs.writeFileSync(path.join(dir, 'audit-2026-08.jsonl'), '');
    now.t = Date.parse('2026-11-21T09:59:59Z');
    await audit.append(auditRecord(2, '2026-11-21T09:59:59.000Z'));
    expect(fs.readdirSync(dir)).toContain('audit-2026-08.jsonl');
    now.t = Date.parse('2026-11-21T10:00:00Z');
    await audit.append(auditRecord(3, '2026-11-21T10:00:00.000Z'));
    expect(fs.readdirSync(dir).sort()).toEqual(['audit-2026-10.jsonl', 'audit-2026-11.jsonl', 'notes.txt']);
  });
});
