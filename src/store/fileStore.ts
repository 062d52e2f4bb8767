import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Metrics } from '../metrics/metrics';
import { DataDirLock } from './dataDirLock';
import { MemoryStateStore, type Entry } from './memoryStore';
import { StoreUnavailableError, type StoreHealth } from './store';

/** The journal is folded into the state file once it is this long and as long as the state file. */
const MIN_COMPACT_BYTES = 1024 * 1024;

/**
 * One line of the journal: a key and its whole entry as it is after the change, or the key alone
 * when the change removed it.
 */
type JournalLine = [key: string, entry?: Entry];

const journalOf = (file: string) => `${file}.journal`;

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Writes (`w`) or appends (`a`) `data` and returns once it is on disk. */
async function writeSynced(file: string, flags: 'a' | 'w', data: string): Promise<void> {
  const handle = await fs.open(file, flags, 0o600);
  try {
    await handle.writeFile(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The state on disk: the state file with the journal's changes applied in order. Only the last line
 * may be torn (a crash in the middle of an append, which was never reported as done): it is skipped.
 */
async function readState(file: string): Promise<{ entries: Map<string, Entry>; stateBytes: number; journalBytes: number } | undefined> {
  // The journal first: a compaction by the owning process renames the new state file in before it
  // empties the journal, so a reader alongside it never pairs an old state file with an emptied journal.
  const journal = await readIfExists(journalOf(file));
  const state = await readIfExists(file);
  if (state === undefined && !journal) return undefined;
  const entries = new Map(Object.entries(state === undefined ? {} : (JSON.parse(state) as Record<string, Entry>)));
  const lines = (journal ?? '').split('\n');
  lines.forEach((line, i) => {
    if (!line) return;
    let parsed: JournalLine;
    try {
      parsed = JSON.parse(line) as JournalLine;
    } catch (e) {
      if (i === lines.length - 1) return;
      throw new Error(`${journalOf(file)} line ${i + 1} is not JSON: ${(e as Error).message}`);
    }
    const [key, entry] = parsed;
    if (entry) entries.set(key, entry);
    else entries.delete(key);
  });
  return { entries, stateBytes: Buffer.byteLength(state ?? ''), journalBytes: Buffer.byteLength(journal ?? '') };
}

/**
 * StateStore kept in memory and persisted in DATA_DIR, for one process: opening it takes the DATA_DIR
 * lock (a second live process is refused with a message saying what to do). Every change resolves
 * only once it is on disk. A change appends one line (the key and its entry as they are now) to a
 * journal, fsynced, so a click costs a few hundred bytes whatever the size of the state. Once the
 * journal is as long as the state file, the whole state is written to a temporary file of this
 * process's own, fsynced and renamed over the state file, and the journal is emptied. A crash leaves
 * the old or the new state file and a journal whose replay on either gives the state that was last
 * reported written. Changes that arrive while a write is under way are coalesced into the next write.
 */
export class FileStateStore extends MemoryStateStore {
  private writing: Promise<void> | undefined;
  private pending: { keys: Set<string>; promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  /** Unique per open store: containers all run as pid 1, so the pid alone would collide on a shared volume. */
  private readonly tmp: string;
  private readonly journal: string;
  private journalBytes = 0;
  private stateBytes = 0;
  /**
   * Set when a write failed (its append may have left a partial line, and its changes are only in
   * memory) and at close: the next write is a whole state file, which holds them and empties the journal.
   */
  private mustCompact = false;
  private closing = false;
  private lastError: string | undefined;

  private constructor(
    private readonly file: string,
    private readonly lock: DataDirLock,
    now: () => number,
    private readonly metrics?: Metrics,
  ) {
    super(now);
    this.tmp = `${file}.${process.pid}-${randomUUID()}.tmp`;
    this.journal = journalOf(file);
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
    const state = await readState(path.join(dataDir, opts.fileName ?? 'state.json'));
    if (state) store.restore(state.entries);
    return store;
  }

  /** A journal left by the last run (and moved legacy keys) are folded into the state file at once; this also drops a torn last line. */
  private async load(): Promise<void> {
    const state = await readState(this.file);
    const migrated = state ? this.restore(state.entries) : false;
    this.stateBytes = state?.stateBytes ?? 0;
    if (migrated || state?.journalBytes) await this.compact();
  }

  /** Waits for every write so far (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.writing || this.pending) await (this.pending?.promise ?? this.writing);
  }

  /**
   * Folds the journal into the state file and removes it, as one more write in turn with any still
   * arriving (none may run beside it), so that the next start reads one file.
   */
  override async close(): Promise<void> {
    try {
      this.closing = true;
      this.mustCompact = true;
      await this.requestWrite();
      await this.flush();
    } finally {
      await this.lock.release();
    }
  }

  override async health(): Promise<StoreHealth> {
    return this.lastError
      ? { ok: false, kind: 'file', detail: "The last write of the state file failed; the bot's log says why." }
      : { ok: true, kind: 'file', detail: 'A JSON file and its journal in DATA_DIR, for this one process.' };
  }

  protected override changed(key: string): Promise<void> {
    return this.requestWrite(key);
  }

  private requestWrite(key?: string): Promise<void> {
    if (this.pending) {
      if (key !== undefined) this.pending.keys.add(key);
      return this.pending.promise;
    }
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending = { keys: new Set(key === undefined ? [] : [key]), promise, resolve, reject };
    if (!this.writing) this.startWrite();
    return promise;
  }

  private startWrite(): void {
    const batch = this.pending;
    if (!batch) return;
    this.pending = undefined;
    this.writing = this.write(batch.keys)
      .then(
        () => {
          this.lastError = undefined;
          batch.resolve();
        },
        (e: unknown) => {
          this.lastError = (e as NodeJS.ErrnoException).code ?? String(e);
          this.mustCompact = true;
          this.metrics?.storeError('write');
          batch.reject(new StoreUnavailableError(`could not write ${this.file} (${this.lastError})`));
        },
      )
      .finally(() => {
        this.writing = undefined;
        this.startWrite();
      });
  }

  /**
   * Appends the batch to the journal; then, when the journal has grown as long as the state file,
   * writes the state file. The journal lines and the state file are taken in the same tick, so the
   * journal (until it is emptied) replays to exactly what the new state file holds.
   */
  private async write(keys: Set<string>): Promise<void> {
    if (this.mustCompact) return this.compact();
    const lines = [...keys].map((key) => JSON.stringify(this.entries.has(key) ? ([key, this.entries.get(key)] satisfies JournalLine) : ([key] satisfies JournalLine))).join('\n') + '\n';
    const compactAfter = this.journalBytes + Buffer.byteLength(lines) >= Math.max(MIN_COMPACT_BYTES, this.stateBytes);
    const state = compactAfter ? this.serialise() : undefined;
    await this.append(lines);
    if (state !== undefined) await this.replaceState(state);
  }

  private async compact(): Promise<void> {
    await this.replaceState(this.serialise());
    this.mustCompact = false;
    if (this.closing) await fs.rm(this.journal, { force: true });
  }

  /** The live entries as the state file holds them; expired ones are dropped here, in memory too. */
  private serialise(): string {
    const now = this.now();
    const snapshot: Record<string, Entry> = {};
    for (const [k, entry] of this.entries) {
      if (entry.e !== undefined && entry.e <= now) this.entries.delete(k);
      else snapshot[k] = entry;
    }
    return JSON.stringify(snapshot);
  }

  private async append(lines: string): Promise<void> {
    await writeSynced(this.journal, 'a', lines);
    this.journalBytes += Buffer.byteLength(lines);
  }

  private async replaceState(state: string): Promise<void> {
    await writeSynced(this.tmp, 'w', state);
    await fs.rename(this.tmp, this.file);
    // The rename must be on disk before the journal it replaces is emptied.
    await syncDirectory(path.dirname(this.file));
    this.stateBytes = Buffer.byteLength(state);
    // Replaying the old journal over the new state file gives the same state: a crash before this is harmless.
    await fs.truncate(this.journal, 0).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    this.journalBytes = 0;
  }
}
