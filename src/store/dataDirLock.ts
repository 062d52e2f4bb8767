import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'bot.lock';
/** The holder touches the lock file this often… */
const HEARTBEAT_MS = 10_000;
/** …so one not touched for this long was abandoned (its process died on some host we cannot see). */
export const STALE_AFTER_MS = 30_000;

interface LockRecord {
  pid: number;
  host: string;
  id: string;
  since: string;
}

export class DataDirInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirInUseError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parse(raw: string): LockRecord | undefined {
  try {
    const r = JSON.parse(raw) as Partial<LockRecord>;
    return typeof r.pid === 'number' && typeof r.host === 'string' && typeof r.id === 'string' ? (r as LockRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that wrote the lock still holds it. On this host the pid answers (our own pid
 * means a lock left by this process, or by a container's earlier life as pid 1); on another host
 * (containers sharing a volume) only the heartbeat can tell.
 */
function stillHeld(holder: LockRecord | undefined, touchedAt: number, now: number): boolean {
  if (now - touchedAt >= STALE_AFTER_MS) return false;
  if (!holder || holder.host !== os.hostname()) return true;
  return holder.pid !== process.pid && alive(holder.pid);
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * One live process per DATA_DIR: a lock file with the holder's pid, host and a heartbeat. Two bots on
 * one state file would overwrite each other's writes; several replicas share Redis instead.
 */
export class DataDirLock {
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly file: string,
    private readonly record: LockRecord,
    onLost: (message: string) => void,
  ) {
    this.timer = setInterval(() => {
      void this.heartbeat().catch((e: unknown) => onLost(`Could not renew the DATA_DIR lock ${file}: ${e instanceof Error ? e.message : String(e)}`));
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Takes the lock of `dir`, or throws DataDirInUseError naming the live holder and what to do. */
  static async acquire(dir: string, onLost: (message: string) => void = () => undefined): Promise<DataDirLock> {
    const file = path.join(dir, LOCK_FILE);
    const record: LockRecord = { pid: process.pid, host: os.hostname(), id: randomUUID(), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await fs.writeFile(file, JSON.stringify(record), { flag: 'wx', mode: 0o600 });
        return new DataDirLock(file, record, onLost);
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw e;
      }
      let raw: string;
      let touchedAt: number;
      try {
        [raw, touchedAt] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((s) => s.mtimeMs)]);
      } catch (e) {
        if (errno(e) === 'ENOENT') continue;
        throw e;
      }
      const holder = parse(raw);
      if (stillHeld(holder, touchedAt, Date.now())) throw new DataDirInUseError(inUseMessage(dir, file, holder));
      await DataDirLock.breakAbandoned(file, raw);
    }
    throw new DataDirInUseError(`Could not take the lock ${file}: other processes keep taking it. Is more than one bot starting on DATA_DIR ${dir}?`);
  }

  /** Moves an abandoned lock aside (atomically); one that changed meanwhile is put back, never overwritten. */
  private static async breakAbandoned(file: string, judged: string): Promise<void> {
    const aside = `${file}.${randomUUID()}.stale`;
    try {
      await fs.rename(file, aside);
    } catch (e) {
      if (errno(e) === 'ENOENT') return;
      throw e;
    }
    if ((await fs.readFile(aside, 'utf8').catch(() => '')) !== judged) await fs.link(aside, file).catch(() => undefined);
    await fs.rm(aside, { force: true });
  }

  private async heartbeat(): Promise<void> {
    const holder = parse(await fs.readFile(this.file, 'utf8'));
    if (holder?.id !== this.record.id) throw new Error(`another process (pid ${holder?.pid ?? '?'} on ${holder?.host ?? '?'}) took it over`);
    const now = new Date();
    await fs.utimes(this.file, now, now);
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    const holder = parse(await fs.readFile(this.file, 'utf8').catch(() => ''));
    if (holder?.id === this.record.id) await fs.rm(this.file, { force: true });
  }
}

function inUseMessage(dir: string, file: string, holder: LockRecord | undefined): string {
  const who = holder ? `pid ${holder.pid} on host ${holder.host}, since ${holder.since}` : 'an unreadable lock file';
  return (
    `DATA_DIR ${dir} is in use by another isc-workitems-bot process (${who}); two processes on one state file would overwrite each other. ` +
    'Stop that process first, or give this one its own DATA_DIR. To run several replicas, set REDIS_URL (README: "Running several replicas"). ' +
    `If that process is gone, its lock frees itself ${STALE_AFTER_MS / 1000} s after its last heartbeat, or delete ${file}.`
  );
}
