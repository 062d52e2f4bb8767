import { PgAuditLog } from '../../src/audit/pgAuditLog';
import { silentLogger } from '../../src/log';
import { PgDurableClaims } from '../../src/store/durableClaims';
import { pgFixture } from '../support/postgres';

const pg = pgFixture('durable_claims');
const T0 = Date.parse('2030-01-07T10:00:00Z');
const HOUR = 3600_000;
let log: PgAuditLog;
let now: number;
let claims: PgDurableClaims;
beforeEach(async () => {
  log = await PgAuditLog.open(await pg.freshUrl(), { retentionDays: 400, logger: silentLogger });
  now = T0;
  claims = new PgDurableClaims(log.pool, { logger: silentLogger, now: () => new Date(now) });
});
afterEach(() => log.close());

const rows = async () => (await log.pool.query('SELECT claim_key, expires_at FROM durable_claims ORDER BY claim_key')).rows;

it('a key is claimed once while its claim holds, and again once it has expired', async () => {
  expect(await claims.claim('k', HOUR)).toBeDefined();
  expect(await claims.claim('k', HOUR)).toBeUndefined();
  expect(await claims.claim('other', HOUR)).toBeDefined();
  now += HOUR - 1;
  expect(await claims.claim('k', HOUR)).toBeUndefined();
  now += 1;
  expect(await claims.claim('k', HOUR)).toBeDefined();
  expect((await rows()).find((r) => r.claim_key === 'k')!.expires_at).toEqual(new Date(T0 + 2 * HOUR));
});

it('a claim given back can be claimed again at once; giving back a claim since taken over keeps the new one', async () => {
  const first = (await claims.claim('k', HOUR))!;
  await first.release();
  expect(await rows()).toEqual([]);
  const second = (await claims.claim('k', HOUR))!;
  now += HOUR;
  const third = (await claims.claim('k', HOUR))!;
  await second.release();
  expect(await rows()).toEqual([{ claim_key: 'k', expires_at: new Date(T0 + 2 * HOUR) }]);
  expect(await claims.claim('k', HOUR)).toBeUndefined();
  await third.release();
  expect(await rows()).toEqual([]);
});

it('two replicas claiming the same keys at once (two connections): one wins each', async () => {
  const other = new PgDurableClaims(log.pool, { logger: silentLogger, now: () => new Date(now) });
  const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
  const won = await Promise.all(keys.flatMap((k) => [claims.claim(k, HOUR), other.claim(k, HOUR)]));
  expect(won.filter(Boolean)).toHaveLength(keys.length);
  for (let i = 0; i < keys.length; i++) expect([won[2 * i], won[2 * i + 1]].filter(Boolean)).toHaveLength(1);
});

it('expired claims are pruned at the first claim of a day, and by prune()', async () => {
  await claims.claim('a', HOUR);
  await claims.claim('b', 3 * HOUR);
  now += 2 * HOUR;
  expect(await claims.prune()).toBe(1);
  expect((await rows()).map((r) => r.claim_key)).toEqual(['b']);
  now += 2 * HOUR;
  await claims.claim('c', HOUR);
  expect((await rows()).map((r) => r.claim_key)).toEqual(['b', 'c']);
  now += 24 * HOUR;
  await claims.claim('d', HOUR);
  expect((await rows()).map((r) => r.claim_key)).toEqual(['d']);
});
