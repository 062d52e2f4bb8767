import { validateMessage } from '../../src/blocks/limits';
import { ACTION } from '../../src/blocks/actions';
import { renderConnect, renderHelp, renderNotice } from '../../src/blocks/messages';
import { BROADCASTS_AND_LINKS, buttons, HOSTILE, mrkdwnTexts } from './fixtures';

describe('help', () => {
  it.each([
    ['user', { isAdmin: false }],
    ['admin', { isAdmin: true, authMode: 'Acting with the bot’s service account.' }],
  ])('%s', (_, options) => {
    const help = renderHelp(options);
    expect(validateMessage(help)).toEqual([]);
    expect(help).toMatchSnapshot();
  });

  it('shows admin usage only to admins and mentions the Home tab', () => {
    const text = (isAdmin: boolean) => mrkdwnTexts(renderHelp({ isAdmin }).blocks).join('\n');
    expect(text(false)).not.toContain('@user');
    expect(text(true)).toContain('`/workitems @user`');
    expect(text(false)).toContain('*Home* tab');
    expect(text(false)).toContain('`/workitems &lt;id&gt;`');
  });
});

describe('account linking', () => {
  it('help lists connect and disconnect only when linking is on, and shows the auth mode escaped', () => {
    const text = (linking: boolean) => mrkdwnTexts(renderHelp({ isAdmin: false, linking, authMode: '🔑 Connected to ISC as <!channel>.' }).blocks).join('\n');
    expect(text(false)).not.toContain('/workitems connect');
    expect(text(true)).toContain('`/workitems connect`');
    expect(text(true)).toContain('`/workitems disconnect`');
    expect(text(true)).toContain('Connected to ISC as &lt;!channel&gt;.');
  });

  it('connect is a link button to the sign-in URL', () => {
    const url = 'https://acme.login.sailpoint.com/oauth/authorize?client_id=c&response_type=code&redirect_uri=https%3A%2F%2Fbot%2Foauth%2Fcallback&state=s';
    const message = renderConnect(url, 10);
    expect(validateMessage(message)).toEqual([]);
    expect(buttons(message.blocks)).toEqual([expect.objectContaining({ action_id: ACTION.connect, url, style: 'primary' })]);
    expect(mrkdwnTexts(message.blocks).join()).toContain('for 10 minutes');
  });
});

describe('notice', () => {
  it.each(['error', 'info', 'warning'] as const)('%s', (kind) => {
    const notice = renderNotice('You are not the owner of this work item.', kind);
    expect(validateMessage(notice)).toEqual([]);
    expect(notice).toMatchSnapshot();
  });

  it('escapes the text, hint and tracking id (they may come from ISC or the user)', () => {
    const notice = renderNotice(HOSTILE, 'error', { trackingId: HOSTILE, hint: 'Try `/workitems help`.' });
    for (const t of [notice.text, ...mrkdwnTexts(notice.blocks)]) for (const bad of BROADCASTS_AND_LINKS) expect(t).not.toContain(bad);
    expect(notice.text).toContain('&lt;!channel&gt;');
    expect(mrkdwnTexts(notice.blocks)[1]).toContain('Try `/workitems help`.');
    expect(mrkdwnTexts(notice.blocks)[1]).not.toContain('<@U123>');
    expect(notice).toMatchSnapshot();
  });

  it('keeps the user mentions a listener writes', () => {
    expect(renderNotice('<@U0BOB001> has no ISC identity & <@not-an-id>.', 'warning').text).toBe(
      '⚠️ <@U0BOB001> has no ISC identity &amp; &lt;@not-an-id&gt;.',
    );
  });
});
