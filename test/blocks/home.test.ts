import { ACTION } from '../../src/blocks/actions';
import { renderHome } from '../../src/blocks/home';
import { LIMITS, validateView } from '../../src/blocks/limits';
import { BROADCASTS_AND_LINKS, HOSTILE, approval, buttons, formItem, inboxPage, manualAction, mrkdwnTexts, opts, workItem } from './fixtures';

describe('home tab', () => {
  it('matches the snapshot', () => {
    const view = renderHome({
      summary: { open: 3, completed: 12, total: 15 },
      page: inboxPage({ workItem: [workItem(), manualAction(), formItem()] }),
      opts,
      authModeLine: 'Acting as your own ISC identity.',
    });
    expect(view.type).toBe('home');
    expect(validateView(view)).toEqual([]);
    expect(view).toMatchSnapshot();
  });

  it('an empty home with a notice', () => {
    const view = renderHome({ page: inboxPage({}), opts, notice: HOSTILE, noticeKind: 'warning' });
    expect(validateView(view)).toEqual([]);
    for (const t of mrkdwnTexts(view.blocks)) for (const bad of BROADCASTS_AND_LINKS) expect(t).not.toContain(bad);
    expect(view).toMatchSnapshot();
  });

  it('many items with many approval items stay within 100 blocks', () => {
    const items = Array.from({ length: 100 }, (_, k) => workItem({ id: `wi-${k}`, approvalItems: Array.from({ length: 60 }, (_, i) => approval(i)) }));
    const view = renderHome({ summary: { open: 100, completed: 0, total: 100 }, page: inboxPage({ workItem: items }, { pageSize: 100 }), opts, notice: 'x', authModeLine: 'y' });
    expect(validateView(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(buttons(view.blocks).some((b) => b.action_id === ACTION.pageNext)).toBe(true);
  });
});
