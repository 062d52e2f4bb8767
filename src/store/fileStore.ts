import fs from 'node:fs/promises';
import path from 'node:path';
import { MemoryStateStore, type Entry } from './memoryStore';

/**
 * StateStore kept in memory and persisted to one JSON file. Every change resolves only once it is on
 * disk; writes go to a temporary file that is fsynced and renamed over the old one, so a crash leaves
 * either the old or the new state, never a torn file. Changes that arrive while a write is under way
 * are coalesced into the next write.
 */
export class FileStateStore extends MemoryStateStore {
  private writing: Promise<void> | undefined;
  private pending: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;

  private constructor(
    private readonly file: string,
    now: () => number,
  ) {
    super(now);
  }

  static async open(dataDir: string, opts: { fileName?: string; now?: () => number } = {}): Promise<FileStateStore> {
    await fs.mkdir(dataDir, { recursive: true });
    const store = new FileStateStore(path.join(dataDir, opts.fileName ?? 'state.json'), opts.now ?? Date.now);
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    let raw: string;
    try {
      raw = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const parsed = JSON.parse(raw) as Record<string, Entry>;
    this.entries = new Map(Object.entries(parsed));
  }

  /** Waits for every write so far (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.writing || this.pending) await (this.pending?.promise ?? this.writing);
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
    this.writing = this.writeFile().then(batch.resolve, batch.reject).finally(() => {
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
    const tmp = `${this.file}.${process.pid}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(snapshot));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.file);
  }
}
