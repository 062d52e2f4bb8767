import { randomUUID } from 'node:crypto';
import type { AuditLog, AuditRecord } from './auditLog';

/** One decision as an auditor reads it: its intent and outcome records joined. */
export interface DecisionRow {
  /** When the decision was taken (its intent; its outcome when it never reached ISC). */
  time: string;
  slack_user: string;
  /** The ISC identity the Slack user maps to. */
  isc_identity: string;
  /** service or linked. */
  acting_as: string;
  /** Who ISC saw act: the linked identity, or the service identity's API client. */
  acting_identity: string;
  item_kind: string;
  item_id: string;
  item_name: string;
  /** The approval item decided; empty for the whole item. */
  approval_item: string;
  owner: string;
  action: string;
  comment: string;
  target: string;
  /** done, refused, failed, already_decided; `unknown` when the bot stopped between calling ISC and recording what happened. */
  outcome: string;
  reason: string;
  tracking_id: string;
  outcome_time: string;
  decision_id: string;
}

export const COLUMNS: ReadonlyArray<keyof DecisionRow> = [
  'time',
  'slack_user',
  'isc_identity',
  'acting_as',
  'acting_identity',
  'item_kind',
  'item_id',
  'item_name',
  'approval_item',
  'owner',
  'action',
  'comment',
  'target',
  'outcome',
  'reason',
  'tracking_id',
  'outcome_time',
  'decision_id',
];

const named = (name: string | undefined, id: string | undefined) => (id ? (name ? `${name} (${id})` : id) : name ?? '');

function actingIdentity(record: AuditRecord): string {
  const acting = record.actingAs;
  if (!acting) return '';
  return acting.kind === 'linked' ? named(acting.identityName, acting.identityId) : `service${acting.clientId ? ` (API client ${acting.clientId})` : ''}`;
}

function row(intent: AuditRecord | undefined, outcome: AuditRecord | undefined): DecisionRow {
  const first = (intent ?? outcome)!;
  return {
    time: first.at,
    slack_user: first.slackUserId,
    isc_identity: first.actorIdentityId ?? '',
    acting_as: first.actingAs?.kind ?? '',
    acting_identity: actingIdentity(first),
    item_kind: first.item.kind,
    item_id: first.item.id,
    item_name: first.item.name ?? '',
    approval_item: first.item.part ?? '',
    owner: named(first.item.ownerName, first.item.ownerId),
    action: first.action,
    comment: first.comment ?? '',
    target: first.target ? named(first.target.name, first.target.identityId) : '',
    outcome: outcome?.outcome ? `${outcome.outcome}${outcome.unconfirmed ? ' (unconfirmed)' : ''}` : 'unknown',
    reason: outcome?.reason ?? (outcome ? '' : 'No outcome recorded: the bot stopped after calling ISC. Check the item in ISC.'),
    tracking_id: outcome?.trackingId ?? '',
    outcome_time: outcome?.at ?? '',
    decision_id: first.decisionId,
  };
}

/** The decisions recorded since `since`, oldest first, each intent joined with its outcome. */
export async function decisionsSince(log: AuditLog, since: Date): Promise<DecisionRow[]> {
  const byId = new Map<string, { intent?: AuditRecord; outcome?: AuditRecord }>();
  for await (const record of log.readSince(since)) {
    const entry = byId.get(record.decisionId) ?? {};
    if (record.phase === 'intent') entry.intent = record;
    else entry.outcome = record;
    byId.set(record.decisionId, entry);
  }
  return [...byId.values()].map(({ intent, outcome }) => row(intent, outcome));
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break, quotes doubled. A cell a
 * spreadsheet would run as a formula (= + - @, or a tab or carriage return first) gets a leading
 * apostrophe, so text from ISC or Slack cannot become one.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(rows: readonly DecisionRow[]): string {
  const lines = [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

export function toJson(rows: readonly DecisionRow[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}

const UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d`, `12h`, `90m`, or a date (`2026-01-31`, ISO time): the start of an export; undefined when unreadable. */
export function parseSince(text: string, now: Date): Date | undefined {
  const relative = /^(\d{1,6})([mhd])$/.exec(text.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS_MS[relative[2]]);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const at = Date.parse(text.trim());
  return Number.isNaN(at) ? undefined : new Date(at);
}

/** An export of the trail, as the trail records it: who read it (a Slack user, or `cli:<OS user>`), from when, how much. */
export function exportRecord(e: { by: string; since: Date; rows: number; format: string; at: Date }): AuditRecord {
  return {
    decisionId: randomUUID(),
    phase: 'outcome',
    at: e.at.toISOString(),
    slackUserId: e.by,
    item: { kind: 'audit-trail', id: 'export', name: `decisions since ${e.since.toISOString()} as ${e.format}` },
    action: 'export',
    outcome: 'done',
    reason: `${e.rows} decisions exported`,
  };
}
