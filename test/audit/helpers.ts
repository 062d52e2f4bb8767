import type { AuditLog, AuditRecord } from '../../src/audit/auditLog';
import type { Logger } from '../../src/log';

export const mockLogger = (): Logger & { warn: jest.Mock; info: jest.Mock } => ({ debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() });

/** Intent record `d{n}` of an approval of work item `w{n}`. */
export function auditRecord(n: number, at: string, extra: Partial<AuditRecord> = {}): AuditRecord {
  return { decisionId: `d${n}`, phase: 'intent', at, slackUserId: 'U0ADA0001', item: { kind: 'work-item', id: `w${n}` }, action: 'approve', ...extra };
}

export async function readAll(log: AuditLog, since = new Date(0)): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of log.readSince(since)) out.push(r);
  return out;
}
