/** Whether the runtime knows this IANA time zone name (offsets such as "+02:00" are not names). */
export function isIanaTimeZone(zone: string): boolean {
  if (/^[+-]/.test(zone)) return false;
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
