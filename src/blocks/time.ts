import { format, formatDistanceStrict, isValid, parseISO } from 'date-fns';
import { tz } from '@date-fns/tz';
import type { Viewer } from './types';
import { knownTimeZone } from '../timeZone';

export const UNKNOWN_TIME = 'unknown';

export type SlackDateFormat = 'datetime' | 'date' | 'time';

// Slack renders the token in each reader's own zone and locale; the fallback (shown where tokens are
// not rendered, e.g. notifications) uses the viewer's zone.
const FORMATS: Record<SlackDateFormat, { token: string; fallback: string }> = {
  datetime: { token: '{date_short_pretty} {time}', fallback: 'MMM d, yyyy HH:mm zzz' },
  date: { token: '{date_short_pretty}', fallback: 'MMM d, yyyy' },
  time: { token: '{time}', fallback: 'HH:mm zzz' },
};

function parse(iso: string | null | undefined): Date | undefined {
  if (!iso) return undefined;
  const date = parseISO(iso);
  return isValid(date) ? date : undefined;
}

/** The moment formatted in the viewer's zone, e.g. "Nov 22, 2026 14:02 GMT+1"; "unknown" when invalid. */
export function formatInZone(iso: string | null | undefined, viewer: Viewer, fmt: SlackDateFormat = 'datetime'): string {
  const date = parse(iso);
  return date ? format(date, FORMATS[fmt].fallback, { in: tz(knownTimeZone(viewer.tz)) }) : UNKNOWN_TIME;
}

/** `<!date^UNIX^{date_short_pretty} {time}|fallback>`; "unknown" for a missing or invalid date. */
export function slackDate(iso: string | null | undefined, viewer: Viewer, fmt: SlackDateFormat = 'datetime'): string {
  const date = parse(iso);
  if (!date) return UNKNOWN_TIME;
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^${FORMATS[fmt].token}|${formatInZone(iso, viewer, fmt)}>`;
}

/** How long ago (or ahead, with clock skew) the moment is from `viewer.now`, e.g. "3 days". */
export function age(iso: string | null | undefined, viewer: Viewer): string {
  const date = parse(iso);
  return date ? formatDistanceStrict(date, viewer.now, { roundingMethod: 'floor' }) : UNKNOWN_TIME;
}
