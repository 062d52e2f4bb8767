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
import { OVERFLOW_SEPARATOR, SHARED_VALUE_PREFIX } from '../blocks/cardParts';
import { renderCutOffNotice, renderNotice } from '../blocks/messages';
import { withRequestDeadline, withRequestPriority } from '../isc/deadline';
import { InFlight } from './inFlight';
import type { UserLimit } from './userLimit';

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

/**
 * How a request is served. `decision`: a click or form that acts on an item (and the reads it needs),
 * whose ISC requests go before any read's. `read`: something to look at (the command, the Home tab, a
 * page turn, details), which waits for ISC at most `reads.waitMs` (then it is told ISC is busy) and
 * counts against the user's limit.
 */
export type Lane = 'decision' | 'read';

interface Route<A> {
  listener: Listener<A>;
  lane: Lane;
  /** A read the user's limit does not count. */
  uncounted?: boolean;
}

export interface RouterOptions {
  /** Counts the listeners' work still under way after the ack, for a graceful shutdown. */
  inFlight?: InFlight;
  /** An error a listener throws after its ack (Bolt has finished with the request by then). */
  onError?: (error: unknown) => void;
  /** Told the Slack user behind each request, before its listener runs (it must not delay the ack). */
  onUser?: (slackUserId: string) => void;
  /** Bounds on `read` requests: how long they may wait for ISC's rate limiter, and how many a user may send. */
  reads?: { waitMs: number; perUser?: UserLimit };
  /** Whether a request's response_url may be posted to; a listener's respond() to one that may not posts nothing. */
  responseUrlAllowed?: (url: string) => boolean;
  /** The listeners' respond() for an allowed response_url, instead of Bolt's (see responseUrlPoster). */
  respondTo?: RespondTo;
}

/** A respond() for a response_url; what it resolves to is not for the listeners (they ignore it). */
export type RespondTo = (url: string) => (message: Parameters<RespondFn>[0]) => Promise<unknown>;

/**
 * Every listener of the bot: buttons by action id, forms by callback id, option loads by action id,
 * global shortcuts by callback id, the slash command and the Home tab, dispatched from one Bolt middleware. Bolt runs the matchers of every listener registered
 * with it for every request before the one that matches can ack (a Bolt listener per button made
 * every click's ack wait for twenty); a map lookup does not. An action or form no listener knows (a
 * button of an older card) is only acked; any other request goes on to Bolt, which has no listener
 * for it.
 */
export class SlackRouter {
  private readonly actions = new Map<string, Route<ActionArgs>>();
  private readonly views = new Map<string, Route<ViewSubmitArgs>>();
  private readonly commands = new Map<string, Route<CommandArgs>>();
  private readonly optionLoaders = new Map<string, Route<OptionsArgs>>();
  private readonly shortcuts = new Map<string, Route<ShortcutArgs>>();
  private homeOpened?: Route<HomeOpenedArgs>;

  /** A button or menu; `lane` is `read` for one that only shows something (a page turn, details). */
  action<A extends BlockAction = BlockAction>(actionId: string, listener: Listener<ActionArgs<A>>, lane: Lane = 'decision'): void {
    if (this.actions.has(actionId)) throw new Error(`Two listeners for the action ${actionId}`);
    this.actions.set(actionId, { listener: listener as unknown as Listener<ActionArgs>, lane });
  }

  view(callbackId: string, listener: Listener<ViewSubmitArgs>): void {
    if (this.views.has(callbackId)) throw new Error(`Two listeners for the form ${callbackId}`);
    this.views.set(callbackId, { listener, lane: 'decision' });
  }

  command(name: string, listener: Listener<CommandArgs>): void {
    if (this.commands.has(name)) throw new Error(`Two listeners for the command ${name}`);
    this.commands.set(name, { listener, lane: 'read' });
  }

  /** The options of an external select, by its action id. */
  options(actionId: string, listener: Listener<OptionsArgs>): void {
    if (this.optionLoaders.has(actionId)) throw new Error(`Two option loaders for ${actionId}`);
    // A read, but one per keystroke: not counted against the user's limit.
    this.optionLoaders.set(actionId, { listener, lane: 'read', uncounted: true });
  }

  /** A global shortcut, by its callback id. */
  shortcut(callbackId: string, listener: Listener<ShortcutArgs>): void {
    if (this.shortcuts.has(callbackId)) throw new Error(`Two listeners for the shortcut ${callbackId}`);
    this.shortcuts.set(callbackId, { listener, lane: 'decision' });
  }

  appHomeOpened(listener: Listener<HomeOpenedArgs>): void {
    if (this.homeOpened) throw new Error('Two listeners for app_home_opened');
    this.homeOpened = { listener, lane: 'read' };
  }

  register(app: App, { inFlight = new InFlight(), onError = () => undefined, onUser, reads, responseUrlAllowed, respondTo }: RouterOptions = {}): void {
    app.use((args) => {
      const { userId } = args.context;
      if (onUser && userId) onUser(userId);
      unwrapOverflow(args);
      const route = this.routeFor(args);
      if (route === undefined) return args.next();
      const listener = route && (route.lane === 'read' ? readListener(route, userId, reads) : decisionListener(route.listener));
      return detach(listener as Listener<unknown> | null, guardRespond(args, responseUrlAllowed, respondTo) as typeof args & BoltOnly, inFlight, onError);
    });
  }

  /** The route of a request; null for a button or form nobody listens to (only acked), undefined for anything else. */
  private routeFor(args: AnyMiddlewareArgs): Route<never> | null | undefined {
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

/**
 * A card's overflow menu stands for buttons: its option's value is `actionId|buttonValue`, or only
 * `actionId` when the value is the one its actions block's id carries (`v|buttonValue`), as a card's
 * button without a value does. The click
 * is dispatched as that button's, so every listener reads `action.action_id` and `action.value` alike.
 */
export function unwrapOverflow(args: AnyMiddlewareArgs): void {
  if (!('action' in args) || args.body.type !== 'block_actions') return;
  const action = args.action as { type?: string; action_id: string; block_id?: string; value?: string; selected_option?: { value?: string } };
  // A card's button without a value of its own (its value is the card's, said once in the block id).
  if (action.type === 'button' && action.value === undefined && action.block_id?.startsWith(SHARED_VALUE_PREFIX)) action.value = action.block_id.slice(SHARED_VALUE_PREFIX.length);
  const picked = action.type === 'overflow' ? action.selected_option?.value : undefined;
  if (!picked) return;
  const cut = picked.indexOf(OVERFLOW_SEPARATOR);
  action.action_id = cut < 0 ? picked : picked.slice(0, cut);
  if (cut >= 0) action.value = picked.slice(cut + 1);
  else if (action.block_id?.startsWith(SHARED_VALUE_PREFIX)) action.value = action.block_id.slice(SHARED_VALUE_PREFIX.length);
  action.type = 'button';
}

function decisionListener<A>(listener: Listener<A>): Listener<A> {
  return (args) => withRequestPriority('decision', () => listener(args));
}

/**
 * A read's listener: its ISC requests wait at most `waitMs` from its arrival (so it is answered in
 * time, or told ISC is busy, never late), behind every decision's. Over the user's limit it is only
 * acked and the user told to slow down (where there is somewhere to tell them: not on the Home tab,
 * which keeps what it shows).
 */
function readListener<A>({ listener, uncounted }: Route<A>, userId: string | undefined, reads: RouterOptions['reads']): Listener<A> {
  const deadline = reads && Date.now() + reads.waitMs;
  if (userId && !uncounted && reads?.perUser && !reads.perUser.take(userId)) return tooFast(reads.perUser) as Listener<A>;
  return (args) => withRequestPriority('read', () => (deadline === undefined ? listener(args) : withRequestDeadline(deadline, () => listener(args))));
}

function tooFast(limit: UserLimit): Listener<{ ack?: (response?: unknown) => Promise<void>; respond?: RespondFn; command?: unknown; body?: { view?: { type?: string } } }> {
  const { requests, perMs } = limit.opts;
  const notice = renderNotice(`You're going faster than the bot can keep up with: at most ${requests} commands, page turns and refreshes in ${perMs / 1000} seconds. Wait a few seconds and try again.`, 'info');
  return async ({ ack, respond, command, body }) => {
    // A command's ack carries the answer: no call to Slack at all for a request refused in a flood.
    if (command) return ack?.({ ...notice, response_type: 'ephemeral' });
    await ack?.();
    if (!respond || body?.view?.type === 'home') return;
    await respond({ ...notice, response_type: 'ephemeral', replace_original: false });
  };
}

/** The response_url Bolt's respond() posts to: a command's or a click's, or a form's first (response_url_enabled). */
function responseUrlOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.response_url === 'string') return body.response_url;
  const first = (body.response_urls as Array<{ response_url?: unknown }> | undefined)?.[0]?.response_url;
  return typeof first === 'string' ? first : undefined;
}

function guardRespond<A extends AnyMiddlewareArgs>(args: A, allowed: ((url: string) => boolean) | undefined, respondTo: RespondTo | undefined): A {
  const url = responseUrlOf(args.body as Record<string, unknown>);
  if (!('respond' in args) || url === undefined) return args;
  if (allowed && !allowed(url)) return { ...args, respond: async () => undefined };
  return respondTo ? { ...args, respond: respondTo(url) } : args;
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
