import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../src/log';
import { MemoryStateStore } from '../../src/store/memoryStore';
import { SENTINEL_KEY, SENTINEL_MARKER_FILE, StateSentinel, type SentinelRecord } from '../../src/store/stateSentinel';

const T0 = new Date('2026-03-09T13:00:00Z');
const logger = (): Logger & { error: jest.Mock; warn: jest.Mock } => ({ debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() }) as never;

function sentinel(store: MemoryStateStore, over: { markerDir?: string; priorUseKeys?: string[]; now?: () => Date } = {}) {
  const log = logger();
  const onLoss = jest.fn();
  const s = new StateSentinel({ store, logger: log, priorUseKeys: over.priorUseKeys ?? ['notify:subs', 'digest:lastSlot'], markerDir: over.markerDir, onLoss, now: over.now ?? (() => T0) });
  return { s, log, onLoss };
}

/** What FLUSHALL or a Redis restart without persistence leaves. */
async function empty(store: MemoryStateStore, keys: string[]) {
  for (const key of keys) await store.delete(key);
}

describe('StateSentinel', () => {
  it('the first start on an empty store writes the sentinel and reports nothing; later starts find it', async () => {
    const store = new MemoryStateStore();
    const first = sentinel(store);
    await expect(first.s.start()).resolves.toBeUndefined();
    const written = await store.get<SentinelRecord>(SENTINEL_KEY);
    expect(written).toEqual({ id: expect.any(String), createdAt: T0.toISOString() });
    const again = sentinel(store);
    await expect(again.s.start()).resolves.toBeUndefined();
    expect(await store.get(SENTINEL_KEY)).toEqual(written);
    expect([first.onLoss, again.onLoss, first.log.error, again.log.error].every((f) => f.mock.calls.length === 0)).toBe(true);
  });

  it('a start that finds no sentinel but state the bot writes (subscriptions) notices the loss: an error, the metric hook, lostAt kept in the store', async () => {
    const store = new MemoryStateStore();
    await store.setField('notify:subs', 'U1', { on: false });
    const { s, log, onLoss } = sentinel(store);
    await expect(s.start()).resolves.toEqual(T0);
    expect(log.error).toHaveBeenCalledWith(expect.stringContaining('The state store lost its state'), { lostAt: T0.toISOString() });
    expect(onLoss).toHaveBeenCalledWith(T0, true);
    expect(await store.get(SENTINEL_KEY)).toMatchObject({ lostAt: T0.toISOString() });
    // A later start learns of it from the store, as old news (a warning), and still knows when.
    const later = sentinel(store, { now: () => new Date(T0.getTime() + 3600_000) });
    await expect(later.s.start()).resolves.toEqual(T0);
    expect(later.log.error).not.toHaveBeenCalled();
    expect(later.onLoss).toHaveBeenCalledWith(T0, false);
  });

  it('a start on a wholly empty store notices the loss when this host’s marker in DATA_DIR says it ran before', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-'));
    const before = new MemoryStateStore();
    await sentinel(before, { markerDir: dir }).s.start();
    expect(JSON.parse(fs.readFileSync(path.join(dir, SENTINEL_MARKER_FILE), 'utf8')).id).toBe((await before.get<SentinelRecord>(SENTINEL_KEY))!.id);
    const flushed = new MemoryStateStore();
    const { s, onLoss } = sentinel(flushed, { markerDir: dir });
    await expect(s.start()).resolves.toEqual(T0);
    expect(onLoss).toHaveBeenCalledWith(T0, true);
    // Without the marker the same empty store is a first start.
    await expect(sentinel(new MemoryStateStore(), { markerDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-')) }).s.start()).resolves.toBeUndefined();
  });

  it('a store emptied while the bot runs is noticed at the next look, once', async () => {
    const store = new MemoryStateStore();
    const { s, log, onLoss } = sentinel(store);
    await s.start();
    await expect(s.lostAt()).resolves.toBeUndefined();
    await empty(store, [SENTINEL_KEY]);
    await expect(s.lostAt()).resolves.toEqual(T0);
    await expect(s.lostAt()).resolves.toEqual(T0);
    expect(onLoss).toHaveBeenCalledTimes(1);
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('two replicas: one restarted with nothing to go on writes a fresh sentinel; the one still running notices it was replaced, and the restarted one then learns of the loss', async () => {
    const store = new MemoryStateStore();
    const running = sentinel(store);
    await running.s.start();
    await empty(store, [SENTINEL_KEY]);
    const restarted = sentinel(store);
    await expect(restarted.s.start()).resolves.toBeUndefined();
    await expect(running.s.lostAt()).resolves.toEqual(T0);
    expect(running.onLoss).toHaveBeenCalledWith(T0, true);
    await expect(restarted.s.lostAt()).resolves.toEqual(T0);
    expect(restarted.onLoss).toHaveBeenCalledWith(T0, false);
    expect(restarted.log.error).not.toHaveBeenCalled();
  });
});

describe('StateSentinel, edge cases', () => {
  it('two replicas starting at once on an empty store agree on one sentinel, and neither calls it a loss', async () => {
    const store = new MemoryStateStore();
    const a = sentinel(store);
    const b = sentinel(store);
    await Promise.all([a.s.start(), b.s.start()]);
    expect(await store.get(SENTINEL_KEY)).not.toHaveProperty('lostAt');
    await expect(a.s.lostAt()).resolves.toBeUndefined();
    await expect(b.s.lostAt()).resolves.toBeUndefined();
    expect([a.onLoss, b.onLoss, a.log.error, b.log.error, a.log.warn, b.log.warn].every((f) => f.mock.calls.length === 0)).toBe(true);
  });

  it('a look before any start, on an empty store, is a first start', async () => {
    const { s, onLoss } = sentinel(new MemoryStateStore());
    await expect(s.lostAt()).resolves.toBeUndefined();
    expect(onLoss).not.toHaveBeenCalled();
  });

  it('a plain value the bot keeps (the last digest slot) shows prior use as well as a map; with no keys to look at, nothing does', async () => {
    const store = new MemoryStateStore();
    await store.set('digest:lastSlot', '2026-03-09T13:00:00.000Z');
    await expect(sentinel(store).s.start()).resolves.toEqual(T0);
    const bare = new MemoryStateStore();
    await bare.set('digest:lastSlot', 'x');
    await expect(sentinel(bare, { priorUseKeys: [] }).s.start()).resolves.toBeUndefined();
  });

  it('a replica that learns of a loss from the store says so as a warning; without an onLoss hook it still works', async () => {
    const store = new MemoryStateStore();
    await store.set(SENTINEL_KEY, { id: 'old', createdAt: T0.toISOString(), lostAt: T0.toISOString() });
    const log = logger();
    const s = new StateSentinel({ store, logger: log, priorUseKeys: [] });
    await expect(s.start()).resolves.toEqual(T0);
    expect(log.warn).toHaveBeenCalledWith(expect.stringMatching(/^The state store was rebuilt after a loss of its state: /), { lostAt: T0.toISOString() });
  });

  it('without a clock of its own it stamps the sentinel with the time now', async () => {
    const store = new MemoryStateStore();
    const before = Date.now();
    await new StateSentinel({ store, logger: logger(), priorUseKeys: [] }).start();
    const at = Date.parse((await store.get<SentinelRecord>(SENTINEL_KEY))!.createdAt);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('watch() looks on its own until stop(); a look the store fails is logged at debug', async () => {
    jest.useFakeTimers();
    try {
      const store = new MemoryStateStore();
      const { s, onLoss, log } = sentinel(store);
      await s.start();
      s.watch(1_000);
      await store.delete(SENTINEL_KEY);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(onLoss).toHaveBeenCalledTimes(1);
      jest.spyOn(store, 'get').mockRejectedValueOnce(new Error('store down'));
      await jest.advanceTimersByTimeAsync(1_000);
      expect(log.debug).toHaveBeenCalledWith('Could not look at the state sentinel', { error: 'Error: store down' });
      s.stop();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a marker that cannot be written is a warning, not a failure', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-')), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    const { s, log } = sentinel(new MemoryStateStore(), { markerDir: file });
    await expect(s.start()).resolves.toBeUndefined();
    expect(log.warn).toHaveBeenCalledWith(expect.stringMatching(/^Could not write the state marker in DATA_DIR/), { error: expect.any(String) });
  });
  it('finds the sentinel an earlier version wrote under state:sentinel (a renamed key would make every upgrade look like a loss)', async () => {
    const store = new MemoryStateStore();
    await store.set('state:sentinel', { id: 'v1', createdAt: T0.toISOString() });
    await store.setField('notify:subs', 'U1', { on: true });
    const { s, onLoss, log } = sentinel(store);
    await expect(s.start()).resolves.toBeUndefined();
    expect(onLoss).not.toHaveBeenCalled();
    expect(log.error).not.toHaveBeenCalled();
    expect(await store.get('state:sentinel')).toEqual({ id: 'v1', createdAt: T0.toISOString() });
  });

  it('a look that finds its sentinel as it was is one read and writes nothing', async () => {
    const store = new MemoryStateStore();
    const { s } = sentinel(store);
    await s.start();
    const get = jest.spyOn(store, 'get');
    const cas = jest.spyOn(store, 'compareAndSet');
    const set = jest.spyOn(store, 'set');
    await expect(s.lostAt()).resolves.toBeUndefined();
    expect(get).toHaveBeenCalledTimes(1);
    expect(cas).not.toHaveBeenCalled();
    expect(set).not.toHaveBeenCalled();
  });

  it('the marker in DATA_DIR is one line of JSON naming the sentinel', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-'));
    const store = new MemoryStateStore();
    await sentinel(store, { markerDir: dir }).s.start();
    const id = (await store.get<SentinelRecord>(SENTINEL_KEY))!.id;
    expect(fs.readFileSync(path.join(dir, SENTINEL_MARKER_FILE), 'utf8')).toBe(`{"id":"${id}"}\n`);
  });
});
