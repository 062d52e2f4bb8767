import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirInUseError, LOCK_FILE, STALE_AFTER_MS } from '../../src/store/dataDirLock';
import { FileStateStore } from '../../src/store/fileStore';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
}

const lockOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as { pid: number; host: string };

/** Writes a lock as another process would have, touched `ageMs` ago. */
function foreignLock(dir: string, holder: { pid: number; host: string }, ageMs = 0): void {
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, JSON.stringify({ ...holder, id: 'someone-else', since: '2030-01-01T00:00:00.000Z' }));
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(file, at, at);
}

describe('FileStateStore', () => {
  it('persists values, maps and sets across a reopen (a restart)', async () => {
    const dir = tempDir();
    const a = await FileStateStore.open(dir);
    await a.set('digest:lastSlot', '2026-11-20T09:00:00Z');
    await a.setField('notify:subs', 'U1', { on: true });
    await a.addMember('notify:dm-items:U1', 'W1');
    await a.close();
    const b = await FileStateStore.open(dir);
    expect(await b.get('digest:lastSlot')).toBe('2026-11-20T09:00:00Z');
    expect(await b.getFields('notify:subs')).toEqual({ U1: { on: true } });
    expect(await b.members('notify:dm-items:U1')).toEqual(['W1']);
    await b.close();
  });

  it('expires entries after their ttl, also across a reopen', async () => {
    let now = 1_000_000;
    const dir = tempDir();
    const store = await FileStateStore.open(dir, { now: () => now });
    await store.set('k', 'v', 1000);
    now += 5000;
    await store.close();
    const reopened = await FileStateStore.open(dir, { now: () => now });
    expect(await reopened.get('k')).toBeUndefined();
    await reopened.close();
  });

  it('coalesces concurrent writes into one journal append and leaves only the state file, no temporary file, after close', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    const appends = jest.spyOn(store as unknown as { append: (lines: string) => Promise<void> }, 'append');
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.set(`k${i}`, i)));
    await store.flush();
    expect(appends.mock.calls.length).toBeLessThanOrEqual(2);
    expect(fs.readdirSync(dir).sort()).toEqual([LOCK_FILE, 'state.json.journal']);
    await store.close();
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as Record<string, { v: number }>;
    expect(Object.keys(onDisk)).toHaveLength(200);
    expect(onDisk.k199.v).toBe(199);
  });

  it('writes the state file through a temporary file of its own, not one named by the pid alone (every container is pid 1)', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    await store.set('k', 1);
    const renames: string[] = [];
    const spy = jest.spyOn(fs.promises, 'rename').mockImplementation(async (from, to) => {
      renames.push(path.basename(String(from)));
      return fs.renameSync(from, to);
    });
    try {
      await store.close();
    } finally {
      spy.mockRestore();
    }
    expect(renames).toHaveLength(1);
    expect(renames[0]).toMatch(new RegExp(`^state\\.json\\.${process.pid}-[0-9a-f-]{36}\\.tmp$`));
  });

  it('keeps the previous state when a crash interrupts a write before the rename', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    await store.set('kept', true);
    await store.close();
    // A crash mid-write leaves at most a stray temporary file; the real file is untouched.
    fs.writeFileSync(path.join(dir, 'state.json.1-5c1f.tmp'), '{"kept":{"v":fal');
    const reopened = await FileStateStore.open(dir);
    expect(await reopened.get('kept')).toBe(true);
    await reopened.close();
  });

  it('moves the keys of a state file from before maps and sets to where the services read them now', async () => {
    const dir = tempDir();
    const later = Date.now() + 3600_000;
    fs.writeFileSync(
      path.join(dir, 'state.json'),
      JSON.stringify({
        'decision:W1:A1': { v: { kind: 'approved', bySlackUserId: 'U1', at: 'x' }, e: later },
        'decision:W1:*': { v: { kind: 'forwarded', bySlackUserId: 'U2', at: 'y' }, e: later + 1 },
        'notify:sub:U1': { v: { on: false, via: 'command', period: 'p1' } },
        'notify:sub:U2': { v: { on: true, via: 'use', period: 'p2' } },
        'notify:dm:U1:W1': { v: { status: 'posted', kind: 'dm', at: 'z', channel: 'D1', ts: '1.0' } },
        'link-mismatch:U1:2030-01-01T00:00:00.000Z': { v: { expectedIdentityId: 'a', signedInIdentityId: 'b' }, e: later },
        'digest:lastSlot': { v: '2030-01-01T09:00:00.000Z' },
      }),
    );
    const store = await FileStateStore.open(dir);
    expect(await store.getFields('decisions:W1')).toEqual({ A1: { kind: 'approved', bySlackUserId: 'U1', at: 'x' }, '*': { kind: 'forwarded', bySlackUserId: 'U2', at: 'y' } });
    expect(await store.getFields('notify:subs')).toEqual({ U1: { on: false, via: 'command', period: 'p1' }, U2: { on: true, via: 'use', period: 'p2' } });
    expect(await store.get('notify:dm:U1:W1')).toMatchObject({ status: 'posted' });
    expect(await store.members('notify:dm-items:U1')).toEqual(['W1']);
    expect(await store.members('notify:dm-holders:W1')).toEqual(['U1']);
    expect(Object.keys(await store.getFields('link-mismatch:U1'))).toEqual(['2030-01-01T00:00:00.000Z']);
    expect(await store.get('digest:lastSlot')).toBe('2030-01-01T09:00:00.000Z');
    await store.close();
    const onDisk = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as object);
    expect(onDisk.filter((k) => k.startsWith('decision:') || k.startsWith('notify:sub:') || /^link-mismatch:.+:/.test(k))).toEqual([]);
  });
});

describe('FileStateStore: the journal', () => {
  const journal = (dir: string) => path.join(dir, 'state.json.journal');
  const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

  it('appends a change to the journal instead of rewriting the state file, and replays it on the next start', async () => {
    const dir = tempDir();
    const a = await FileStateStore.open(dir);
    await a.set('big', 'x'.repeat(100_000));
    await a.close();
    const stateFile = path.join(dir, 'state.json');
    const before = fs.statSync(stateFile).mtimeMs;
    const b = await FileStateStore.open(dir);
    await b.set('k', 1);
    await b.setField('m', 'f', { on: true });
    await b.delete('big');
    expect(fs.statSync(stateFile).mtimeMs).toBe(before);
    expect(size(journal(dir))).toBeLessThan(200);
    expect(await (await FileStateStore.snapshot(dir)).get('k')).toBe(1);
    // A crash now (no close): the next start replays the journal.
    fs.rmSync(path.join(dir, LOCK_FILE));
    const c = await FileStateStore.open(dir);
    expect(await c.get('k')).toBe(1);
    expect(await c.getFields('m')).toEqual({ f: { on: true } });
    expect(await c.get('big')).toBeUndefined();
    // ...and folds it into the state file at once.
    expect(size(journal(dir))).toBe(0);
    expect(Object.keys(JSON.parse(fs.readFileSync(stateFile, 'utf8')) as object).sort()).toEqual(['k', 'm']);
    await c.close();
  });

  it('after a failed append (a partial line left behind), the next write is a whole state file: a restart neither refuses the journal nor loses the change', async () => {
    const dir = tempDir();
    const a = await FileStateStore.open(dir);
    await a.set('before', 0);
    const append = jest.spyOn(a as unknown as { append: (lines: string) => Promise<void> }, 'append').mockImplementationOnce(async () => {
      fs.appendFileSync(journal(dir), '["failed",{"v":');
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    });
    await expect(a.set('failed', 1)).rejects.toThrow(/could not write/);
    append.mockRestore();
    await a.set('next', 2);
    // A crash now (no close).
    fs.rmSync(path.join(dir, LOCK_FILE));
    const b = await FileStateStore.open(dir);
    expect(await b.getMany(['before', 'failed', 'next'])).toEqual([0, 1, 2]);
    await b.close();
  });

  it('close folds the journal in turn with a write that arrives during it: nothing reported written is lost', async () => {
    const dir = tempDir();
    const a = await FileStateStore.open(dir);
    await a.set('k1', 1);
    const closed = a.close();
    const late = a.set('late', 2);
    await Promise.all([closed, late]);
    await a.flush();
    fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
    const b = await FileStateStore.open(dir);
    expect(await b.getMany(['k1', 'late'])).toEqual([1, 2]);
    await b.close();
  });

  it('skips a torn last line (a crash in the middle of an append that was never reported done)', async () => {
    const dir = tempDir();
    const a = await FileStateStore.open(dir);
    await a.set('kept', true);
    await a.close();
    fs.writeFileSync(journal(dir), `${JSON.stringify(['added', { v: 1 }])}\n${JSON.stringify(['kept'])}\n["torn",{"v":`);
    const b = await FileStateStore.open(dir);
    expect(await b.get('added')).toBe(1);
    expect(await b.get('kept')).toBeUndefined();
    expect(await b.get('torn')).toBeUndefined();
    // The torn tail is gone before anything else is appended after it.
    await b.set('next', 2);
    await b.close();
    const c = await FileStateStore.open(dir);
    expect(await c.getMany(['added', 'next', 'torn'])).toEqual([1, 2, undefined]);
    await c.close();
  });

  it('refuses to start on a journal damaged before its last line, rather than losing what follows', async () => {
    const dir = tempDir();
    fs.writeFileSync(journal(dir), `["a",{"v":1}]\n["b",{"v\n["c",{"v":3}]\n`);
    await expect(FileStateStore.open(dir)).rejects.toThrow(/state\.json\.journal line 2 is not JSON/);
    // The lock was let go: a fixed directory opens.
    fs.writeFileSync(journal(dir), `["a",{"v":1}]\n`);
    const store = await FileStateStore.open(dir);
    expect(await store.get('a')).toBe(1);
    await store.close();
  });

  it('writes the state file and empties the journal once the journal is as long as the state file (at least 1 MiB)', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    const value = 'v'.repeat(1000);
    for (let i = 0; i < 1100; i++) await store.set(`k${i}`, value);
    expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(true);
    expect(size(journal(dir))).toBeLessThan(100_000);
    await store.set('big', 'b'.repeat(2 * 1024 * 1024));
    expect(size(journal(dir))).toBe(0);
    const stateBytes = size(path.join(dir, 'state.json'));
    expect(stateBytes).toBeGreaterThan(3 * 1024 * 1024);
    // A 1.1 MiB journal is not yet as long as the 3 MiB state file.
    for (let i = 0; i < 1100; i++) await store.set(`k${i}`, `${value}${i}`);
    expect(size(path.join(dir, 'state.json'))).toBe(stateBytes);
    expect(size(journal(dir))).toBeGreaterThan(1024 * 1024);
    expect(await (await FileStateStore.snapshot(dir)).get('k1099')).toBe(`${value}1099`);
    await store.close();
  });

  it('gives the same state when a crash comes after the new state file but before the journal was emptied', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    await store.set('a', 1);
    await store.set('a', 2);
    await store.setField('m', 'f', 'x');
    await store.deleteField('m', 'f');
    await store.addMember('s', 'one');
    await store.flush();
    const journalled = fs.readFileSync(journal(dir), 'utf8');
    await store.close();
    // The state file written by the compaction, with the journal it replaced still there.
    fs.writeFileSync(journal(dir), journalled);
    const reopened = await FileStateStore.open(dir);
    expect(await reopened.get('a')).toBe(2);
    expect(await reopened.getFields('m')).toEqual({});
    expect(await reopened.members('s')).toEqual(['one']);
    await reopened.close();
  });
});

describe('FileStateStore: one live process per DATA_DIR', () => {
  it('writes a lock with its pid and host, and removes it on close', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, host: os.hostname() });
    await store.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses to open while another live process on this host holds the directory, and says what to do', async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      foreignLock(dir, { pid: other.pid!, host: os.hostname() });
      const refused = FileStateStore.open(dir);
      await expect(refused).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(refused).rejects.toThrow(new RegExp(`DATA_DIR ${dir} is in use by another isc-workitems-bot process \\(pid ${other.pid} on host ${os.hostname()}`));
      await expect(refused).rejects.toThrow(/give this one its own DATA_DIR.*REDIS_URL/);
      // Nothing was touched: the other process keeps its lock.
      expect(lockOf(dir).pid).toBe(other.pid);
    } finally {
      const exited = new Promise((resolve) => other.once('exit', resolve));
      other.kill('SIGKILL');
      await exited;
    }
    // That process died without removing its lock: the next start takes it over at once.
    const store = await FileStateStore.open(dir);
    expect(lockOf(dir).pid).toBe(process.pid);
    await store.close();
  });

  it('on a shared volume, trusts another host’s heartbeat until it is stale', async () => {
    const dir = tempDir();
    foreignLock(dir, { pid: 1, host: 'another-container' }, 1000);
    await expect(FileStateStore.open(dir)).rejects.toThrow(/pid 1 on host another-container.*frees itself 30 s after its last heartbeat/);
    foreignLock(dir, { pid: 1, host: 'another-container' }, STALE_AFTER_MS + 1000);
    const store = await FileStateStore.open(dir);
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, host: os.hostname() });
    await store.close();
  });
});
