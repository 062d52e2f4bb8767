import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WebClient } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import { LAST_POST_KEY, LAST_SLOT_KEY, DigestService, createDigestScheduler, slotKey, type DigestDeps } from '../../src/digest/digestService';
import type { DigestConfig } from '../../src/config';
import { createIscClient } from '../../src/isc/client';
import { silentLogger } from '../../src/log';
import { Metrics } from '../../src/metrics/metrics';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { startSandboxTenant, type Fault, type SandboxTenant } from '../../src/sandbox/tenant';
import { FileStateStore } from '../../src/store/fileStore';
import { mrkdwnTexts } from '../blocks/fixtures';
import { readSamples } from '../support/metrics';

const DIGEST: DigestConfig = {
  channel: 'C0DIGEST1',
  schedule: '0 9 * * 1-5',
  timeZone: 'America/New_York',
  owners: [],
  graceMinutes: 120,
  staleAfterDays: 3,
  stuckAfterHours: 6,
};
/** Monday 9 March 2026, 09:00 in New York (EDT, the first weekday after the switch). */
const SLOT = new Date('2026-03-09T13:00:00Z');
const minutesAfterSlot = (m: number) => () => new Date(SLOT.getTime() + m * 60_000);

let tenant: SandboxTenant;
let fault: ((req: { method: string; path: string; query: URLSearchParams }) => Fault | undefined) | undefined;
let isc: ReturnType<typeof createIscClient>;

beforeAll(async () => {
  tenant = await startSandboxTenant({ logger: silentLogger, faults: (req) => fault?.(req) });
  isc = createIscClient({ baseUrl: tenant.url, clientId: tenant.clientId, clientSecret: tenant.clientSecret, maxRetries: 0, logger: silentLogger });
});
afterAll(() => tenant.close());
afterEach(() => {
  fault = undefined;
});

function fakeSlack() {
  const postMessage = jest.fn(async (args: { channel: string; text: string; blocks: KnownBlock[] }) => ({ ok: true, channel: args.channel, ts: '1773061200.000100' }));
  return { postMessage, slack: { chat: { postMessage } } as unknown as Pick<WebClient, 'chat'> };
}

const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'digest-'));

function deps(store: FileStateStore, now: () => Date, digest: Partial<DigestConfig> = {}): DigestDeps {
  return {
    config: { digest: { ...DIGEST, ...digest } },
    isc,
    directory: { identityFor: async () => null, identityForEmail: async () => null },
    store,
    logger: silentLogger,
    now,
  };
}

describe('DigestService.postSlot', () => {
  it('posts a slot once: a restart (the store reopened from its file) does not post it again', async () => {
    const dir = dataDir();
    const { postMessage, slack } = fakeSlack();
    const first = await FileStateStore.open(dir);
    expect(await new DigestService(deps(first, minutesAfterSlot(0)), slack).postSlot(SLOT, false)).toBe('posted');
    await first.flush();
    const restarted = await FileStateStore.open(dir);
    expect(await restarted.get(LAST_SLOT_KEY)).toBe(SLOT.toISOString());
    expect(await new DigestService(deps(restarted, minutesAfterSlot(5)), slack).postSlot(SLOT, true)).toBe('already_posted');
    // Two posts for the one slot: the approvers' digest, then task health (to the same channel without DIGEST_ADMIN_CHANNEL).
    expect(postMessage).toHaveBeenCalledTimes(2);
    expect(postMessage.mock.calls[0][0]).toMatchObject({ channel: 'C0DIGEST1', unfurl_links: false });
    expect(postMessage.mock.calls[0][0].text).toMatch(/^ISC digest: /);
    expect(postMessage.mock.calls[1][0]).toMatchObject({ channel: 'C0DIGEST1', unfurl_links: false });
    expect(postMessage.mock.calls[1][0].text).toMatch(/^ISC task health: /);
    expect(await restarted.get(LAST_POST_KEY)).toEqual({ at: SLOT.toISOString(), channel: 'C0DIGEST1', ts: '1773061200.000100' });
  });

  it('two starts at once post the slot once', async () => {
    const store = await FileStateStore.open(dataDir());
    const { postMessage, slack } = fakeSlack();
    const outcomes = await Promise.all([1, 2].map(() => new DigestService(deps(store, minutesAfterSlot(1)), slack).postSlot(SLOT, false)));
    expect(outcomes.sort()).toEqual(['already_posted', 'posted']);
    expect(postMessage.mock.calls.map((c) => c[0].text.split(':')[0])).toEqual(['ISC digest', 'ISC task health']);
  });

  it('leaves a slot already claimed (a crash between posting and recording it)', async () => {
    const store = await FileStateStore.open(dataDir());
    await store.set(slotKey(SLOT), { claimedAt: SLOT.toISOString() });
    const { postMessage, slack } = fakeSlack();
    expect(await new DigestService(deps(store, minutesAfterSlot(3)), slack).postSlot(SLOT, true)).toBe('already_posted');
    expect(postMessage).not.toHaveBeenCalled();
  });

  it('after the store lost its state, does not post a slot it cannot prove unposted (at or before the loss); the next slot posts', async () => {
    const store = await FileStateStore.open(dataDir());
    const { postMessage, slack } = fakeSlack();
    const lostAt = new Date(SLOT.getTime() + 30_000);
    const stateLoss = { lostAt: jest.fn(async () => lostAt) };
    const metrics = new Metrics();
    const service = new DigestService({ ...deps(store, minutesAfterSlot(2)), stateLoss, metrics }, slack);
    expect(await service.postSlot(SLOT, true)).toBe('unproven');
    expect(postMessage).not.toHaveBeenCalled();
    expect(await store.get(slotKey(SLOT))).toBeUndefined();
    expect(readSamples(await metrics.exposition()).value('iscbot_digest_runs_total', { trigger: 'schedule', outcome: 'unproven' })).toBe(1);
    const next = new Date(SLOT.getTime() + 24 * 3600_000);
    expect(await new DigestService({ ...deps(store, () => next), stateLoss }, slack).postSlot(next, false)).toBe('posted');
    expect(postMessage).toHaveBeenCalledTimes(2);
  });

  it('does not post a slot again after Slack failed it: it may have gone through', async () => {
    const store = await FileStateStore.open(dataDir());
    const { postMessage, slack } = fakeSlack();
    postMessage.mockRejectedValueOnce(new Error('socket hang up'));
    const service = new DigestService(deps(store, minutesAfterSlot(0)), slack);
    expect(await service.postSlot(SLOT, false)).toBe('failed');
    expect(await service.postSlot(SLOT, false)).toBe('already_posted');
    expect(postMessage).toHaveBeenCalledTimes(1);
  });

  it('counts each scheduled run by outcome, and a /workitems digest run', async () => {
    const store = await FileStateStore.open(dataDir());
    const { postMessage, slack } = fakeSlack();
    const metrics = new Metrics();
    // A client of its own: the digests read here do not use up the ISC budget of the other tests.
    const ownIsc = createIscClient({ baseUrl: tenant.url, clientId: tenant.clientId, clientSecret: tenant.clientSecret, maxRetries: 0, logger: silentLogger });
    const service = new DigestService({ ...deps(store, minutesAfterSlot(0)), isc: ownIsc, metrics }, slack);
    postMessage.mockRejectedValueOnce(new Error('socket hang up'));
    await service.postSlot(SLOT, false);
    await service.postSlot(SLOT, false);
    await service.postSlot(new Date(SLOT.getTime() + 86_400_000), false);
    await service.postNow();
    const runs = readSamples(await metrics.exposition());
    expect(runs.series('iscbot_digest_runs_total')).toEqual([
      { trigger: 'schedule', outcome: 'failed' },
      { trigger: 'schedule', outcome: 'already_posted' },
      { trigger: 'schedule', outcome: 'posted' },
      { trigger: 'command', outcome: 'posted' },
    ]);
    expect(runs.value('iscbot_digest_runs_total')).toBe(4);
  });

  it('posts even when ISC fails a section, showing it unavailable with the tracking id', async () => {
    // The task lists (sorted) fail; the pending count (the same path, unsorted) still answers.
    fault = (req) => (req.method === 'GET' && req.path === '/task-status/v1' && req.query.has('sorters') ? { kind: 'status', status: 500 } : undefined);
    const store = await FileStateStore.open(dataDir());
    const { postMessage, slack } = fakeSlack();
    expect(await new DigestService(deps(store, minutesAfterSlot(0)), slack).postSlot(SLOT, false)).toBe('posted');
    const health = mrkdwnTexts(postMessage.mock.calls[1][0].blocks).join('\n');
    expect(health).toMatch(/Longest running tasks _unavailable_ \(tracking id `[0-9a-f]{32}`\)/);
    expect(mrkdwnTexts(postMessage.mock.calls[0][0].blocks).join('\n')).toContain('*Work items*');
  });

  it('lists failed tasks since the last digest posted (a day back before the first)', async () => {
    const store = await FileStateStore.open(dataDir());
    const { postMessage, slack } = fakeSlack();
    const service = new DigestService(deps(store, minutesAfterSlot(0)), slack);
    await service.postNow();
    expect(mrkdwnTexts(postMessage.mock.calls[1][0].blocks).join('\n')).toContain('since Mar 8, 2026 09:00 GMT-4');
    const next = await new DigestService(deps(store, minutesAfterSlot(24 * 60)), slack).buildPosts();
    expect(mrkdwnTexts(next.tasks.blocks).join('\n')).toContain('since Mar 9, 2026 09:00 GMT-4');
  });

  it('sends task health to DIGEST_ADMIN_CHANNEL, a post of its own; its failure does not undo the digest', async () => {
    const store = await FileStateStore.open(dataDir());
    const { postMessage, slack } = fakeSlack();
    postMessage.mockImplementation(async (args) => {
      if (args.channel === 'C0ADMINS1') throw new Error('not_in_channel');
      return { ok: true, channel: args.channel, ts: '1773061200.000100' };
    });
    expect(await new DigestService(deps(store, minutesAfterSlot(0), { adminChannel: 'C0ADMINS1' }), slack).postSlot(SLOT, false)).toBe('posted');
    expect(postMessage.mock.calls.map((c) => [c[0].channel, c[0].text.split(':')[0]])).toEqual([
      ['C0DIGEST1', 'ISC digest'],
      ['C0ADMINS1', 'ISC task health'],
    ]);
    expect(mrkdwnTexts(postMessage.mock.calls[0][0].blocks).join('\n')).not.toContain('ISC tasks');
    expect(await store.get(LAST_SLOT_KEY)).toBe(SLOT.toISOString());
  });

  it('refuses to post without a channel', async () => {
    const store = await FileStateStore.open(dataDir());
    await expect(new DigestService(deps(store, minutesAfterSlot(0), { channel: undefined }), fakeSlack().slack).postNow()).rejects.toThrow(/DIGEST_CHANNEL/);
  });
});

describe('the digest scheduler on start', () => {
  it('catches up on a slot missed while down, marked late, once across restarts', async () => {
    const dir = dataDir();
    const { postMessage, slack } = fakeSlack();
    const start = async (now: () => Date) => {
      const store = await FileStateStore.open(dir);
      const scheduler = createDigestScheduler(deps(store, now), slack);
      await scheduler.start();
      await scheduler.stop();
      await store.flush();
    };
    await start(minutesAfterSlot(45));
    expect(postMessage).toHaveBeenCalledTimes(2);
    const late = postMessage.mock.calls[0][0];
    expect(late.blocks[0]).toMatchObject({ type: 'header', text: { text: 'ISC digest · Mar 9, 2026 (late)' } });
    expect(late.text).toMatch(/^ISC digest: /);
    await start(minutesAfterSlot(50));
    expect(postMessage).toHaveBeenCalledTimes(2);
  });

  it('does not catch up beyond the grace period', async () => {
    const store = await FileStateStore.open(dataDir());
    const { postMessage, slack } = fakeSlack();
    const scheduler = createDigestScheduler(deps(store, minutesAfterSlot(121)), slack);
    await scheduler.start();
    await scheduler.stop();
    expect(postMessage).not.toHaveBeenCalled();
    expect(await store.get(LAST_SLOT_KEY)).toBeUndefined();
  });
});

describe('the approvers a digest reads', () => {
  const people: Record<string, { id: string; name: string }> = {
    U0ADA0001: { id: SEED_IDENTITIES.ada.id, name: SEED_IDENTITIES.ada.name },
    U0BEN0001: { id: SEED_IDENTITIES.ben.id, name: SEED_IDENTITIES.ben.name },
  };
  const withPeople = (d: DigestDeps): DigestDeps => ({ ...d, directory: { identityFor: async (u) => people[u] ?? null, identityForEmail: async () => null } });

  it('are everyone the bot knows (its subscribers) and DIGEST_OWNERS, each once, with their pending approvals of every kind', async () => {
    const store = await FileStateStore.open(dataDir());
    // Read ten days after the sandbox seeded its items (relative to the real clock): Ada's are all stale.
    const later = new Date(Date.now() + 10 * 86_400_000);
    const service = new DigestService({ ...withPeople(deps(store, () => later, { owners: ['U0ADA0001'] })), knownApprovers: async () => ['U0BEN0001', 'U0ADA0001'] }, fakeSlack().slack);
    const message = await service.build();
    const text = mrkdwnTexts(message.blocks).join('\n');
    expect(text).toContain('across 2 approvers');
    // Ada has stale work items: mentioned (her Slack user is known), not named.
    expect(text).toMatch(/• <@U0ADA0001> — \*Open:\* \d+ .* · 5 access requests · 4 workflow approvals .*⏰ \d+ stale/);
    expect(text).toMatch(/• \*Ben Builder\* — .* · 1 access request · 1 workflow approval/);
    expect(text).toMatch(/\*Access requests pending:\* 6 · \*Workflow approvals pending:\* 5/);
    expect(message.text).toMatch(/^ISC digest: \d+ open work items, 6 pending access requests, 5 pending workflow approvals$/);
    const nudges = message.blocks.flatMap((b) => ('accessory' in b && b.accessory ? [b.accessory] : [])) as Array<{ action_id?: string; value?: string }>;
    expect(nudges.filter((e) => e.action_id === 'digest_nudge').map((e) => JSON.parse(e.value!))).toEqual([{ u: 'U0ADA0001' }]);
  });

  it("with neither, the bot's own identity, as before; the subscribers failing to load leaves DIGEST_OWNERS", async () => {
    const store = await FileStateStore.open(dataDir());
    const alone = await new DigestService(withPeople(deps(store, () => SLOT)), fakeSlack().slack).build();
    expect(mrkdwnTexts(alone.blocks).join('\n')).toContain("The bot's ISC identity");
    const failing = await new DigestService({ ...withPeople(deps(store, () => SLOT, { owners: ['U0BEN0001'] })), knownApprovers: async () => Promise.reject(new Error('store down')) }, fakeSlack().slack).build();
    expect(mrkdwnTexts(failing.blocks).join('\n')).toContain('across 1 approver');
  });
});
