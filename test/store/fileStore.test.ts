import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStore } from '../../src/store/fileStore';
import { MemoryStateStore } from '../../src/store/memoryStore';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
}

describe('FileStateStore', () => {
  it('persists values across a reopen (a restart)', async () => {
    const dir = tempDir();
    const a = await FileStateStore.open(dir);
    await a.set('digest:lastSlot', '2026-11-20T09:00:00Z');
    await a.set('notify:U1', { subscribed: true });
    const b = await FileStateStore.open(dir);
    expect(await b.get('digest:lastSlot')).toBe('2026-11-20T09:00:00Z');
    expect(await b.get('notify:U1')).toEqual({ subscribed: true });
  });

  it('setIfAbsent lets exactly one of many concurrent callers win', async () => {
    const store = await FileStateStore.open(tempDir());
    const results = await Promise.all(Array.from({ length: 20 }, () => store.setIfAbsent('click:W1:A1', 'U1')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('expires entries after their ttl, also across a reopen', async () => {
    let now = 1_000_000;
    const dir = tempDir();
    const store = await FileStateStore.open(dir, { now: () => now });
    await store.set('k', 'v', 1000);
    expect(await store.get('k')).toBe('v');
    now += 1001;
    expect(await store.get('k')).toBeUndefined();
    expect(await store.setIfAbsent('k', 'again', 1000)).toBe(true);
    now += 5000;
    const reopened = await FileStateStore.open(dir, { now: () => now });
    expect(await reopened.get('k')).toBeUndefined();
  });

  it('lists keys by prefix and deletes', async () => {
    const store = await FileStateStore.open(tempDir());
    await Promise.all([store.set('a:1', 1), store.set('a:2', 2), store.set('b:1', 3)]);
    expect((await store.keys('a:')).sort()).toEqual(['a:1', 'a:2']);
    await store.delete('a:1');
    expect(await store.keys('a:')).toEqual(['a:2']);
  });

  it('coalesces concurrent writes and leaves a complete file with no temporary file behind', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.set(`k${i}`, i)));
    await store.flush();
    const files = fs.readdirSync(dir);
    expect(files).toEqual(['state.json']);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as Record<string, { v: number }>;
    expect(Object.keys(onDisk)).toHaveLength(200);
    expect(onDisk.k199.v).toBe(199);
  });

  it('keeps the previous state when a crash interrupts a write before the rename', async () => {
    const dir = tempDir();
    const store = await FileStateStore.open(dir);
    await store.set('kept', true);
    // A crash mid-write leaves at most a stray temporary file; the real file is untouched.
    fs.writeFileSync(path.join(dir, 'state.json.99999.tmp'), '{"kept":{"v":fal');
    const reopened = await FileStateStore.open(dir);
    expect(await reopened.get('kept')).toBe(true);
  });
});

describe('MemoryStateStore', () => {
  it('keeps values in memory with the same semantics and nothing on disk', async () => {
    let now = 0;
    const store = new MemoryStateStore(() => now);
    expect(await store.setIfAbsent('a', 1, 100)).toBe(true);
    expect(await store.setIfAbsent('a', 2, 100)).toBe(false);
    now = 101;
    expect(await store.get('a')).toBeUndefined();
    await store.set('p:1', 'x');
    expect(await store.keys('p:')).toEqual(['p:1']);
  });
});
