import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditRecord } from '../../src/audit/auditLog';
import { COLUMNS, csvCell, decisionsSince, parseSince, toCsv, toJson } from '../../src/audit/export';
import { FileAuditLog } from '../../src/audit/fileAuditLog';
import { silentLogger } from '../../src/log';

/** A strict RFC 4180 reader, to check what a spreadsheet would read back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  return rows;
}

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rlf', '"cr\rlf"'],
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['', ''],
    ['a = b', 'a = b'],
  ])('%j → %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});

describe('the export', () => {
  const base = { slackUserId: 'U0ADA0001', actorIdentityId: 'id-ada', item: { kind: 'work-item', id: 'w1', name: 'Access, "admin" =1', part: 'a1', ownerId: 'id-fred', ownerName: 'Fred' }, action: 'approve' };
  const records: AuditRecord[] = [
    { ...base, decisionId: 'd1', phase: 'intent', at: '2026-11-20T10:00:00.000Z', actingAs: { kind: 'linked', identityId: 'id-ada', identityName: 'Ada Approver' } },
    { ...base, decisionId: 'd2', phase: 'outcome', at: '2026-11-20T10:00:01.000Z', outcome: 'refused', reason: 'You requested this work item,\nso you may not decide it.' },
    { ...base, decisionId: 'd1', phase: 'outcome', at: '2026-11-20T10:00:02.000Z', actingAs: { kind: 'linked', identityId: 'id-ada', identityName: 'Ada Approver' }, outcome: 'done' },
    { ...base, decisionId: 'd3', phase: 'intent', at: '2026-11-20T10:00:03.000Z', action: 'forward', comment: '@Ben owns this, see =cmd', target: { identityId: 'id-ben', name: 'Ben' }, actingAs: { kind: 'service', clientId: 'bot-client' } },
  ];

  async function log(): Promise<FileAuditLog> {
    const audit = await FileAuditLog.open(fs.mkdtempSync(path.join(os.tmpdir(), 'audit-x-')), { retentionDays: 400, logger: silentLogger, now: () => new Date('2026-11-20T10:00:00Z') });
    for (const r of records) await audit.append(r);
    return audit;
  }

  it('joins each intent with its outcome; a decision with no outcome (the bot stopped mid-action) says so', async () => {
    const rows = await decisionsSince(await log(), new Date('2026-11-01T00:00:00Z'));
    expect(rows.map((r) => [r.decision_id, r.time, r.outcome, r.acting_as, r.acting_identity])).toEqual([
      ['d1', '2026-11-20T10:00:00.000Z', 'done', 'linked', 'Ada Approver (id-ada)'],
      ['d2', '2026-11-20T10:00:01.000Z', 'refused', '', ''],
      ['d3', '2026-11-20T10:00:03.000Z', 'unknown', 'service', 'service (API client bot-client)'],
    ]);
    expect(rows[0]).toMatchObject({ slack_user: 'U0ADA0001', isc_identity: 'id-ada', item_kind: 'work-item', item_id: 'w1', approval_item: 'a1', owner: 'Fred (id-fred)', outcome_time: '2026-11-20T10:00:02.000Z' });
    expect(rows[2]).toMatchObject({ action: 'forward', comment: '@Ben owns this, see =cmd', target: 'Ben (id-ben)', reason: expect.stringMatching(/No outcome recorded/) });
  });

  it('as CSV: a header, CRLF rows, and every cell read back exactly, formulas defused', async () => {
    const rows = await decisionsSince(await log(), new Date('2026-11-01T00:00:00Z'));
    const csv = toCsv(rows);
    const parsed = parseCsv(csv);
    expect(parsed[0]).toEqual([...COLUMNS]);
    expect(parsed).toHaveLength(4);
    expect(parsed.slice(1).every((r) => r.length === COLUMNS.length)).toBe(true);
    const cell = (row: number, column: string) => parsed[row][COLUMNS.indexOf(column as never)];
    expect(cell(1, 'item_name')).toBe('Access, "admin" =1');
    expect(cell(2, 'reason')).toBe('You requested this work item,\nso you may not decide it.');
    expect(cell(3, 'comment')).toBe("'@Ben owns this, see =cmd");
    expect(JSON.parse(toJson(rows))).toEqual(rows);
  });

  it('parseSince reads 30d, 12h, 90m and dates', () => {
    const now = new Date('2026-11-20T12:00:00Z');
    expect(parseSince('30d', now)?.toISOString()).toBe('2026-10-21T12:00:00.000Z');
    expect(parseSince('12h', now)?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
    expect(parseSince('90m', now)?.toISOString()).toBe('2026-11-20T10:30:00.000Z');
    expect(parseSince('2026-11-01', now)?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    for (const bad of ['', '30', 'd30', 'yesterday', '2026-13-45']) expect(parseSince(bad, now)).toBeUndefined();
  });
});
