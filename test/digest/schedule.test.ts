import { CronSchedule } from '../../src/cronSchedule';
import { DigestScheduler } from '../../src/digest/schedule';
import { silentLogger } from '../../src/log';

const WEEKDAYS_AT_9 = '0 9 * * 1-5';
const iso = (d: Date | undefined) => d?.toISOString();

describe('DigestScheduler', () => {
  const ny = () => new CronSchedule(WEEKDAYS_AT_9, 'America/New_York');

  afterEach(() => jest.useRealTimers());

  it('fires at each slot with croner, DST included, marked on time', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-06T13:59:00Z') });
    const runSlot = jest.fn(async (_slot: Date, _late: boolean) => undefined);
    const scheduler = new DigestScheduler({ schedule: ny(), graceMs: 2 * 3600_000, runSlot, logger: silentLogger });
    await scheduler.start();
    // Started a minute before Friday's slot; the previous one (Thursday) is beyond the grace period.
    expect(runSlot).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(2 * 60_000);
    expect(runSlot.mock.calls).toEqual([[new Date('2026-03-06T14:00:00Z'), false]]);
    await jest.advanceTimersByTimeAsync(3 * 24 * 3600_000);
    expect(runSlot.mock.calls.map(([slot]) => iso(slot))).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    await scheduler.stop();
    await jest.advanceTimersByTimeAsync(24 * 3600_000);
    expect(runSlot).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['a start 30 minutes after the slot posts it, marked late', 30, [[new Date('2026-03-09T13:00:00Z'), true]]],
    ['a start 20 seconds after the slot posts it on time', 1 / 3, [[new Date('2026-03-09T13:00:00Z'), false]]],
    ['a start 119 minutes after the slot still catches up', 119, [[new Date('2026-03-09T13:00:00Z'), true]]],
    ['a start beyond the grace period leaves the slot', 121, []],
  ])('%s', async (_, minutesLate, expected) => {
    const now = new Date(Date.parse('2026-03-09T13:00:00Z') + minutesLate * 60_000);
    const runSlot = jest.fn(async (_slot: Date, _late: boolean) => undefined);
    const scheduler = new DigestScheduler({ schedule: ny(), graceMs: 120 * 60_000, runSlot, logger: silentLogger, now: () => now });
    await scheduler.start();
    await scheduler.stop();
    expect(runSlot.mock.calls).toEqual(expected);
  });

  it('disarm stops the schedule at once and leaves a digest under way to post; stop waits for it', async () => {
    let finish!: () => void;
    const posted: string[] = [];
    const runSlot = jest.fn(async (slot: Date) => {
      await new Promise<void>((r) => (finish = r));
      posted.push(slot.toISOString());
    });
    // Started 5 minutes after Monday's slot: the catch-up is under way.
    const scheduler = new DigestScheduler({ schedule: ny(), graceMs: 3600_000, runSlot, logger: silentLogger, now: () => new Date('2026-03-09T13:05:00Z') });
    const catchUp = scheduler.start();
    scheduler.disarm();
    let stopped = false;
    const stop = scheduler.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    finish();
    await Promise.all([catchUp, stop]);
    expect(posted).toEqual(['2026-03-09T13:00:00.000Z']);
  });

  it('logs a failed catch-up instead of throwing', async () => {
    const runSlot = jest.fn(async () => {
      throw new Error('boom');
    });
    const error = jest.fn();
    const now = () => new Date('2026-03-09T13:05:00Z');
    const scheduler = new DigestScheduler({ schedule: ny(), graceMs: 3600_000, runSlot, logger: { ...silentLogger, error }, now });
    await expect(scheduler.start()).resolves.toBeUndefined();
    await scheduler.stop();
    expect(error).toHaveBeenCalledWith('Digest catch-up failed', expect.objectContaining({ error: 'boom' }));
  });
});
