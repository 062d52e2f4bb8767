import fs from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface HealthProbes {
  leader(): boolean;
  storeUp(): Promise<boolean>;
  iscUp(): Promise<boolean>;
  /** Epoch ms of the notification poller's last complete cycle; undefined on a replica that does not poll, or before its first. */
  lastPollAt(): number | undefined;
  /** Epoch ms since the oldest notification DM the poller could not send yet was owed; undefined when none is. */
  oldestUnsentSince(): number | undefined;
  now(): number;
}

/** The version in the nearest package.json above this file (src/, dist/ and the bench's build alike). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  }
  return 'unknown';
}

/** Which build runs: the version, and the commit the image was built from (GIT_COMMIT, a build argument of deploy/Dockerfile). */
const BUILD = { version: packageVersion(), commit: process.env.GIT_COMMIT?.trim() || 'unknown' };

/**
 * The bot's Prometheus metrics, on a registry of its own (several bots in one process, as in the
 * tests, do not share counts). A leaf module: the ISC client, the store and the services record
 * through it without importing anything of Slack's. Every label value comes from a bounded set
 * (operation ids of the ISC client, Slack method names, request kinds, status codes), never from
 * a path, an id or a user.
 */
export class Metrics {
  readonly registry = new Registry();

  private readonly ackSeconds = new Histogram({
    name: 'iscbot_slack_ack_duration_seconds',
    help: 'Time from a Slack request reaching the bot to its ack being sent, by kind of request',
    labelNames: ['kind'],
    // Slack gives up at 3 s.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [this.registry],
  });

  private readonly iscRequests = new Counter({
    name: 'iscbot_isc_requests_total',
    help: 'ISC API requests (each attempt, retries included) by operation and outcome: the HTTP status, or timeout, network, deadline (not sent)',
    labelNames: ['operation', 'status'],
    registers: [this.registry],
  });

  private readonly iscSeconds = new Histogram({
    name: 'iscbot_isc_request_duration_seconds',
    help: 'Duration of one ISC API request attempt, by operation',
    labelNames: ['operation'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly iscRetries = new Counter({
    name: 'iscbot_isc_retries_total',
    help: 'ISC API requests sent again, by operation and the outcome that caused it (429, 401, 5xx status, timeout, network)',
    labelNames: ['operation', 'status'],
    registers: [this.registry],
  });

  private readonly limiterWait = new Histogram({
    name: 'iscbot_isc_limiter_wait_seconds',
    help: "Time an ISC request waited for the rate limiter's slot (the bot's pacing and a 429's Retry-After)",
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly slackCalls = new Counter({
    name: 'iscbot_slack_api_calls_total',
    help: 'Slack Web API calls (each attempt) by method and HTTP status (429: rate limited; error: no response); response_url posts as method "response_url"',
    labelNames: ['method', 'status'],
    registers: [this.registry],
  });

  private readonly dmsSent = new Counter({
    name: 'iscbot_dms_sent_total',
    help: 'Notification DMs (and reminder replies in their threads) posted',
    registers: [this.registry],
  });

  private readonly digestRuns = new Counter({
    name: 'iscbot_digest_runs_total',
    help: 'Digest runs by trigger (schedule, command) and outcome (posted, already_posted, unproven: not posted after a state loss, failed)',
    labelNames: ['trigger', 'outcome'],
    registers: [this.registry],
  });

  private readonly storeErrors = new Counter({
    name: 'iscbot_state_store_errors_total',
    help: 'Failed state store operations, by operation',
    labelNames: ['operation'],
    registers: [this.registry],
  });

  private readonly stateLosses = new Counter({
    name: 'iscbot_state_loss_detected_total',
    help: 'Times this replica noticed the state store had lost its state (its sentinel gone or replaced)',
    registers: [this.registry],
  });

  private readonly stateLostAt = new Gauge({
    name: 'iscbot_state_lost_at_seconds',
    help: 'When the state store was last noticed to have lost its state (Unix time); 0 when never',
    registers: [this.registry],
  });

  /** Read at each scrape; set by watch() once the bot is wired. */
  private probes?: HealthProbes;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    // A gauge is left without a value (and so without a sample) while nothing is watched or there is nothing to report.
    const probe = (name: string, help: string, read: (p: HealthProbes) => number | undefined | Promise<number | undefined>) =>
      new Gauge({
        name,
        help,
        registers,
        collect: async () => {
          const g = this.registry.getSingleMetric(name) as Gauge;
          g.reset();
          const value = this.probes ? await read(this.probes) : undefined;
          if (value !== undefined) g.set(value);
        },
      });
    probe('iscbot_leader', 'Whether this replica runs the background work (notification polling, reminders, the digest): 1 or 0; 1 on the file store', (p) => (p.leader() ? 1 : 0));
    probe('iscbot_state_store_up', 'Whether the state store (Redis, or the file in DATA_DIR) answers: 1 or 0', async (p) => ((await p.storeUp()) ? 1 : 0));
    probe('iscbot_isc_up', 'Whether ISC gives the bot a token: 1 or 0 (a failure is remembered 30 s)', async (p) => ((await p.iscUp()) ? 1 : 0));
    probe('iscbot_notify_last_poll_age_seconds', "Seconds since this replica's notification poller last went through every subscriber; absent on a replica that does not poll", (p) => {
      const at = p.lastPollAt();
      return at === undefined ? undefined : Math.max(0, (p.now() - at) / 1000);
    });
    probe('iscbot_notify_oldest_unsent_dm_seconds', 'Seconds since the poller first owed the oldest notification DM it still could not send (Slack or the store failing); 0 when none is owed', (p) => {
      const since = p.oldestUnsentSince();
      return since === undefined ? 0 : Math.max(0, (p.now() - since) / 1000);
    });
    const build = new Gauge({ name: 'iscbot_build_info', help: 'Always 1; the labels say which build runs: version (package.json) and commit (GIT_COMMIT)', labelNames: ['version', 'commit'], registers });
    build.set({ version: BUILD.version, commit: BUILD.commit }, 1);
  }

  /** The bot's state as the gauges report it, read at each scrape. */
  watch(probes: HealthProbes): void {
    this.probes = probes;
  }

  /** The text exposition format, for GET /metrics. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  ack(kind: string, seconds: number): void {
    this.ackSeconds.observe({ kind }, seconds);
  }

  iscRequest(operation: string, status: number | string, seconds?: number): void {
    this.iscRequests.inc({ operation, status: String(status) });
    if (seconds !== undefined) this.iscSeconds.observe({ operation }, seconds);
  }

  iscRetry(operation: string, status: number | string): void {
    this.iscRetries.inc({ operation, status: String(status) });
  }

  iscLimiterWait(seconds: number): void {
    this.limiterWait.observe(seconds);
  }

  slackCall(method: string, status: number | string): void {
    this.slackCalls.inc({ method, status: String(status) });
  }

  dmSent(): void {
    this.dmsSent.inc();
  }

  digestRun(trigger: 'schedule' | 'command', outcome: string): void {
    this.digestRuns.inc({ trigger, outcome });
  }

  /** A loss of the store's state this replica learned of; `noticedHere` when it noticed it itself. */
  stateLoss(lostAt: Date, noticedHere: boolean): void {
    if (noticedHere) this.stateLosses.inc();
    this.stateLostAt.set(lostAt.getTime() / 1000);
  }

  storeError(operation: string): void {
    this.storeErrors.inc({ operation });
  }
}
