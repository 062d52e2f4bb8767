import { Inbox, type InboxKind, type InboxSources } from '../../src/inbox/inbox';
import { IscError } from '../../src/isc/errors';
import { silentLogger } from '../../src/log';

/** Fake sources: `n` pending items of each kind, every read counted by kind. */
function sources(n: Record<InboxKind, number>) {
  const reads: string[] = [];
  const failing = new Set<InboxKind>();
  const kind = (k: InboxKind) => ({
    pendingSlice: async (_owner: string, offset: number, limit: number) => {
      reads.push(`${k}:${offset}+${limit}`);
      if (failing.has(k)) throw new IscError({ kind: 'http', method: 'GET', path: `/${k}`, status: 403, trackingId: `t-${k}` });
      const items = Array.from({ length: Math.max(0, Math.min(limit, n[k] - offset)) }, (_, i) => ({ id: `${k}-${offset + i}` }));
      return { items, total: n[k] };
    },
    pendingCount: async () => {
      reads.push(`${k}:count`);
      return n[k];
    },
    decisionsForItems: async () => ({}),
  });
  const s = { workItem: kind('workItem'), accessRequest: kind('accessRequest'), generic: kind('generic') } as unknown as InboxSources;
  return { s, reads, failing };
}

const ids = (page: Awaited<ReturnType<Inbox['page']>>) => page.sections.flatMap((s) => (s.items as Array<{ id: string }>).map((i) => i.id));
const START = { section: 'workItem' as const, offset: 0 };

describe('Inbox.page', () => {
  it('fills a page across the kinds in order, each kind from its offset, the later ones from their start', async () => {
    const { s } = sources({ workItem: 3, accessRequest: 4, generic: 2 });
    const inbox = new Inbox(s, { logger: silentLogger });
    expect(ids(await inbox.page('o', START, 5, { fresh: true }))).toEqual(['workItem-0', 'workItem-1', 'workItem-2', 'accessRequest-0', 'accessRequest-1']);
    const page2 = await inbox.page('o', { section: 'accessRequest', offset: 2 }, 5);
    expect(ids(page2)).toEqual(['accessRequest-2', 'accessRequest-3', 'generic-0', 'generic-1']);
    expect(page2.sections.map((x) => x.total)).toEqual([3, 4, 2]);
  });

  it('a fresh page reads every kind; a page that only needs work items reads only them, the rest from the cache', async () => {
    const { s, reads } = sources({ workItem: 12, accessRequest: 2, generic: 2 });
    const inbox = new Inbox(s, { logger: silentLogger });
    await inbox.page('o', START, 5, { fresh: true });
    expect(reads.splice(0)).toEqual(['workItem:0+5', 'accessRequest:0+5', 'generic:0+5']);
    await inbox.page('o', { section: 'workItem', offset: 5 }, 5);
    expect(reads.splice(0)).toEqual(['workItem:5+5']);
    // The page that ends the work items and starts the approvals takes them from the cache too.
    expect(ids(await inbox.page('o', { section: 'workItem', offset: 10 }, 5))).toEqual(['workItem-10', 'workItem-11', 'accessRequest-0', 'accessRequest-1', 'generic-0']);
    expect(reads.splice(0)).toEqual(['workItem:10+5']);
    // Starting past the work items: their total, cached from the last read of them.
    await inbox.page('o', { section: 'generic', offset: 0 }, 5);
    expect(reads.splice(0)).toEqual([]);
  });

  it('acting on a kind forgets it for every owner; a read begun before cannot put it back', async () => {
    const { s, reads } = sources({ workItem: 1, accessRequest: 1, generic: 1 });
    const inbox = new Inbox(s, { logger: silentLogger });
    await inbox.page('a', START, 5, { fresh: true });
    await inbox.page('b', START, 5, { fresh: true });
    reads.splice(0);
    inbox.invalidate('accessRequest');
    await inbox.page('a', START, 5);
    await inbox.page('b', START, 5);
    expect(reads.splice(0)).toEqual(['workItem:0+5', 'accessRequest:0+5', 'workItem:0+5', 'accessRequest:0+5']);
    const started = inbox.readStarted('generic');
    inbox.invalidate('generic');
    inbox.prime('generic', 'a', [{ id: 'stale' }], started, 5);
    await inbox.page('a', START, 5);
    expect(reads.splice(0)).toContain('generic:0+5');
  });

  it('what a poll read keeps the page warm; the cache expires', async () => {
    let now = 0;
    const { s, reads } = sources({ workItem: 0, accessRequest: 3, generic: 0 });
    const inbox = new Inbox(s, { logger: silentLogger, cacheTtlMs: 60_000, now: () => now });
    for (const kind of ['accessRequest', 'generic'] as const) inbox.prime(kind, 'o', kind === 'generic' ? [] : [{ id: 'p0' }, { id: 'p1' }, { id: 'p2' }], inbox.readStarted(kind), 5);
    expect(ids(await inbox.page('o', START, 5))).toEqual(['p0', 'p1', 'p2']);
    expect(reads.splice(0)).toEqual(['workItem:0+5']);
    now = 61_000;
    await inbox.page('o', START, 5);
    expect(reads.splice(0)).toEqual(['workItem:0+5', 'accessRequest:0+5', 'generic:0+5']);
  });

  it('a kind that fails is reported in its section; when every kind fails the error is thrown', async () => {
    const { s, failing } = sources({ workItem: 1, accessRequest: 1, generic: 1 });
    const inbox = new Inbox(s, { logger: silentLogger });
    failing.add('accessRequest');
    const page = await inbox.page('o', START, 5, { fresh: true });
    expect(page.sections[1]).toMatchObject({ kind: 'accessRequest', items: [], failure: { trackingId: 't-accessRequest' } });
    expect(ids(page)).toEqual(['workItem-0', 'generic-0']);
    failing.add('workItem');
    failing.add('generic');
    await expect(inbox.page('o', START, 5, { fresh: true })).rejects.toBeInstanceOf(IscError);
  });
});
