import { AuditTrail, type AuditLog, type AuditRecord, type DecisionFacts } from '../../src/audit/auditLog';
import type { Logger } from '../../src/log';

// AuditTrail on its own: what each record carries, that an intent that cannot be written stops the
// decision, that an outcome that cannot be written is an error in the log (never a throw), and how
// long texts are cut. One layer below the pipeline's and the kinds' tests.

const T0 = new Date('2026-03-09T13:00:00Z');

function setup(opts: { serviceClientId?: string; now?: () => Date } = { now: () => T0 }) {
  const records: AuditRecord[] = [];
  const failures: Error[] = [];
  const log: AuditLog = {
    append: async (r) => {
      const failure = failures.shift();
      if (failure) throw failure;
      records.push(structuredClone(r));
    },
    readSince: async function* () {},
    verify: () => Promise.reject(new Error('not used')),
    prune: async () => {},
    close: async () => {},
  };
  const logger: Logger & { error: jest.Mock } = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } as never;
  return { trail: new AuditTrail(log, { logger, ...opts }), records, failures, logger };
}

const facts: DecisionFacts = {
  slackUserId: 'U0ADA0001',
  actorIdentityId: 'id-ada',
  item: { kind: 'work-item', id: 'w1', name: 'Access for Bo', ownerId: 'id-ada', ownerName: 'Ada' },
  action: 'forward',
  comment: 'over to Bo',
  target: { identityId: 'id-bo', name: 'Bo' },
};

describe('AuditTrail', () => {
  it('a decision is an intent then an outcome with one decision id, each carrying who, as whom, on what and the outcome', async () => {
    const { trail, records } = setup({ now: () => T0, serviceClientId: 'client-1' });
    const actingAs = trail.actingAs({ kind: 'service' });
    const decision = await trail.begin(facts, actingAs);
    expect(records).toEqual([{ decisionId: expect.any(String), phase: 'intent', at: T0.toISOString(), ...facts, actingAs: { kind: 'service', clientId: 'client-1' }, reason: undefined }]);
    await decision.finish({ outcome: 'already_decided', trackingId: 'trk-9', unconfirmed: true });
    expect(records[1]).toEqual({
      decisionId: records[0]!.decisionId,
      phase: 'outcome',
      at: T0.toISOString(),
      ...facts,
      actingAs: { kind: 'service', clientId: 'client-1' },
      outcome: 'already_decided',
      trackingId: 'trk-9',
      unconfirmed: true,
      reason: undefined,
    });
    // A second decision is another id.
    await (await trail.begin(facts, actingAs)).finish({ outcome: 'done' });
    expect(new Set(records.map((r) => r.decisionId)).size).toBe(2);
  });

  it('names the service identity by its API client id when it has one, and a linked identity as given', () => {
    expect(setup({ serviceClientId: 'client-1' }).trail.actingAs({ kind: 'service' })).toEqual({ kind: 'service', clientId: 'client-1' });
    expect(setup({}).trail.actingAs({ kind: 'service' })).toStrictEqual({ kind: 'service' });
    expect(setup({ serviceClientId: 'client-1' }).trail.actingAs({ kind: 'linked', identityId: 'id-ada', identityName: 'Ada' })).toEqual({
      kind: 'linked',
      identityId: 'id-ada',
      identityName: 'Ada',
    });
  });

  it('an intent that cannot be written throws, so the caller does not act', async () => {
    const { trail, records, failures, logger } = setup();
    failures.push(new Error('disk full'));
    await expect(trail.begin(facts, { kind: 'service' })).rejects.toThrow('disk full');
    expect(records).toEqual([]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('an outcome that cannot be written never throws: it is an error in the log naming the decision', async () => {
    const { trail, records, failures, logger } = setup();
    const decision = await trail.begin(facts, { kind: 'service' });
    failures.push(new Error('disk full'));
    await expect(decision.finish({ outcome: 'done', trackingId: 'trk-1' })).resolves.toBeUndefined();
    expect(records).toHaveLength(1);
    expect(logger.error).toHaveBeenCalledWith('Could not write a decision to the audit trail', {
      decisionId: records[0]!.decisionId,
      slackUserId: 'U0ADA0001',
      action: 'forward',
      itemId: 'w1',
      outcome: 'done',
      error: 'disk full',
    });
    failures.push('not an Error' as never);
    await expect(trail.ended(facts, { outcome: 'refused', reason: 'not yours' })).resolves.toBeUndefined();
    expect(logger.error).toHaveBeenLastCalledWith('Could not write a decision to the audit trail', expect.objectContaining({ outcome: 'refused', error: 'not an Error' }));
  });

  it('an act that ended before ISC was asked is one outcome record, with its reason', async () => {
    const { trail, records } = setup();
    await trail.ended({ ...facts, action: 'approve', target: undefined }, { outcome: 'refused', reason: 'You made this request', trackingId: 'trk-2' });
    expect(records).toEqual([
      { decisionId: expect.any(String), phase: 'outcome', at: T0.toISOString(), ...facts, action: 'approve', target: undefined, outcome: 'refused', reason: 'You made this request', trackingId: 'trk-2' },
    ]);
    expect(records[0]!.actingAs).toBeUndefined();
  });

  it('stamps each record with the time it is written, by its clock or the time now', async () => {
    let now = T0;
    const { trail, records } = setup({ now: () => now });
    const decision = await trail.begin(facts, { kind: 'service' });
    now = new Date(T0.getTime() + 5_000);
    await decision.finish({ outcome: 'done' });
    expect(records.map((r) => r.at)).toEqual([T0.toISOString(), '2026-03-09T13:00:05.000Z']);
    const plain = setup({});
    const before = Date.now();
    await plain.trail.ended(facts, { outcome: 'done' });
    const at = Date.parse(plain.records[0]!.at);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('cuts a comment or a reason longer than 2000 characters to 1999 and an ellipsis; 2000 or fewer stay whole', async () => {
    const { trail, records } = setup();
    const long = 'a'.repeat(1999) + 'bc';
    const exact = 'x'.repeat(2000);
    await trail.ended({ ...facts, comment: long }, { outcome: 'refused', reason: exact });
    await trail.ended({ ...facts, comment: exact }, { outcome: 'failed', reason: long });
    expect(records[0]!.comment).toBe('a'.repeat(1999) + '…');
    expect(records[0]!.reason).toBe(exact);
    expect(records[1]!.comment).toBe(exact);
    expect(records[1]!.reason).toBe('a'.repeat(1999) + '…');
    await (await trail.begin({ ...facts, comment: long }, { kind: 'service' })).finish({ outcome: 'failed', reason: long });
    expect(records[2]!.comment).toHaveLength(2000);
    expect(records[3]!.comment).toBe(records[2]!.comment);
    expect(records[3]!.reason).toBe('a'.repeat(1999) + '…');
  });
});
