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
