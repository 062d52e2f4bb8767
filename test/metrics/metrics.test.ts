import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { silentLogger } from '../../src/log';
import { withRequestDeadline } from '../../src/isc/deadline';
import { Metrics } from '../../src/metrics/metrics';
import { FileStateStore } from '../../src/store/fileStore';
import { RedisStateStore } from '../../src/store/redisStore';
import { BASE, caught, mockToken, testClient, TOKEN_2, useNock } from '../isc/helpers';
import { readSamples } from '../support/metrics';
import { deleteKeys, testPrefix, TEST_REDIS_URL } from '../support/redis';

const samples = async (metrics: Metrics) => readSamples(await metrics.exposition());

it('each bot has its own registry: two in one process count apart, each with the process metrics', async () => {
  const [a, b] = [new Metrics(), new Metrics()];
  a.ack('block_action', 0.02);
  a.ack('block_action', 0.03);
  b.ack('command', 0.01);
  const [sa, sb] = [await samples(a), await samples(b)];
  expect(sa.value('iscbot_slack_ack_duration_seconds_count', { kind: 'block_action' })).toBe(2);
  expect(sa.value('iscbot_slack_ack_duration_seconds_count', { kind: 'command' })).toBe(0);
  expect(sb.value('iscbot_slack_ack_duration_seconds_count')).toBe(1);
  for (const s of [sa, sb]) expect(s.text).toContain('process_resident_memory_bytes');
});

describe('ISC requests (the 429 and its retry: test/slack/metrics.e2e.test.ts)', () => {
  useNock();
  const ITEM_PATH = '/work-items/v1/wi1';

  it('counts a 401 and the retry with a fresh token, and a network error retried, by operation', async () => {
    const metrics = new Metrics();
    const { client } = testClient({ metrics });
    mockToken();
    nock(BASE).get(ITEM_PATH).reply(401, { error: 'expired' });
    mockToken(TOKEN_2);
    nock(BASE).get(ITEM_PATH).replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    nock(BASE).get(ITEM_PATH).reply(200, { id: 'wi1' });
    await client.workItems.getWorkItem('wi1');
    const s = await samples(metrics);
    expect(s.series('iscbot_isc_requests_total')).toEqual(
      expect.arrayContaining([
        { operation: 'getWorkItem', status: '401' },
        { operation: 'getWorkItem', status: 'network' },
        { operation: 'getWorkItem', status: '200' },
      ]),
    );
    expect(s.value('iscbot_isc_requests_total')).toBe(3);
    expect(s.value('iscbot_isc_retries_total', { operation: 'getWorkItem', status: '401' })).toBe(1);
    expect(s.value('iscbot_isc_retries_total', { operation: 'getWorkItem', status: 'network' })).toBe(1);
    expect(s.value('iscbot_isc_limiter_wait_seconds_count')).toBe(3);
  });

  it('counts a request not sent for want of a rate-limit slot before its deadline as status deadline', async () => {
    const metrics = new Metrics();
    const { client } = testClient({ metrics });
    mockToken();
    await caught(withRequestDeadline(Date.now() - 1, () => client.workItems.getWorkItem('wi1')));
    const s = await samples(metrics);
    expect(s.value('iscbot_isc_requests_total', { operation: 'getWorkItem', status: 'deadline' })).toBe(1);
  });
});

describe('state store errors', () => {
  it('Redis: a failed command is counted by operation', async () => {
    const prefix = testPrefix('metrics');
    const metrics = new Metrics();
    const store = await RedisStateStore.connect({ url: TEST_REDIS_URL, keyPrefix: prefix, logger: silentLogger, metrics });
    await store.set('k', 1);
    store.client.disconnect();
    await caught(store.get('k'));
    await caught(store.setIfAbsent('k', 2));
    const s = await samples(metrics);
    expect(s.value('iscbot_state_store_errors_total', { operation: 'get' })).toBe(1);
    expect(s.value('iscbot_state_store_errors_total', { operation: 'setIfAbsent' })).toBe(1);
    expect(s.value('iscbot_state_store_errors_total', { operation: 'set' })).toBe(0);
    await store.close();
    await deleteKeys(prefix);
  });

  it('file: a write of the state file that fails is counted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-store-'));
    const metrics = new Metrics();
    const store = await FileStateStore.open(dir, { metrics });
    await store.set('k', 1);
    fs.rmSync(dir, { recursive: true, force: true });
    await caught(store.set('k', 2));
    expect((await samples(metrics)).value('iscbot_state_store_errors_total', { operation: 'write' })).toBe(1);
    await store.close().catch(() => undefined);
  });
});

it('a state loss: the counter counts the losses this replica noticed itself, the gauge says when the last one was', async () => {
  const metrics = new Metrics();
  const lostAt = new Date('2026-03-09T13:00:00Z');
  metrics.stateLoss(lostAt, true);
  metrics.stateLoss(lostAt, false);
  const text = await metrics.exposition();
  expect(text).toMatch(/^iscbot_state_loss_detected_total 1$/m);
  expect(text).toMatch(new RegExp(`^iscbot_state_lost_at_seconds ${lostAt.getTime() / 1000}$`, 'm'));
});
