// The demo's Slack stand-in on its own: how it answers the bot's Web API calls and response_url posts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dmChannelOf, slackSignature, SlackWorkspace } from '../../demo/workspace';

const ADA = { id: 'U0ADA00001', name: 'Ada Approver', email: 'ada@example.com', role: 'approver', tz: 'UTC' };
const BEN = { id: 'U0BEN00001', name: 'Ben Builder', email: 'ben@example.com', role: 'requester', tz: 'UTC' };
const CHANNEL = { id: 'C0APPROVALS', name: 'iam-approvals', topic: '' };
const SECRET = 'demo-test-secret';

/** A fake bot receiver: records what the workspace sends and answers with `reply`. */
async function receiver(reply: (body: string) => { status?: number; body?: string } = () => ({})) {
  const received: Array<{ body: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ body, headers: req.headers });
    const answer = reply(body);
    res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, close: () => new Promise((r) => server.close(r)) };
}

const payloadOf = (body: string) => JSON.parse(new URLSearchParams(body).get('payload')!);
const responseIdOf = (url: string) => url.split('/respond/')[1];

describe("the demo's Slack workspace", () => {
  let bot: Awaited<ReturnType<typeof receiver>>;
  let ws: SlackWorkspace;
  const blocks = (text: string) => JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text } }]);

  beforeEach(async () => {
    bot = await receiver();
    ws = new SlackWorkspace({ people: [ADA, BEN], channels: [CHANNEL], signingSecret: SECRET, eventsUrl: bot.url, publicUrl: 'http://127.0.0.1:1' });
  });
  afterEach(() => bot.close());

  it('signs a slash command as Slack does, and a response_url answer is shown to that person only, then replaced in place', async () => {
    expect(await ws.type(ADA.id, CHANNEL.id, '/workitems summary')).toBeUndefined();
    const [{ body, headers }] = bot.received;
    expect(headers['x-slack-signature']).toBe(slackSignature(SECRET, Number(headers['x-slack-request-timestamp']), body));
    const form = new URLSearchParams(body);
    expect([form.get('command'), form.get('text'), form.get('user_id'), form.get('channel_id')]).toEqual(['/workitems', 'summary', ADA.id, CHANNEL.id]);

    const id = responseIdOf(form.get('response_url')!);
    expect(ws.respond(id, { text: 'first', blocks: blocks('first') })).toEqual({ ok: true });
    expect(ws.respond(id, { text: 'second', blocks: blocks('second'), replace_original: true })).toEqual({ ok: true });
    const forAda = ws.snapshot(ADA.id).conversations.find((c: { id: string }) => c.id === CHANNEL.id).messages;
    expect(forAda.map((m: { text: string; edited?: boolean }) => [m.text, m.edited])).toEqual([['second', true]]);
    expect(ws.snapshot(BEN.id).conversations.find((c: { id: string }) => c.id === CHANNEL.id).messages).toEqual([]);
    expect(ws.respond('R-unknown', { text: 'x' })).toEqual({ ok: false, error: 'expired_url' });
  });

  it('posts, updates and sends DMs the way the Web API does, and refuses unknown channels and methods', () => {
    const posted = ws.api('chat.postMessage', { channel: CHANNEL.id, text: 'digest', blocks: blocks('digest') });
    expect(posted.ok).toBe(true);
    expect(ws.api('chat.update', { channel: CHANNEL.id, ts: posted.ts, text: 'digest v2' }).ok).toBe(true);
    expect(ws.messages.map((m) => m.text)).toEqual(['digest v2']);
    expect(ws.api('chat.update', { channel: CHANNEL.id, ts: '1.2', text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    expect(ws.api('chat.postMessage', { channel: 'C0NOWHERE', text: 'x' })).toEqual({ ok: false, error: 'channel_not_found' });

    const dm = ws.api('conversations.open', { users: BEN.id });
    expect(dm.channel.id).toBe(dmChannelOf(BEN.id));
    ws.api('chat.postMessage', { channel: dm.channel.id, text: 'new item' });
    expect(ws.snapshot(BEN.id).conversations.find((c: { kind: string }) => c.kind === 'app').messages.map((m: { text: string }) => m.text)).toEqual(['new item']);
    expect(ws.snapshot(ADA.id).conversations.find((c: { kind: string }) => c.kind === 'app').messages).toEqual([]);

    expect(ws.api('users.info', { user: ADA.id }).user.profile.email).toBe(ADA.email);
    expect(ws.api('users.lookupByEmail', { email: 'BEN@example.com' }).user.id).toBe(BEN.id);
    expect(ws.api('apps.uninstall', {})).toEqual({ ok: false, error: 'unknown_method' });
  });

  it('opens a modal for the person whose click gave the trigger, updates it in place, and closes it on an empty ack', async () => {
    const posted = ws.api('chat.postMessage', { channel: CHANNEL.id, text: 'card', blocks: JSON.stringify([{ type: 'actions', block_id: 'a', elements: [{ type: 'button', action_id: 'forward', value: 'w1' }] }]) });
    await ws.act(BEN.id, { channel: CHANNEL.id, ts: posted.ts }, { type: 'button', action_id: 'forward', block_id: 'a', value: 'w1' }, {});
    const click = payloadOf(bot.received[0].body);
    expect(click).toMatchObject({ type: 'block_actions', user: { id: BEN.id }, container: { type: 'message', message_ts: posted.ts }, actions: [{ action_id: 'forward', value: 'w1' }] });
    expect(click.message.ts).toBe(posted.ts);

    const opened = ws.api('views.open', { trigger_id: click.trigger_id, view: JSON.stringify({ type: 'modal', callback_id: 'fwd', title: { type: 'plain_text', text: 'Loading' }, blocks: [] }) });
    expect(ws.snapshot(BEN.id).modals.map((v: { id: string }) => v.id)).toEqual([opened.view.id]);
    expect(ws.snapshot(ADA.id).modals).toEqual([]);
    ws.api('views.update', { view_id: opened.view.id, view: JSON.stringify({ type: 'modal', callback_id: 'fwd', title: { type: 'plain_text', text: 'Forward' }, submit: { type: 'plain_text', text: 'Forward' }, blocks: [] }) });
    expect(ws.snapshot(BEN.id).modals[0].title.text).toBe('Forward');

    const values = { target: { person: { type: 'users_select', selected_user: ADA.id } } };
    expect(await ws.submit(BEN.id, opened.view.id, values)).toEqual({});
    expect(payloadOf(bot.received[1].body)).toMatchObject({ type: 'view_submission', view: { id: opened.view.id, callback_id: 'fwd', state: { values } } });
    expect(ws.snapshot(BEN.id).modals).toEqual([]);
  });

  it('shows the errors a view_submission ack returns and keeps the modal open', async () => {
    await bot.close();
    bot = await receiver(() => ({ body: JSON.stringify({ response_action: 'errors', errors: { reason: 'Say why' } }) }));
    ws = new SlackWorkspace({ people: [ADA], channels: [CHANNEL], signingSecret: SECRET, eventsUrl: bot.url, publicUrl: 'http://127.0.0.1:1' });
    await ws.type(ADA.id, CHANNEL.id, '/workitems');
    const trigger = new URLSearchParams(bot.received[0].body).get('trigger_id');
    const opened = ws.api('views.open', { trigger_id: trigger, view: JSON.stringify({ type: 'modal', blocks: [] }) });
    expect(await ws.submit(ADA.id, opened.view.id, {})).toEqual({ errors: { reason: 'Say why' } });
    expect(ws.snapshot(ADA.id).modals).toHaveLength(1);
  });

  it("reports a bot that refuses the request (a bad signature, say) instead of pretending it went through", async () => {
    await bot.close();
    bot = await receiver(() => ({ status: 401, body: 'invalid signature' }));
    ws = new SlackWorkspace({ people: [ADA], channels: [CHANNEL], signingSecret: SECRET, eventsUrl: bot.url, publicUrl: 'http://127.0.0.1:1' });
    expect(await ws.type(ADA.id, CHANNEL.id, '/workitems')).toMatch(/HTTP 401/);
  });
});
