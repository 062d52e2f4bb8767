import { setTimeout as delay } from 'node:timers/promises';
import type { Decisions } from '../decisions/decision';
import { inboxKey, type InboxItem } from '../inbox/items';
import { withRequestPriority, withRequestSignal } from '../isc/deadline';
import type { NotifyDeps } from './deps';
import { DmCards } from './dmCards';
import { Ledger } from './ledger';
import { isAbort, Poller, type PollPlan } from './poller';
import { SlackSender, type SlackDmClient, type Sleep } from './slackSender';
import type { AnnouncementReceipts } from './receipts';
import { Subscriptions } from './subscriptions';

export interface NotifierOptions {
  /** A client from createNotificationClient() (src/slack), or a fake. */
  slack: SlackDmClient;
  /** For tests, with a clock of their own (ctx.now); default: real timers. stop() cuts any wait short. */
  sleep?: Sleep;
  /** What was announced, kept where a loss of the state store does not reach (PostgreSQL); default: nothing kept. */
  receipts?: AnnouncementReceipts;
}

/**
 * Notification DMs: subscriptions, the poller that finds new, aging and settled items, and the DMs
 * that follow their items (after actions in the bot through itemChanged, after ISC through the poll).
 * Every replica follows the actions it handles; only the leader polls (start / stopPolling).
 */
export class Notifier {
  readonly subscriptions: Subscriptions;
  private readonly cards: DmCards;
  private readonly poller: Poller;
  private readonly shutdown = new AbortController();
  /** What cuts the poller's waits short: the end of this replica's polling, or the shutdown. */
  private pollSignal: AbortSignal = this.shutdown.signal;
  private polling?: { stop: AbortController; loop: Promise<void> };

  constructor(
    private readonly ctx: NotifyDeps,
    opts: NotifierOptions,
  ) {
    const injected = opts.sleep;
    const sleepUntil =
      (signal: () => AbortSignal): Sleep =>
      (ms) => {
        const s = signal();
        if (injected) return s.aborted ? Promise.reject(s.reason) : injected(ms);
        return delay(ms, undefined, { signal: s });
      };
    const sender = new SlackSender({ client: opts.slack, sleep: sleepUntil(() => this.shutdown.signal), now: () => ctx.now().getTime(), logger: ctx.logger, metrics: ctx.metrics });
    const ledger = new Ledger(ctx.store, ctx.now);
    this.subscriptions = new Subscriptions({
      store: ctx.store,
      configured: ctx.config.notify.users,
      lookupByEmail: (email) => sender.lookupByEmail(email),
      logger: ctx.logger,
      now: () => ctx.now().getTime(),
    });
    this.cards = new DmCards({ ctx, ledger, dms: sender, receipts: opts.receipts });
    this.poller = new Poller({ ctx, subscriptions: this.subscriptions, ledger, cards: this.cards, sleep: sleepUntil(() => this.pollSignal) });
  }

  /** Starts polling (this replica runs the background work): a first cycle now, then one per interval. */
  start(): void {
    if (this.polling || this.shutdown.signal.aborted) return;
    const stop = new AbortController();
    this.pollSignal = AbortSignal.any([stop.signal, this.shutdown.signal]);
    // The poll's ISC requests stop waiting (for the rate limiter or ISC) as soon as polling stops, so
    // that a leader stepping down hands its lease on at once; they go after every click's and read's.
    const loop = withRequestSignal(this.pollSignal, () => withRequestPriority('background', () => this.poller.run())).catch((e) => {
      if (!isAbort(e)) this.ctx.logger.error('Notifications: the poll loop stopped', { error: e instanceof Error ? e.message : String(e) });
    });
    this.polling = { stop, loop };
  }

  /** Stops polling (another replica runs the background work now); DMs still follow this replica's actions. */
  async stopPolling(): Promise<void> {
    const polling = this.polling;
    if (!polling) return;
    this.polling = undefined;
    polling.stop.abort();
    await polling.loop;
  }

  /** One poll of every subscriber, after any cycle under way. */
  runCycle(): Promise<PollPlan> {
    return this.poller.runCycle();
  }

  /** For the gauges: when polling last went through every subscriber (undefined while this replica does not poll), and the oldest DM it owes. */
  pollStatus(): { lastCycleAt?: number; oldestUnsentSince?: number } {
    const { lastCycleAt, oldestUnsentSince } = this.poller.status();
    return { lastCycleAt: this.polling ? lastCycleAt : undefined, oldestUnsentSince };
  }

  /** The services' hook: an action in the bot changed an item (of any kind), so its DMs follow. Never throws. */
  itemChanged(entry: InboxItem, decisions: Decisions): void {
    if (this.shutdown.signal.aborted) return;
    this.cards.itemChanged(entry, decisions).catch((e: unknown) => {
      if (!isAbort(e)) this.ctx.logger.warn('Notifications: could not update the DMs of an item', { itemKey: inboxKey(entry), error: e instanceof Error ? e.message : String(e) });
    });
  }

  /** Stops polling and waits for the Slack work under way (cut short where it waits). */
  async stop(): Promise<void> {
    this.shutdown.abort();
    await this.stopPolling();
    await this.cards.idle();
  }
}
