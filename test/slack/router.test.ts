import type { App } from '@slack/bolt';
import { SlackRouter, type ActionArgs, type ViewSubmitArgs } from '../../src/slack/router';

type Dispatch = (args: unknown) => Promise<void>;

/** The router's two Bolt listeners, as a fake App records them. */
function registered(router: SlackRouter): { action: Dispatch; view: Dispatch } {
  const got: Partial<Record<'action' | 'view', Dispatch>> = {};
  const app = {
    action: (constraints: unknown, listener: Dispatch) => {
      expect(constraints).toEqual({ type: 'block_actions' });
      got.action = listener;
    },
    view: (constraints: unknown, listener: Dispatch) => {
      expect(constraints).toEqual({ type: 'view_submission' });
      got.view = listener;
    },
  };
  router.register(app as unknown as App);
  return { action: got.action!, view: got.view! };
}

const click = (actionId: string, ack: () => Promise<void>) => ({ action: { action_id: actionId }, ack });
const submit = (callbackId: string, ack: () => Promise<void>) => ({ view: { callback_id: callbackId }, ack });

describe('SlackRouter', () => {
  it('hands a click to the listener of its action id and a form to the listener of its callback id', async () => {
    const router = new SlackRouter();
    const seen: string[] = [];
    router.action('wi_approve', async (args: ActionArgs) => {
      await args.ack();
      seen.push(`approve ${args.action.action_id}`);
    });
    router.action('wi_reject', async () => void seen.push('reject'));
    router.view('wi_forward_submit', async (args: ViewSubmitArgs) => {
      await args.ack();
      seen.push(`form ${args.view.callback_id}`);
    });
    const { action, view } = registered(router);
    const ack = jest.fn(async () => undefined);
    await action(click('wi_approve', ack));
    await view(submit('wi_forward_submit', ack));
    expect(seen).toEqual(['approve wi_approve', 'form wi_forward_submit']);
    expect(ack).toHaveBeenCalledTimes(2);
  });

  it('only acks a button or form no listener knows (one of an older card)', async () => {
    const { action, view } = registered(new SlackRouter());
    const ack = jest.fn(async () => undefined);
    await action(click('gone_button', ack));
    await view(submit('gone_form', ack));
    expect(ack).toHaveBeenCalledTimes(2);
  });

  it('refuses a second listener for one id', () => {
    const router = new SlackRouter();
    router.action('wi_approve', async () => undefined);
    router.view('wi_forward_submit', async () => undefined);
    expect(() => router.action('wi_approve', async () => undefined)).toThrow(/wi_approve/);
    expect(() => router.view('wi_forward_submit', async () => undefined)).toThrow(/wi_forward_submit/);
  });

  it('acks every request that arrived together before any listener goes on past its ack', async () => {
    const router = new SlackRouter();
    const order: string[] = [];
    router.action('wi_approve', async (args: ActionArgs) => {
      await args.ack();
      order.push(`work ${args.action.action_id}`);
    });
    router.action('wi_reject', async (args: ActionArgs) => {
      await args.ack();
      order.push(`work ${args.action.action_id}`);
    });
    const { action } = registered(router);
    const ack = (id: string) => async () => void order.push(`ack ${id}`);
    // Two requests handled in one turn of the event loop, each in its own callback, as Bolt's receiver
    // does (immediates queued together run in one turn; those queued while they run, in the next).
    const done = await new Promise<Array<Promise<void>>>((resolve) => {
      const running: Array<Promise<void>> = [];
      setImmediate(() => running.push(action(click('wi_approve', ack('wi_approve')))));
      setImmediate(() => {
        running.push(action(click('wi_reject', ack('wi_reject'))));
        resolve(running);
      });
    });
    await Promise.all(done);
    expect(order).toEqual(['ack wi_approve', 'ack wi_reject', 'work wi_approve', 'work wi_reject']);
  });
});
