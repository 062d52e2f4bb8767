import { startHarness, USERS, type Harness } from '../support/botHarness';

// `/workitems digest` through the real bot: a post Slack answers with an error is not sent again.

const CHANNEL = 'C0DIGEST1';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ DIGEST_CHANNEL: CHANNEL, DIGEST_SCHEDULE: '0 0 1 1 *', DIGEST_GRACE_MINUTES: '0' });
});
afterAll(() => h.close());

it('posts the digest once even when Slack answers the post with a server error (it may have been posted)', async () => {
  h.slack.statuses.set('chat.postMessage', 500);
  await h.command(USERS.admin.id, 'digest', 'digest');
  const replies = await h.responsesTo('digest', 2);
  expect(replies[1].text).not.toMatch(/Posted the digest/);
  // @slack/web-api's default policy would try again within 1–2 s.
  await new Promise((r) => setTimeout(r, 2500));
  expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === CHANNEL)).toHaveLength(1);
});
