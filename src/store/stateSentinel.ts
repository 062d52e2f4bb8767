import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log';
import { updateRecord, type StateStore } from './store';

/**
 * What the store holds so that its loss shows: written at the first start, never expiring. A store
 * rebuilt after a loss gets a new one, with `lostAt`, so every replica and every later start knows
 * that what was claimed before then (digest slots, linked accounts) can no longer be told apart from
 * what never happened.
 */
export interface SentinelRecord {
  id: string;
  createdAt: string;
  /** When a loss of the state before this sentinel was noticed. */
  lostAt?: string;
}

export const SENTINEL_KEY = 'state:sentinel';
/** The file in DATA_DIR that remembers which sentinel this host last saw. */
export const SENTINEL_MARKER_FILE = 'state-sentinel.json';

export interface StateSentinelOptions {
  store: StateStore;
  logger: Logger;
  /** Keys the bot writes for good (subscriptions, the last digest slot): any of them present means the store was used before. */
  priorUseKeys: readonly string[];
  /** DATA_DIR: a marker there says this host ran against the store before, even when the store lost every key. */
  markerDir?: string;
  /** Told once per loss this replica notices (the metric). */
  /** Told when this replica first sees a loss: `noticedHere` when it noticed it itself (the metrics). */
  onLoss?: (lostAt: Date, noticedHere: boolean) => void;
  now?: () => Date;
}

/**
 * Notices that the state store lost its state (an empty Redis after a restart without persistence,
 * a FLUSHALL, a lost state file): at start, when the sentinel is missing but the store or this host's
 * marker shows the bot ran before; while running, when the sentinel it saw vanishes or is replaced.
 */
export class StateSentinel {
  private known: SentinelRecord | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => Date;

  constructor(private readonly opts: StateSentinelOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** At start: reads (or writes) the sentinel; resolves to when a loss was noticed, if ever. */
  async start(): Promise<Date | undefined> {
    const found = await this.opts.store.get<SentinelRecord>(SENTINEL_KEY);
    const usedBefore = found ? false : (await this.markerId()) !== undefined || (await this.keysShowUse());
    return this.settle(found, usedBefore);
  }

  /**
   * When the state was last noticed lost, checked now (one read): undefined when it never was.
   * Anything that must not happen twice across a loss asks this right before it claims.
   */
  async lostAt(): Promise<Date | undefined> {
    const found = await this.opts.store.get<SentinelRecord>(SENTINEL_KEY);
    // Gone, or replaced by one this replica never saw (another replica started on the emptied store).
    const lost = this.known !== undefined && found?.id !== this.known.id && !found?.lostAt;
    return this.settle(found, lost);
  }

  private async settle(found: SentinelRecord | undefined, lost: boolean): Promise<Date | undefined> {
    let current = found;
    if (!found || lost) {
      const now = this.now().toISOString();
      const fresh: SentinelRecord = { id: randomUUID(), createdAt: now, ...(lost ? { lostAt: now } : {}) };
      // Another replica may write its own at the same moment: one wins, and a loss either noticed is kept.
      current = await updateRecord<SentinelRecord>(this.opts.store, SENTINEL_KEY, (record) => {
        if (!record) return { value: fresh };
        return lost && !record.lostAt ? { value: { ...record, lostAt: now } } : undefined;
      });
    }
    if (!current) throw new Error('The state sentinel could not be written');
    const before = this.known;
    this.known = current;
    if (before?.id === current.id && before.lostAt === current.lostAt) return before.lostAt ? new Date(before.lostAt) : undefined;
    await this.writeMarker(current.id);
    if (!current.lostAt) return undefined;
    const lostAt = new Date(current.lostAt);
    this.report(lostAt, lost);
    return lostAt;
  }

  /** Looks every `everyMs` (the error and the metric, even when nothing asks), until stop(). */
  watch(everyMs: number): void {
    this.timer = setInterval(() => {
      this.lostAt().catch((e: unknown) => this.opts.logger.debug('Could not look at the state sentinel', { error: String(e) }));
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private report(lostAt: Date, noticedHere: boolean): void {
    const message = noticedHere ? 'The state store lost its state (its sentinel is gone)' : 'The state store was rebuilt after a loss of its state';
    this.opts.logger[noticedHere ? 'error' : 'warn'](
      `${message}: digest slots before the loss are not posted again, and a user of account linking must connect again (or confirm with /workitems disconnect) before the bot acts for them`,
      { lostAt: lostAt.toISOString() },
    );
    this.opts.onLoss?.(lostAt, noticedHere);
  }

  private async keysShowUse(): Promise<boolean> {
    const keys = this.opts.priorUseKeys;
    if (!keys.length) return false;
    const [values, maps] = await Promise.all([this.opts.store.getMany(keys), Promise.all(keys.map((k) => this.opts.store.getFields(k)))]);
    return values.some((v) => v !== undefined) || maps.some((m) => Object.keys(m).length > 0);
  }

  private markerPath(): string | undefined {
    return this.opts.markerDir ? path.join(this.opts.markerDir, SENTINEL_MARKER_FILE) : undefined;
  }

  private async markerId(): Promise<string | undefined> {
    const file = this.markerPath();
    if (!file) return undefined;
    try {
      return (JSON.parse(await fs.readFile(file, 'utf8')) as { id?: string }).id;
    } catch {
      return undefined;
    }
  }

  private async writeMarker(id: string): Promise<void> {
    const file = this.markerPath();
    if (!file) return;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, JSON.stringify({ id }) + '\n');
    } catch (e) {
      this.opts.logger.warn('Could not write the state marker in DATA_DIR; a loss of the whole store may go unnoticed at the next start', { error: String(e) });
    }
  }
}
