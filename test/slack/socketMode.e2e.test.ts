import { ACTION, decodeItemValue, pageValue } from '../../src/blocks/actions';
import { REQUEST_ACTION, REQUEST_FIELDS, REQUEST_VIEW } from '../../src/blocks/requestAccess';
import { startHarness, USERS, type Harness } from '../support/botHarness';
import { slackInteraction } from '../support/slackStandIn';
import { scrape } from '../support/metrics';
import { SocketModeStandIn } from '../support/socketModeStandIn';

// The manifest's default: the bot opens a WebSocket to Slack (here a loopback stand-in reached through
// apps.connections.open on the Web API stand-in) and gets commands and clicks as envelopes it must ack.

let socket: SocketModeStandIn;
let h: Harness;
beforeAll(async () => {
  socket = await new SocketModeStandIn().start();
  h = await startHarness({}, { socketMode: socket });
  await socket.connected();
});
afterAll(async () => {
  await h.close();
  await socket.close();
});

type Block = { elements?: Array<Record<string, any>>; accessory?: Record<string, any> };
const buttons = (blocks: Block[]) => blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]);

async function responseTo(id: string): Promise<Record<string, any>> {
  await h.slack.waitFor(() => h.slack.responses.some((r) => r.id === id));
  return h.slack.responses.find((r) => r.id === id)!.body;
}

it('acks a /workitems envelope and a click envelope within 3 s, shows the card and approves once in ISC', async () => {
  expect(h.slack.callsTo('apps.connections.open')).toHaveLength(1);

  const command = await socket.command(USERS.ada.id, '', h.slack.responseUrl('sm-list'));
  expect(command.ms).toBeLessThan(3000);

  const list = await responseTo('sm-list');
  expect(list.response_type).toBe('ephemeral');
  const approve = buttons(list.blocks).find((b) => b.action_id === ACTION.approve);
  expect(approve).toBeDefined();
  const { w: workItemId } = decodeItemValue(approve!.value)!;
  const before = h.sandbox.stats().mutations.length;

  const click = await socket.send(
    'interactive',
    slackInteraction('block_actions', USERS.ada.id, {
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0CHAN', is_ephemeral: true },
      channel: { id: 'C0CHAN', name: 'general' },
      response_url: h.slack.responseUrl('sm-approve'),
      actions: [{ action_id: ACTION.approve, block_id: 'b1', type: 'button', value: approve!.value, action_ts: `${Date.now() / 1000}` }],
    }),
  );
  expect(click.ms).toBeLessThan(3000);

  const card = await responseTo('sm-approve');
  expect(card.replace_original).toBe(true);
  expect(JSON.stringify(card.blocks)).toContain(`Approved by you`);
  const mutations = h.sandbox.stats().mutations.slice(before);
  expect(mutations).toHaveLength(1);
  expect(mutations[0].path).toContain(`/work-items/v1/${workItemId}/approve/`);
});

it('answers the Request access form’s option loads over the socket, in the ack', async () => {
  const ack = await socket.send('interactive', {
    ...slackInteraction('block_actions', USERS.ben.id, {}),
    type: 'block_suggestion',
    action_id: REQUEST_ACTION.access,
    block_id: REQUEST_FIELDS.accessBlock,
    value: 'maintain',
    view: { id: 'VSM', type: 'modal', callback_id: REQUEST_VIEW.request, private_metadata: '{}', state: { values: {} }, hash: 'h', blocks: [] },
  });
  expect(ack.ms).toBeLessThan(3000);
  expect((ack.payload as { options: Array<{ text: { text: string } }> }).options.map((o) => o.text.text)).toEqual(['GitHub Maintainers']);
});

it('serves /healthz on PORT in Socket Mode too', async () => {
  const res = await fetch(`${h.baseUrl}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ status: 'ok', mode: 'socket' });
});

it('serves /metrics on PORT in Socket Mode too, with the acks of the envelopes above timed', async () => {
  const m = await scrape(h.baseUrl);
  expect(m.status).toBe(200);
  expect(m.value('iscbot_slack_ack_duration_seconds_count', { kind: 'command' })).toBe(1);
  expect(m.value('iscbot_slack_ack_duration_seconds_count', { kind: 'block_action' })).toBe(1);
  expect(m.value('iscbot_isc_requests_total', { operation: 'approveApprovalItem', status: '200' })).toBe(1);
});

it('acks with nothing, and runs no listener for, a click stamped more than five minutes ahead or an envelope from another workspace', async () => {
  const click = (responseId: string, aheadSeconds: number, team = 'T0TEAM') =>
    socket.send('interactive', {
      ...slackInteraction('block_actions', USERS.ada.id, {
        container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0CHAN', is_ephemeral: true },
        channel: { id: 'C0CHAN', name: 'general' },
        response_url: h.slack.responseUrl(responseId),
        actions: [{ action_id: ACTION.refresh, block_id: 'b1', type: 'button', value: pageValue({ kind: 'pending', offset: 0 }), action_ts: `${Date.now() / 1000 + aheadSeconds}` }],
      }),
      ...(team === 'T0TEAM' ? {} : { team: { id: team, domain: 'other' } }),
    });
  // Each resolves only once acked (in time).
  await click('sm-future', 6 * 60);
  await click('sm-foreign', 0, 'T0OTHER');
  // The same click stamped a little ahead is served.
  await click('sm-ahead', 60);
  await responseTo('sm-ahead');
  expect(h.slack.responses.filter((r) => r.id === 'sm-future' || r.id === 'sm-foreign')).toHaveLength(0);
  expect(h.logs.some((l) => l.includes('Refused a Slack payload stamped more than 5 minutes in the future'))).toBe(true);
  expect(h.logs.some((l) => l.includes('Refused a Slack request: it comes from another Slack workspace'))).toBe(true);
});
