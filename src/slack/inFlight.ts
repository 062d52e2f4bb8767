/**
 * Counts the Slack requests whose listener work is still under way (after the ack: the ISC call, the
 * card redraw), so a shutdown can wait for them instead of cutting a click off between ISC and the
 * message that tells the user what happened.
 */
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work();
    } finally {
      if (--this.count === 0) this.waiters.splice(0).forEach((wake) => wake());
    }
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs` with work still under way. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
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
}
