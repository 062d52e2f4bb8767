import { ErrorCode, WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import { silentLogger } from '../../src/log';
import { SlackSender, type SlackDmClient } from '../../src/notify/slackSender';

const message = { text: 'hello', blocks: [] };

/** A fake Slack client on a virtual clock: `failures` answers the next calls of a method with errors. */
function fakeSlack() {
  let clock = 0;
  const calls: Array<{ method: string; at: number; args: Record<string, unknown> }> = [];
  const failures: Record<string, Error[]> = {};
  const answer = (method: string, args: Record<string, unknown>, body: Record<string, unknown>) => {
    calls.push({ method, at: clock, args });
    const failure = failures[method]?.shift();
    return failure ? Promise.reject(failure) : Promise.resolve({ ok: true, ...body });
  };
  const client = {
    conversations: { open: (args: Record<string, unknown>) => answer('conversations.open', args, { channel: { id: `D${String(args.users)}` } }) },
    chat: {
      postMessage: (args: Record<string, unknown>) => answer('chat.postMessage', args, { channel: args.channel, ts: `${calls.length}.0` }),
      update: (args: Record<string, unknown>) => answer('chat.update', args, {}),
    },
    users: { lookupByEmail: (args: Record<string, unknown>) => answer('users.lookupByEmail', args, { user: { id: 'U0FOUND01' } }) },
  } as unknown as SlackDmClient;
  const sender = new SlackSender({
    client,
    logger: silentLogger,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  });
  return { sender, calls, failures, at: (method: string) => calls.filter((c) => c.method === method).map((c) => c.at) };
}

describe('SlackSender', () => {
  it('posts at most once a second per channel; other channels do not wait', async () => {
    const { sender, at, calls } = fakeSlack();
    await sender.post('D1', message);
    await sender.post('D2', message);
    await sender.post('D1', message, '1.0');
    expect(at('chat.postMessage')).toEqual([0, 0, 1000]);
    expect(calls[2].args).toMatchObject({ channel: 'D1', thread_ts: '1.0', text: 'hello' });
  });

  it('keeps chat.update to Tier 3: 50 a minute', async () => {
    const { sender, at } = fakeSlack();
    for (let i = 0; i < 51; i++) await sender.update('D1', `${i}.0`, message);
    expect(at('chat.update').slice(-2)).toEqual([0, 60_000]);
  });

  it('a 429 waits Retry-After and tries again; delayed, not dropped', async () => {
    const { sender, at, failures } = fakeSlack();
    failures['chat.postMessage'] = [new WebAPIRateLimitedError(12)];
    expect(await sender.post('D1', message)).toMatchObject({ channel: 'D1' });
    expect(at('chat.postMessage')).toEqual([0, 12_000]);
  });

  it('gives up after three 429s in a row, so the caller keeps the notification for its next poll', async () => {
    const { sender, at, failures } = fakeSlack();
    failures['chat.update'] = [1, 2, 3].map(() => new WebAPIRateLimitedError(1));
    await expect(sender.update('D1', '1.0', message)).rejects.toMatchObject({ code: ErrorCode.RateLimitedError });
    expect(at('chat.update')).toHaveLength(3);
  });

  it('other errors are not retried here', async () => {
    const { sender, at, failures } = fakeSlack();
    failures['chat.postMessage'] = [new Error('socket hang up')];
    await expect(sender.post('D1', message)).rejects.toThrow('socket hang up');
    expect(at('chat.postMessage')).toHaveLength(1);
  });

  it('opens a DM once per user', async () => {
    const { sender, at } = fakeSlack();
    expect(await sender.openDm('U1')).toBe('DU1');
    expect(await sender.openDm('U1')).toBe('DU1');
    expect(at('conversations.open')).toHaveLength(1);
  });

  it('looks users up by email; nobody with it is undefined, a failure is thrown', async () => {
    const { sender, failures } = fakeSlack();
    expect(await sender.lookupByEmail('a@example.com')).toBe('U0FOUND01');
    failures['users.lookupByEmail'] = [new WebAPIPlatformError({ ok: false, error: 'users_not_found' }), new Error('down')];
    expect(await sender.lookupByEmail('b@example.com')).toBeUndefined();
    await expect(sender.lookupByEmail('c@example.com')).rejects.toThrow('down');
  });
});
