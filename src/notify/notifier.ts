import { setTimeout as delay } from 'node:timers/promises';
import type { Decisions } from '../blocks/types';
import type { WorkItem } from '../isc/types';
import type { BotContext } from '../slack/context';
import { Presenter } from '../slack/presenter';
import { DmCards } from './dmCards';
import { Ledger } from './ledger';
import { isAbort, Poller, type PollPlan } from './poller';
import { SlackSender, type SlackDmClient, type Sleep } from './slackSender';
import { Subscriptions } from './subscriptions';

export interface NotifierOptions {
  /** A client from createNotificationClient(), or a fake. */
  slack: SlackDmClient;
  /** For tests, with a clock of their own (ctx.now); default: real timers. stop() cuts any wait short. */
  sleep?: Sleep;
}

/**
 * Notification DMs: subscriptions, the poller that finds new, aging and settled items, and the DMs
 * that follow their items (after actions in the bot through itemChanged, after ISC through the poll).
 */
export class Notifier {
  readonly subscriptions: Subscriptions;
  private readonly cards: DmCards;
  private readonly poller: Poller;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly ctx: BotContext,
    opts: NotifierOptions,
  ) {
    const { signal } = this.stopping;
    const injected = opts.sleep;
    const sleep: Sleep = injected
      ? (ms) => (signal.aborted ? Promise.reject(signal.reason) : injected(ms))
      : (ms) => delay(ms, undefined, { signal });
    const sender = new SlackSender({ client: opts.slack, sleep, now: () => ctx.now().getTime(), logger: ctx.logger });
    const ledger = new Ledger(ctx.store, ctx.now);
    this.subscriptions = new Subscriptions({
      store: ctx.store,
      configured: ctx.config.notify.users,
      lookupByEmail: (email) => sender.lookupByEmail(email),
      logger: ctx.logger,
    });
    this.cards = new DmCards({ ctx, presenter: new Presenter(ctx), ledger, sender });
    this.poller = new Poller({ ctx, subscriptions: this.subscriptions, ledger, cards: this.cards, sleep });
  }

  /** Starts polling: a first cycle now, then one per interval. */
  start(): void {
    this.loop ??= this.poller.run().catch((e) => {
      if (!isAbort(e)) this.ctx.logger.error('Notifications: the poll loop stopped', { error: e instanceof Error ? e.message : String(e) });
    });
  }

  /** One poll of every subscriber, after any cycle under way. */
  runCycle(): Promise<PollPlan> {
    return this.poller.runCycle();
  }

  /** WorkItemService's hook: an action in the bot changed the item, so its DMs follow. Never throws. */
  itemChanged(item: WorkItem, decisions: Decisions): void {
    if (this.stopping.signal.aborted) return;
    this.cards.itemChanged(item, decisions).catch((e: unknown) => {
      if (!isAbort(e)) this.ctx.logger.warn('Notifications: could not update the DMs of a work item', { workItemId: item.id, error: e instanceof Error ? e.message : String(e) });
    });
  }

  /** Stops polling and waits for the Slack work under way (cut short where it waits). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.cards.idle();
  }
}
