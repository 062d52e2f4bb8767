import { Cron } from 'croner';
import type { Logger } from '../log';

/** The digest's slots: the moments a 5-field cron pattern names in its IANA time zone (croner handles DST). */
export class DigestSchedule {
  private readonly cron: Cron;

  constructor(
    readonly pattern: string,
    readonly timeZone: string,
  ) {
    this.cron = new Cron(pattern, { mode: '5-part', timezone: timeZone, paused: true });
  }

  /** The latest slot at or before `at`. */
  previousSlot(at: Date): Date | undefined {
    // previousRuns() leaves out the reference itself; slots are whole seconds, so 1 ms later takes it in.
    return this.cron.previousRuns(1, new Date(at.getTime() + 1))[0];
  }

  /** The first slot after `at`. */
  nextSlot(at: Date): Date | undefined {
    return this.cron.nextRun(at) ?? undefined;
  }

  /** A croner job calling `fire` at every slot from now on (one run at a time), until stopped. */
  arm(fire: () => Promise<void>, onError: (e: unknown) => void): Cron {
    return new Cron(this.pattern, { mode: '5-part', timezone: this.timeZone, protect: true, catch: onError }, fire);
  }
}

/** Why a pattern cannot be the digest schedule (croner's own message), or undefined when it can. */
export function cronProblem(pattern: string, timeZone: string): string | undefined {
  try {
    return new DigestSchedule(pattern, timeZone).nextSlot(new Date()) ? undefined : 'it never fires';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export interface DigestSchedulerOptions {
  schedule: DigestSchedule;
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

  /** Stops the schedule and waits for a digest under way. */
  async stop(): Promise<void> {
    this.job?.stop();
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
