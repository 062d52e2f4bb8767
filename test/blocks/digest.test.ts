import { type ApproverRow, APPROVER_LINES, byMostOpen, renderDigest, renderDigestPosted } from '../../src/blocks/digest';
import { LIMITS, validateMessage } from '../../src/blocks/limits';
import { tasksWithButtons } from '../../src/blocks/tasks';
import { FORBIDDEN, HOSTILE, linkifiedMrkdwn, mrkdwnTexts } from '../blocks/fixtures';
import { approver, digestData, failedTask, hoursAgo, stuckTask, task, viewer } from '../digest/fixtures';

const opts = { viewer, staleAfterDays: 3, stuckAfterHours: 6 };
const texts = (message: { blocks: unknown }) => mrkdwnTexts(message.blocks).join('\n');
const failure = { message: 'ISC had an internal error (500). Try again; if it persists give your admin tracking id 7f3c.', trackingId: '7f3c9e' };

describe('renderDigest', () => {
  it('shows work items per approver, stale items, running and stuck tasks, and failed ones, in the digest zone', () => {
    const message = renderDigest(digestData(), { ...opts, slot: '2026-11-23T08:00:00Z' });
    expect(validateMessage(message)).toEqual([]);
    const text = texts(message);
    expect(text).toContain('Scheduled for Nov 23, 2026 09:00 GMT+1 · times in Europe/Berlin');
    expect(text).toContain('*Approver 1* — *Open:* 3 · *Completed:* 6 · *Total:* 9 · oldest 4 days (Nov 19, 2026 06:00 GMT+1) · ⚠️ 1 stale');
    expect(text).toContain('⚠️ *1 work item pending more than 3 days*');
    expect(text).toContain('*⚙️ ISC tasks* — 2 pending · 🐢 1 running more than 6 hours');
    expect(text).toContain('ended Nov 23, 2026 08:00 GMT+1 (2 hours ago): Connector answered 403');
    // Only the stuck task carries buttons.
    expect(tasksWithButtons(message.blocks)).toEqual([stuckTask(1).id]);
    expect(message.text).toBe('ISC digest: 3 open work items, 2 pending tasks (1 stuck), 1 failed since the last digest');
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
    expect(text).toContain('⚠️ ≥ 480 stale');
    expect(text).toContain('⚠️ *≥ 480 work items pending more than 3 days*');
  });

  it('shows each part ISC could not give as unavailable, with its tracking id, and the rest', () => {
    const message = renderDigest(
      digestData({ pendingTotal: { ok: false, failure }, running: { ok: false, failure }, failed: { ok: false, failure: { message: 'ISC did not answer within 10 s.' } } }),
      opts,
    );
    expect(validateMessage(message)).toEqual([]);
    const text = texts(message);
    expect(text).toContain('pending count _unavailable_ (tracking id `7f3c9e`)');
    expect(text).toContain('Longest running tasks _unavailable_ (tracking id `7f3c9e`)');
    expect(text).toContain('_unavailable_ (ISC did not answer within 10 s.)');
    expect(text).toContain('*Approver 1*');
  });

  it('fits 10,000 pending tasks, 500 approvers and 50 failures in 50 blocks and the text limits', () => {
    const long = `${HOSTILE} ${'x'.repeat(3000)}`;
    const approvers = Array.from({ length: 500 }, (_, i) => approver(i, i, { name: `${long} ${i}`, oldestPending: hoursAgo(100 + i), stale: i, partial: true }));
    const running = Array.from({ length: 50 }, (_, i) => stuckTask(i, { uniqueName: long, progress: long, launcher: long, target: { name: long } }));
    const failed = Array.from({ length: 50 }, (_, i) => failedTask(100 + i, long));
    const staleItems = Array.from({ length: 5 }, () => ({ title: long, owner: long, created: hoursAgo(500) }));
    const message = renderDigest(
      digestData({ approvers, staleItems, pendingTotal: { ok: true, value: 10_000 }, running: { ok: true, value: running }, failed: { ok: true, value: { tasks: failed, more: true } } }),
      opts,
    );
    expect(validateMessage(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    const text = texts(message);
    for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
    expect(linkifiedMrkdwn(message.blocks)).toEqual([]);
    const shownTasks = tasksWithButtons(message.blocks).length;
    expect(shownTasks).toBeGreaterThanOrEqual(3);
    expect(text).toContain(`… and ${(10_000 - shownTasks).toLocaleString('en-US')} more pending tasks`);
    expect(text).toMatch(/… and 4\d\d more approvers/);
    expect(text).toMatch(/… and \d+\+ more/);
    expect(text).toContain('🐢 50+ running more than 6 hours');
    expect(message.text).toBe('ISC digest: 124,750 open work items, 10,000 pending tasks (50 stuck), 50+ failed since the last digest');
    expect(text.split('\n').filter((l) => l.startsWith('• *')).length).toBeLessThanOrEqual(APPROVER_LINES);
  });

  it('says when nothing failed and nothing runs', () => {
    const text = texts(renderDigest(digestData({ running: { ok: true, value: [] }, pendingTotal: { ok: true, value: 0 }, failed: { ok: true, value: { tasks: [], more: false } } }), opts));
    expect(text).toContain('*⚙️ ISC tasks* — 0 pending');
    expect(text).toContain('None. 🎉');
  });

  it('shows a task read beyond the HEAD total (counted while tasks started)', () => {
    const message = renderDigest(digestData({ pendingTotal: { ok: true, value: 1 }, running: { ok: true, value: [task(1), task(2)] } }), opts);
    expect(texts(message)).not.toContain('more pending task');
  });
});

describe('renderDigestPosted', () => {
  it('links the channel', () => {
    expect(renderDigestPosted('C0DIGEST1').text).toBe('✅ Posted the digest to <#C0DIGEST1>.');
  });
});
