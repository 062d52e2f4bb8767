import { CronSchedule, cronProblem } from '../src/cronSchedule';

const WEEKDAYS_AT_9 = '0 9 * * 1-5';
const iso = (d: Date | undefined) => d?.toISOString();

/** The next `n` slots after `from`. */
function slots(schedule: CronSchedule, from: string, n: number): string[] {
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i++) {
    at = schedule.nextSlot(at)!;
    out.push(at.toISOString());
  }
  return out;
}

describe('CronSchedule', () => {
  it('keeps 09:00 local in New York across the March switch to daylight time', () => {
    // Fri 6 March is EST (UTC-5); Mon 9 March, after the switch on Sunday the 8th, is EDT (UTC-4).
    const ny = new CronSchedule(WEEKDAYS_AT_9, 'America/New_York');
    expect(slots(ny, '2026-03-05T15:00:00Z', 3)).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-10T13:00:00.000Z']);
  });

  it('keeps 09:00 local in New York across the November switch back', () => {
    expect(slots(new CronSchedule(WEEKDAYS_AT_9, 'America/New_York'), '2026-10-29T15:00:00Z', 3)).toEqual([
      '2026-10-30T13:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
      '2026-11-03T14:00:00.000Z',
    ]);
  });

  it('keeps 09:00 local in Berlin across both switches (29 March, 25 October 2026)', () => {
    const berlin = new CronSchedule(WEEKDAYS_AT_9, 'Europe/Berlin');
    expect(slots(berlin, '2026-03-26T12:00:00Z', 2)).toEqual(['2026-03-27T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    expect(slots(berlin, '2026-10-22T12:00:00Z', 2)).toEqual(['2026-10-23T07:00:00.000Z', '2026-10-26T08:00:00.000Z']);
  });

  it('posts a slot that falls in the spring gap once, right after it, and a repeated hour once', () => {
    // 02:30 does not exist in New York on 8 March; 01:30 happens twice on 1 November.
    expect(slots(new CronSchedule('30 2 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', 2)).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
    expect(slots(new CronSchedule('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('defaults to UTC semantics when the zone is UTC', () => {
    expect(slots(new CronSchedule(WEEKDAYS_AT_9, 'UTC'), '2026-11-20T10:00:00Z', 1)).toEqual(['2026-11-23T09:00:00.000Z']);
  });

  it('previousSlot includes the moment itself and looks back over the weekend', () => {
    const ny = new CronSchedule(WEEKDAYS_AT_9, 'America/New_York');
    expect(iso(ny.previousSlot(new Date('2026-03-09T13:00:00Z')))).toBe('2026-03-09T13:00:00.000Z');
    expect(iso(ny.previousSlot(new Date('2026-03-09T12:59:59Z')))).toBe('2026-03-06T14:00:00.000Z');
  });
});

describe('cronProblem', () => {
  it('accepts 5-field patterns and names what is wrong with others', () => {
    expect(cronProblem(WEEKDAYS_AT_9, 'Europe/Berlin')).toBeUndefined();
    expect(cronProblem('0 25 * * *', 'UTC')).toMatch(/hour/);
    expect(cronProblem('* * * * * *', 'UTC')).toMatch(/5 parts/);
    expect(cronProblem('every day', 'UTC')).toBeDefined();
    expect(cronProblem('0 0 30 2 *', 'UTC')).toBe('it never fires');
  });
});
