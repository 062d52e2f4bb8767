import { age, formatInZone, slackDate } from '../../src/blocks/time';
import { NOW } from './fixtures';

const created = '2026-11-19T09:30:00Z';
const unix = Date.parse(created) / 1000;

describe('slackDate', () => {
  it('gives the same token everywhere and a fallback in the viewer zone', () => {
    const la = slackDate(created, { tz: 'America/Los_Angeles', now: NOW });
    const tokyo = slackDate(created, { tz: 'Asia/Tokyo', now: NOW });
    expect(la).toBe(`<!date^${unix}^{date_short_pretty} {time}|Nov 19, 2026 01:30 GMT-8>`);
    expect(tokyo).toBe(`<!date^${unix}^{date_short_pretty} {time}|Nov 19, 2026 18:30 GMT+9>`);
  });

  it('supports date-only and time-only forms', () => {
    const v = { tz: 'Asia/Tokyo', now: NOW };
    expect(slackDate(created, v, 'date')).toBe(`<!date^${unix}^{date_short_pretty}|Nov 19, 2026>`);
    expect(slackDate(created, v, 'time')).toBe(`<!date^${unix}^{time}|18:30 GMT+9>`);
  });

  it('says "unknown" for missing or invalid dates', () => {
    const v = { tz: 'UTC', now: NOW };
    expect(slackDate(undefined, v)).toBe('unknown');
    expect(slackDate(null, v)).toBe('unknown');
    expect(slackDate('not a date', v)).toBe('unknown');
    expect(age('2026-13-45', v)).toBe('unknown');
  });

  it('falls back to UTC for a zone it does not know', () => {
    expect(formatInZone(created, { tz: 'Mars/Olympus', now: NOW })).toBe('Nov 19, 2026 09:30 GMT+0');
  });
});

describe('age', () => {
  it('counts whole units from viewer.now, whatever the zone', () => {
    for (const tz of ['America/Los_Angeles', 'Asia/Tokyo']) {
      expect(age(created, { tz, now: NOW })).toBe('3 days');
      expect(age('2026-11-22T08:00:00Z', { tz, now: NOW })).toBe('5 hours');
      expect(age('2026-11-22T12:59:30Z', { tz, now: NOW })).toBe('30 seconds');
    }
  });
});
