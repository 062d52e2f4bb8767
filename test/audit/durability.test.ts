import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { checkTrailDurable } from '../../src/audit/durability';
import { startBot } from '../../src/bot';
import { ConfigError, loadConfig } from '../../src/config';
import { silentLogger } from '../../src/log';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/botHarness';
import { pgFixture } from '../support/postgres';
import { TEST_REDIS_URL, testPrefix, deleteKeys } from '../support/redis';
import { freePort, SlackStandIn } from '../support/slackStandIn';

// With several replicas (REDIS_URL) the bot refuses to start unless its audit trail survives a restart
// of its storage. The test Redis at 6379 keeps nothing on disk: the case to refuse.

const replicas = { redis: { url: TEST_REDIS_URL, keyPrefix: 'x:', leaseMs: 15_000 }, audit: { retentionDays: 400 } };
const children: ChildProcess[] = [];
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
  for (const c of children) c.kill('SIGKILL');
});

async function redisWith(args: string[]): Promise<Redis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-durable-'));
  children.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], { stdio: 'ignore' }));
  const client = new Redis(port, '127.0.0.1', { protocol: 2, retryStrategy: () => 20, maxRetriesPerRequest: null });
  clients.push(client);
  await client.ping();
  return client;
}

function client(url = TEST_REDIS_URL): Redis {
  const c = new Redis(url, { protocol: 2 });
  clients.push(c);
  return c;
}

it('refuses a Redis that keeps nothing on disk, saying what to change', async () => {
  const redis = await redisWith(['--save', '', '--appendonly', 'no']);
  const refusal = checkTrailDurable(replicas, redis, silentLogger);
  await expect(refusal).rejects.toThrow(ConfigError);
  await expect(refusal).rejects.toThrow(/keeps nothing on disk \(appendonly no, save ""\).*Set DATABASE_URL.*appendonly yes/s);
});

it('accepts a Redis with appendonly yes, and one with RDB snapshots (with a warning)', async () => {
  await expect(checkTrailDurable(replicas, await redisWith(['--save', '', '--appendonly', 'yes']), silentLogger)).resolves.toBeUndefined();
  const warn = jest.fn();
  await expect(checkTrailDurable(replicas, await redisWith(['--save', '3600 1', '--appendonly', 'no']), { ...silentLogger, warn })).resolves.toBeUndefined();
  expect(warn).toHaveBeenCalledWith(expect.stringMatching(/RDB snapshots only/), { save: '3600 1' });
});

it('says so when the Redis has CONFIG disabled', async () => {
  const redis = await redisWith(['--save', '', '--appendonly', 'yes', '--rename-command', 'CONFIG', '""']);
  await expect(checkTrailDurable(replicas, redis, silentLogger)).rejects.toThrow(/refuses CONFIG GET .*cannot check that it persists.*Set DATABASE_URL/s);
});

it('needs no check with DATABASE_URL, or with one process (no REDIS_URL)', async () => {
  const volatile = client();
  await expect(checkTrailDurable({ ...replicas, audit: { retentionDays: 400, databaseUrl: 'postgres://x@127.0.0.1/y' } }, volatile, silentLogger)).resolves.toBeUndefined();
  await expect(checkTrailDurable({ audit: { retentionDays: 400 } }, undefined, silentLogger)).resolves.toBeUndefined();
});

describe('the bot', () => {
  const pg = pgFixture('durability');
  const prefix = testPrefix('durability');
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await new SlackStandIn().start();
  });
  afterAll(async () => {
    await slack.close();
    await deleteKeys(prefix);
  });
  const config = async (env: Record<string, string>) =>
    loadConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(await freePort()),
      SAIL_BASE_URL: 'sandbox',
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'durability-')),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      ...env,
    });

  it('refuses to start with replicas on the non-persistent test Redis and no DATABASE_URL', async () => {
    await expect(startBot(await config({}), silentLogger)).rejects.toThrow(/durable audit trail.*appendonly yes/s);
  });

  it('starts with replicas on that Redis when the trail is in PostgreSQL', async () => {
    const bot = await startBot(await config({ DATABASE_URL: pg.url }), silentLogger);
    await bot.stop();
  });
});
