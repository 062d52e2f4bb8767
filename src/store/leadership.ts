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
  /** When its holder last renewed it: it cannot expire before this plus the ttl. */
  renewedAt?: string;
  /** Handed back by its holder (a graceful stop): free to take at once. */
  released?: true;
}

/**
 * One leader among the replicas sharing a store, by a lease: taken with setIfAbsent and a ttl,
 * renewed with compare-and-set by its holder only, given up on shutdown. A leader that cannot renew
 * (the store does not answer, or the lease is someone else's) stops its background work at once.
 * The lease keeps the fleet from doing the work twice; what must happen once (a DM, a digest slot) is
 * still claimed atomically, so a short overlap while a lease changes hands sends nothing twice.
 * A lease that vanishes before it could have expired was lost with the store's state (a flushed or
 * restarted Redis): its holder takes it back at its next renewal, and the others wait until it could
 * have expired before they try, so a loss does not make two leaders.
 */
export class Leadership {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The lease another replica held at this one's last round. */
  private seen: Lease | undefined;
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
        renewed = await this.renew(this.lease);
      } catch (e) {
        why = `the state store did not answer (${e instanceof Error ? e.message : String(e)})`;
      }
      if (!renewed) await this.lose(`Background work stopped on this replica: ${why}`);
      return;
    }
    if (this.stopped) return;
    const now = new Date();
    try {
      const current = await store.get<Lease>(this.key);
      if (current && !current.released) {
        this.seen = current;
        return;
      }
      // Gone before it could expire: lost with the store's state; its holder, if alive, takes it back.
      if (!current && this.seen && now.getTime() < Date.parse(this.seen.renewedAt ?? this.seen.since) + ttlMs) return;
      this.seen = undefined;
      const lease: Lease = { holder: this.opts.holder, id: randomUUID(), since: now.toISOString(), renewedAt: now.toISOString() };
      if (!(await (current ? store.compareAndSet(this.key, current, lease, ttlMs) : store.setIfAbsent(this.key, lease, ttlMs)))) return;
      this.lease = lease;
    } catch (e) {
      logger.debug('Could not try the leader lease', { error: e instanceof Error ? e.message : String(e) });
      return;
    }
    logger.info('This replica now runs the background work (notification polling, reminders, the digest schedule)', { holder: this.lease.holder });
    this.opts.onGain();
  }

  /** Renews the lease while it is this replica's; takes it back when the store lost it. False when another replica holds it. */
  private async renew(lease: Lease): Promise<boolean> {
    const { store, ttlMs, logger } = this.opts;
    const renewal: Lease = { ...lease, renewedAt: new Date().toISOString() };
    const current = await store.get<Lease>(this.key);
    if (current && current.id !== lease.id) return false;
    const renewed = current ? await store.compareAndSet(this.key, current, renewal, ttlMs) : await store.setIfAbsent(this.key, renewal, ttlMs);
    if (!renewed) return false;
    if (!current) logger.warn('The leader lease was gone from the state store before it could expire (the store lost its state?); this replica took it back', { holder: lease.holder });
    this.lease = renewal;
    return true;
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
    // Marked handed back rather than deleted: a lease that merely vanished is waited out (see attempt).
    await this.opts.store.compareAndSet(this.key, lease, { ...lease, released: true }, this.opts.ttlMs).catch((e: unknown) => {
      this.opts.logger.warn('Could not hand back the leader lease; it expires by itself', { error: e instanceof Error ? e.message : String(e) });
    });
  }
}
