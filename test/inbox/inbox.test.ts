import { Inbox, type InboxKind, type InboxPage, type InboxSources } from '../../src/inbox/inbox';
import { IscError } from '../../src/isc/errors';
import { silentLogger } from '../../src/log';

const NOW = Date.parse('2026-11-22T12:00:00Z');
/** An ISO date `h` hours before NOW. */
const ago = (h: number) => new Date(NOW - h * 3_600_000).toISOString();

/**
 * Fake sources: `n` pending items of each kind, every read counted by kind. Item i of a kind was
 * created i hours ago plus the kind's shift (work items oldest), unless `extra` says otherwise.
 */
function sources(n: Record<InboxKind, number>, extra: Record<string, Record<string, unknown>> = {}) {
  const reads: string[] = [];
  const failing = new Set<InboxKind>();
  const shift: Record<InboxKind, number> = { workItem: 30, accessRequest: 20, generic: 10 };
  const item = (k: InboxKind, i: number) => {
    const id = `${k}-${i}`;
    const created = ago(shift[k] - i * 0.1);
    return { id, ...(k === 'generic' ? { createdDate: created } : { created }), ...extra[id] };
  };
  const kind = (k: InboxKind) => ({
    pendingSlice: async (_owner: string, offset: number, limit: number) => {
      reads.push(`${k}:${offset}+${limit}`);
      if (failing.has(k)) throw new IscError({ kind: 'http', method: 'GET', path: `/${k}`, status: 403, trackingId: `t-${k}` });
      const items = Array.from({ length: Math.max(0, Math.min(limit, n[k] - offset)) }, (_, i) => item(k, offset + i));
      return { items, total: n[k] };
    },
    decisionsForItems: async () => ({}),
  });
  const s = { workItem: kind('workItem'), accessRequest: kind('accessRequest'), generic: kind('generic') } as unknown as InboxSources;
  return { s, reads, failing };
}

/** The page's item ids in the queue's order. */
const ids = (page: InboxPage) =>
  page.sections
    .flatMap((s) => (s.items as Array<{ id: string }>).map((i) => ({ id: i.id, at: s.positions[i.id] })))
    .sort((a, b) => a.at - b.at)
    .map((i) => i.id);
const inbox = (s: InboxSources, extra: Partial<ConstructorParameters<typeof Inbox>[1]> = {}) => new Inbox(s, { logger: silentLogger, now: () => NOW, ...extra });

describe('Inbox.page: one queue, most urgent first', () => {
  it('overdue first (even of the last kind), then SoD / high privilege, then the oldest; every item once across the pages', async () => {
    const { s } = sources(
      { workItem: 4, accessRequest: 4, generic: 4 },
      { 'generic-3': { dueDate: ago(1) }, 'accessRequest-2': { privilegeLevel: 'HIGH' } },
    );
    const box = inbox(s);
    const page1 = await box.page('o', { offset: 0 }, 5, { fresh: true });
    expect(ids(page1)).toEqual(['generic-3', 'accessRequest-2', 'workItem-0', 'workItem-1', 'workItem-2']);
    expect(page1.length).toBe(12);
    expect(page1.sections.map((x) => x.total)).toEqual([4, 4, 4]);
    const seen: string[] = [];
    for (let offset = 0; offset < page1.length; offset += 5) seen.push(...ids(await box.page('o', { offset }, 5)));
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect(seen.slice(-1)).toEqual(['generic-2']);
  });

  it('page 1 reads each kind once at the cap; page 2 comes from the cache; an action on a kind re-reads only it', async () => {
    const { s, reads } = sources({ workItem: 12, accessRequest: 2, generic: 2 });
    const box = inbox(s);
    await box.page('o', { offset: 0 }, 5, { fresh: true });
    expect(reads.splice(0)).toEqual(['workItem:0+250', 'accessRequest:0+250', 'generic:0+250']);
    expect(ids(await box.page('o', { offset: 5 }, 5))).toHaveLength(5);
    expect(reads.splice(0)).toEqual([]);
    box.invalidate('accessRequest');
    await box.page('o', { offset: 5 }, 5);
    expect(reads.splice(0)).toEqual(['accessRequest:0+250']);
    // Refresh (fresh) reads every kind again.
    await box.page('o', { offset: 5 }, 5, { fresh: true });
    expect(reads.splice(0)).toHaveLength(3);
  });

  it('past the cap of a kind, the rest follow the sorted part in kind order, read only when a page reaches them', async () => {
    const { s, reads } = sources({ workItem: 4, accessRequest: 1, generic: 3 }, { 'generic-2': { dueDate: ago(1) } });
    const box = inbox(s, { queueCap: 2 });
    const page1 = await box.page('o', { offset: 0 }, 3, { fresh: true });
    // Sorted: the first 2 of each kind (generic-2 is past the cap: not sorted in despite being overdue).
    expect(ids(page1)).toEqual(['workItem-0', 'workItem-1', 'accessRequest-0']);
    expect(page1.length).toBe(8);
    expect(reads.splice(0)).toEqual(['workItem:0+2', 'accessRequest:0+2', 'generic:0+2']);
    const page2 = await box.page('o', { offset: 3 }, 3);
    expect(ids(page2)).toEqual(['generic-0', 'generic-1', 'workItem-2']);
    expect(reads.splice(0)).toEqual(['workItem:2+1']);
    const page3 = await box.page('o', { offset: 6 }, 3);
    expect(ids(page3)).toEqual(['workItem-3', 'generic-2']);
    expect(reads.splice(0).sort()).toEqual(['generic:2+1', 'workItem:3+1']);
  });

  it('acting on a kind forgets it for every owner; a read begun before cannot put it back', async () => {
    const { s, reads } = sources({ workItem: 1, accessRequest: 1, generic: 1 });
    const box = inbox(s);
    await box.page('a', { offset: 0 }, 5, { fresh: true });
    await box.page('b', { offset: 0 }, 5, { fresh: true });
    reads.splice(0);
    box.invalidate('accessRequest');
    await box.page('a', { offset: 0 }, 5);
    await box.page('b', { offset: 0 }, 5);
    expect(reads.splice(0)).toEqual(['accessRequest:0+250', 'accessRequest:0+250']);
    const started = box.readStarted('generic');
    box.invalidate('generic');
    box.prime('generic', 'a', [{ id: 'stale' }], started);
    await box.page('a', { offset: 0 }, 5);
    expect(reads.splice(0)).toContain('generic:0+250');
  });

  it('what a poll read keeps the page warm; the cache expires', async () => {
    let now = NOW;
    const { s, reads } = sources({ workItem: 0, accessRequest: 3, generic: 0 });
    const box = inbox(s, { cacheTtlMs: 60_000, now: () => now });
    for (const kind of ['workItem', 'accessRequest', 'generic'] as const) box.prime(kind, 'o', kind === 'accessRequest' ? [{ id: 'p0' }, { id: 'p1' }, { id: 'p2' }] : [], box.readStarted(kind));
    expect(ids(await box.page('o', { offset: 0 }, 5))).toEqual(['p0', 'p1', 'p2']);
    expect(reads.splice(0)).toEqual([]);
    now += 61_000;
    await box.page('o', { offset: 0 }, 5);
    expect(reads.splice(0)).toEqual(['workItem:0+250', 'accessRequest:0+250', 'generic:0+250']);
  });

  it('a kind that fails is reported in its section; when every kind fails the error is thrown', async () => {
    const { s, failing } = sources({ workItem: 1, accessRequest: 1, generic: 1 });
    const box = inbox(s);
    failing.add('accessRequest');
    const page = await box.page('o', { offset: 0 }, 5, { fresh: true });
    expect(page.sections[1]).toMatchObject({ kind: 'accessRequest', items: [], failure: { trackingId: 't-accessRequest' } });
    expect(ids(page)).toEqual(['workItem-0', 'generic-0']);
    expect(page.length).toBe(2);
    failing.add('workItem');
    failing.add('generic');
    await expect(box.page('o', { offset: 0 }, 5, { fresh: true })).rejects.toBeInstanceOf(IscError);
  });
});
