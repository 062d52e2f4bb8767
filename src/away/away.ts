// Out of office as the bot sees it: pure rules on the dates a person gives and the configurations
// ISC keeps, shared by the service, the command parser and the blocks that show them.
import { TZDate } from '@date-fns/tz';
import type { ConfigurationDetails, ReassignmentConfigType } from '../isc/types';
import { knownTimeZone } from '../timeZone';

/** The format the command and the form take, said in every error about a date. */
export const AWAY_DATE_FORMAT = 'YYYY-MM-DD';

/** A calendar date as typed (YYYY-MM-DD), or undefined when it is not one (2026-02-30 is not). */
export function parseAwayDate(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(y, mo - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d ? m[0] : undefined;
}

/** Midnight at the start of a date in a time zone, as an instant. */
export function startOfLocalDay(day: string, zone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(new TZDate(y, m - 1, d, knownTimeZone(zone)).getTime());
}

/** The date (YYYY-MM-DD) an instant falls on in a time zone. */
export function localDay(at: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: knownTimeZone(zone), year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The day after a date (YYYY-MM-DD). */
export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** What is wrong with the dates (today and the dates in the person's zone), or undefined. */
export function awayDatesProblem(from: string, to: string, today: string): string | undefined {
  if (to < from) return `The end date (${to}) is before the start date (${from}); give the first day away, then the last.`;
  if (to < today) return `${to} is in the past; give dates from today (${today}) on.`;
  if (from < today) return `The start date (${from}) is in the past; start today (${today}) or later.`;
  return undefined;
}

/** A configuration still in force or to come at `now` (an empty end date is permanent). */
export function isCurrent(c: ConfigurationDetails, now: Date): boolean {
  return !c.endDate || Date.parse(c.endDate) > now.getTime();
}

/** The kinds of work, in the user's words. */
export const WORK_NAMES: Record<ReassignmentConfigType, string> = {
  ACCESS_REQUESTS: 'access-request approvals',
  CERTIFICATIONS: 'access reviews',
  MANUAL_TASKS: 'manual tasks',
  GENERIC_APPROVALS: 'workflow approvals',
};
