import { HOME_ACTION, noIdentityText, renderHome, renderHomeError, renderHomeNoIdentity, type HomeInput } from '../../src/blocks/home';
import { LIMITS, validateView } from '../../src/blocks/limits';
import type { InboxItem } from '../../src/inbox/items';
import { BROADCASTS_AND_LINKS, HOSTILE, accessRequest, approval, buttons, genericApproval, mrkdwnTexts, opts, withViolations, sodViolation, workItem } from './fixtures';

const entry = (e: InboxItem) => ({ entry: e });
const base = (extra: Partial<HomeInput> = {}): HomeInput => ({
  opts,
  filter: 'all',
  items: [entry({ kind: 'workItem', item: workItem() }), entry({ kind: 'accessRequest', item: accessRequest(withViolations([sodViolation()])) }), entry({ kind: 'generic', item: genericApproval() })],
  counts: { all: 3, risky: 1, overdue: 1 },
  failures: [],
  decidedToday: 4,
  settings: { dms: true, reminders: true },
  ...extra,
});
const texts = (blocks: unknown) => mrkdwnTexts(blocks).join('\n');
const ids = (blocks: Array<Record<string, any>>) => blocks.map((b) => b.block_id).filter(Boolean);
const allElements = (blocks: Array<Record<string, any>>) => blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]);

describe('Home tab as a dashboard', () => {
  it('has one heading, the counts with "Decided today", the filters, and no paging', () => {
    const view = renderHome(base());
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.filter((b) => b.type === 'header')).toHaveLength(1);
    expect((view.blocks[1] as any).text.text).toBe('*3 waiting on you* · 🚨 1 risky · ⏰ 1 overdue · ✅ Decided today: 4');
    const filters = view.blocks.find((b) => b.block_id === 'home_filters') as any;
    expect(filters.elements.map((e: any) => [e.action_id, e.text.text, e.style])).toEqual([
      [HOME_ACTION.filter.all, 'All (3)', 'primary'],
      [HOME_ACTION.filter.risky, 'Risky (1)', undefined],
      [HOME_ACTION.filter.overdue, 'Overdue (1)', undefined],
    ]);
    const actionIds = buttons(view.blocks).map((b) => b.action_id);
    expect(actionIds.some((a) => /page_?(next|prev)|refresh/i.test(a))).toBe(false);
    // No disclaimer of how the bot acts in ISC: that is in /workitems help.
    expect(texts(view.blocks)).not.toMatch(/service identity/);
    expect(texts(view.blocks)).toContain('`/workitems help`');
  });

  it('the chosen filter is the highlighted one, and an empty filter says so in words', () => {
    const view = renderHome(base({ filter: 'overdue', items: [] }));
    const filters = view.blocks.find((b) => b.block_id === 'home_filters') as any;
    expect(filters.elements.find((e: any) => e.style === 'primary').action_id).toBe(HOME_ACTION.filter.overdue);
    expect(texts(view.blocks)).toContain('Nothing overdue waits on you.');
  });

  it('a kind that failed shows "Couldn\'t load … — Retry", and the count says "at least"', () => {
    const view = renderHome(base({ failures: [{ kind: 'generic', failure: { message: 'ISC timed out' } }] }));
    const failed = view.blocks.find((b) => b.block_id === 'home_failed_generic') as any;
    expect(failed.text.text).toContain("Couldn't load your workflow approvals");
    expect(failed.accessory.action_id).toBe(HOME_ACTION.retry);
    expect((view.blocks[1] as any).text.text).toMatch(/^\*at least 3 waiting on you\*/);
  });

  it('notification settings: state, toggles and the working-hours menu, which reflects the stored choice', () => {
    const view = renderHome(base({ settings: { dms: true, reminders: false, workingHours: '09:00-17:00', quietHours: { start: 1200, end: 480 } } }));
    expect((view.blocks.find((b) => b.block_id === 'home_settings') as any).text.text).toBe('*Notifications* — Messages for new items: *on* · Reminders: *off*');
    const els = allElements(view.blocks as any);
    expect(els.find((e) => e.action_id === HOME_ACTION.dms)).toMatchObject({ value: 'off', text: { text: 'Turn messages off' } });
    expect(els.find((e) => e.action_id === HOME_ACTION.reminders)).toMatchObject({ value: 'on', text: { text: 'Turn reminders on' } });
    const hours = els.find((e) => e.action_id === HOME_ACTION.hours);
    expect(hours.type).toBe('static_select');
    expect(hours.initial_option.value).toBe('09:00-17:00');
    expect(texts(view.blocks)).toContain('Never between 20:00–08:00 your time.');
    const on = renderHome(base({ settings: { dms: true, reminders: true, workingHours: '08:00-17:00' } }));
    expect((on.blocks.find((b) => b.block_id === 'home_settings') as any).text.text).toContain('Reminders: *on only 08:00–17:00 your time*');
  });

  it('shows as many cards as fit in 100 blocks, and a "N more — open /workitems" line for the rest', () => {
    const items = Array.from({ length: 100 }, (_, k) => entry({ kind: 'workItem', item: workItem({ id: `wi-${k}`, approvalItems: Array.from({ length: 3 }, (_, i) => approval(i)) }) }));
    const view = renderHome(base({ items, counts: { all: 140, risky: 0, overdue: 0 }, notice: 'x', reviews: null }));
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    const shown = items.filter((e) => JSON.stringify(view).includes(`=${(e.entry.item as { id: string }).id}`)).length;
    expect(shown).toBeGreaterThan(5);
    const more = view.blocks.find((b) => b.block_id === 'home_more') as any;
    expect(more.elements[0].text).toBe(`${140 - shown} more items — open \`/workitems\` to see them.`);
    // The sections that matter stay: away, settings, help.
    expect(ids(view.blocks as any)).toEqual(expect.arrayContaining(['home_away', 'home_settings', 'home_help', 'home_reviews_failed']));
  });

  it('all fit: no "more" line', () => {
    expect(renderHome(base()).blocks.some((b) => b.block_id === 'home_more')).toBe(false);
  });

  it('a notice from ISC is escaped', () => {
    const view = renderHome(base({ notice: HOSTILE, noticeKind: 'warning' }));
    for (const t of mrkdwnTexts(view.blocks)) for (const bad of BROADCASTS_AND_LINKS) expect(t).not.toContain(bad);
  });

  it('a person without an ISC account is told what to do in their words, with Retry', () => {
    for (const missing of [{ reason: 'no-email' }, { reason: 'not-found', email: 'x@acme.com' }, { reason: 'unknown-mapping', identityId: 'abc' }, { reason: 'guest' }] as const) {
      const view = renderHomeNoIdentity(missing);
      expect(validateView(view)).toEqual([]);
      const text = texts(view.blocks);
      expect(text).not.toMatch(/IDENTITY_MAP|service identity|users:read\.email|mapping/);
      expect(text).toMatch(/Ask your IT help desk to connect your Slack account to your ISC account/);
      expect(buttons(view.blocks).map((b) => b.action_id)).toEqual([HOME_ACTION.retry]);
    }
    const hostile = renderHomeNoIdentity({ reason: 'not-found', email: '<!channel><@U123>@x' });
    for (const t of mrkdwnTexts(hostile.blocks)) for (const bad of [...BROADCASTS_AND_LINKS, '<@U123>']) expect(t).not.toContain(bad);
    expect(noIdentityText({ reason: 'not-found', email: 'ada@acme.com' })).toContain('(ada@acme.com)');
  });

  it('nothing readable at all: the error and Retry', () => {
    const view = renderHomeError('ISC is down');
    expect(buttons(view.blocks).map((b) => b.action_id)).toEqual([HOME_ACTION.retry]);
    expect(texts(view.blocks)).toContain('ISC is down');
  });
});
