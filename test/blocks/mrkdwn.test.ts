import { escapeKeepingMentions, escapeMrkdwn, escapeTruncate, plainTruncate, truncate, userMention } from '../../src/blocks/mrkdwn';
import { HOSTILE } from './fixtures';

describe('escapeMrkdwn', () => {
  it('turns Slack control sequences into text', () => {
    expect(escapeMrkdwn(HOSTILE)).toBe('&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; *bold*');
  });

  it('escapes & once, so a literal "&amp;" from ISC still reads "&amp;"', () => {
    expect(escapeMrkdwn('R&D')).toBe('R&amp;D');
    expect(escapeMrkdwn('R&amp;D')).toBe('R&amp;amp;D');
  });
});

describe('truncate', () => {
  it('leaves short text alone and never exceeds max, ellipsis included', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(truncate('hello world', 6)).toHaveLength(6);
    expect(truncate('hello', 0)).toBe('');
  });

  it('does not split an entity', () => {
    const escaped = escapeMrkdwn('ab&cd'); // ab&amp;cd
    for (let max = 3; max <= 7; max++) {
      const cut = truncate(escaped, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).toMatch(/^ab(&amp;)?(c)?…$/);
    }
    expect(truncate('&lt;&gt;&lt;', 9)).toBe('&lt;&gt;…');
  });

  it('does not split a mention or date token', () => {
    expect(truncate('by <@U12345678> today', 10)).toBe('by …');
    expect(truncate('at <!date^1700000000^{time}|10:00> ok', 20)).toBe('at …');
  });

  it('does not split a surrogate pair', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(plainTruncate('ab😀cd', 4)).toBe('ab…');
  });
});

describe('escapeTruncate', () => {
  it('escapes before cutting and falls back when empty', () => {
    expect(escapeTruncate('a<b', 10)).toBe('a&lt;b');
    expect(escapeTruncate('   ', 10, 'unknown')).toBe('unknown');
    expect(escapeTruncate(null, 10)).toBe('');
  });
});

describe('userMention', () => {
  it('mentions real Slack ids and escapes anything else', () => {
    expect(userMention('U0123ABCD')).toBe('<@U0123ABCD>');
    expect(userMention('<!channel>')).toBe('&lt;!channel&gt;');
  });
});

describe('escapeKeepingMentions', () => {
  it('keeps the bot’s own user mentions but nothing else that Slack would act on', () => {
    expect(escapeKeepingMentions('Forwarded to <@U0ABC123> <!channel> <https://evil|x> a & b')).toBe(
      'Forwarded to <@U0ABC123> &lt;!channel&gt; &lt;https://evil|x&gt; a &amp; b',
    );
  });

  it('leaves ISC text escaped at its source as text, without double escaping', () => {
    const fromIsc = escapeMrkdwn('owner <@U0EVIL99> & co');
    expect(escapeKeepingMentions(`Only the owner (${fromIsc}) may act.`)).toBe('Only the owner (owner &lt;@U0EVIL99&gt; &amp; co) may act.');
  });
});
