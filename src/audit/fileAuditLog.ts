import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../log';
import type { AuditLog, AuditRecord } from './auditLog';

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

/**
 * The audit trail as JSON lines, one file per UTC month (`audit-2026-11.jsonl`) in its directory.
 *
 * - Append-only: each record is one write() of one line to a file opened with O_APPEND, then
 *   fdatasync, before append() resolves. Writes with O_APPEND land whole at the end of the file, so
 *   several processes (or replicas sharing DATA_DIR on one host) append to the same file safely.
 * - A line torn by a power loss is closed off before the next record, and skipped by readers.
 * - Retention: whole monthly files are deleted once their last day is older than the retention, so a
 *   record is kept at least `retentionDays` and at most a month longer. No file is ever rewritten.
 */
export class FileAuditLog implements AuditLog {
  private nextPruneAt = 0;
  private readonly now: () => Date;

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
      await handle.write(`${torn ? '\n' : ''}${JSON.stringify(record)}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    if (this.now().getTime() >= this.nextPruneAt) await this.prune();
  }

  async *readSince(since: Date): AsyncIterable<AuditRecord> {
    // A day early: a record written at a month's edge by a process whose clock was a little off.
    const from = monthOf(new Date(since.getTime() - DAY_MS));
    const files = (await this.files()).filter((f) => f.key >= from);
    for (const { name } of files) {
      const lines = createInterface({ input: createReadStream(path.join(this.dir, name), 'utf8'), crlfDelay: Infinity });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (!line.trim()) continue;
        let record: AuditRecord;
        try {
          record = JSON.parse(line) as AuditRecord;
        } catch {
          this.opts.logger.warn('Skipped an unreadable line of the audit trail (torn by a crash?)', { file: name, line: lineNo });
          continue;
        }
        if (Date.parse(record.at) >= since.getTime()) yield record;
      }
    }
  }

  async prune(): Promise<void> {
    const now = this.now().getTime();
    this.nextPruneAt = now + DAY_MS;
    const cutoff = now - this.opts.retentionDays * DAY_MS;
    for (const { name, year, month } of await this.files()) {
      if (monthEnd(year, month) > cutoff) continue;
      // Another process may have deleted it first.
      await fs.unlink(path.join(this.dir, name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      this.opts.logger.info('Deleted an audit file past the retention', { file: name, retentionDays: this.opts.retentionDays });
    }
  }

  async close(): Promise<void> {
    // Nothing is held open between appends.
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
