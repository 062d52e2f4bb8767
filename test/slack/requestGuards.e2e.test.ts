import { ACTION, VIEW } from '../../src/blocks/actions';
import { SEED_IDENTITIES, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { forwardFormValues, SIGNING_SECRET, startHarness, USERS, type Harness } from '../support/botHarness';
import { commandBody, postSigned, slackInteraction, SlackStandIn } from '../support/slackStandIn';

// Signed requests through the bot's real HTTP receiver that must not reach a listener: stamped in the
// future, or from another workspace or app; and response_urls the bot must not post to.

let h: Harness;
/** A second loopback "Slack" whose host is not in SLACK_RESPONSE_URL_HOSTS. */
let elsewhere: SlackStandIn;
beforeAll(async () => {
  h = await startHarness();
  elsewhere = await new SlackStandIn().start();
});
afterAll(async () => {
  await h.close();
  await elsewhere.close();
});

const form = 'application/x-www-form-urlencoded';
const nowSec = () => Math.floor(Date.now() / 1000);
const settle = () => new Promise((r) => setTimeout(r, 300));
const listCommand = (responseId: string, fields: Record<string, string> = {}) =>
  commandBody({ user_id: USERS.ada.id, text: '', response_url: h.slack.responseUrl(responseId), ...fields });
const logged = (pattern: RegExp) => h.logs.some((line) => pattern.test(line));

describe('request time stamps', () => {
  it('refuses a request stamped more than five minutes in the future (Bolt refuses only the past), and runs nothing', async () => {
    const res = await postSigned(h.eventsUrl, SIGNING_SECRET, listCommand('future'), form, { timestamp: nowSec() + 6 * 60 });
    expect(res.status).toBe(401);
    await settle();
    expect(h.slack.responses.filter((r) => r.id === 'future')).toHaveLength(0);
    expect(logged(/Refused a Slack request stamped more than 5 minutes in the future/)).toBe(true);
  });

  it('serves a request stamped a little ahead (clocks differ by seconds)', async () => {
    const res = await postSigned(h.eventsUrl, SIGNING_SECRET, listCommand('ahead'), form, { timestamp: nowSec() + 2 * 60 });
    expect(res.status).toBe(200);
    await h.responsesTo('ahead');
  });
});

describe('workspace and app', () => {
  it.each([
    ['another workspace', { team_id: 'T0OTHER' }, /another Slack workspace/],
    ['another app', { api_app_id: 'A0OTHER' }, /another Slack app/],
  ])('acks a command from %s with nothing, logs it, and runs no listener', async (label, fields: Record<string, string>, why) => {
    const id = `foreign-${label.replace(/\W/g, '-')}`;
    const res = await postSigned(h.eventsUrl, SIGNING_SECRET, listCommand(id, fields), form);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    await settle();
    expect(h.slack.responses.filter((r) => r.id === id)).toHaveLength(0);
    expect(logged(why)).toBe(true);
  });

  it('ignores an event from another workspace', async () => {
    const publishes = h.slack.callsTo('views.publish').length;
    const event = { type: 'app_home_opened', user: USERS.ada.id, channel: 'D0ADA', tab: 'home', event_ts: '1.0' };
    const body = JSON.stringify({ token: 'legacy', team_id: 'T0OTHER', api_app_id: 'A0APP', type: 'event_callback', event_id: 'EvForeign', event_time: nowSec(), event });
    expect((await postSigned(h.eventsUrl, SIGNING_SECRET, body, 'application/json')).status).toBe(200);
    await settle();
    expect(h.slack.callsTo('views.publish')).toHaveLength(publishes);
    // The same event from the bot's own workspace is served.
    await h.event(event);
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length > publishes);
  });
});

describe('response_url', () => {
  it("posts nothing to a response_url outside Slack's hosts, and logs the refusal", async () => {
    const res = await postSigned(h.eventsUrl, SIGNING_SECRET, commandBody({ user_id: USERS.ada.id, text: '', response_url: elsewhere.responseUrl('list') }), form);
    expect(res.status).toBe(200);
    await settle();
    expect(elsewhere.responses).toHaveLength(0);
    expect(logged(/Refused to post to a response_url outside Slack's hosts/)).toBe(true);
  });

  it('does not redraw the card behind a form through such a response_url either; the form still works', async () => {
    const updates = h.slack.callsTo('views.update').length;
    await h.interact(
      slackInteraction('block_actions', USERS.ada.id, {
        container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0CHAN', is_ephemeral: true },
        channel: { id: 'C0CHAN', name: 'general' },
        response_url: elsewhere.responseUrl('card'),
        actions: [{ action_id: ACTION.forward, block_id: 'b1', type: 'button', value: JSON.stringify({ w: SEED_WORK_ITEMS.adaRemediation }), action_ts: `${Date.now() / 1000}` }],
      }),
    );
    await h.slack.waitFor(() => h.slack.callsTo('views.update').length > updates);
    const filled = h.slack.callsTo('views.update')[updates].args.view as Record<string, any>;
    const res = await h.submitView(USERS.ada.id, { id: 'V1', callback_id: VIEW.forward, private_metadata: filled.private_metadata, state: { values: forwardFormValues(USERS.ben.id, 'over to Ben') } });
    expect(res.status).toBe(200);
    // The form closes; with no card it may redraw, the outcome comes as a DM.
    await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage').some((c) => JSON.stringify(c.args).includes('Forwarded to')));
    expect(h.sandbox.getWorkItemState(SEED_WORK_ITEMS.adaRemediation)?.ownerId).toBe(SEED_IDENTITIES.ben.id);
    await settle();
    expect(elsewhere.responses).toHaveLength(0);
  });
});
