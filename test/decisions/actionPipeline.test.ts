import { AuditTrail, type AuditLog, type AuditRecord } from '../../src/audit/auditLog';
import { ActionPipeline, AUDIT_UNAVAILABLE_MESSAGE, type ActionPipelineOptions, type ItemKind } from '../../src/decisions/actionPipeline';
import type { IscClient } from '../../src/isc/api';
import { RECONNECT_MESSAGE, ReconnectRequiredError } from '../../src/auth/userTokenProvider';
import type { ActingClient } from '../../src/auth/accountLinking';
import { requestDeadline, writeCheck } from '../../src/isc/deadline';
import { noteRequestId } from '../../src/isc/requestIds';
import { IscError } from '../../src/isc/errors';
import type { Logger } from '../../src/log';
import { decidedKey, decidedToday } from '../../src/decisions/decidedToday';
import type { DecisionKind } from '../../src/decisions/decision';
import { MemoryStateStore } from '../../src/store/memoryStore';
import { StoreUnavailableError, type StateStore } from '../../src/store/store';
import { missingIdentityMessage, type IdentityDirectory, type IscIdentityRef } from '../../src/workitems/identityDirectory';

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

  it('a store that fails the first look: a repeated comment is still found done before ISC is called', async () => {
    const store = new MemoryStateStore();
    jest.spyOn(store, 'getMany').mockRejectedValue(new StoreUnavailableError('down'));
    const { pipeline, kind, executed } = setup({ store });
    const comment = { kind: 'comment', id: 't1', text: 'looks fine' } as const;
    expect((await pipeline.perform(kind, 'UOWNER', comment)).status).toBe('done');
    expect(await pipeline.perform(kind, 'UOWNER', comment)).toEqual({ status: 'duplicate', done: true });
    expect(executed).toHaveLength(1);
  });

  it('the done marker keeps its key across versions: replicas of two versions share the store during a rolling deploy', async () => {
    const { pipeline, kind, store } = setup();
    await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'looks fine' });
    await pipeline.perform(kind, 'UOWNER', approve);
    // The comment's variant is the first 16 base64url characters of its text's SHA-256.
    expect(await store.getMany(['done:th:t1:*:comment:Sfz8KmGDIVjQ3j4c:UOWNER', 'done:th:t1:*:approve:UOWNER'])).toEqual([true, true]);
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

describe('what is logged around a decision, with who, what and which item', () => {
  const ctx = { actorSlackUserId: 'UOWNER', action: 'approve', thingId: 't1' };

  it('a done action at info; a refusal as a warning', async () => {
    const done = setup();
    await done.pipeline.perform(done.kind, 'UOWNER', approve);
    expect(done.logger.info).toHaveBeenCalledWith('Thing action done', ctx);
    const refused = setup({}, { requesterId: 'id-owner' });
    await refused.pipeline.perform(refused.kind, 'UOWNER', approve);
    expect(refused.logger.warn).toHaveBeenCalledWith('Refused a thing action', ctx);
    expect(refused.logger.info).not.toHaveBeenCalled();
  });

  it('an ISC failure as an error with its tracking id; any other error as an unexpected one; a store that does not answer as a warning', async () => {
    const isc = setup();
    const error = httpError(500, 'trk-open');
    isc.failNext.error = error;
    await isc.pipeline.perform(isc.kind, 'UOWNER', approve);
    expect(isc.logger.error).toHaveBeenCalledWith('ISC refused or failed a thing action', { ...ctx, error: error.message, trackingId: 'trk-open' });

    const bug = setup();
    bug.failNext.error = new Error('bug');
    await bug.pipeline.perform(bug.kind, 'UOWNER', approve);
    expect(bug.logger.error).toHaveBeenCalledWith('Unexpected error during a thing action', { ...ctx, error: 'Error: bug' });

    const store = new MemoryStateStore();
    jest.spyOn(store, 'get').mockRejectedValue(new StoreUnavailableError('down'));
    const down = setup({ store });
    await down.pipeline.perform(down.kind, 'UOWNER', approve);
    expect(down.logger.warn).toHaveBeenCalledWith('A thing action was not tried: the state store is unavailable', { ...ctx, error: 'The state store is unavailable: down' });
    expect(down.logger.error).not.toHaveBeenCalled();
  });

  it('an intent that cannot be written: an error saying ISC was not called', async () => {
    const { kind, store } = setup();
    const logger: Logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const failing = new AuditTrail({ append: () => Promise.reject(new Error('disk full')), readSince: async function* () {}, verify: () => Promise.reject(new Error('not used')), prune: async () => {}, close: async () => {} }, { logger });
    const directory = { identityFor: async (u: string) => IDS[u] ?? null } as unknown as IdentityDirectory;
    const blocked = new ActionPipeline({ isc: {} as IscClient, directory, store, admins: new Set(), logger, audit: failing });
    await blocked.perform(kind, 'UOWNER', approve);
    expect(logger.error).toHaveBeenCalledWith('Could not write a decision to the audit trail, so ISC was not called', { ...ctx, error: 'Error: disk full' });
  });

  it('a write not sent because the item changed hands while it waited: a warning, and the user is told why', async () => {
    const { pipeline, kind, things, logger, executed, outcomes } = setup({ recheckAfterMs: 0 });
    kind.execute = async (_client, t, a) => {
      things.get(t.id)!.ownerId = 'id-other';
      await writeCheck()!();
      executed.push(a);
      return t;
    };
    const outcome = await pipeline.perform(kind, 'UOWNER', approve);
    expect(outcome).toEqual({ status: 'refused', message: expect.stringMatching(/^While your action waited for its turn at ISC \(rate limit\), the thing changed: Only the thing's owner/) });
    expect(executed).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith('A thing action was not sent: the item changed while it waited', ctx);
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'refused' });
  });

  it('a lock the store cannot release is a warning: it expires by itself', async () => {
    const { pipeline, kind, failNext, store, logger } = setup();
    failNext.error = httpError(503);
    jest.spyOn(store, 'compareAndSet').mockRejectedValue(new Error('store gone'));
    expect((await pipeline.perform(kind, 'UOWNER', approve)).status).toBe('failed');
    expect(logger.warn).toHaveBeenCalledWith('Could not release an in-flight lock; it expires by itself', { thingId: 't1', error: 'Error: store gone' });
  });
});

describe('around the decision', () => {
  it('tells the item\'s other messages when it is done or found decided, not when refused; a hook that throws is logged and the outcome stands', async () => {
    const { pipeline, kind } = setup();
    const onChanged = jest.fn();
    kind.onChanged = onChanged;
    const done = await pipeline.perform(kind, 'UOWNER', approve);
    expect(done.status).toBe('done');
    expect(onChanged).toHaveBeenLastCalledWith(expect.objectContaining({ id: 't1', state: 'done' }), (done as { decisions: unknown }).decisions);
    const decided = await pipeline.perform(kind, 'UADMIN', approve);
    expect(decided).toMatchObject({ status: 'already_decided' });
    expect(onChanged).toHaveBeenCalledTimes(2);
    expect((await pipeline.perform(kind, 'UOTHER', approve)).status).toBe('refused');
    expect(onChanged).toHaveBeenCalledTimes(2);

    const failing = setup();
    failing.kind.onChanged = () => {
      throw new Error('dm gone');
    };
    expect((await failing.pipeline.perform(failing.kind, 'UOWNER', approve)).status).toBe('done');
    expect(failing.logger.warn).toHaveBeenCalledWith('onItemChanged failed', { thingId: 't1', error: 'Error: dm gone' });
    // A kind without the hook is fine.
    const plain = setup();
    expect((await plain.pipeline.perform(plain.kind, 'UOWNER', approve)).status).toBe('done');
    expect(plain.logger.warn).not.toHaveBeenCalled();
  });

  it('an item found decided whose decisions cannot be read: the card shows ISC\'s state alone, with a warning', async () => {
    const { pipeline, kind, store, logger } = setup({}, { state: 'done' });
    jest.spyOn(store, 'getFields').mockRejectedValue(new Error('store gone'));
    expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({ status: 'already_decided', item: expect.objectContaining({ state: 'done' }), decisions: {} });
    expect(logger.warn).toHaveBeenCalledWith("Could not read the decisions of a thing; its card shows ISC's state alone", { thingId: 't1', error: 'Error: store gone' });
  });

  it('done in ISC but the store cannot record it: still done, the card shows the decision, and an error says so', async () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const { pipeline, kind, store, logger } = setup({ now: () => now });
    const set = store.set.bind(store);
    jest.spyOn(store, 'set').mockImplementation((key, ...rest) => (key.startsWith('done:') ? Promise.reject(new Error('store gone')) : set(key, ...rest)));
    expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({
      status: 'done',
      item: expect.objectContaining({ state: 'done' }),
      decisions: { '*': { kind: 'approved', bySlackUserId: 'UOWNER', at: now.toISOString() } },
    });
    expect(logger.error).toHaveBeenCalledWith('A thing action went through in ISC, but the state store could not record it', { thingId: 't1', action: 'approve', error: 'Error: store gone' });
    // A comment records no decision on the cards, stored or not.
    const comment = setup();
    const commentSet = comment.store.set.bind(comment.store);
    jest.spyOn(comment.store, 'set').mockImplementation((key, ...rest) => (key.startsWith('done:') ? Promise.reject(new Error('store gone')) : commentSet(key, ...rest)));
    expect(await comment.pipeline.perform(comment.kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'hi' })).toEqual({ status: 'done', item: expect.anything(), decisions: {} });
    expect(comment.logger.error).toHaveBeenCalledWith('A thing action went through in ISC, but the state store could not record it', expect.objectContaining({ action: 'comment' }));
  });

  it('the decisions of several items leave out missing ids and items without any', async () => {
    const { pipeline, kind, things, store } = setup();
    things.set('t2', { id: 't2', ownerId: 'id-owner', state: 'open', comments: [] });
    await pipeline.perform(kind, 'UOWNER', approve);
    const reads = jest.spyOn(store, 'getFields');
    expect(await pipeline.decisionsForIds(kind, ['t1', undefined, 't2', ''])).toEqual({ t1: { '*': expect.objectContaining({ kind: 'approved', bySlackUserId: 'UOWNER' }) } });
    // One read per real id, none for the missing ones.
    expect(reads.mock.calls.map(([key]) => key)).toEqual(['decisions:th:t1', 'decisions:th:t2']);
  });

  it('whose items a user sees: their identity, or why there is none', async () => {
    const { pipeline } = setup();
    expect(await pipeline.subjectIdentity('UOWNER')).toEqual({ identity: IDS.UOWNER });
    expect(await pipeline.subjectIdentity('UNOBODY')).toEqual({ message: missingIdentityMessage({ reason: 'no-email' }) });
  });

  it('the ISC requests run under a deadline that leaves the 5-minute in-flight lock room for one whole request and a margin', async () => {
    const t0 = Date.parse('2026-03-02T09:00:00Z');
    const spy = jest.spyOn(Date, 'now').mockReturnValue(t0);
    try {
      for (const [iscTimeoutMs, expected] of [
        [undefined, t0 + 300_000 - 10_000 - 10_000],
        [30_000, t0 + 300_000 - 30_000 - 10_000],
      ] as const) {
        const { pipeline, kind } = setup(iscTimeoutMs ? { iscTimeoutMs } : {});
        let deadline: number | undefined;
        const execute = kind.execute;
        kind.execute = (client, t, a) => {
          deadline = requestDeadline();
          return execute(client, t, a);
        };
        expect((await pipeline.perform(kind, 'UOWNER', approve)).status).toBe('done');
        expect(deadline).toBe(expected);
      }
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the permission check on its own', () => {
  it('authorize() checks for acting by default: separation of duties binds it; a note or a view does not', async () => {
    const { pipeline, kind } = setup({}, { requesterId: 'id-owner' });
    expect(await pipeline.authorize(kind, 'UOWNER', 't1')).toMatchObject({ ok: false, message: expect.stringMatching(/^You requested this thing/) });
    expect(await pipeline.authorize(kind, 'UOWNER', 't1', 'act')).toMatchObject({ ok: false });
    expect(await pipeline.authorize(kind, 'UOWNER', 't1', 'note')).toMatchObject({ ok: true, actorIdentity: IDS.UOWNER });
    expect(await pipeline.authorize(kind, 'UOWNER', 't1', 'view')).toMatchObject({ ok: true });
  });

  it('an admin without an ISC identity may see an item but not act on it or add to it', async () => {
    const { pipeline, kind } = setup({ admins: new Set(['UADMIN', 'UROOT']) });
    expect(await pipeline.authorize(kind, 'UROOT', 't1', 'view')).toEqual({ ok: true, item: expect.objectContaining({ id: 't1' }), actorIdentity: null });
    expect(await pipeline.authorize(kind, 'UROOT', 't1', 'act')).toMatchObject({ ok: false });
    expect(await pipeline.authorize(kind, 'UROOT', 't1', 'note')).toMatchObject({ ok: false });
  });
});

describe('the re-check before a write that waited', () => {
  /** An execute() that changes the item in ISC while the write waits, then reaches the write check as the HTTP layer does. */
  function waiting(ctx: ReturnType<typeof setup>, change: (t: Thing) => void) {
    ctx.kind.execute = async (_client, t, a) => {
      change(ctx.things.get(t.id)!);
      await writeCheck()!();
      ctx.executed.push(a);
      return t;
    };
  }

  it('not within 2 s of the check by default; after that the item is read again', async () => {
    const t0 = Date.parse('2026-03-02T09:00:00Z');
    let now = t0;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const quick = setup();
      waiting(quick, () => {
        now = t0 + 1_999;
      });
      expect((await quick.pipeline.perform(quick.kind, 'UOWNER', approve)).status).toBe('done');
      expect(quick.read).toHaveBeenCalledTimes(1);
      now = t0;
      const slow = setup();
      waiting(slow, () => {
        now = t0 + 2_000;
      });
      expect((await slow.pipeline.perform(slow.kind, 'UOWNER', approve)).status).toBe('done');
      expect(slow.read).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('separation of duties is checked again: a request that became the actor\'s own while waiting is not sent', async () => {
    const ctx = setup({ recheckAfterMs: 0 });
    waiting(ctx, (t) => {
      t.requesterId = 'id-owner';
    });
    expect(await ctx.pipeline.perform(ctx.kind, 'UOWNER', approve)).toEqual({ status: 'refused', message: expect.stringMatching(/changed: You requested this thing/) });
    expect(ctx.executed).toEqual([]);
  });

  it('an item that no longer fits is not sent, and the user is told why', async () => {
    const ctx = setup({ recheckAfterMs: 0 });
    const fits = ctx.kind.fits;
    ctx.kind.fits = (t, a) => (t.comments.includes('locked') ? 'It is locked.' : fits(t, a));
    waiting(ctx, (t) => {
      t.comments.push('locked');
    });
    expect(await ctx.pipeline.perform(ctx.kind, 'UOWNER', approve)).toEqual({
      status: 'refused',
      message: 'While your action waited for its turn at ISC (rate limit), the thing changed: It is locked.',
    });
    expect(ctx.executed).toEqual([]);
  });

  it('an item decided while waiting is already decided, with the item as ISC has it and its decisions', async () => {
    const ctx = setup({ recheckAfterMs: 0 });
    waiting(ctx, (t) => {
      t.state = 'done';
    });
    expect(await ctx.pipeline.perform(ctx.kind, 'UOWNER', approve)).toEqual({ status: 'already_decided', item: expect.objectContaining({ id: 't1', state: 'done' }), decisions: {} });
    expect(ctx.executed).toEqual([]);
  });

  it('an admin deciding their own item whose item was handed to someone else meanwhile: not sent (it would now be for another owner)', async () => {
    const ctx = setup({ recheckAfterMs: 0 }, { ownerId: 'id-admin' });
    waiting(ctx, (t) => {
      t.ownerId = 'id-other';
    });
    expect(await ctx.pipeline.perform(ctx.kind, 'UADMIN', approve)).toEqual({
      status: 'refused',
      message: expect.stringContaining('changed: it has a different owner now. Nothing was changed in ISC; press Refresh and try again.'),
    });
    expect(ctx.executed).toEqual([]);
  });
});

describe('the client an action runs with', () => {
  const service = { client: {} as IscClient, actingAs: { kind: 'service' as const } };
  const linked = { client: {} as IscClient, actingAs: { kind: 'linked' as const, identityId: 'id-owner', identityName: 'Olivia' } };

  it('is asked for as the owner, or for another owner when an admin acts on someone else\'s item', async () => {
    const actingClient = jest.fn(async (): Promise<ActingClient> => service);
    const { pipeline, kind } = setup({ acting: { actingClient } });
    await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'a' });
    await pipeline.perform(kind, 'UADMIN', { kind: 'comment', id: 't1', text: 'b' });
    expect(actingClient.mock.calls).toEqual([
      ['UOWNER', false],
      ['UADMIN', true],
    ]);
  });

  it('tells the kind how the action would reach ISC, and a refusal of that way is a refusal', async () => {
    const hows: string[] = [];
    const run = async (over: Partial<ActionPipelineOptions>, user: string, refusal?: string) => {
      const ctx = setup(over);
      ctx.kind.actingRefusal = (_t, _a, how) => {
        hows.push(how);
        return refusal;
      };
      return ctx.pipeline.perform(ctx.kind, user, approve);
    };
    await run({ acting: { actingClient: async () => linked } }, 'UOWNER');
    await run({ acting: { actingClient: async () => service } }, 'UOWNER');
    await run({}, 'UOWNER');
    await run({}, 'UADMIN');
    expect(hows).toEqual(['own', 'connect', 'service', 'for-another']);
    expect(await run({}, 'UOWNER', 'Decide it in ISC: it needs two approvers.')).toEqual({ status: 'refused', message: 'Decide it in ISC: it needs two approvers.' });
  });

  it('a refusal by account linking (connect first) is the user\'s refusal, on the trail, and ISC is not called', async () => {
    const { pipeline, kind, executed, outcomes } = setup({ acting: { actingClient: async () => ({ refused: 'Connect your ISC account first.' }) } });
    expect(await pipeline.perform(kind, 'UOWNER', approve)).toEqual({ status: 'refused', message: 'Connect your ISC account first.' });
    expect(executed).toEqual([]);
    expect(outcomes()).toEqual([expect.objectContaining({ outcome: 'refused', reason: 'Connect your ISC account first.' })]);
  });

  it('a client that cannot be had is a failure on the trail; a refresh token refused before sending asks to reconnect', async () => {
    const broken = setup({ acting: { actingClient: () => Promise.reject(new Error('token store down')) } });
    expect(await broken.pipeline.perform(broken.kind, 'UOWNER', approve)).toEqual({ status: 'failed', message: expect.stringMatching(/^Something went wrong in the bot/) });
    expect(broken.outcomes()).toEqual([expect.objectContaining({ outcome: 'failed' })]);
    expect(broken.executed).toEqual([]);

    const revoked = setup();
    revoked.failNext.error = new ReconnectRequiredError();
    expect(await revoked.pipeline.perform(revoked.kind, 'UOWNER', approve)).toEqual({ status: 'refused', message: RECONNECT_MESSAGE });
    expect(revoked.read).toHaveBeenCalledTimes(1);
  });
});

describe('without an audit trail', () => {
  it('decides, refuses and fails as with one', async () => {
    const done = setup({ audit: undefined });
    expect((await done.pipeline.perform(done.kind, 'UOWNER', approve)).status).toBe('done');
    const refused = setup({ audit: undefined }, { requesterId: 'id-owner' });
    expect((await refused.pipeline.perform(refused.kind, 'UOWNER', approve)).status).toBe('refused');
    const failed = setup({ audit: undefined });
    failed.failNext.error = httpError(503);
    expect((await failed.pipeline.perform(failed.kind, 'UOWNER', approve)).status).toBe('failed');
    expect([done, refused, failed].map((c) => c.records.length)).toEqual([0, 0, 0]);
  });
});

describe('the trail of a done action', () => {
  it('carries the request ids ISC answered its writes with', async () => {
    const { pipeline, kind, outcomes } = setup();
    const execute = kind.execute;
    kind.execute = async (client, t, a) => {
      noteRequestId('POST', 'req-1');
      noteRequestId('POST', 'req-2');
      return execute(client, t, a);
    };
    await pipeline.perform(kind, 'UOWNER', approve);
    expect(outcomes()).toEqual([expect.objectContaining({ outcome: 'done', trackingId: 'req-1 req-2' })]);
  });

  it('a comment stores no decision for the cards', async () => {
    const { pipeline, kind, store } = setup();
    const setField = jest.spyOn(store, 'setField');
    expect(await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'hi' })).toMatchObject({ status: 'done' });
    expect(setField).not.toHaveBeenCalled();
    expect(await pipeline.decisionsFor(kind, 't1')).toStrictEqual({});
  });
});

describe('"Decided today" on the Home tab', () => {
  it('counts an approval, a rejection and a completion, under the item and part, at the decision\'s time; not a hand-over, an account selection or a comment', async () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const { pipeline, kind, things, store, logger } = setup({ now: () => now });
    const kinds: DecisionKind[] = ['approved', 'rejected', 'completed', 'forwarded', 'reassigned', 'accounts_submitted'];
    kinds.forEach((_, i) => things.set(`t${i}`, { id: `t${i}`, ownerId: 'id-owner', state: 'open', comments: [] }));
    kind.decision = (a) => (a.kind === 'comment' ? undefined : { kind: kinds[Number(a.id.slice(1))] });
    for (const [i] of kinds.entries()) expect((await pipeline.perform(kind, 'UOWNER', { kind: 'approve', id: `t${i}` })).status).toBe('done');
    expect((await pipeline.perform(kind, 'UOWNER', { kind: 'comment', id: 't1', text: 'hi' })).status).toBe('done');
    expect((await store.members(decidedKey('UOWNER', '2026-03-02'))).sort()).toEqual(['t0', 't1', 't2'].map((id) => `2026-03-02T09:00:00.000Z|th:${id}:*`));
    expect(await decidedToday(store, 'UOWNER', now, 'UTC')).toBe(3);
    expect(logger.error).not.toHaveBeenCalled();
  });
});
