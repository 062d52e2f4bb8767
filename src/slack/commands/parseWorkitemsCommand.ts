export type WorkitemsCommand =
  | { kind: 'pending' | 'completed' | 'summary'; subject?: string }
  | { kind: 'detail'; id: string; subject?: string }
  | { kind: 'help' }
  /** Account linking (AUTH_MODE linked / linked-required). */
  | { kind: 'connect' }
  | { kind: 'disconnect' }
  /** Notification DMs: `notify on|off`; `notify` alone asks how they are set. */
  | { kind: 'notify'; on?: boolean }
  /** Admin subcommands; whether the caller is an admin is decided by the listener. */
  | { kind: 'digest'; preview: boolean }
  | { kind: 'tasks' }
  | { kind: 'task'; id: string }
  /** The audit trail of the last `days` (default 30) as a CSV file in a DM. */
  | { kind: 'audit'; days?: number }
  /** Requesting access: `request [what]` opens the form (searching for `what`); `requests` lists the caller's. */
  | { kind: 'request'; term?: string }
  | { kind: 'requests' }
  | { kind: 'invalid'; problem: string };

/** ISC ids are 32 hex characters (some older objects use a dashed UUID). */
const WORK_ITEM_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
/** With `should_escape: true` Slack sends a mention as <@U123ABC|name> or <@U123ABC>. */
const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

/** Parses the text after `/workitems`. Pure: no I/O, no permission decisions. */
export function parseWorkitemsCommand(text: string): WorkitemsCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const first = (words[0] ?? '').toLowerCase();
  // The search text may be anything (several words, a mention-like name): it is only ever searched for.
  if (first === 'request') {
    const term = words.slice(1).join(' ');
    return term ? { kind: 'request', term } : { kind: 'request' };
  }
  if (first === 'requests') return words.length > 1 ? { kind: 'invalid', problem: '`requests` takes nothing after it.' } : { kind: 'requests' };
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
  const head = (rest[0] ?? '').toLowerCase();
  if (head === 'digest' || head === 'tasks' || head === 'task') {
    return subject ? { kind: 'invalid', problem: `\`${head}\` takes no @user.` } : parseAdminCommand(head, rest.slice(1));
  }
  if (head === 'notify') return subject ? { kind: 'invalid', problem: '`notify` takes no @user.' } : parseNotify(rest.slice(1));
  if (head === 'audit') return subject ? { kind: 'invalid', problem: '`audit` takes no @user.' } : parseAudit(rest.slice(1));
  if (rest.length > 1) return { kind: 'invalid', problem: `Too many words: "${rest.join(' ')}".` };
  const [word = ''] = rest;
  const lower = word.toLowerCase();
  if (lower === '' || lower === 'pending' || lower === 'list') return { kind: 'pending', subject };
  if (lower === 'completed' || lower === 'summary') return { kind: lower, subject };
  if (lower === 'help' || lower === '?') return subject ? { kind: 'invalid', problem: '`help` takes no @user.' } : { kind: 'help' };
  if (lower === 'connect' || lower === 'disconnect') return subject ? { kind: 'invalid', problem: `\`${lower}\` takes no @user.` } : { kind: lower };
  if (WORK_ITEM_ID.test(word)) return { kind: 'detail', id: word.toLowerCase(), subject };
  if (/^[0-9a-f-]{8,}$/i.test(word)) return { kind: 'invalid', problem: `"${word}" is not a valid id of a work item or approval (ISC ids are 32 hexadecimal characters, or a UUID).` };
  return { kind: 'invalid', problem: `Unknown subcommand "${word}".` };
}

/** `digest [preview]`, `tasks`, `task <id>`. */
function parseAdminCommand(word: 'digest' | 'tasks' | 'task', args: string[]): WorkitemsCommand {
  const [arg, ...extra] = args;
  const allowed = word === 'task' || arg === undefined || (word === 'digest' && arg.toLowerCase() === 'preview');
  if (extra.length > 0 || !allowed) return { kind: 'invalid', problem: `Too many words: "${[word, ...args].join(' ')}".` };
  if (word === 'digest') return { kind: 'digest', preview: arg !== undefined };
  if (word === 'tasks') return { kind: 'tasks' };
  if (arg === undefined) return { kind: 'invalid', problem: '`task` needs a task id: `/workitems task <id>`.' };
  if (!WORK_ITEM_ID.test(arg)) return { kind: 'invalid', problem: `"${arg}" is not a valid task id (ISC ids are 32 hexadecimal characters).` };
  return { kind: 'task', id: arg.toLowerCase() };
}

/** `audit`, `audit <days>`; the upper bound (the retention) is the listener's to check. */
function parseAudit(args: string[]): WorkitemsCommand {
  const [arg, ...extra] = args;
  if (extra.length > 0 || (arg !== undefined && !/^[1-9]\d{0,4}$/.test(arg))) {
    return { kind: 'invalid', problem: '`audit` takes a number of days, e.g. `/workitems audit 90`.' };
  }
  return arg === undefined ? { kind: 'audit' } : { kind: 'audit', days: Number(arg) };
}

/** `notify`, `notify on`, `notify off`. */
function parseNotify(args: string[]): WorkitemsCommand {
  const [arg, ...extra] = args.map((a) => a.toLowerCase());
  if (extra.length > 0 || (arg !== undefined && arg !== 'on' && arg !== 'off')) return { kind: 'invalid', problem: '`notify` takes `on` or `off`.' };
  return arg === undefined ? { kind: 'notify' } : { kind: 'notify', on: arg === 'on' };
}
