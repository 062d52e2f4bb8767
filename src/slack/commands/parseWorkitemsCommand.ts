export type WorkitemsCommand =
  | { kind: 'pending' | 'completed' | 'summary'; subject?: string }
  | { kind: 'detail'; id: string; subject?: string }
  | { kind: 'help' }
  | { kind: 'invalid'; problem: string };

/** ISC ids are 32 hex characters (some older objects use a dashed UUID). */
const WORK_ITEM_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
/** With `should_escape: true` Slack sends a mention as <@U123ABC|name> or <@U123ABC>. */
const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

/** Parses the text after `/workitems`. Pure: no I/O, no permission decisions. */
export function parseWorkitemsCommand(text: string): WorkitemsCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  let subject: string | undefined;
  const rest: string[] = [];
  for (const word of words) {
    const mention = MENTION.exec(word);
    if (mention) {
      if (subject) return { kind: 'invalid', problem: 'Name one person at most.' };
      subject = mention[1];
    } else if (word.startsWith('@')) {
      return { kind: 'invalid', problem: `"${word}" is not a Slack mention the bot can read; pick the person from the @ autocomplete list.` };
    } else {
      rest.push(word);
    }
  }
  if (rest.length > 1) return { kind: 'invalid', problem: `Too many words: "${rest.join(' ')}".` };
  const [word = ''] = rest;
  const lower = word.toLowerCase();
  if (lower === '' || lower === 'pending' || lower === 'list') return { kind: 'pending', subject };
  if (lower === 'completed' || lower === 'summary') return { kind: lower, subject };
  if (lower === 'help' || lower === '?') return subject ? { kind: 'invalid', problem: '`help` takes no @user.' } : { kind: 'help' };
  if (WORK_ITEM_ID.test(word)) return { kind: 'detail', id: word.toLowerCase(), subject };
  if (/^[0-9a-f-]{8,}$/i.test(word)) return { kind: 'invalid', problem: `"${word}" is not a valid work item id (ISC ids are 32 hexadecimal characters).` };
  return { kind: 'invalid', problem: `Unknown subcommand "${word}".` };
}
