import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStore } from '../../src/store/fileStore';
import { MemoryStateStore } from '../../src/store/memoryStore';
import { tryLock, updateRecord, type StateStore } from '../../src/store/store';
import { deleteKeys, openTestStore, testPrefix } from '../support/redis';

/**
 * One suite, every backend: what the services rely on (test/store/*.test.ts add what only one
 * backend has). Memory and file run on a clock the test moves; Redis keeps time itself, so its
 * expiries are waited out for real (short ttls).
 */
interface Backend {
  store: StateStore;
  /** Lets `ms` pass for the store's expiries. */
  pass(ms: number): Promise<void>;
  close(): Promise<void>;
}

const TTL = 150;

const backends: Array<[string, () => Promise<Backend>]> = [
  [
    'memory',
    async () => {
      let now = 1_000_000;
      return { store: new MemoryStateStore(() => now), pass: async (ms) => void (now += ms), close: async () => undefined };
    },
  ],
  [
    'file',
    async () => {
      let now = 1_000_000;
      const store = await FileStateStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'contract-')), { now: () => now });
      return { store, pass: async (ms) => void (now += ms), close: () => store.close() };
    },
  ],
  [
    'redis',
    async () => {
      const prefix = testPrefix('contract');
      const store = await openTestStore(prefix);
      return {
        store,
        pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 30)),
        close: async () => {
          await store.close();
          await deleteKeys(prefix);
        },
      };
    },
  ],
];

describe.each(backends)('StateStore contract: %s', (_name, open) => {
  let backend: Backend;
  let store: StateStore;
  beforeEach(async () => {
    backend = await open();
    store = backend.store;
  });
  afterEach(() => backend.close());

  it('keeps JSON values: a copy goes in and a copy comes out', async () => {
    const value = { a: 1, list: ['x'], nested: { on: true } };
    await store.set('k', value);
    value.list.push('changed after set');
    const read = await store.get<typeof value>('k');
    expect(read).toEqual({ a: 1, list: ['x'], nested: { on: true } });
    read!.a = 2;
    expect(await store.get('k')).toEqual({ a: 1, list: ['x'], nested: { on: true } });
    expect(await store.get('missing')).toBeUndefined();
    await store.set('s', 'text');
    expect(await store.getMany(['k', 'missing', 's'])).toEqual([{ a: 1, list: ['x'], nested: { on: true } }, undefined, 'text']);
    expect(await store.getMany([])).toEqual([]);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
  });

  it('expires a key after its ttl; a write without one makes it permanent', async () => {
    await store.set('short', 1, TTL);
    await store.set('kept', 1, TTL);
    await store.set('kept', 2);
    await backend.pass(TTL);
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('kept')).toBe(2);
  });

  it('setIfAbsent: exactly one of many concurrent callers wins, and the key is free again once expired', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('claim', i, TTL)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get('claim')).toBe(results.indexOf(true));
    await backend.pass(TTL);
    expect(await store.setIfAbsent('claim', 'again')).toBe(true);
  });

  it('compareAndSet writes only over the expected value (absent, when undefined) and deletes with undefined', async () => {
    expect(await store.compareAndSet('r', { v: 1 }, { v: 2 })).toBe(false);
    expect(await store.compareAndSet('r', undefined, { v: 1, at: 'x' })).toBe(true);
    expect(await store.compareAndSet('r', undefined, { v: 9 })).toBe(false);
    const current = await store.get<{ v: number }>('r');
    expect(await store.compareAndSet('r', { v: 1 }, { v: 2 })).toBe(false);
    expect(await store.compareAndSet('r', current, { v: 2 }, TTL)).toBe(true);
    expect(await store.get('r')).toEqual({ v: 2 });
    await backend.pass(TTL);
    expect(await store.get('r')).toBeUndefined();
    await store.set('d', [1, 2]);
    expect(await store.compareAndSet('d', [1, 2], undefined)).toBe(true);
    expect(await store.get('d')).toBeUndefined();
  });

  it('updateRecord loses no concurrent change', async () => {
    await store.set('counter', { n: 0 });
    await Promise.all(Array.from({ length: 6 }, () => updateRecord<{ n: number }>(store, 'counter', (c) => ({ value: { n: (c?.n ?? 0) + 1 } }))));
    expect(await store.get('counter')).toEqual({ n: 6 });
    // Returning undefined leaves the record alone.
    expect(await updateRecord(store, 'counter', () => undefined)).toEqual({ n: 6 });
  });

  it('tryLock: one holder; released only by that holder; a lost holder cannot release its successor', async () => {
    const first = await tryLock(store, 'lock:x', TTL, { by: 'U1' });
    expect(first).toBeDefined();
    expect(await tryLock(store, 'lock:x', TTL)).toBeUndefined();
    await first!.release();
    const second = await tryLock(store, 'lock:x', TTL);
    expect(second).toBeDefined();
    await backend.pass(TTL);
    // The second holder took too long: its lock expired and a third took it.
    const third = await tryLock(store, 'lock:x', 60_000);
    await second!.release();
    expect(await tryLock(store, 'lock:x', TTL)).toBeUndefined();
    await third!.release();
    expect(await store.get('lock:x')).toBeUndefined();
  });

  it('maps: fields read in one call, set-if-absent per field, a ttl for the whole key', async () => {
    expect(await store.getFields('m')).toEqual({});
    await store.setField('m', 'a1', { kind: 'approved' });
    await store.setField('m', '*', { kind: 'forwarded' }, TTL);
    expect(await store.getFields('m')).toEqual({ a1: { kind: 'approved' }, '*': { kind: 'forwarded' } });
    expect(await store.getField('m', 'a1')).toEqual({ kind: 'approved' });
    expect(await store.getField('m', 'nope')).toBeUndefined();
    expect(await store.setFieldIfAbsent('m', 'a1', { kind: 'rejected' })).toBe(false);
    expect(await store.setFieldIfAbsent('m', 'a2', { kind: 'rejected' })).toBe(true);
    await store.deleteField('m', 'a2');
    expect(Object.keys(await store.getFields('m')).sort()).toEqual(['*', 'a1']);
    const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => store.setFieldIfAbsent('subs', 'U1', { i })));
    expect(wins.filter(Boolean)).toHaveLength(1);
    await backend.pass(TTL);
    expect(await store.getFields('m')).toEqual({});
  });

  it('sets: members added once, removed, and expiring with the key', async () => {
    expect(await store.members('s')).toEqual([]);
    await Promise.all(['U1', 'U2', 'U1'].map((m) => store.addMember('s', m)));
    expect((await store.members('s')).sort()).toEqual(['U1', 'U2']);
    await store.removeMember('s', 'U1');
    await store.removeMember('s', 'absent');
    expect(await store.members('s')).toEqual(['U2']);
    await store.addMember('s', 'U3', TTL);
    await backend.pass(TTL);
    expect(await store.members('s')).toEqual([]);
  });

  it('lists the keys under a prefix (values, maps and sets), without the expired ones', async () => {
    await store.set('linked-account:U1', { a: 1 });
    await store.setField('linked-account:U2', 'f', 1);
    await store.addMember('linked-account:U3', 'x');
    await store.set('linked-account:U4', { a: 1 }, TTL);
    await store.set('link-mismatch:U1', { a: 1 });
    await store.set('other:linked-account:U5', 1);
    await backend.pass(TTL);
    expect((await store.keys('linked-account:')).sort()).toEqual(['linked-account:U1', 'linked-account:U2', 'linked-account:U3']);
    expect(await store.keys('nothing-here:')).toEqual([]);
  });

  it('reports its health', async () => {
    expect(await store.health()).toMatchObject({ ok: true });
  });
});
