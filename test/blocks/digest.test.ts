import { type ApproverRow, APPROVER_LINES, DIGEST_ACTION, NUDGE_LINES, byMostOpen, renderDigest, renderDigestPosted, renderNudgeOutcome, renderTaskHealth } from '../../src/blocks/digest';
import { LIMITS, validateMessage } from '../../src/blocks/limits';
import { tasksWithButtons } from '../../src/blocks/tasks';
import { FORBIDDEN, HOSTILE, linkifiedMrkdwn, mrkdwnTexts } from '../blocks/fixtures';
import { approver, digestData, failedTask, hoursAgo, stuckTask, task, viewer } from '../digest/fixtures';

const opts = { viewer, staleAfterDays: 3, stuckAfterHours: 6 };
const texts = (message: { blocks: unknown }) => mrkdwnTexts(message.blocks).join('\n');
const buttonsOf = (message: { blocks: Array<Record<string, any>> }) =>
  message.blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]).filter((e: Record<string, any>) => e.type === 'button');
const failure = { message: 'ISC had an internal error (500). Try again; if it persists give your admin tracking id 7f3c.', trackingId: '7f3c9e' };

describe('renderDigest', () => {
  it('shows work items per approver and stale items in the digest zone, with Open my inbox; task health is not in it', () => {
    const message = renderDigest(digestData(), { ...opts, slot: '2026-11-23T08:00:00Z' });
    expect(validateMessage(message)).toEqual([]);
    const text = texts(message);
    expect(text).toContain('Scheduled for Nov 23, 2026 09:00 GMT+1 · times in Europe/Berlin');
    expect(text).toContain('*Approver 1* — *Open:* 3 · *Completed:* 6 · *Total:* 9 · oldest 4 days (Nov 19, 2026 06:00 GMT+1) · ⏰ 1 stale');
    expect(text).toContain('⏰ *1 work item pending more than 3 days*');
    expect(text).not.toContain('ISC tasks');
    expect(tasksWithButtons(message.blocks)).toEqual([]);
    expect(buttonsOf(message).map((b) => b.action_id)).toEqual([DIGEST_ACTION.openInbox]);
    expect(message.text).toBe('ISC digest: 3 open work items');
  });

  it('task health is a post of its own: running and stuck tasks, and failed ones', () => {
    const message = renderTaskHealth(digestData(), { ...opts, slot: '2026-11-23T08:00:00Z' });
    expect(validateMessage(message)).toEqual([]);
    const text = texts(message);
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: 'ISC task health · Nov 23, 2026' } });
    expect(text).toContain('*ISC tasks* — 2 pending · ⏰ 1 running more than 6 hours');
    expect(text).toContain('ended Nov 23, 2026 08:00 GMT+1 (2 hours ago): Connector answered 403');
    expect(text).not.toContain('Approver 1');
    // Only the stuck task carries buttons.
    expect(tasksWithButtons(message.blocks)).toEqual([stuckTask(1).id]);
    expect(message.text).toBe('ISC task health: 2 pending tasks (1 stuck), 1 failed since the last digest');
  });

  it('mentions approvers with stale items the bot knows on Slack, with a Nudge each; never shows a Slack id as text', () => {
    const rows: ApproverRow[] = [
      approver(1, 5, { slackUserId: 'U0ADA0001', stale: 2, oldestPending: hoursAgo(100) }),
      approver(2, 4, { slackUserId: 'U0BEN0001', stale: 0, oldestPending: hoursAgo(10) }),
      approver(3, 3, { stale: 1, oldestPending: hoursAgo(100) }),
      { name: 'U0GHOST01', slackUserId: 'U0GHOST01', failure: { message: 'no ISC identity found' } },
    ];
    const message = renderDigest(digestData({ approvers: rows }), opts);
    expect(validateMessage(message)).toEqual([]);
    const text = texts(message);
    expect(text).toContain('• <@U0ADA0001> — *Open:* 5');
    // No stale items: named, not pinged.
    expect(text).toContain('• *Approver 2* — *Open:* 4');
    expect(text).not.toContain('<@U0BEN0001>');
    // An email or the bot's identity: no Slack user to mention.
    expect(text).toContain('• *Approver 3* — ');
    expect(text).toContain('• <@U0GHOST01> — _unavailable_ (no ISC identity found)');
    expect(text.replace(/<@U0[A-Z0-9]+>/g, '')).not.toMatch(/U0[A-Z0-9]{6,}/);
    const nudges = buttonsOf(message).filter((b) => b.action_id === DIGEST_ACTION.nudge);
    expect(nudges.map((b) => JSON.parse(b.value))).toEqual([{ u: 'U0ADA0001' }]);
    expect(message.blocks.find((b) => b.block_id === 'nudge_U0ADA0001')).toMatchObject({ text: { text: '<@U0ADA0001> has 2 items waiting too long' } });
  });

  it(`at most ${NUDGE_LINES} Nudge buttons`, () => {
    const rows = Array.from({ length: 12 }, (_, i) => approver(i, 20 - i, { slackUserId: `U0APP${String(i).padStart(4, '0')}`, stale: 1, oldestPending: hoursAgo(100) }));
    const message = renderDigest(digestData({ approvers: rows }), opts);
    expect(buttonsOf(message).filter((b) => b.action_id === DIGEST_ACTION.nudge)).toHaveLength(NUDGE_LINES);
    expect(validateMessage(message)).toEqual([]);
  });

  it('the text does not claim a count it could not read', () => {
    const rows: ApproverRow[] = [approver(1, 3, { accessRequests: 2 }), { name: 'Zed', failure }];
    expect(renderDigest(digestData({ approvers: rows }), opts).text).toBe('ISC digest: at least 3 open work items, at least 2 pending access requests');
    const approvalsFailed: ApproverRow[] = [approver(1, 3, { accessRequests: 2 }), approver(2, 1, { approvalsFailure: failure })];
    expect(renderDigest(digestData({ approvers: approvalsFailed }), opts).text).toBe('ISC digest: 4 open work items, at least 2 pending access requests');
    expect(renderTaskHealth(digestData({ pendingTotal: { ok: false, failure }, failed: { ok: false, failure } }), opts).text).toBe('ISC task health: pending tasks unavailable, failed tasks unavailable');
  });

  it('words: workflow approvals, not generic approvals', () => {
    const text = texts(renderDigest(digestData({ approvers: [approver(1, 3, { genericApprovals: 2 })] }), opts));
    expect(text).toContain('*Workflow approvals pending:* 2');
    expect(text).toContain('2 workflow approvals');
    expect(text).not.toMatch(/generic/i);
  });

  it('is marked late when it catches up on a missed slot', () => {
    const message = renderDigest(digestData(), { ...opts, slot: '2026-11-23T07:00:00Z', late: true });
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: 'ISC digest · Nov 23, 2026 (late)' } });
    expect(texts(message)).toContain('⏰ *Late*: the bot was not running at the scheduled time; read from ISC at Nov 23, 2026 10:00 GMT+1.');
  });

  it('sorts approvers by most open, the unreadable last, and totals the readable ones', () => {
    const rows: ApproverRow[] = [approver(1, 2), { name: 'Zed', failure }, approver(2, 9), approver(3, 0)];
    expect([...rows].sort(byMostOpen).map((r) => r.name)).toEqual(['Approver 2', 'Approver 1', 'Approver 3', 'Zed']);
    const text = texts(renderDigest(digestData({ approvers: rows }), opts));
    expect(text).toContain('*Open:* 11 · *Completed:* 22 · *Total:* 33 across 4 approvers, 1 unavailable');
    expect(text.indexOf('Approver 2')).toBeLessThan(text.indexOf('Approver 1'));
    expect(text).toContain('*Zed* — _unavailable_ (tracking id `7f3c9e`)');
  });

  it('says "≥" when only part of the pending items could be read', () => {
    const rows = [approver(1, 900, { oldestPending: hoursAgo(200), stale: 480, partial: true })];
    const text = texts(renderDigest(digestData({ approvers: rows }), opts));
    expect(text).toContain('oldest ≥ 8 days');
    expect(text).toContain('⏰ ≥ 480 stale');
    expect(text).toContain('⏰ *≥ 480 work items pending more than 3 days*');
  });

  it('shows each part ISC could not give as unavailable, with its tracking id, and the rest', () => {
    const data = digestData({ pendingTotal: { ok: false, failure }, running: { ok: false, failure }, failed: { ok: false, failure: { message: 'ISC did not answer within 10 s.' } } });
    const message = renderTaskHealth(data, opts);
    expect(validateMessage(message)).toEqual([]);
    const text = texts(message);
    expect(text).toContain('pending count _unavailable_ (tracking id `7f3c9e`)');
    expect(text).toContain('Longest running tasks _unavailable_ (tracking id `7f3c9e`)');
    expect(text).toContain('_unavailable_ (ISC did not answer within 10 s.)');
    expect(texts(renderDigest(data, opts))).toContain('*Approver 1*');
  });

  it('fits 10,000 pending tasks, 500 approvers and 50 failures in 50 blocks and the text limits', () => {
    const long = `${HOSTILE} ${'x'.repeat(3000)}`;
    const approvers = Array.from({ length: 500 }, (_, i) => approver(i, i, { name: `${long} ${i}`, oldestPending: hoursAgo(100 + i), stale: i, partial: true }));
    const running = Array.from({ length: 50 }, (_, i) => stuckTask(i, { uniqueName: long, progress: long, launcher: long, target: { name: long } }));
    const failed = Array.from({ length: 50 }, (_, i) => failedTask(100 + i, long));
    const staleItems = Array.from({ length: 5 }, () => ({ title: long, owner: long, created: hoursAgo(500) }));
    const data = digestData({ approvers, staleItems, pendingTotal: { ok: true, value: 10_000 }, running: { ok: true, value: running }, failed: { ok: true, value: { tasks: failed, more: true } } });
    const digest = renderDigest(data, opts);
    const health = renderTaskHealth(data, opts);
    for (const message of [digest, health]) {
      expect(validateMessage(message)).toEqual([]);
      expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
      expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(LIMITS.messageChars);
      for (const bad of FORBIDDEN) expect(texts(message)).not.toContain(bad);
      expect(linkifiedMrkdwn(message.blocks)).toEqual([]);
    }
    const text = `${texts(digest)}\n${texts(health)}`;
    const shownTasks = tasksWithButtons(health.blocks).length;
    expect(shownTasks).toBeGreaterThanOrEqual(3);
    expect(text).toContain(`… and ${(10_000 - shownTasks).toLocaleString('en-US')} more pending tasks`);
    expect(text).toMatch(/… and 4\d\d more approvers/);
    expect(text).toMatch(/… and \d+\+ more/);
    expect(text).toContain('⏰ 50+ running more than 6 hours');
    expect(digest.text).toBe('ISC digest: 124,750 open work items');
    expect(health.text).toBe('ISC task health: 10,000 pending tasks (50 stuck), 50+ failed since the last digest');
    expect(text.split('\n').filter((l) => l.startsWith('• *')).length).toBeLessThanOrEqual(APPROVER_LINES);
  });

  it('says when nothing failed and nothing runs', () => {
    const text = texts(renderTaskHealth(digestData({ running: { ok: true, value: [] }, pendingTotal: { ok: true, value: 0 }, failed: { ok: true, value: { tasks: [], more: false } } }), opts));
    expect(text).toContain('*ISC tasks* — 0 pending');
    expect(text).toContain('✅ None.');
  });

  it('shows a task read beyond the HEAD total (counted while tasks started)', () => {
    const message = renderTaskHealth(digestData({ pendingTotal: { ok: true, value: 1 }, running: { ok: true, value: [task(1), task(2)] } }), opts);
    expect(texts(message)).not.toContain('more pending task');
  });
});

describe('renderNudgeOutcome', () => {
  it('tells the admin what happened, and a non-admin why not', () => {
    expect(renderNudgeOutcome({ kind: 'sent' }, 'U0ADA0001').text).toBe('✅ Sent <@U0ADA0001> a reminder in a direct message.');
    expect(renderNudgeOutcome({ kind: 'already', by: 'U0ADMIN01' }, 'U0ADA0001').text).toBe('<@U0ADA0001> was already nudged today by <@U0ADMIN01>; one reminder a day is enough.');
    expect(renderNudgeOutcome({ kind: 'refused' }, 'U0ADA0001').text).toMatch(/^❌ Only the bot's admins can nudge approvers/);
  });
});

describe('renderDigestPosted', () => {
  it('links the channel', () => {
    expect(renderDigestPosted('C0DIGEST1').text).toBe('✅ Posted the digest to <#C0DIGEST1>.');
  });
});
