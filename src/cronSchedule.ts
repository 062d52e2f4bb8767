import { Cron } from 'croner';

/** The moments a 5-field cron pattern names in an IANA time zone (croner handles DST). */
export class CronSchedule {
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

/** Why a pattern cannot be a schedule (croner's own message), or undefined when it can. */
export function cronProblem(pattern: string, timeZone: string): string | undefined {
  try {
    return new CronSchedule(pattern, timeZone).nextSlot(new Date()) ? undefined : 'it never fires';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
