// Text helpers for Block Kit. Anything that came from ISC is untrusted: in mrkdwn it must not be
// able to ping (`<!channel>`, `<@U…>`) or make links (`<https://…|…>`).

const ELLIPSIS = '…';

/** Escapes the three characters Slack gives meaning to in mrkdwn; `*bold*` and the like stay harmless. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Undoes escapeMrkdwn, for a message kept as plain text (the audit trail). */
export function unescapeMrkdwn(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * For text a listener composes (notices, modal messages): escaped like escapeMrkdwn, except that bare
 * user mentions `<@U…>` are kept so the bot can name people, and entities already escaped stay as
 * they are. ISC values inside such text are escaped with escapeMrkdwn where they are put in, so a
 * mention-shaped string from ISC arrives here as `&lt;@U…&gt;` and stays text.
 */
export function escapeKeepingMentions(s: string): string {
  const escapeText = (t: string) => t.replace(/&(?!(?:amp|lt|gt);)/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  let out = '';
  let last = 0;
  for (const m of s.matchAll(/<@[UW][A-Z0-9]{2,}>/g)) {
    out += escapeText(s.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + escapeText(s.slice(last));
}

/** Moves a cut left so it does not split a UTF-16 surrogate pair. */
function surrogateSafe(s: string, cut: number): number {
  const code = s.charCodeAt(cut - 1);
  return cut > 0 && code >= 0xd800 && code <= 0xdbff ? cut - 1 : cut;
}

/**
 * Cuts mrkdwn text to at most `max` characters (ellipsis included). Never leaves half of an
 * `&amp;`/`&lt;`/`&gt;` entity or of a `<…>` token (mention, date) at the end.
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max < 1) return '';
  let cut = surrogateSafe(s, max - 1);
  const amp = s.lastIndexOf('&', cut - 1);
  const entity = amp === -1 ? null : /^&(?:amp|lt|gt);/.exec(s.slice(amp, amp + 5));
  if (entity && amp + entity[0].length > cut) cut = amp;
  const open = s.lastIndexOf('<', cut - 1);
  if (open !== -1 && s.lastIndexOf('>', cut - 1) < open) cut = open;
  return s.slice(0, cut) + ELLIPSIS;
}

/** Cuts plain_text to at most `max` characters (ellipsis included). */
export function plainTruncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max < 1) return '';
  return s.slice(0, surrogateSafe(s, max - 1)) + ELLIPSIS;
}

/** An ISC value ready for mrkdwn: escaped, then cut to `max`; `fallback` when empty or missing. */
export function escapeTruncate(s: string | null | undefined, max: number, fallback = ''): string {
  const text = s?.trim() ? s : fallback;
  return truncate(escapeMrkdwn(text), max);
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** `<@U…>` for a well-formed Slack user id; anything else is shown as escaped text. */
export function userMention(slackUserId: string): string {
  return SLACK_USER_ID.test(slackUserId) ? `<@${slackUserId}>` : escapeMrkdwn(slackUserId);
}

/** 10000 → "10,000". */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** capitalise('pending') → "Pending". */
export const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** plural(3, 'item') → "3 items"; plural(1, 'item') → "1 item". */
export const plural = (n: number, noun: string): string => `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
