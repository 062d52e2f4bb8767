import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
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
