import { AuditTrail, type AuditLog, type AuditRecord } from '../../src/audit/auditLog';
import { ActionPipeline, AUDIT_UNAVAILABLE_MESSAGE, type ActionPipelineOptions, type ItemKind } from '../../src/decisions/actionPipeline';
import type { IscClient } from '../../src/isc/api';
import { IscError } from '../../src/isc/errors';
import type { Logger } from '../../src/log';
import { MemoryStateStore } from '../../src/store/memoryStore';
import { StoreUnavailableError, type StateStore } from '../../src/store/store';
import type { IdentityDirectory, IscIdentityRef } from '../../src/workitems/identityDirectory';

// The pipeline on its own, with a kind of item made up for the test: what every kind shares (at most
// once, the audit trail's outcomes, how a failed write is judged), one layer below the kinds' tests.

interface Thing {
  id: string;
  ownerId: string;
  state: 'open' | 'done';
  requesterId?: string;
  comments: string[];
}
type ThingAction = { kind: 'approve'; id: string } | { kind: 'comment'; id: string; text: string } | { kind: 'forward'; id: string; to: IscIdentityRef };

const IDS: Record<string, IscIdentityRef> = { UOWNER: { id: 'id-owner', name: 'Olivia' }, UOTHER: { id: 'id-other', name: 'Oscar' }, UADMIN: { id: 'id-admin', name: 'Ada' } };

function setup(over: Partial<ActionPipelineOptions> = {}, thing: Partial<Thing> = {}) {
  const things = new Map<string, Thing>([['t1', { id: 't1', ownerId: 'id-owner', state: 'open', comments: [], ...thing }]]);
  const records: AuditRecord[] = [];
  const log: AuditLog = { append: async (r) => void records.push(structuredClone(r)), readSince: async function* () {}, verify: () => Promise.reject(new Error('not used')), prune: async () => {}, close: async () => {} };
  const logger: Logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const failNext: { error?: unknown; thenState?: Thing['state'] } = {};
  const executed: ThingAction[] = [];
  const read = jest.fn(async (id: string) => {
    const t = things.get(id);
    if (!t) throw new IscError({ kind: 'http', method: 'GET', path: `/things/${id}`, status: 404 });
    return structuredClone(t);
  });
  const kind: ItemKind<Thing, ThingAction> = {
    auditKind: 'thing',
    logName: 'thing',
    idField: 'thingId',
    keyPrefix: 'th:',
    noun: 'thing',
    ownerRole: 'owner',
    itemId: (a) => a.id,
    part: () => '*',
    variant: (a) => (a.kind === 'comment' ? a.text : undefined),
    read,
    owners: (t) => ({ ids: [t.ownerId], name: 'Olivia' }),
    parties: (t) => ({ requesterId: t.requesterId }),
    bindsDuties: (a) => a.kind !== 'comment',
    describe: () => ({ name: 'A thing' }),
    auditDetails: (a) => (a.kind === 'forward' ? { target: { identityId: a.to.id, name: a.to.name } } : a.kind === 'comment' ? { comment: a.text } : {}),
    fits: (t, a) => (t.state === 'done' && a.kind !== 'comment' ? 'decided' : undefined),
    execute: async (_client, t, a) => {
      executed.push(a);
      const stored = things.get(t.id)!;
      if (failNext.error) {
        const { error, thenState } = failNext;
        failNext.error = undefined;
        if (thenState) stored.state = thenState;
        throw error;
      }
      if (a.kind === 'approve') stored.state = 'done';
      if (a.kind === 'comment') stored.comments.push(a.text);
      if (a.kind === 'forward') stored.ownerId = a.to.id;
      return structuredClone(stored);
    },
    decision: (a) => (a.kind === 'approve' ? { kind: 'approved' } : a.kind === 'forward' ? { kind: 'forwarded', forwardedTo: { name: a.to.name } } : undefined),
  };
  const directory = {
    identityFor: async (u: string) => IDS[u] ?? null,
    noIdentityMessage: async () => 'No ISC identity for you.',
    resolve: async (u: string) => (IDS[u] ? { identity: IDS[u] } : { missing: { reason: 'no-email' } }),
  } as unknown as IdentityDirectory;
  const store: StateStore = over.store ?? new MemoryStateStore();
  const pipeline = new ActionPipeline({
    isc: {} as IscClient,
    directory,
    store,
    admins: new Set(['UADMIN']),
    logger,
    audit: new AuditTrail(log, { logger, serviceClientId: 'bot' }),
    ...over,
  });
  const outcomes = () => records.filter((r) => r.phase === 'outcome');
  return { pipeline, kind, things, records, outcomes, failNext, executed, store, logger, read };
}

const approve = { kind: 'approve', id: 't1' } as const;
const httpError = (status: number, trackingId?: string) => new IscError({ kind: 'http', method: 'POST', path: '/things/t1/approve', status, ...(trackingId ? { trackingId } : {}) });

describe('at most once', () => {
  it('the same action by the same person again is a duplicate, not sent twice', async () => {
    const { pipeline, kind, executed } = setup();
    expect((await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'looks fine' })).status).toBe('done');
    expect(await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'looks fine' })).toEqual({ status: 'duplicate', done: true });
    expect(executed).toHaveLength(1);
  });

  it('a repeat of their own done action is answered from the store: ISC is not read, nothing is audited', async () => {
    const { pipeline, kind, read, records } = setup();
    expect((await pipeline.perform(kind, 'UOWNER', approve)).status).toBe('done');
    const [reads, audited] = [read.mock.calls.length, records.length];
    for (let i = 0; i < 3; i++) expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({ status: 'duplicate', done: true });
    expect(read.mock.calls.length).toBe(reads);
    expect(records).toHaveLength(audited);
  });

  it('a repeat while their own action is in flight is answered from the lock, without reading ISC', async () => {
    const { pipeline, kind, read, store, executed } = setup();
    await store.set('lock:th:t1:*', { by: 'UOWNER', kind: 'approve', token: 'x' });
    expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({ status: 'duplicate' });
    expect(read).not.toHaveBeenCalled();
    expect(executed).toEqual([]);
  });

  it("someone else's claim does not skip the permission check: a non-owner is refused, the owner's other click is checked in ISC", async () => {
    const { pipeline, kind, read, store, executed, outcomes } = setup();
    await store.set('lock:th:t1:*', { by: 'UADMIN', kind: 'approve', token: 'x' });
    await store.set('done:th:t1:*:approve:UADMIN', true);
    expect(await pipeline.perform(kind, 'UOTHER', approve)).toEqual({ status: 'refused', message: expect.stringContaining('Only the thing') });
    expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({ status: 'duplicate' });
    expect(read).toHaveBeenCalledTimes(2);
    expect(executed).toEqual([]);
    expect(outcomes()).toEqual([expect.objectContaining({ outcome: 'refused', slackUserId: 'UOTHER' })]);
  });

  it('a store that fails the first look: the click goes the full way (ISC read, claims taken there), never twice to ISC', async () => {
    const store = new MemoryStateStore();
    jest.spyOn(store, 'getMany').mockRejectedValue(new StoreUnavailableError('down'));
    const { pipeline, kind, executed, read } = setup({ store });
    expect((await pipeline.perform(kind, 'UOWNER', approve)).status).toBe('done');
    expect((await pipeline.perform(kind, 'UOWNER', approve)).status).toBe('already_decided');
    expect(read).toHaveBeenCalledTimes(2);
    expect(executed).toHaveLength(1);
  });

  it('a second, different comment within 15 minutes is not a duplicate: both reach ISC', async () => {
    const { pipeline, kind, things } = setup();
    expect((await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'first' })).status).toBe('done');
    expect((await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'second' })).status).toBe('done');
    expect(things.get('t1')!.comments).toEqual(['first', 'second']);
  });

  it('the same comment by another person is theirs, not a duplicate', async () => {
    const { pipeline, kind, things } = setup();
    await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'ok' });
    expect((await pipeline.perform(kind, 'UADMIN', { kind: 'comment', id: 't1', text: 'ok' })).status).toBe('done');
    expect(things.get('t1')!.comments).toEqual(['ok', 'ok']);
  });

  it('the done marker lasts 15 minutes; after that the same comment is a new one', async () => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const { pipeline, kind, things } = setup({ store: new MemoryStateStore(() => now) });
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'ok' });
      now += 15 * 60_000 - 1;
      expect((await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'ok' })).status).toBe('duplicate');
      now += 1;
      expect((await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'ok' })).status).toBe('done');
      expect(things.get('t1')!.comments).toEqual(['ok', 'ok']);
    } finally {
      spy.mockRestore();
    }
  });

  it('two clicks at once: one reaches ISC, the other is a duplicate; a failure releases the lock so a retry runs', async () => {
    const { pipeline, kind, executed, failNext } = setup();
    failNext.error = httpError(503);
    const first = await Promise.all([pipeline.perform(kind, 'UOWNER', approve), pipeline.perform(kind, 'UOWNER', approve)]);
    expect(first.map((o) => o.status).sort()).toEqual(['duplicate', 'failed']);
    expect((await pipeline.perform(kind, 'UOWNER', approve)).status).toBe('done');
    expect(executed).toHaveLength(2);
  });

  it('a store that cannot say whether a click is a repeat: ISC is not called, and the user is told to try again', async () => {
    const store = new MemoryStateStore();
    jest.spyOn(store, 'get').mockRejectedValue(new StoreUnavailableError('down'));
    const { pipeline, kind, executed } = setup({ store });
    expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({ status: 'failed', message: expect.stringContaining('cannot reach its state store') });
    expect(executed).toEqual([]);
  });
});

describe('a write that failed', () => {
  it.each([500, 502, 503])('an HTTP %i whose re-read shows the item decided: already decided, unconfirmed, with the tracking id on the trail', async (status) => {
    const { pipeline, kind, failNext, outcomes } = setup();
    Object.assign(failNext, { error: httpError(status, `trk-${status}`), thenState: 'done' });
    const outcome = await pipeline.perform(kind, 'UOWNER', approve);
    expect(outcome).toMatchObject({ status: 'already_decided', unconfirmed: true });
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'already_decided', unconfirmed: true, trackingId: `trk-${status}` });
  });

  it.each([400, 409, 499])('an HTTP %i is a refusal: ISC did not apply it, someone else decided the item; not unconfirmed', async (status) => {
    const { pipeline, kind, failNext, outcomes } = setup();
    Object.assign(failNext, { error: httpError(status, 'trk-4xx'), thenState: 'done' });
    const outcome = await pipeline.perform(kind, 'UOWNER', approve);
    expect(outcome.status).toBe('already_decided');
    expect(outcome).not.toHaveProperty('unconfirmed');
    const recorded = outcomes().at(-1)!;
    expect(recorded).toMatchObject({ outcome: 'already_decided', trackingId: 'trk-4xx' });
    expect(recorded).not.toHaveProperty('unconfirmed');
  });

  it('a timeout whose re-read shows it decided is unconfirmed; a request never sent (deadline) is not', async () => {
    const timedOut = setup();
    Object.assign(timedOut.failNext, { error: new IscError({ kind: 'timeout', method: 'POST', path: '/things/t1/approve' }), thenState: 'done' });
    expect(await timedOut.pipeline.perform(timedOut.kind, 'UOWNER', approve)).toMatchObject({ status: 'already_decided', unconfirmed: true });
    const unsent = setup();
    Object.assign(unsent.failNext, { error: new IscError({ kind: 'deadline', method: 'POST', path: '/things/t1/approve' }), thenState: 'done' });
    expect(await unsent.pipeline.perform(unsent.kind, 'UOWNER', approve)).not.toHaveProperty('unconfirmed');
  });

  it('a failure whose re-read shows it still open: failed, with the tracking id on the trail and the reason unescaped', async () => {
    const { pipeline, kind, failNext, outcomes, records } = setup();
    failNext.error = httpError(500, 'trk-open');
    const outcome = await pipeline.perform(kind, 'UOWNER', approve);
    expect(outcome).toEqual({ status: 'failed', message: expect.stringContaining('trk-open') });
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'failed', trackingId: 'trk-open', reason: expect.stringContaining('(500)') });
    expect(records.map((r) => r.phase)).toEqual(['intent', 'outcome']);
  });

  it('a non-ISC error: a generic message, no tracking id', async () => {
    const { pipeline, kind, failNext, outcomes } = setup();
    failNext.error = new Error('bug');
    expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({ status: 'failed', message: expect.stringMatching(/^Something went wrong in the bot/) });
    expect(outcomes().at(-1)).not.toHaveProperty('trackingId');
  });
});

describe('the audit trail', () => {
  it('a done action: the intent before ISC is called, then outcome done, with the acting identity', async () => {
    const { pipeline, kind, records } = setup();
    await pipeline.perform(kind, 'UOWNER', approve);
    expect(records).toEqual([
      expect.objectContaining({ phase: 'intent', slackUserId: 'UOWNER', actorIdentityId: 'id-owner', actingAs: { kind: 'service', clientId: 'bot' }, item: { kind: 'thing', id: 't1', name: 'A thing' } }),
      expect.objectContaining({ phase: 'outcome', outcome: 'done' }),
    ]);
    expect(records[1].decisionId).toBe(records[0].decisionId);
    expect(records[1]).not.toHaveProperty('trackingId');
  });

  it('a refusal: its outcome only, with the reason in plain text', async () => {
    const { pipeline, kind, records, executed } = setup({}, { requesterId: 'id-owner' });
    const outcome = await pipeline.perform(kind, 'UOWNER', approve);
    expect(outcome).toEqual({ status: 'refused', message: expect.stringMatching(/^You requested this thing/) });
    expect(records).toEqual([expect.objectContaining({ phase: 'outcome', outcome: 'refused', reason: expect.stringMatching(/^You requested this thing/) })]);
    expect(executed).toEqual([]);
  });

  it('already decided before the click: recorded so, and not unconfirmed', async () => {
    const { pipeline, kind, outcomes } = setup({}, { state: 'done' });
    expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({ status: 'already_decided', item: expect.anything(), decisions: {} });
    expect(outcomes()).toEqual([expect.objectContaining({ outcome: 'already_decided' })]);
    expect(outcomes()[0]).not.toHaveProperty('unconfirmed');
  });

  it('an intent that cannot be written: ISC is not called, the lock is released', async () => {
    const { pipeline, kind, executed, store } = setup();
    const failing = new AuditTrail({ append: async () => Promise.reject(new Error('disk full')), readSince: async function* () {}, verify: () => Promise.reject(new Error('not used')), prune: async () => {}, close: async () => {} }, { logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const blocked = new ActionPipeline({ isc: {} as IscClient, directory: (pipeline as unknown as { opts: ActionPipelineOptions }).opts.directory, store, admins: new Set(), logger: { debug() {}, info() {}, warn() {}, error() {} }, audit: failing });
    expect(await blocked.perform(kind, 'UOWNER', approve)).toEqual({ status: 'failed', message: AUDIT_UNAVAILABLE_MESSAGE });
    expect(executed).toEqual([]);
    expect((await pipeline.perform(kind, 'UOWNER', approve)).status).toBe('done');
  });
});

describe('the decision shown on the cards', () => {
  it('is kept per part for 90 days; a comment records none', async () => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const { pipeline, kind } = setup({ store: new MemoryStateStore(() => now), now: () => new Date(now) });
    await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'hi' });
    expect(await pipeline.decisionsFor(kind, 't1')).toEqual({});
    await pipeline.perform(kind, 'UOWNER', approve);
    expect(await pipeline.decisionsFor(kind, 't1')).toEqual({ '*': { kind: 'approved', bySlackUserId: 'UOWNER', at: '2026-03-02T09:00:00.000Z' } });
    now += 90 * 24 * 3600_000 - 1;
    expect(Object.keys(await pipeline.decisionsFor(kind, 't1'))).toEqual(['*']);
    now += 1;
    expect(await pipeline.decisionsFor(kind, 't1')).toEqual({});
  });
});
