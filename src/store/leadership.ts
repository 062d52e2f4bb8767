import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import type { StateStore } from './store';

export interface LeadershipOptions {
  store: StateStore;
  /** The lease's key; one per fleet. */
  key?: string;
  /** How long the lease lives unless renewed: when a leader dies, another takes over within this plus one renewal round. */
  ttlMs: number;
  /** How often the leader renews (and the others try to take over); default a third of ttlMs. */
  renewEveryMs?: number;
  /** Who this replica is (host, pid), stored in the lease for whoever looks. */
  holder: string;
  logger: Logger;
  /** This replica leads from now on: start the background work. */
  onGain: () => void;
  /** It no longer does (lease lost, store unreachable, shutdown): stop the background work. */
  onLose: () => Promise<void>;
}

interface Lease {
  holder: string;
  id: string;
  since: string;
}

/**
 * One leader among the replicas sharing a store, by a lease: taken with setIfAbsent and a ttl,
 * renewed with compare-and-set by its holder only, given up on shutdown. A leader that cannot renew
 * (the store does not answer, or the lease is someone else's) stops its background work at once.
 * The lease keeps the fleet from doing the work twice; what must happen once (a DM, a digest slot) is
 * still claimed atomically, so a short overlap while a lease changes hands sends nothing twice.
 */
export class Leadership {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly key: string;
  private readonly renewEveryMs: number;

  constructor(private readonly opts: LeadershipOptions) {
    this.key = opts.key ?? 'leader';
    this.renewEveryMs = opts.renewEveryMs ?? Math.floor(opts.ttlMs / 3);
  }

  get isLeader(): boolean {
    return this.lease !== undefined;
  }

  /** Tries to lead now, then every renewal round. */
  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.attempt().finally(() => this.schedule(this.renewEveryMs));
    }, delayMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    const { store, ttlMs, logger } = this.opts;
    if (this.lease) {
      let renewed = false;
      let why = 'another replica holds the lease';
      try {
        renewed = await store.compareAndSet(this.key, this.lease, this.lease, ttlMs);
      } catch (e) {
        why = `the state store did not answer (${e instanceof Error ? e.message : String(e)})`;
      }
      if (!renewed) await this.lose(`Background work stopped on this replica: ${why}`);
      return;
    }
    if (this.stopped) return;
    const lease: Lease = { holder: this.opts.holder, id: randomUUID(), since: new Date().toISOString() };
    try {
      if (!(await store.setIfAbsent(this.key, lease, ttlMs))) return;
    } catch (e) {
      logger.debug('Could not try the leader lease', { error: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.lease = lease;
    logger.info('This replica now runs the background work (notification polling, reminders, the digest schedule)', { holder: lease.holder });
    this.opts.onGain();
  }

  private async lose(message: string): Promise<void> {
    this.lease = undefined;
    this.opts.logger.warn(message);
    await this.opts.onLose();
  }

  /** Stops trying; a leader stops its background work and hands the lease back, so another replica takes over at its next round. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    const lease = this.lease;
    if (!lease) return;
    this.lease = undefined;
    await this.opts.onLose();
    await this.opts.store.compareAndSet(this.key, lease, undefined).catch((e: unknown) => {
      this.opts.logger.warn('Could not hand back the leader lease; it expires by itself', { error: e instanceof Error ? e.message : String(e) });
    });
  }
}
