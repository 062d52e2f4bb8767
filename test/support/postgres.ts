import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL the tests use: 127.0.0.1:5432, user postgres, trust auth (.ci/run starts one when none answers), or TEST_DATABASE_URL. */
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface PgFixture {
  /** A database of the test file's own (set in beforeAll). */
  url: string;
  /** Runs SQL in that database (or `url`'s) as its owner (to tamper with the trail, as an attacker with access would). */
  sql(text: string, values?: unknown[], url?: string): Promise<Array<Record<string, unknown>>>;
  /** A fresh, empty schema in that database, as a URL whose search_path names it: a trail of its own, cheaper than a database. */
  freshUrl(): Promise<string>;
}

/** A database for each test file (and run), created before its tests and dropped after them. */
export function pgFixture(file: string): PgFixture {
  const name = `test_${file.replace(/\W/g, '_').toLowerCase()}_${process.pid}_${randomUUID().slice(0, 8)}`;
  let schemas = 0;
  const fixture: PgFixture = {
    url: '',
    async sql(text, values, url = fixture.url) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text, values)).rows as Array<Record<string, unknown>>;
      } finally {
        await client.end();
      }
    },
    async freshUrl() {
      const schema = `s${++schemas}`;
      await fixture.sql(`CREATE SCHEMA ${schema}`);
      return `${fixture.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    },
  };
  beforeAll(async () => {
    await admin((c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    fixture.url = url.toString();
  });
  afterAll(async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }, 60_000);
  return fixture;
}
