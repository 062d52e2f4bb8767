import { tz } from '@date-fns/tz';
import { getHours, getMinutes } from 'date-fns';
import { knownTimeZone } from './timeZone';

/** Local times of day in minutes after midnight; `start` > `end` spans midnight (20:00–08:00). */
export interface QuietHours {
  start: number;
  end: number;
}

const RANGE = /^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$/;

/** "20:00-08:00" → { start: 1200, end: 480 }; null when malformed or empty (start = end). */
export function parseQuietHours(text: string): QuietHours | null {
  const m = RANGE.exec(text.trim());
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  return start === end ? null : { start, end };
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** { start: 1200, end: 480 } → "20:00–08:00" */
export function formatQuietHours(quiet: QuietHours): string {
  return `${hhmm(quiet.start)}–${hhmm(quiet.end)}`;
}

/** Whether the moment falls in the quiet hours of the IANA time zone (an unknown zone counts as UTC). */
export function isQuietTime(at: Date, zone: string, quiet: QuietHours | undefined): boolean {
  if (!quiet) return false;
  const local = tz(knownTimeZone(zone));
  const minute = getHours(at, { in: local }) * 60 + getMinutes(at, { in: local });
  return quiet.start < quiet.end ? minute >= quiet.start && minute < quiet.end : minute >= quiet.start || minute < quiet.end;
}

/** The working hours a person can pick on the Home tab (reminders keep to them). */
export const WORKING_HOURS_CHOICES: readonly string[] = ['08:00-17:00', '09:00-17:00', '09:00-18:00', '07:00-19:00'];
