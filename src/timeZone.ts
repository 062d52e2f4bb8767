/** Zones asked about so far: building an Intl.DateTimeFormat to find out costs more than every date a card formats. */
const known = new Map<string, boolean>();

/** Whether the runtime knows this IANA time zone name (offsets such as "+02:00" are not names). */
export function isIanaTimeZone(zone: string): boolean {
  let ok = known.get(zone);
  if (ok === undefined) {
    ok = !/^[+-]/.test(zone) && runtimeKnows(zone);
    known.set(zone, ok);
  }
  return ok;
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
