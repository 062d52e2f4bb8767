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

  it('coalesces concurrent writes and leaves a complete file with no temporary file behind', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.set(`k${i}`, i)));
    await store.flush();
    expect(fs.readdirSync(dir).sort()).toEqual([LOCK_FILE, 'state.json']);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as Record<string, { v: number }>;
    expect(Object.keys(onDisk)).toHaveLength(200);
    expect(onDisk.k199.v).toBe(199);
    await store.close();
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  it('writes through a temporary file of its own, not one named by the pid alone (every container is pid 1)', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    const renames: string[] = [];
    const spy = jest.spyOn(fs.promises, 'rename').mockImplementation(async (from, to) => {
      renames.push(path.basename(String(from)));
      return fs.renameSync(from, to);
    });
    try {
      await store.set('k', 1);
    } finally {
      spy.mockRestore();
    }
    expect(renames).toHaveLength(1);
    expect(renames[0]).toMatch(new RegExp(`^state\\.json\\.${process.pid}-[0-9a-f-]{36}\\.tmp$`));
    await store.close();
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
