import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../log';
import type { AuditLog, AuditRecord } from './auditLog';
import { EMPTY_HEAD, link, SerialQueue, unchained, pruneMark, verifyChain, type ChainedRecord, type ChainHead, type ChainLink, type VerifyResult } from './chain';

const FILE = /^audit-(\d{4})-(\d{2})\.jsonl$/;
const DAY_MS = 24 * 3600_000;

const monthOf = (d: Date) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
/** When a month (1-12) ends, UTC: every record in its file is older than that. */
const monthEnd = (year: number, month: number) => Date.UTC(year, month, 1);

export interface FileAuditLogOptions {
  retentionDays: number;
  logger: Logger;
  now?: () => Date;
}

/** How long an append waits for another process's (the audit CLI's) lock; a lock older than LOCK_STALE_MS was left by a crash. */
const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;
/** Bytes read at a time from a file's end to find its last record. */
const TAIL_CHUNK = 64 * 1024;

const ignoreMissing = (e: NodeJS.ErrnoException) => {
  if (e.code !== 'ENOENT') throw e;
};

/**
 * The audit trail as JSON lines, one file per UTC month (`audit-2026-11.jsonl`) in its directory, each
 * line a link of the hash chain (chain.ts) that runs on across the files.
 *
 * - Append-only: each record is one write() of one line to a file opened with O_APPEND, then
 *   fdatasync, before append() resolves. Appends are serialised (in the process by a queue, across
 *   processes such as the audit CLI by a lock file, `append.lock`), since each needs the last one's hash.
 * - A line torn by a power loss is closed off before the next record, and skipped by readers; it was
 *   never a link, so the chain holds.
 * - Retention: whole monthly files are deleted once their last day is older than the retention, so a
 *   record is kept at least `retentionDays` and at most a month longer, and a prune mark naming the
 *   last record deleted is appended. No file is ever rewritten.
 */
export class FileAuditLog implements AuditLog {
  private nextPruneAt = 0;
  private readonly now: () => Date;
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly dir: string,
    private readonly opts: FileAuditLogOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  static async open(dir: string, opts: FileAuditLogOptions): Promise<FileAuditLog> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return new FileAuditLog(dir, opts);
  }

  async append(record: AuditRecord): Promise<void> {
    await this.exclusive(async () => this.write(link(record, await this.head())));
    if (this.now().getTime() >= this.nextPruneAt) await this.prune();
  }

  private async write(entry: ChainedRecord): Promise<void> {
    const file = path.join(this.dir, `audit-${monthOf(this.now())}.jsonl`);
    const handle = await fs.open(file, 'a+', 0o600);
    try {
      const { size } = await handle.stat();
      let torn = false;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        torn = last[0] !== 0x0a;
      }
      await handle.write(`${torn ? '\n' : ''}${JSON.stringify(entry)}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  /** Runs `work` after this process's earlier appends, holding the directory's lock file. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      await this.lock();
      try {
        return await work();
      } finally {
        await fs.unlink(this.lockPath()).catch(ignoreMissing);
      }
    });
  }

  private lockPath(): string {
    return path.join(this.dir, 'append.lock');
  }

  private async lock(): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await (await fs.open(this.lockPath(), 'wx', 0o600)).close();
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const held = await fs.stat(this.lockPath()).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) {
        this.opts.logger.warn('Removed a stale lock of the audit trail (left by a process that died while appending)', { file: this.lockPath() });
        await fs.unlink(this.lockPath()).catch(ignoreMissing);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`The audit trail's lock ${this.lockPath()} has been held for over ${LOCK_WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10));
    }
  }

  /** The chain's last link: the last readable chained line of the newest file that has one. */
  private async head(): Promise<ChainHead> {
    for (const { name } of (await this.files()).reverse()) {
      const last = await this.lastLink(path.join(this.dir, name));
      if (last) return last;
    }
    return EMPTY_HEAD;
  }

  private async lastLink(file: string): Promise<ChainHead | undefined> {
    const handle = await fs.open(file, 'r');
    try {
      let end = (await handle.stat()).size;
      let rest: Buffer = Buffer.alloc(0);
      while (end > 0) {
        const start = Math.max(0, end - TAIL_CHUNK);
        const chunk: Buffer = Buffer.alloc(end - start);
        await handle.read(chunk, 0, chunk.length, start);
        const buf = Buffer.concat([chunk, rest]);
        // Lines split at a newline byte, which never falls inside a UTF-8 character; the first is whole only at the file's start.
        const lines: Buffer[] = [];
        let from = 0;
        for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, from)) {
          lines.push(buf.subarray(from, nl));
          from = nl + 1;
        }
        lines.push(buf.subarray(from));
        rest = start === 0 ? Buffer.alloc(0) : lines.shift()!;
        for (const line of lines.reverse()) {
          const entry = parseLine(line.toString('utf8'));
          if (entry?.seq !== undefined && entry.hash !== undefined) return { seq: entry.seq, hash: entry.hash };
        }
        end = start;
      }
      return undefined;
    } finally {
      await handle.close();
    }
  }

  async *readSince(since: Date): AsyncIterable<AuditRecord> {
    // A day early: a record written at a month's edge by a process whose clock was a little off.
    const from = monthOf(new Date(since.getTime() - DAY_MS));
    for await (const entry of this.entries(from)) if (Date.parse(entry.at) >= since.getTime()) yield unchained(entry);
  }

  verify(): Promise<VerifyResult> {
    return verifyChain(this.entries(''));
  }

  /** Every readable line of the files from month `from` (YYYY-MM) on, oldest first. */
  private async *entries(from: string): AsyncIterable<AuditRecord & Partial<ChainLink>> {
    const files = (await this.files()).filter((f) => f.key >= from);
    for (const { name } of files) {
      const lines = createInterface({ input: createReadStream(path.join(this.dir, name), 'utf8'), crlfDelay: Infinity });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (!line.trim()) continue;
        const record = parseLine(line);
        if (record) yield record;
        else this.opts.logger.warn('Skipped an unreadable line of the audit trail (torn by a crash?)', { file: name, line: lineNo });
      }
    }
  }

  async prune(): Promise<void> {
    const now = this.now().getTime();
    this.nextPruneAt = now + DAY_MS;
    const cutoff = now - this.opts.retentionDays * DAY_MS;
    await this.exclusive(async () => {
      let pruned: ChainHead | undefined;
      for (const { name, year, month } of await this.files()) {
        if (monthEnd(year, month) > cutoff) continue;
        const file = path.join(this.dir, name);
        pruned = (await this.lastLink(file).catch(() => undefined)) ?? pruned;
        await fs.unlink(file).catch(ignoreMissing);
        this.opts.logger.info('Deleted an audit file past the retention', { file: name, retentionDays: this.opts.retentionDays });
      }
      if (pruned) await this.write(link(pruneMark(pruned, this.now()), await this.head()));
    });
  }

  close(): Promise<void> {
    return this.queue.drain();
  }

  /** The monthly files, oldest first; `key` is their YYYY-MM, `month` 1-12. */
  private async files(): Promise<Array<{ name: string; key: string; year: number; month: number }>> {
    const names = await fs.readdir(this.dir);
    return names
      .flatMap((name) => {
        const m = FILE.exec(name);
        return m ? [{ name, key: `${m[1]}-${m[2]}`, year: Number(m[1]), month: Number(m[2]) }] : [];
      })
      .sort((a, b) => a.key.localeCompare(b.key));
  }
}

function parseLine(line: string): (AuditRecord & Partial<ChainLink>) | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as AuditRecord & Partial<ChainLink>) : undefined;
  } catch {
    return undefined;
  }
}
