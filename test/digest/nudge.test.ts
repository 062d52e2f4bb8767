import { nudge, nudgeKey, type NudgeDeps } from '../../src/digest/nudge';
import { silentLogger } from '../../src/log';
import { MemoryStateStore } from '../../src/store/memoryStore';
import type { StateStore } from '../../src/store/store';
import { deleteKeys, openTestStore, testPrefix } from '../support/redis';

const NOW = new Date('2026-11-23T10:00:00Z');
const ADMIN = 'U0ADMIN01';

function deps(store: StateStore, postMessage = jest.fn(async (_args: { channel: string; text: string }) => ({ ok: true }))): NudgeDeps & { postMessage: typeof postMessage } {
  return { store, slack: { chat: { postMessage } } as never, logger: silentLogger, now: () => NOW, isAdmin: (u) => u === ADMIN || u === 'U0ADMIN02', staleAfterDays: 3, postMessage };
}

describe('Nudge', () => {
  it('DMs the approver once a day whoever clicks; the next day again', async () => {
    const store = new MemoryStateStore();
    const d = deps(store);
    expect(await nudge(d, ADMIN, 'U0ADA0001')).toEqual({ kind: 'sent' });
    expect(d.postMessage).toHaveBeenCalledTimes(1);
    expect(d.postMessage.mock.calls[0][0]).toMatchObject({ channel: 'U0ADA0001' });
    expect(d.postMessage.mock.calls[0][0].text).toBe(`⏰ <@${ADMIN}> asks you to look at your ISC approvals: some have waited more than 3 days.`);
    expect(await nudge(d, 'U0ADMIN02', 'U0ADA0001')).toEqual({ kind: 'already', by: ADMIN });
    expect(d.postMessage).toHaveBeenCalledTimes(1);
    // Another approver is nudged on their own.
    expect(await nudge(d, ADMIN, 'U0BEN0001')).toEqual({ kind: 'sent' });
    const tomorrow = { ...d, now: () => new Date(NOW.getTime() + 86_400_000) };
    expect(await nudge(tomorrow, ADMIN, 'U0ADA0001')).toEqual({ kind: 'sent' });
    expect(d.postMessage).toHaveBeenCalledTimes(3);
  });

  it('is refused for someone who is not an admin, and sends nothing', async () => {
    const store = new MemoryStateStore();
    const d = deps(store);
    expect(await nudge(d, 'U0BEN0001', 'U0ADA0001')).toEqual({ kind: 'refused' });
    expect(d.postMessage).not.toHaveBeenCalled();
    expect(await store.get(nudgeKey('U0ADA0001', NOW))).toBeUndefined();
  });

  it('a DM Slack refused frees the day for another try', async () => {
    const store = new MemoryStateStore();
    const d = deps(store);
    d.postMessage.mockRejectedValueOnce(new Error('cannot_dm_bot'));
    expect((await nudge(d, ADMIN, 'U0ADA0001')).kind).toBe('failed');
    expect(await nudge(d, ADMIN, 'U0ADA0001')).toEqual({ kind: 'sent' });
  });

  it('two replicas (two connections to one Redis) clicked at once send one DM', async () => {
    const prefix = testPrefix('nudge');
    const [a, b] = await Promise.all([openTestStore(prefix), openTestStore(prefix)]);
    try {
      const postMessage = jest.fn(async (_args: { channel: string; text: string }) => ({ ok: true }));
      const outcomes = await Promise.all([nudge(deps(a, postMessage), ADMIN, 'U0ADA0001'), nudge(deps(b, postMessage), 'U0ADMIN02', 'U0ADA0001'), nudge(deps(b, postMessage), ADMIN, 'U0ADA0001')]);
      expect(outcomes.filter((o) => o.kind === 'sent')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'already')).toHaveLength(2);
      expect(postMessage).toHaveBeenCalledTimes(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deleteKeys(prefix);
    }
  });
});
