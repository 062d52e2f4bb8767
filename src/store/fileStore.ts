import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Metrics } from '../metrics/metrics';
import { DataDirLock } from './dataDirLock';
import { MemoryStateStore, type Entry } from './memoryStore';
import { StoreUnavailableError, type StoreHealth } from './store';

/**
 * StateStore kept in memory and persisted to one JSON file, for one process: opening it takes the
 * DATA_DIR lock (a second live process is refused with a message saying what to do). Every change
 * resolves only once it is on disk; writes go to a temporary file of this process's own that is
 * fsynced and renamed over the old one, so a crash leaves either the old or the new state, never a
 * torn file. Changes that arrive while a write is under way are coalesced into the next write.
 */
async function readEntries(file: string): Promise<Map<string, Entry> | undefined> {
  try {
    return new Map(Object.entries(JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, Entry>));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class FileStateStore extends MemoryStateStore {
  private writing: Promise<void> | undefined;
  private pending: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  /** Unique per open store: containers all run as pid 1, so the pid alone would collide on a shared volume. */
  private readonly tmp: string;
  private lastError: string | undefined;

  private constructor(
    private readonly file: string,
    private readonly lock: DataDirLock,
    now: () => number,
    private readonly metrics?: Metrics,
  ) {
    super(now);
    this.tmp = `${file}.${process.pid}-${randomUUID()}.tmp`;
  }

  /**
   * `onLockLost`: told when the DATA_DIR lock cannot be renewed or was taken over (it should be logged loudly).
   * `metrics` counts the writes of the file that fail (operation `write`).
   */
  static async open(dataDir: string, opts: { fileName?: string; now?: () => number; onLockLost?: (message: string) => void; metrics?: Metrics } = {}): Promise<FileStateStore> {
    await fs.mkdir(dataDir, { recursive: true });
    const lock = await DataDirLock.acquire(dataDir, opts.onLockLost);
    const store = new FileStateStore(path.join(dataDir, opts.fileName ?? 'state.json'), lock, opts.now ?? Date.now, opts.metrics);
    try {
      await store.load();
    } catch (e) {
      await lock.release();
      throw e;
    }
    return store;
  }

  /**
   * The state as it is on disk now, in memory, for reading alongside the process that owns the
   * directory (`npm run digest -- --dry-run`): takes no lock, and changes stay in memory.
   */
  static async snapshot(dataDir: string, opts: { fileName?: string; now?: () => number } = {}): Promise<MemoryStateStore> {
    const store = new MemoryStateStore(opts.now);
    const entries = await readEntries(path.join(dataDir, opts.fileName ?? 'state.json'));
    if (entries) store.restore(entries);
    return store;
  }

  private async load(): Promise<void> {
    const entries = await readEntries(this.file);
    if (entries && this.restore(entries)) await this.changed();
  }

  /** Waits for every write so far (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.writing || this.pending) await (this.pending?.promise ?? this.writing);
  }

  override async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.lock.release();
    }
  }

  override async health(): Promise<StoreHealth> {
    return this.lastError
      ? { ok: false, kind: 'file', detail: "The last write of the state file failed; the bot's log says why." }
      : { ok: true, kind: 'file', detail: 'A JSON file in DATA_DIR, for this one process.' };
  }

  protected override changed(): Promise<void> {
    if (this.pending) return this.pending.promise;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending = { promise, resolve, reject };
    if (!this.writing) this.startWrite();
    return promise;
  }

  private startWrite(): void {
    const batch = this.pending;
    if (!batch) return;
    this.pending = undefined;
    this.writing = this.writeFile()
      .then(
        () => {
          this.lastError = undefined;
          batch.resolve();
        },
        (e: unknown) => {
          this.lastError = (e as NodeJS.ErrnoException).code ?? String(e);
          this.metrics?.storeError('write');
          batch.reject(new StoreUnavailableError(`could not write ${this.file} (${this.lastError})`));
        },
      )
      .finally(() => {
        this.writing = undefined;
        this.startWrite();
      });
  }

  private async writeFile(): Promise<void> {
    const now = this.now();
    const snapshot: Record<string, Entry> = {};
    for (const [k, entry] of this.entries) {
      if (entry.e !== undefined && entry.e <= now) this.entries.delete(k);
      else snapshot[k] = entry;
    }
    const handle = await fs.open(this.tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(snapshot));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(this.tmp, this.file);
  }
}
