import { awayDatesProblem, isCurrent, localDay, nextDay, parseAwayDate, startOfLocalDay } from '../../src/away/away';

describe('out-of-office dates', () => {
  it('reads calendar dates only', () => {
    expect(parseAwayDate(' 2026-12-21 ')).toBe('2026-12-21');
    expect(parseAwayDate('2028-02-29')).toBe('2028-02-29');
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-5', '21.12.2026', 'tomorrow', '']) expect(parseAwayDate(bad)).toBeUndefined();
  });

  it('a day starts at midnight in the person’s zone, daylight saving included', () => {
    expect(startOfLocalDay('2026-12-21', 'Europe/Paris').toISOString()).toBe('2026-12-20T23:00:00.000Z');
    expect(startOfLocalDay('2026-07-01', 'Europe/Paris').toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(startOfLocalDay('2026-03-09', 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    // An unknown zone is UTC, as everywhere else in the bot.
    expect(startOfLocalDay('2026-12-21', 'Mars/Olympus').toISOString()).toBe('2026-12-21T00:00:00.000Z');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(localDay(new Date('2026-12-20T23:30:00Z'), 'Europe/Paris')).toBe('2026-12-21');
  });

  it('refuses dates in the wrong order or in the past; today is fine', () => {
    expect(awayDatesProblem('2026-12-21', '2026-12-21', '2026-12-21')).toBeUndefined();
    expect(awayDatesProblem('2026-12-22', '2026-12-21', '2026-12-01')).toMatch(/before the start date/);
    expect(awayDatesProblem('2026-11-01', '2026-11-05', '2026-12-01')).toMatch(/2026-11-05 is in the past/);
    expect(awayDatesProblem('2026-11-30', '2026-12-05', '2026-12-01')).toMatch(/start date \(2026-11-30\) is in the past/);
  });

  it('a configuration that ended is not current; one with no end is', () => {
    const now = new Date('2026-12-10T00:00:00Z');
    expect(isCurrent({ endDate: '2026-12-09T00:00:00Z' }, now)).toBe(false);
    expect(isCurrent({ endDate: '2026-12-11T00:00:00Z' }, now)).toBe(true);
    expect(isCurrent({ endDate: '' }, now)).toBe(true);
  });
});
