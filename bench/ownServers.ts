// A Redis and a PostgreSQL cluster of the soak's own, in temp directories on free ports, so that the
// fault soak can flush and restart them without touching the machine's shared servers (other test
// runs use 127.0.0.1:6379 and :5432). PostgreSQL's initdb refuses root: as root, the cluster is
// created and run as the `postgres` OS user (runuser), in a directory that user owns.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/slackStandIn';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface OwnRedis {
  url: string;
  port: number;
  dir: string;
  /** SHUTDOWN (the append-only file is written first), then the same server again on the same port and files. */
  restart(): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

/** redis-server on a free loopback port, append-only file on (so a restart keeps what was written). */
export async function startOwnRedis(): Promise<OwnRedis> {
  const bin = process.env.SOAK_REDIS_SERVER ?? 'redis-server';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(bin, args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited at start (see ${dir}/redis.log)`);
      if (redisCli(port, 'PING').trim() === 'PONG') return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
      await sleep(50);
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM'); // redis-server's SIGTERM is a SHUTDOWN: it writes the append-only file and exits
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    restart: async () => {
      const from = Date.now();
      await stop();
      await launch();
      return { downMs: Date.now() - from };
    },
    stop: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function redisCli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
  return r.stdout ?? '';
}

export function flushRedis(redis: OwnRedis): string {
  return redisCli(redis.port, 'FLUSHALL').trim();
}

export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  adminUrl: string;
  port: number;
  dir: string;
  /** pg_ctl restart -m fast: every connection is cut, the server comes back on the same port. */
  restart(): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

function pgBinDir(): string {
  if (process.env.SOAK_PG_BIN) return process.env.SOAK_PG_BIN;
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [
    ...(fromConfig.status === 0 ? [fromConfig.stdout.trim()] : []),
    ...(fs.existsSync('/usr/lib/postgresql')
      ? fs
          .readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')));
  if (!found) throw new Error('No PostgreSQL server binaries (initdb, pg_ctl) found; set SOAK_PG_BIN to their directory');
  return found;
}

/** initdb + pg_ctl in a temp directory, trust authentication on loopback, a free port. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = pgBinDir();
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-pg-'));
  const data = path.join(dir, 'data');
  if (root) {
    // initdb refuses root: the cluster belongs to the postgres OS user.
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new Error('Running as root, the soak needs a `postgres` OS user to run its own PostgreSQL cluster (initdb refuses root)');
    fs.chownSync(dir, Number(ids.stdout), Number(gid.stdout));
  }
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=50`;
  const ctl = (...args: string[]) => run('pg_ctl', ['-D', data, '-l', path.join(dir, 'postgres.log'), '-o', opts, '-w', '-t', '30', ...args]);
  ctl('start');
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    restart: async () => {
      const from = Date.now();
      ctl('restart', '-m', 'fast');
      return { downMs: Date.now() - from };
    },
    stop: async () => {
      try {
        ctl('stop', '-m', 'fast');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
