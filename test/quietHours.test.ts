import { formatQuietHours, isQuietTime, parseQuietHours } from '../src/quietHours';

describe('quiet hours', () => {
  it('parse HH:MM-HH:MM, and refuse anything else', () => {
    expect(parseQuietHours('20:00-08:00')).toEqual({ start: 1200, end: 480 });
    expect(parseQuietHours(' 7:30 - 9:15 ')).toEqual({ start: 450, end: 555 });
    for (const bad of ['', '20-08', '24:00-08:00', '20:60-08:00', '20:00', '08:00-08:00', 'off']) expect(parseQuietHours(bad)).toBeNull();
    expect(formatQuietHours({ start: 1200, end: 480 })).toBe('20:00–08:00');
  });

  const night = parseQuietHours('20:00-08:00')!;

  it.each([
    // The same instants, in Tokyo (UTC+9) and Los Angeles (UTC-8 in January).
    ['2030-01-07T05:00:00Z', 'Asia/Tokyo', false], // 14:00
    ['2030-01-07T05:00:00Z', 'America/Los_Angeles', true], // 21:00 the day before
    ['2030-01-07T11:00:00Z', 'Asia/Tokyo', true], // 20:00 sharp
    ['2030-01-07T10:59:00Z', 'Asia/Tokyo', false], // 19:59
    ['2030-01-07T16:00:00Z', 'America/Los_Angeles', false], // 08:00 sharp: the night is over
    ['2030-01-07T15:59:00Z', 'America/Los_Angeles', true], // 07:59
    ['2030-07-07T15:30:00Z', 'America/Los_Angeles', false], // 08:30 in summer time (UTC-7)
    ['2030-01-07T23:00:00Z', 'Not/A_Zone', true], // an unknown zone counts as UTC
  ])('%s in %s is quiet: %s', (iso, zone, quiet) => {
    expect(isQuietTime(new Date(iso), zone, night)).toBe(quiet);
  });

  it('a range within one day, and none at all', () => {
    const lunch = parseQuietHours('12:00-13:00')!;
    expect(isQuietTime(new Date('2030-01-07T12:30:00Z'), 'UTC', lunch)).toBe(true);
    expect(isQuietTime(new Date('2030-01-07T13:00:00Z'), 'UTC', lunch)).toBe(false);
    expect(isQuietTime(new Date('2030-01-07T02:00:00Z'), 'UTC', undefined)).toBe(false);
  });
});
