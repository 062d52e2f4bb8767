import fs from 'node:fs';
import path from 'node:path';
import { startHarness, USERS, type Harness } from '../support/botHarness';
import { pgFixture } from '../support/postgres';
import { scrape } from '../support/metrics';
import { cuttableLink, deleteKeys, testPrefix, until, type CuttableLink } from '../support/redis';

// /readyz and the gauges of the real bot: ready only while the store answers, ISC gives a token and
// Slack accepted the bot token; /healthz stays 200 throughout.

const readyz = async (baseUrl: string) => {
  const res = await fetch(`${baseUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const healthz = async (baseUrl: string) => (await fetch(`${baseUrl}/healthz`)).status;

describe('on the file store', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ NOTIFY_USERS: USERS.ada.id });
  });
  afterAll(() => h.close());

  it('is ready when all three answer, and the gauges say so with the build', async () => {
    await h.bot.notifier.runCycle();
    const ready = await readyz(h.baseUrl);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', store: { ok: true }, isc: { ok: true }, slack: { ok: true, detail: expect.stringMatching(/^Slack accepted the bot token at start/) } });
    expect(ready.body.reasons).toBeUndefined();

    const m = await scrape(h.baseUrl);
    expect(m.value('iscbot_leader')).toBe(1);
    expect(m.value('iscbot_state_store_up')).toBe(1);
    expect(m.value('iscbot_isc_up')).toBe(1);
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(m.series('iscbot_build_info')).toEqual([{ version, commit: process.env.GIT_COMMIT ?? 'unknown' }]);
    expect(m.series('iscbot_notify_last_poll_age_seconds')).toHaveLength(1);
    expect(m.value('iscbot_notify_last_poll_age_seconds')).toBeLessThan(5);
    expect(m.value('iscbot_notify_oldest_unsent_dm_seconds')).toBe(0);
  });

  it('counts how long a DM the poll owes has waited, while Slack refuses it, and 0 once it is sent', async () => {
    h.slack.answers.set('chat.postMessage', { ok: false, error: 'fatal_error' });
    // Only Ben is polled (a cycle spreads its subscribers over the interval), and his first poll owes him a summary.
    await h.bot.notifier.subscriptions.set(USERS.ada.id, false);
    await h.bot.notifier.subscriptions.set(USERS.ben.id, true);
    await h.bot.notifier.runCycle();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await scrape(h.baseUrl)).value('iscbot_notify_oldest_unsent_dm_seconds')).toBeGreaterThanOrEqual(1);
    h.slack.answers.delete('chat.postMessage');
    await h.bot.notifier.runCycle();
    expect((await scrape(h.baseUrl)).value('iscbot_notify_oldest_unsent_dm_seconds')).toBe(0);
  });

  it('answers 503 with the reason while ISC refuses the bot, and /healthz stays 200', async () => {
    // ISC refuses the start's token and then the credentials: a command's 401 drops the cached token.
    h.fault = () => ({ kind: 'status', status: 401 });
    await h.command(USERS.ada.id, '', 'refused');
    await h.responsesTo('refused');
    const ready = await readyz(h.baseUrl);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', reasons: [expect.stringMatching(/^ISC: ISC is not available/)], isc: { ok: false }, store: { ok: true } });
    expect(JSON.stringify(ready.body)).not.toMatch(/401|SAIL_|credentials/);
    expect(await healthz(h.baseUrl)).toBe(200);
    expect((await scrape(h.baseUrl)).value('iscbot_isc_up')).toBe(0);
    h.fault = undefined;
  });
});

describe('on Redis', () => {
  const prefix = testPrefix('readiness');
  // Replicas need a durable audit trail; the test Redis keeps nothing on disk.
  const pg = pgFixture('readiness');
  let link: CuttableLink;
  let h: Harness;
  beforeAll(async () => {
    link = await cuttableLink();
    h = await startHarness({ REDIS_URL: link.url, REDIS_KEY_PREFIX: prefix, LEADER_LEASE_SECONDS: '3', DATABASE_URL: await pg.freshUrl() });
  });
  afterAll(async () => {
    await h?.close();
    await link.close();
    await deleteKeys(prefix);
  });

  it('answers 503 while Redis does not, ready again once it does; the gauges follow', async () => {
    await until(() => h.bot.leadership!.isLeader);
    expect((await readyz(h.baseUrl)).status).toBe(200);
    expect((await scrape(h.baseUrl)).value('iscbot_leader')).toBe(1);
    link.cut();
    const ready = await readyz(h.baseUrl);
    expect(ready.status).toBe(503);
    expect(ready.body.reasons).toEqual(["state store: Redis does not answer; the bot's log says why."]);
    expect(await healthz(h.baseUrl)).toBe(200);
    expect((await scrape(h.baseUrl)).value('iscbot_state_store_up')).toBe(0);
    link.restore();
    await until(async () => (await readyz(h.baseUrl)).status === 200, 5000);
    expect((await scrape(h.baseUrl)).value('iscbot_state_store_up')).toBe(1);
  });
});
