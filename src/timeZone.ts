/**
 * Zones found valid so far: building an Intl.DateTimeFormat to find out costs more than every date a
 * card formats. Only valid names are kept, so the set stays within the runtime's few hundred zones
 * whatever strings it is asked about.
 */
const known = new Set<string>();

/** Whether the runtime knows this IANA time zone name (offsets such as "+02:00" are not names). */
export function isIanaTimeZone(zone: string): boolean {
  if (known.has(zone)) return true;
  if (/^[+-]/.test(zone) || !runtimeKnows(zone)) return false;
  known.add(zone);
  return true;
}

function runtimeKnows(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zone when it is known, else UTC: Slack profiles may carry a zone this runtime lacks. */
export function knownTimeZone(zone: string): string {
  return isIanaTimeZone(zone) ? zone : 'UTC';
}
