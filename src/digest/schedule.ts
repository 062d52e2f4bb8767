import type { Cron } from 'croner';
import type { CronSchedule } from '../cronSchedule';
import type { Logger } from '../log';

export interface DigestSchedulerOptions {
  schedule: CronSchedule;
  /** How long after a slot a start still posts it (marked late). */
  graceMs: number;
  /** Posts the digest of a slot unless that slot was already posted (kept in the state store, so across restarts too). */
  runSlot: (slot: Date, late: boolean) => Promise<unknown>;
  logger: Logger;
  now?: () => Date;
}

/** A start this close to the slot it catches up on (e.g. a deploy at 09:00) is on time, not late. */
const LATE_AFTER_MS = 60_000;

/** Runs the digest at every slot, and on start posts the slot missed while the bot was down (within the grace period). */
export class DigestScheduler {
  private job: Cron | undefined;
  private readonly running = new Set<Promise<void>>();
  private readonly now: () => Date;

  constructor(private readonly opts: DigestSchedulerOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Arms the schedule, then catches up; resolves once the catch-up is done (the bot does not wait for it). */
  async start(): Promise<void> {
    const { schedule, logger } = this.opts;
    this.job = schedule.arm(
      () => this.track(this.fire()),
      (e) => logger.error('Digest run failed', { error: e instanceof Error ? e.message : String(e) }),
    );
    logger.info(`Digest scheduled "${schedule.pattern}" in ${schedule.timeZone}; next slot ${schedule.nextSlot(this.now())?.toISOString() ?? 'none'}`);
    await this.track(this.catchUp());
  }

  /**
   * Stops the schedule; a digest under way goes on to post (its slot is claimed once in the store, so
   * no other replica posts it meanwhile).
   */
  disarm(): void {
    this.job?.stop();
    this.job = undefined;
  }

  /** Stops the schedule and waits for a digest under way. */
  async stop(): Promise<void> {
    this.disarm();
    await Promise.allSettled([...this.running]);
  }

  private track(run: Promise<void>): Promise<void> {
    this.running.add(run);
    return run.finally(() => this.running.delete(run));
  }

  private async fire(): Promise<void> {
    const slot = this.opts.schedule.previousSlot(this.now());
    if (slot) await this.opts.runSlot(slot, false);
  }

  private async catchUp(): Promise<void> {
    const now = this.now();
    const slot = this.opts.schedule.previousSlot(now);
    if (!slot) return;
    const behind = now.getTime() - slot.getTime();
    if (behind > this.opts.graceMs) {
      this.opts.logger.info('Digest: the last slot is beyond the grace period; not catching up', { slot: slot.toISOString() });
      return;
    }
    try {
      await this.opts.runSlot(slot, behind > LATE_AFTER_MS);
    } catch (e) {
      this.opts.logger.error('Digest catch-up failed', { slot: slot.toISOString(), error: e instanceof Error ? e.message : String(e) });
    }
  }
}
