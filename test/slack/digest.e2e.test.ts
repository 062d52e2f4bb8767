import { DIGEST_ACTION } from '../../src/blocks/digest';
import { validateMessage } from '../../src/blocks/limits';
import { startHarness, USERS, type Harness } from '../support/botHarness';

// The digest's buttons through the real bot: Open my inbox shows the clicker their own list, only to
// them; Nudge (admins only) DMs the approver once a day.

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const dmsTo = (user: string) => h.slack.callsTo('chat.postMessage').filter((c) => (c.args as { channel: string }).channel === user);

describe('digest buttons', () => {
  it('Open my inbox: the clicker\'s own list, ephemeral, the digest left as it is', async () => {
    await h.click(USERS.ada.id, DIGEST_ACTION.openInbox, 'inbox', { responseId: 'open' });
    const [reply] = await h.responsesTo('open');
    expect(validateMessage(reply as never)).toEqual([]);
    expect(reply).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(reply.text).toMatch(/^You have 15 pending items in ISC/);
  });

  it('Nudge by an admin DMs the approver once a day; another click is told it was done', async () => {
    await h.click(USERS.admin.id, DIGEST_ACTION.nudge, { u: USERS.ada.id }, { responseId: 'n1' });
    const [first] = await h.responsesTo('n1');
    expect(first).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: `✅ Sent <@${USERS.ada.id}> a reminder in a direct message.` });
    await h.slack.waitFor(() => dmsTo(USERS.ada.id).length === 1);
    const dm = dmsTo(USERS.ada.id)[0].args as { text: string; blocks: Array<Record<string, any>> };
    expect(dm.text).toBe(`⏰ <@${USERS.admin.id}> asks you to look at your ISC approvals: some have waited more than 3 days.`);
    expect(dm.blocks[1].elements[0]).toMatchObject({ action_id: DIGEST_ACTION.openInbox, text: { text: 'Open my inbox' } });
    await h.click(USERS.admin.id, DIGEST_ACTION.nudge, { u: USERS.ada.id }, { responseId: 'n2' });
    expect((await h.responsesTo('n2'))[0].text).toBe(`<@${USERS.ada.id}> was already nudged today by <@${USERS.admin.id}>; one reminder a day is enough.`);
    expect(dmsTo(USERS.ada.id)).toHaveLength(1);
  });

  it('Nudge by someone who is not an admin is refused, and nobody is messaged', async () => {
    await h.click(USERS.ben.id, DIGEST_ACTION.nudge, { u: USERS.ada.id }, { responseId: 'n' });
    const [reply] = await h.responsesTo('n');
    expect(reply.text).toMatch(/^❌ Only the bot's admins can nudge approvers/);
    expect(dmsTo(USERS.ada.id)).toHaveLength(0);
  });
});
