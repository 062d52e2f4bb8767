import type { WebClient } from '@slack/web-api';
import { REPEAT_NOTICE_MS, RepeatNotices, showOutcome, type ItemView } from '../../../src/slack/actions/itemHandlers';
import type { Presenter, Surface } from '../../../src/slack/presenter';

// A person's repeats of one action on one item: the first is told, the rest within REPEAT_NOTICE_MS
// are not (each would be one more identical ephemeral message, or a Home tab republished with its ISC
// reads), while other actions, other items and other people are told as before.

function setup() {
  let now = Date.parse('2026-12-07T10:00:00Z');
  const notify = jest.fn(async () => undefined);
  const presenter = { notify } as unknown as Presenter;
  const surface = { kind: 'message', respond: jest.fn() } as unknown as Surface;
  const args = { client: {} as WebClient };
  const view: ItemView<unknown> = { entry: () => ({}) as never, noun: 'work item' };
  const notices = new RepeatNotices(() => now);
  const repeat = (actor: string, repeatKey: string | undefined, outcome: { status: 'duplicate'; done?: true } = { status: 'duplicate', done: true }, with_: RepeatNotices | null = notices) =>
    showOutcome(presenter, surface, args, { actor, subject: actor, ...(repeatKey ? { repeatKey } : {}) }, outcome, view, with_ ?? undefined);
  return { notify, repeat, advance: (ms: number) => (now += ms) };
}

describe('showOutcome of a repeat', () => {
  it('tells the first repeat of a person’s action on an item, not the next ones within REPEAT_NOTICE_MS, then again after it', async () => {
    const { notify, repeat, advance } = setup();
    await repeat('U1', 'approve:w1:a1');
    expect(notify).toHaveBeenCalledWith(expect.anything(), expect.anything(), 'You already did that; it went through once in ISC.', 'info');
    await repeat('U1', 'approve:w1:a1');
    await repeat('U1', 'approve:w1:a1', { status: 'duplicate' });
    advance(REPEAT_NOTICE_MS - 1);
    await repeat('U1', 'approve:w1:a1');
    expect(notify).toHaveBeenCalledTimes(1);
    advance(1);
    await repeat('U1', 'approve:w1:a1');
    expect(notify).toHaveBeenCalledTimes(2);
  });

  it('tells other people, other items and other actions each their own first repeat', async () => {
    const { notify, repeat } = setup();
    await repeat('U1', 'approve:w1:a1');
    await repeat('U2', 'approve:w1:a1');
    await repeat('U1', 'approve:w1:a2');
    await repeat('U1', 'reject:w1:a1');
    expect(notify).toHaveBeenCalledTimes(4);
  });

  it('without notices or a repeat key, every repeat is told, as before', async () => {
    const { notify, repeat } = setup();
    await repeat('U1', undefined);
    await repeat('U1', undefined);
    await repeat('U1', 'approve:w1:a1', { status: 'duplicate' }, null);
    await repeat('U1', 'approve:w1:a1', { status: 'duplicate' }, null);
    expect(notify).toHaveBeenCalledTimes(4);
    expect(notify).toHaveBeenLastCalledWith(expect.anything(), expect.anything(), 'That click is already being processed; it will be applied once.', 'info');
  });
});
