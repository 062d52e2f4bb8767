import type { App } from '@slack/bolt';
import { requestDeadline, requestPriority } from '../../src/isc/deadline';
import { InFlight } from '../../src/slack/inFlight';
import { SlackRouter, type ActionArgs, type RouterOptions, type ViewSubmitArgs } from '../../src/slack/router';
import { UserLimit } from '../../src/slack/userLimit';

type Middleware = (args: Record<string, unknown>) => Promise<void>;

/** The router's one Bolt middleware, as a fake App records it. */
function registered(router: SlackRouter, options?: RouterOptions): Middleware {
  let middleware: Middleware | undefined;
  const app = { use: (m: Middleware) => void (middleware = m) };
  router.register(app as unknown as App, options);
  return middleware!;
}

const noop = async () => undefined;
const request = (fields: Record<string, unknown>, ack?: () => Promise<void>, next: () => Promise<void> = noop) => ({
  context: { userId: 'U1' },
  next,
  ...(ack ? { ack } : {}),
  ...fields,
});
const click = (actionId: string, ack: () => Promise<void>) => request({ body: { type: 'block_actions' }, action: { action_id: actionId } }, ack);
const submit = (callbackId: string, ack: () => Promise<void>) => request({ body: { type: 'view_submission' }, view: { callback_id: callbackId } }, ack);
const slashCommand = (name: string, ack: () => Promise<void>) => request({ body: { command: name }, command: { command: name } }, ack);
const homeOpened = () => request({ body: { type: 'event_callback' }, event: { type: 'app_home_opened', tab: 'home' } });

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Once the listeners' work has ended and what follows it (onError) has run. */
async function settled(inFlight: InFlight): Promise<void> {
  expect(await inFlight.idle(1000)).toBe(true);
  await new Promise((resolve) => setImmediate(resolve));
}

describe('SlackRouter', () => {
  it('hands a click to the listener of its action id, a form to that of its callback id, the command and the Home tab to theirs', async () => {
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
    router.command('/workitems', async (args) => {
      await args.ack();
      seen.push(`command ${args.command.command}`);
    });
    router.appHomeOpened(async (args) => void seen.push(`home ${args.event.tab}`));
    const inFlight = new InFlight();
    const dispatch = registered(router, { inFlight });
    const ack = jest.fn(noop);
    await dispatch(click('wi_approve', ack));
    await dispatch(submit('wi_forward_submit', ack));
    await dispatch(slashCommand('/workitems', ack));
    await dispatch(homeOpened());
    expect(await inFlight.idle(1000)).toBe(true);
    expect(seen.sort()).toEqual(['approve wi_approve', 'command /workitems', 'form wi_forward_submit', 'home home']);
    expect(ack).toHaveBeenCalledTimes(3);
  });

  it('only acks a button or form no listener knows (one of an older card), and passes anything else on to Bolt', async () => {
    const dispatch = registered(new SlackRouter());
    const ack = jest.fn(noop);
    const next = jest.fn(noop);
    await dispatch(click('gone_button', ack));
    await dispatch(submit('gone_form', ack));
    expect(ack).toHaveBeenCalledTimes(2);
    await dispatch(request({ body: { type: 'view_closed' }, view: { callback_id: 'x' } }, ack, next));
    await dispatch(request({ body: { command: '/other' }, command: { command: '/other' } }, ack, next));
    await dispatch(request({ body: { type: 'event_callback' }, event: { type: 'app_mention' } }, undefined, next));
    expect(next).toHaveBeenCalledTimes(3);
    expect(ack).toHaveBeenCalledTimes(2);
  });

  it('refuses a second listener for one id', () => {
    const router = new SlackRouter();
    router.action('wi_approve', noop);
    router.view('wi_forward_submit', noop);
    router.command('/workitems', noop);
    router.appHomeOpened(noop);
    expect(() => router.action('wi_approve', noop)).toThrow(/wi_approve/);
    expect(() => router.view('wi_forward_submit', noop)).toThrow(/wi_forward_submit/);
    expect(() => router.command('/workitems', noop)).toThrow(/\/workitems/);
    expect(() => router.appHomeOpened(noop)).toThrow(/app_home_opened/);
  });

  it("tells onUser who sent each request, and gives listeners neither Bolt's next nor its ack", async () => {
    const router = new SlackRouter();
    let got: Record<string, unknown> | undefined;
    router.action('wi_approve', async (args) => {
      got = args as unknown as Record<string, unknown>;
      await args.ack();
    });
    const users: string[] = [];
    const dispatch = registered(router, { onUser: (u) => users.push(u) });
    const boltAck = jest.fn(noop);
    await dispatch(click('wi_approve', boltAck));
    expect(users).toEqual(['U1']);
    expect(boltAck).toHaveBeenCalledTimes(1);
    expect(got).not.toHaveProperty('next');
    expect(got?.ack).not.toBe(boltAck);
  });

  it("ends Bolt's request at the ack while the listener's work goes on, counted in flight until it ends", async () => {
    const router = new SlackRouter();
    const isc = gate();
    let finished = false;
    router.action('wi_approve', async (args) => {
      await args.ack();
      await isc.opened;
      finished = true;
    });
    const inFlight = new InFlight();
    const dispatch = registered(router, { inFlight });
    await dispatch(click('wi_approve', noop));
    expect(finished).toBe(false);
    expect(inFlight.size).toBe(1);
    isc.open();
    expect(await inFlight.idle(1000)).toBe(true);
    expect(finished).toBe(true);
  });

  it('hands the Home tab over at once: Bolt acked the event before any listener ran', async () => {
    const router = new SlackRouter();
    const slack = gate();
    router.appHomeOpened(() => slack.opened);
    const inFlight = new InFlight();
    await registered(router, { inFlight })(homeOpened());
    expect(inFlight.size).toBe(1);
    slack.open();
    expect(await inFlight.idle(1000)).toBe(true);
  });

  it("leaves an error before the ack to Bolt (app.error) and reports one after it to onError", async () => {
    const router = new SlackRouter();
    router.action('before', async () => {
      throw new Error('before the ack');
    });
    router.action('after', async (args) => {
      await args.ack();
      throw new Error('after the ack');
    });
    const errors: unknown[] = [];
    const inFlight = new InFlight();
    const dispatch = registered(router, { inFlight, onError: (e) => errors.push(e) });
    const ack = jest.fn(noop);
    await expect(dispatch(click('before', ack))).rejects.toThrow('before the ack');
    expect(ack).not.toHaveBeenCalled();
    await dispatch(click('after', ack));
    await settled(inFlight);
    expect(errors).toEqual([new Error('after the ack')]);
  });

  it('refuses a second ack', async () => {
    const router = new SlackRouter();
    router.action('wi_approve', async (args) => {
      await args.ack();
      await args.ack();
    });
    const errors: unknown[] = [];
    const inFlight = new InFlight();
    const boltAck = jest.fn(noop);
    await registered(router, { inFlight, onError: (e) => errors.push(e) })(click('wi_approve', boltAck));
    await settled(inFlight);
    expect(boltAck).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([new Error('ack() was called twice')]);
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
    const inFlight = new InFlight();
    const dispatch = registered(router, { inFlight });
    const ack = (id: string) => async () => void order.push(`ack ${id}`);
    // Two requests handled in one turn of the event loop, each in its own callback, as Bolt's receiver
    // does (immediates queued together run in one turn; those queued while they run, in the next).
    await new Promise<void>((resolve) => {
      setImmediate(() => void dispatch(click('wi_approve', ack('wi_approve'))));
      setImmediate(() => {
        void dispatch(click('wi_reject', ack('wi_reject')));
        resolve();
      });
    });
    expect(await inFlight.idle(1000)).toBe(true);
    expect(order).toEqual(['ack wi_approve', 'ack wi_reject', 'work wi_approve', 'work wi_reject']);
  });

  describe('lanes', () => {
    const withUser = <R extends { context: Record<string, unknown> }>(r: R, userId: string) => ({ ...r, context: { userId } });

    it('runs a decision ahead of reads, and a read with a deadline its arrival plus waitMs', async () => {
      const router = new SlackRouter();
      const seen: Record<string, unknown> = {};
      const record = (name: string) => async (args: { ack?: () => Promise<void> }) => {
        await args.ack?.();
        seen[name] = { priority: requestPriority(), deadline: requestDeadline() };
      };
      router.action('wi_approve', record('approve'));
      router.action('wi_page_next', record('next'), 'read');
      router.view('wi_forward_modal', record('form'));
      router.command('/workitems', record('command'));
      router.appHomeOpened(record('home'));
      const inFlight = new InFlight();
      const dispatch = registered(router, { inFlight, reads: { waitMs: 2_000 } });
      jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
      await dispatch(click('wi_approve', noop));
      await dispatch(click('wi_page_next', noop));
      await dispatch(submit('wi_forward_modal', noop));
      await dispatch(slashCommand('/workitems', noop));
      await dispatch(homeOpened());
      await settled(inFlight);
      jest.restoreAllMocks();
      const read = { priority: 'read', deadline: 1_002_000 };
      const decision = { priority: 'decision', deadline: undefined };
      expect(seen).toEqual({ approve: decision, form: decision, next: read, command: read, home: read });
    });

    it("answers a user's reads over the limit without running them (a command in its ack, a page turn through its response_url); decisions and other users go on", async () => {
      const router = new SlackRouter();
      const ran: string[] = [];
      router.command('/workitems', async (args) => {
        await args.ack();
        ran.push(`command ${args.context.userId}`);
      });
      router.action('wi_page_next', async (args) => {
        await args.ack();
        ran.push('next');
      }, 'read');
      router.action('wi_approve', async (args) => {
        await args.ack();
        ran.push('approve');
      });
      const inFlight = new InFlight();
      const dispatch = registered(router, { inFlight, reads: { waitMs: 2_000, perUser: new UserLimit({ requests: 2, perMs: 10_000 }) } });
      const told: Array<Record<string, unknown>> = [];
      const respond = async (msg: Record<string, unknown>) => void told.push(msg);
      const acked: unknown[] = [];
      const ack = jest.fn(async (response?: unknown) => void acked.push(response));
      for (let i = 0; i < 3; i++) await dispatch({ ...withUser(slashCommand('/workitems', ack), 'U1'), respond });
      await dispatch({ ...withUser(click('wi_page_next', ack), 'U1'), respond });
      for (let i = 0; i < 3; i++) await dispatch(withUser(click('wi_approve', ack), 'U1'));
      await dispatch({ ...withUser(slashCommand('/workitems', ack), 'U2'), respond });
      await settled(inFlight);
      expect(ack).toHaveBeenCalledTimes(8);
      expect(ran.sort()).toEqual(['approve', 'approve', 'approve', 'command U1', 'command U1', 'command U2']);
      const slowDown = { response_type: 'ephemeral', text: expect.stringContaining('at most 2 commands, page turns and refreshes in 10 seconds') };
      expect(acked.filter(Boolean)).toEqual([expect.objectContaining(slowDown)]);
      expect(told).toEqual([expect.objectContaining({ ...slowDown, replace_original: false })]);
    });
  });
});

describe("SlackRouter's respond()", () => {
  const withUrl = (url: string, respond: () => Promise<void>, ack: () => Promise<void>) =>
    request({ body: { type: 'block_actions', response_url: url }, action: { action_id: 'wi_approve' }, respond }, ack);

  it("is respondTo's for an allowed response_url, a no-op for one refused, and Bolt's own without respondTo", async () => {
    const posted: string[] = [];
    const bolt: string[] = [];
    const run = async (options: RouterOptions, url: string) => {
      const router = new SlackRouter();
      const inFlight = new InFlight();
      router.action('wi_approve', async (args: ActionArgs) => {
        await args.ack();
        await args.respond({ text: 'hi' });
      });
      await registered(router, { ...options, inFlight })(withUrl(url, async () => void bolt.push(url), noop));
      await settled(inFlight);
    };
    const respondTo = (url: string) => async () => void posted.push(url);
    const allowed = (url: string) => url.startsWith('https://hooks.slack.com/');
    await run({ responseUrlAllowed: allowed, respondTo }, 'https://hooks.slack.com/actions/1');
    await run({ responseUrlAllowed: allowed, respondTo }, 'https://evil.example/actions/2');
    await run({ responseUrlAllowed: allowed }, 'https://hooks.slack.com/actions/3');
    expect(posted).toEqual(['https://hooks.slack.com/actions/1']);
    expect(bolt).toEqual(['https://hooks.slack.com/actions/3']);
  });
});

describe('overflow menus stand for buttons', () => {
  const { unwrapOverflow } = jest.requireActual('../../src/slack/router') as typeof import('../../src/slack/router');
  const args = (action: Record<string, unknown>) => ({ action, body: { type: 'block_actions', actions: [action] } }) as never;

  it("dispatches an option as the button it names, with that button's value", () => {
    const action = { type: 'overflow', action_id: 'ar_more', selected_option: { value: 'ar_forward|{"i":"a1","k":"pending"}' } };
    unwrapOverflow(args(action));
    expect(action).toMatchObject({ type: 'button', action_id: 'ar_forward', value: '{"i":"a1","k":"pending"}' });
  });

  it("an option that is only an action id takes the value its actions block's id carries (said once for the card's options)", () => {
    const action = { type: 'overflow', action_id: 'ar_more', block_id: 'v|i=a1&k=p&o=10', selected_option: { value: 'ar_forward' } };
    unwrapOverflow(args(action));
    expect(action).toMatchObject({ type: 'button', action_id: 'ar_forward', value: 'i=a1&k=p&o=10' });
    // A card's button without a value takes it the same way; one with a value keeps its own.
    const bare = { type: 'button', action_id: 'ar_approve', block_id: 'v|i=a1&k=p' };
    unwrapOverflow(args(bare));
    expect(bare).toMatchObject({ action_id: 'ar_approve', value: 'i=a1&k=p' });
    const own = { type: 'button', action_id: 'wi_approve', block_id: 'v|w=w1&k=p', value: 'w=w1&a=a1&k=p' };
    unwrapOverflow(args(own));
    expect(own.value).toBe('w=w1&a=a1&k=p');
    // A block id without the mark gives no value.
    const other = { type: 'overflow', action_id: 'ar_more', block_id: 'b1', selected_option: { value: 'ar_forward' } };
    unwrapOverflow(args(other));
    expect(other).not.toHaveProperty('value');
  });

  it('an option without a value (Open in ISC) is its action id alone; a plain button is left as it is', () => {
    const link = { type: 'overflow', action_id: 'wi_more', selected_option: { value: 'wi_open_in_isc' } };
    unwrapOverflow(args(link));
    expect(link).toMatchObject({ action_id: 'wi_open_in_isc' });
    expect(link).not.toHaveProperty('value');
    const plainButton = { type: 'button', action_id: 'wi_approve', value: 'x|y' };
    unwrapOverflow(args(plainButton));
    expect(plainButton).toEqual({ type: 'button', action_id: 'wi_approve', value: 'x|y' });
  });
});
