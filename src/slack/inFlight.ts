/** Work under way, and how to tell its user when a shutdown cuts it off. */
interface Running {
  onCutOff?: () => Promise<unknown>;
}

/**
 * Counts the Slack requests whose listener work is still under way (after the ack: the ISC call, the
 * card redraw), so a shutdown can wait for them instead of cutting a click off between ISC and the
 * message that tells the user what happened, and, for those it cannot wait for, tell their users.
 */
export class InFlight {
  private readonly running = new Set<Running>();
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.running.size;
  }

  /** Runs `work`, counted until it ends; `onCutOff` tells its user if a shutdown does not wait for it (cutOff). */
  async run<T>(work: () => Promise<T>, onCutOff?: () => Promise<unknown>): Promise<T> {
    const entry: Running = { onCutOff };
    this.running.add(entry);
    try {
      return await work();
    } finally {
      this.running.delete(entry);
      if (this.running.size === 0) this.waiters.splice(0).forEach((wake) => wake());
    }
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs` with work still under way. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(wake);
    });
  }

  /** Tells the users of the work still under way that it was cut off; waits for that at most `timeoutMs`. */
  async cutOff(timeoutMs: number): Promise<void> {
    const told = [...this.running].flatMap(({ onCutOff }) => (onCutOff ? [onCutOff().catch(() => undefined)] : []));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(told), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
