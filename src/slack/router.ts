import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';

export type ActionArgs<A extends BlockAction = BlockAction> = SlackActionMiddlewareArgs<A> & AllMiddlewareArgs;
export type ViewSubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The bot's button listeners by action id and its form listeners by callback id, behind one Bolt
 * listener for each. Bolt runs the middleware of every registered listener for every request before
 * the one that matches can ack, so a Bolt listener per button made every click's ack wait for twenty
 * matchers; a map lookup does not (`npm run bench`, the ack ratio against a bare Bolt app).
 * An action or form no listener knows (a button of an older card) is only acked.
 */
export class SlackRouter {
  private readonly actions = new Map<string, (args: ActionArgs) => Promise<void>>();
  private readonly views = new Map<string, (args: ViewSubmitArgs) => Promise<void>>();

  action<A extends BlockAction = BlockAction>(actionId: string, listener: (args: ActionArgs<A>) => Promise<void>): void {
    if (this.actions.has(actionId)) throw new Error(`Two listeners for the action ${actionId}`);
    this.actions.set(actionId, listener as unknown as (args: ActionArgs) => Promise<void>);
  }

  view(callbackId: string, listener: (args: ViewSubmitArgs) => Promise<void>): void {
    if (this.views.has(callbackId)) throw new Error(`Two listeners for the form ${callbackId}`);
    this.views.set(callbackId, listener);
  }

  register(app: App): void {
    app.action<BlockAction>({ type: 'block_actions' }, async (args) => {
      const listener = this.actions.get(args.action.action_id);
      await (listener ? listener({ ...args, ack: ackFirst(args.ack) }) : args.ack());
    });
    app.view<ViewSubmitAction>({ type: 'view_submission' }, async (args) => {
      const listener = this.views.get(args.view.callback_id);
      await (listener ? listener({ ...args, ack: ackFirst(args.ack) }) : args.ack());
    });
  }
}

/**
 * The ack goes out at once; the listener's work after it waits one turn of the event loop, so that
 * requests that arrived together (a burst of clicks) are all acked before any of them calls ISC.
 */
function ackFirst<R>(ack: (response?: R) => Promise<void>): (response?: R) => Promise<void> {
  return async (response) => {
    await ack(response);
    await new Promise((resolve) => setImmediate(resolve));
  };
}
