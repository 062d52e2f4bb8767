import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  App,
  BlockAction,
  BlockSuggestion,
  GlobalShortcut,
  RespondFn,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackOptionsMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { renderCutOffNotice } from '../blocks/messages';
import { InFlight } from './inFlight';

/** A listener's arguments, without Bolt's `next`, which holds on to the whole request (see `detach`). */
type ListenerArgs<M> = Omit<M & AllMiddlewareArgs, 'next'>;
export type ActionArgs<A extends BlockAction = BlockAction> = ListenerArgs<SlackActionMiddlewareArgs<A>>;
export type ViewSubmitArgs = ListenerArgs<SlackViewMiddlewareArgs<ViewSubmitAction>>;
export type CommandArgs = ListenerArgs<SlackCommandMiddlewareArgs>;
export type HomeOpenedArgs = ListenerArgs<SlackEventMiddlewareArgs<'app_home_opened'>>;
/** An external select asking for its options (`block_suggestion`): the ack carries them. */
export type OptionsArgs = ListenerArgs<SlackOptionsMiddlewareArgs<'block_suggestion'>> & { options: BlockSuggestion };
export type ShortcutArgs = ListenerArgs<SlackShortcutMiddlewareArgs<GlobalShortcut>>;

type Listener<A> = (args: A) => Promise<void>;

export interface RouterOptions {
  /** Counts the listeners' work still under way after the ack, for a graceful shutdown. */
  inFlight?: InFlight;
  /** An error a listener throws after its ack (Bolt has finished with the request by then). */
  onError?: (error: unknown) => void;
  /** Told the Slack user behind each request, before its listener runs (it must not delay the ack). */
  onUser?: (slackUserId: string) => void;
  /** Whether a request's response_url may be posted to; a listener's respond() to one that may not posts nothing. */
  responseUrlAllowed?: (url: string) => boolean;
}

/**
 * Every listener of the bot: buttons by action id, forms by callback id, option loads by action id,
 * global shortcuts by callback id, the slash command and the Home tab, dispatched from one Bolt middleware. Bolt runs the matchers of every listener registered
 * with it for every request before the one that matches can ack (a Bolt listener per button made
 * every click's ack wait for twenty); a map lookup does not. An action or form no listener knows (a
 * button of an older card) is only acked; any other request goes on to Bolt, which has no listener
 * for it.
 */
export class SlackRouter {
  private readonly actions = new Map<string, Listener<ActionArgs>>();
  private readonly views = new Map<string, Listener<ViewSubmitArgs>>();
  private readonly commands = new Map<string, Listener<CommandArgs>>();
  private readonly optionLoaders = new Map<string, Listener<OptionsArgs>>();
  private readonly shortcuts = new Map<string, Listener<ShortcutArgs>>();
  private homeOpened?: Listener<HomeOpenedArgs>;

  action<A extends BlockAction = BlockAction>(actionId: string, listener: Listener<ActionArgs<A>>): void {
    if (this.actions.has(actionId)) throw new Error(`Two listeners for the action ${actionId}`);
    this.actions.set(actionId, listener as unknown as Listener<ActionArgs>);
  }

  view(callbackId: string, listener: Listener<ViewSubmitArgs>): void {
    if (this.views.has(callbackId)) throw new Error(`Two listeners for the form ${callbackId}`);
    this.views.set(callbackId, listener);
  }

  command(name: string, listener: Listener<CommandArgs>): void {
    if (this.commands.has(name)) throw new Error(`Two listeners for the command ${name}`);
    this.commands.set(name, listener);
  }

  /** The options of an external select, by its action id. */
  options(actionId: string, listener: Listener<OptionsArgs>): void {
    if (this.optionLoaders.has(actionId)) throw new Error(`Two option loaders for ${actionId}`);
    this.optionLoaders.set(actionId, listener);
  }

  /** A global shortcut, by its callback id. */
  shortcut(callbackId: string, listener: Listener<ShortcutArgs>): void {
    if (this.shortcuts.has(callbackId)) throw new Error(`Two listeners for the shortcut ${callbackId}`);
    this.shortcuts.set(callbackId, listener);
  }

  appHomeOpened(listener: Listener<HomeOpenedArgs>): void {
    if (this.homeOpened) throw new Error('Two listeners for app_home_opened');
    this.homeOpened = listener;
  }

  register(app: App, { inFlight = new InFlight(), onError = () => undefined, onUser, responseUrlAllowed }: RouterOptions = {}): void {
    app.use((args) => {
      const { userId } = args.context;
      if (onUser && userId) onUser(userId);
      const listener = this.listenerFor(args);
      if (listener === undefined) return args.next();
      return detach(listener as Listener<unknown> | null, guardRespond(args, responseUrlAllowed) as typeof args & BoltOnly, inFlight, onError);
    });
  }

  /** The listener for a request; null for a button or form nobody listens to (only acked), undefined for anything else. */
  private listenerFor(args: AnyMiddlewareArgs): Listener<never> | null | undefined {
    if ('action' in args && args.body.type === 'block_actions') return this.actions.get((args.action as BlockAction['actions'][number]).action_id) ?? null;
    if ('view' in args && args.body.type === 'view_submission') return this.views.get(args.view.callback_id) ?? null;
    if ('command' in args) return this.commands.get(args.command.command);
    // An option load nobody answers is acked with no options; a shortcut nobody knows, only acked.
    if ('options' in args && args.body.type === 'block_suggestion') return this.optionLoaders.get((args.body as BlockSuggestion).action_id) ?? null;
    if ('shortcut' in args && args.body.type === 'shortcut') return this.shortcuts.get((args.body as GlobalShortcut).callback_id) ?? null;
    if ('event' in args && args.event.type === 'app_home_opened') return this.homeOpened;
    return undefined;
  }
}

/** The response_url Bolt's respond() posts to: a command's or a click's, or a form's first (response_url_enabled). */
function responseUrlOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.response_url === 'string') return body.response_url;
  const first = (body.response_urls as Array<{ response_url?: unknown }> | undefined)?.[0]?.response_url;
  return typeof first === 'string' ? first : undefined;
}

function guardRespond<A extends AnyMiddlewareArgs>(args: A, allowed: ((url: string) => boolean) | undefined): A {
  const url = responseUrlOf(args.body as Record<string, unknown>);
  if (!allowed || !('respond' in args) || url === undefined || allowed(url)) return args;
  return { ...args, respond: async () => undefined };
}

/** What Bolt passes a listener that the router's listeners do not get. */
interface BoltOnly {
  next?: unknown;
  ack?: (response?: never) => Promise<void>;
}

/**
 * Bolt's request ends at the ack: the listener's work after it goes on by itself (counted by
 * `inFlight`), so that while it waits for ISC it holds only its own arguments, not Bolt's request,
 * response and middleware chain (Bolt's `ack` and `next` reach them all; a thousand clicks waiting for
 * ISC's rate limit held ~12 MB of them). An error before the ack is Bolt's (app.error, no ack); one
 * after it goes to `onError`. An event (acked by Bolt before any listener runs) is handed over at
 * once. The work after an ack waits one turn of the event loop, so that requests that arrived
 * together (a burst of clicks) are all acked before any of them calls ISC.
 */
function detach<A>(listener: Listener<A> | null, { ack: boltAck, next: _next, ...args }: A & BoltOnly, inFlight: InFlight, onError: (error: unknown) => void): Promise<void> {
  if (!listener) return boltAck ? boltAck() : Promise.resolve();
  let sendAck = boltAck;
  return new Promise<void>((handedOver, failed) => {
    const ack = async (response?: never) => {
      const send = sendAck;
      if (!send) throw new Error('ack() was called twice');
      sendAck = undefined;
      await send(response);
      handedOver();
      await new Promise((resolve) => setImmediate(resolve));
    };
    const { respond } = args as { respond?: RespondFn };
    const work = inFlight.run(() => listener({ ...args, ...(boltAck ? { ack } : {}) } as A), respond && (() => respond(renderCutOffNotice())));
    if (!boltAck) handedOver();
    work.then(handedOver, (e: unknown) => (sendAck ? failed(e) : onError(e)));
  });
}
