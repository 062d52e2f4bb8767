import { ACTION } from '../../src/blocks/actions';
import { SEED_TASKS } from '../../src/sandbox/seed';
import { parseWorkitemsCommand } from '../../src/slack/commands/parseWorkitemsCommand';
import { startHarness, USERS, type Harness } from '../support/botHarness';
import { slackInteraction } from '../support/slackStandIn';

// The real bot against the sandbox tenant (which holds one stuck task) and the Slack stand-in, with
// the digest on. The schedule is set far away with no grace, so no scheduled digest posts meanwhile.

const CHANNEL = 'C0DIGEST1';
const STUCK = SEED_TASKS.stuckAggregation;

let h: Harness;
const withBot = () => {
  beforeEach(async () => {
    h = await startHarness({ DIGEST_CHANNEL: CHANNEL, DIGEST_SCHEDULE: '0 0 1 1 *', DIGEST_GRACE_MINUTES: '0', DIGEST_TIMEZONE: 'Europe/Berlin' });
  });
  afterEach(() => h.close());
};

const json = (v: unknown) => JSON.stringify(v);

async function responsesTo(id: string, count = 1): Promise<Array<Record<string, any>>> {
  await h.slack.waitFor(() => h.slack.responses.filter((r) => r.id === id).length >= count);
  return h.slack.responses.filter((r) => r.id === id).map((r) => r.body);
}

const taskStatusCalls = () => Object.entries(h.sandbox.stats().requests).filter(([k]) => k.includes('/task-status')).reduce((n, [, v]) => n + v, 0);
const patches = () => h.sandbox.stats().mutations.filter((m) => m.method === 'PATCH');

/** Posts the digest with `/workitems digest` and returns the message as Slack holds it. */
async function postDigest(): Promise<{ ts: string; text: string; blocks: Array<Record<string, any>> }> {
  await h.command(USERS.admin.id, 'digest', 'post');
  const replies = await responsesTo('post', 2);
  expect(replies[1].text).toBe(`✅ Posted the digest to <#${CHANNEL}>.`);
  // Two posts: the approvers' digest, then task health (the one with the task buttons), here to the same channel.
  const [digest, post] = h.slack.callsTo('chat.postMessage');
  expect(String(digest.args.text)).toMatch(/^ISC digest: /);
  expect(String(post.args.text)).toMatch(/^ISC task health: /);
  expect(post.args.channel).toBe(CHANNEL);
  return { ts: '1700000001.000100', text: String(post.args.text), blocks: post.args.blocks as Array<Record<string, any>> };
}

/** A button pressed on a message in a channel, as Slack sends it (with the message and its blocks). */
function clickInChannel(userId: string, actionId: string, value: string, message: { ts: string; text: string; blocks: unknown }, responseId: string) {
  return h.interact(slackInteraction('block_actions', userId, {
    container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
    channel: { id: CHANNEL, name: 'identity-ops' },
    message: { type: 'message', user: 'U0BOT', ts: message.ts, text: message.text, blocks: message.blocks },
    response_url: h.slack.responseUrl(responseId),
    actions: [{ action_id: actionId, block_id: `task:${value}:act`, action_ts: `${Date.now() / 1000}`, type: 'button', value }],
  }));
}

describe('the digest in the channel', () => {
  withBot();

  it('is posted by an admin with the stuck task and its buttons; an admin marks it terminated and the message shows who and when', async () => {
    const digest = await postDigest();
    expect(json(digest.blocks)).toContain(`"block_id":"task:${STUCK}:act"`);
    expect(digest.blocks.length).toBeLessThanOrEqual(50);

    const res = await clickInChannel(USERS.admin.id, ACTION.taskTerminate, STUCK, digest, 'term');
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => h.slack.callsTo('chat.update').length === 1);
    const [update] = h.slack.callsTo('chat.update');
    expect(update.args).toMatchObject({ channel: CHANNEL, ts: digest.ts });
    const blocks = update.args.blocks as Array<Record<string, any>>;
    expect(json(blocks)).not.toContain(`task:${STUCK}:act`);
    expect(blocks.find((b) => b.block_id === `task:${STUCK}:cleared`)?.elements[0].text).toMatch(
      new RegExp(`^⏹️ Marked terminated by <@${USERS.admin.id}> · \\w{3} \\d+, \\d{4} \\d\\d:\\d\\d GMT\\+1$`),
    );
    expect(patches()).toEqual([expect.objectContaining({ path: `/task-status/v1/${STUCK}`, status: 200 })]);

    // Pressed again (an old copy of the message): the task has ended, nothing is patched twice.
    await clickInChannel(USERS.admin.id, ACTION.taskTerminate, STUCK, digest, 'again');
    const [again] = await responsesTo('again');
    expect(again).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(again.text).toContain('already ended (TERMINATED)');
    expect(patches()).toHaveLength(1);
  });

  it('refuses the task buttons to a non-admin, ephemerally, without calling ISC', async () => {
    const digest = await postDigest();
    const before = taskStatusCalls();
    for (const [action, id] of [
      [ACTION.taskTerminate, 'refuse-term'],
      [ACTION.taskDetails, 'refuse-details'],
    ]) {
      await clickInChannel(USERS.ada.id, action, STUCK, digest, id);
      const [reply] = await responsesTo(id);
      expect(reply).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(reply.text).toContain("Only the bot's admins can use the task buttons");
    }
    expect(taskStatusCalls()).toBe(before);
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    expect(h.slack.callsTo('chat.update')).toHaveLength(0);
  });

  it('acknowledges the click before ISC answers', async () => {
    const digest = await postDigest();
    h.fault = (req) => (req.path.includes('/task-status/') ? { kind: 'none', delayMs: 600 } : undefined);
    const res = await clickInChannel(USERS.admin.id, ACTION.taskTerminate, STUCK, digest, 'slow');
    expect(res.ms).toBeLessThan(500);
    await h.slack.waitFor(() => h.slack.callsTo('chat.update').length === 1);
  });

  it('opens Details in a modal at once, then fills in the messages, returns and attributes', async () => {
    const digest = await postDigest();
    await clickInChannel(USERS.admin.id, ACTION.taskDetails, SEED_TASKS.error, digest, 'details');
    await h.slack.waitFor(() => h.slack.callsTo('views.update').length === 1);
    const [open] = h.slack.callsTo('views.open');
    expect(json(open.args.view)).toContain('Loading');
    const view = h.slack.callsTo('views.update')[0].args.view as Record<string, any>;
    const text = json(view.blocks);
    expect(text).toContain('*Messages* (1)');
    expect(text).toContain('GitHub API answered 403');
    expect(text).toContain('Accounts scanned');
    expect(text).toContain('optimizedAggregation');
  });

  it('shows an ISC failure of Mark terminated with its tracking id, and changes nothing', async () => {
    const digest = await postDigest();
    h.fault = (req) => (req.method === 'PATCH' ? { kind: 'status', status: 500 } : undefined);
    await clickInChannel(USERS.admin.id, ACTION.taskTerminate, STUCK, digest, 'fail');
    const [reply] = await responsesTo('fail');
    expect(reply.text).toMatch(/ISC had an internal error \(500\).*tracking id [0-9a-f]{32}/);
    expect(h.slack.callsTo('chat.update')).toHaveLength(0);
  });
});

describe('/workitems digest, tasks and task', () => {
  withBot();

  it('previews the digest to the caller only', async () => {
    await h.command(USERS.admin.id, 'digest preview', 'preview');
    const [reply] = await responsesTo('preview');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/^ISC digest: /);
    expect(json(reply.blocks)).toContain('times in Europe/Berlin');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('refuses the admin subcommands to others', async () => {
    for (const text of ['digest', 'digest preview', 'tasks', `task ${STUCK}`]) {
      const id = `no-${text.replace(/\W/g, '')}`;
      await h.command(USERS.ada.id, text, id);
      const [reply] = await responsesTo(id);
      expect(reply.text).toContain("Only the bot's admins can use `/workitems digest`, `tasks`, `task` and `audit`.");
    }
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('lists pending tasks with buttons; Mark terminated there answers with the task as it is now', async () => {
    await h.command(USERS.admin.id, 'tasks', 'tasks');
    const [list] = await responsesTo('tasks');
    expect(list.text).toBe('3 pending ISC tasks');
    expect(json(list.blocks)).toContain(`task:${SEED_TASKS.runningRefresh}:act`);
    await h.click(USERS.admin.id, ACTION.taskTerminate, SEED_TASKS.runningRefresh, { responseId: 'list-term' });
    const [after] = await responsesTo('list-term');
    expect(after).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(json(after.blocks)).toContain('Terminated');
    expect(json(after.blocks)).toContain(`Marked terminated by <@${USERS.admin.id}>`);

    await h.command(USERS.admin.id, `task ${SEED_TASKS.runningRefresh}`, 'one');
    const [one] = await responsesTo('one');
    expect(json(one.blocks)).toContain(`Marked terminated by <@${USERS.admin.id}>`);
  });

  it('says what ISC said about an unknown task', async () => {
    await h.command(USERS.admin.id, `task ${'0'.repeat(32)}`, 'unknown');
    const [reply] = await responsesTo('unknown');
    expect(reply.text).toContain('could not find that task (404)');
  });
});

describe('parseWorkitemsCommand: the admin subcommands', () => {
  it.each([
    ['digest', { kind: 'digest', preview: false }],
    ['Digest PREVIEW', { kind: 'digest', preview: true }],
    ['tasks', { kind: 'tasks' }],
    [`task ${STUCK.toUpperCase()}`, { kind: 'task', id: STUCK }],
  ])('%j', (text, expected) => {
    expect(parseWorkitemsCommand(text)).toEqual(expected);
  });

  it.each([
    ['task', '`task` needs a task id: `/workitems task <id>`.'],
    ['task 42', '"42" is not a valid task id (ISC ids are 32 hexadecimal characters).'],
    ['digest now', 'Too many words: "digest now".'],
    ['tasks all', 'Too many words: "tasks all".'],
    [`task ${STUCK} x`, `Too many words: "task ${STUCK} x".`],
    ['digest <@U0ADA0001>', '`digest` takes no @user.'],
  ])('%j is refused', (text, problem) => {
    expect(parseWorkitemsCommand(text)).toEqual({ kind: 'invalid', problem });
  });
});
