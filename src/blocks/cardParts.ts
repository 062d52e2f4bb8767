// Pieces the approval cards (access requests, generic approvals) share: block ids, people, comment
// lines and the lists they cut to fit.
import type { ActionsBlock, Button, KnownBlock, Overflow } from '@slack/types';
import { LIMITS, contextBlock, fitBlocks, plain, section, type Budget } from './limits';
import { escapeTruncate, plural } from './mrkdwn';
import { fitLines } from './tasks';
import { age, slackDate } from './time';
import type { Viewer } from './types';

/** Room for one ISC value inside a line of mrkdwn. */
export const VALUE_CHARS = 200;
/** Lines of a list (comments, history, violations) on a full card; a compact card counts them instead. */
export const FULL_LIST_LINES = 10;
/** JSON characters one list section may take on a full card, so that every part fits one message. */
export const LIST_SECTION_CHARS = 2000;
export const COMPACT_TEXT_CHARS = 160;

/** A block_id unique within a message: the card's key (cut to fit) and a suffix. */
export function cardBlockId(key: string, suffix: string): string {
  return `${key.slice(0, LIMITS.blockId - suffix.length - 1)}:${suffix}`;
}

/** An ISC person's name (or id), escaped; "unknown" when ISC gives neither. */
export const personName = (name: string | null | undefined, id?: string | null): string => escapeTruncate(name ?? id, VALUE_CHARS, 'unknown');

/** "• *Ada* · date: “text”", cut to fit a list line. */
export function commentLine(author: string, at: string | undefined, text: string | null | undefined, viewer: Viewer): string {
  const when = at ? ` · ${slackDate(at, viewer)}` : '';
  const said = text?.trim() ? `: “${escapeTruncate(text, 400)}”` : '';
  return `• *${author}*${when}${said}`;
}

/** A titled list cut to LIST_SECTION_CHARS and FULL_LIST_LINES, "… and N more" at the end. */
export function listText(title: string, lines: string[], noun: string): string {
  const shown = lines.slice(0, FULL_LIST_LINES);
  return `${title}\n${fitLines(shown, LIST_SECTION_CHARS, (n) => `… and ${plural(n, noun)} (open ISC for all)`, lines.length - shown.length)}`;
}

/**
 * A full card within its budget: the head and tail always, the optional parts in order of importance
 * while they fit, and a line saying what was left out.
 */
export function fitFullCard(head: KnownBlock[], parts: KnownBlock[][], tail: KnownBlock[], budget: Budget): KnownBlock[] {
  const fixed = [...head, ...tail];
  const room = { blocks: budget.blocks - fixed.length, chars: budget.chars - JSON.stringify(fixed).length };
  const fit = fitBlocks(parts, room, (n) => `… ${plural(n, 'more part')} of this item did not fit here; open it in ISC to see everything`);
  return [...head, ...fit.blocks, ...tail];
}

/** The tenant UI's pages the cards link to (Approvals → Access Requests, Approvals → Other). */
export const ISC_UI_PAGES = {
  accessRequestApprovals: '/ui/d/approvals/access-request/requested-items',
  genericApprovals: '/ui/d/approvals/other/requested-items',
} as const;

/** A page of the tenant's web UI. */
export function iscUiUrl(iscUiBaseUrl: string, path: string): string {
  return `${iscUiBaseUrl.replace(/\/+$/, '')}${path}`;
}

// The compact card every kind shares in lists: one sentence of the decision (who wants what, its
// risk and how long it has waited), the justification, one line of SoD; owner, dates and ids in a
// context line; Approve and Reject… with the rest in an overflow menu.

/** ISC's type codes in words: ENTITLEMENT → entitlement, ACCESS_PROFILE → access profile (escaped). */
export function typeWords(code: string | null | undefined, fallback = 'access'): string {
  const words: Record<string, string> = { ENTITLEMENT: 'entitlement', ACCESS_PROFILE: 'access profile', ROLE: 'role' };
  if (!code?.trim()) return fallback;
  return words[code] ?? escapeTruncate(code.toLowerCase().replace(/_/g, ' '), 50);
}

/** "waiting 3 days": how long an item has waited, the age badge of every card. */
export function waitingText(created: string | null | undefined, viewer: Viewer): string {
  return `waiting ${age(created, viewer)}`;
}

/** One entry of a card's overflow menu: an action id and the value its listener reads, or a link. */
export interface MoreOption {
  text: string;
  actionId: string;
  value?: string;
  url?: string;
}

/** The separator of an overflow option's value: the action id it stands for, then the button value. */
export const OVERFLOW_SEPARATOR = '|';

/**
 * The start of an actions block's id that carries the value its overflow options share: an option
 * that is only an action id takes its value from there (the router), so the value travels once.
 */
export const SHARED_VALUE_PREFIX = 'v|';

/**
 * An overflow menu whose options stand for buttons: each value is `actionId|buttonValue`, which the
 * router turns back into that button's click; an option whose value is `shared` (its actions block's
 * id carries it) is only `actionId`. Options whose value would not fit are left out.
 */
export function overflowMenu(actionId: string, options: MoreOption[], shared?: string): Overflow | undefined {
  const fitting = options
    .map((o) => ({ o, value: `${o.actionId}${o.value !== undefined && o.value !== shared ? `${OVERFLOW_SEPARATOR}${o.value}` : ''}` }))
    .filter(({ o, value }) => value.length <= LIMITS.optionValue && (o.url?.length ?? 0) <= LIMITS.url)
    .slice(0, 5);
  if (!fitting.length) return undefined;
  return {
    type: 'overflow',
    action_id: actionId,
    options: fitting.map(({ o, value }) => ({ text: plain(o.text, LIMITS.optionText), value, ...(o.url ? { url: o.url } : {}) })),
  };
}

export interface CompactCardParts {
  /** The outcome, when the item was decided: the card's headline, and the body collapses under it. */
  outcome?: string;
  /** One sentence: who wants what, its risk, how long it has waited (mrkdwn, escaped). */
  lead: string;
  /** The justification, the SoD line, anything the approver must read before deciding (mrkdwn). */
  body: Array<string | undefined>;
  /** What the lead does not say (an owner other than the viewer, start and end dates): the context line (mrkdwn). */
  meta: Array<string | undefined>;
  primary: Button[];
  overflowActionId: string;
  more: MoreOption[];
}

/** The most blocks a compact card takes: its text, its context line and its buttons. */
export const COMPACT_CARD_BLOCKS = 3;

/** A compact card: at most COMPACT_CARD_BLOCKS blocks. */
export function compactCardBlocks(p: CompactCardParts): KnownBlock[] {
  const text = p.outcome ? [p.outcome, p.lead] : [p.lead, ...p.body];
  // No block ids: a list page holds ten cards in Slack's 12 000 JSON characters, and nothing reads them.
  const blocks: KnownBlock[] = [section(text.filter(Boolean).join('\n'))];
  const meta = p.meta.filter(Boolean);
  if (meta.length && !p.outcome) blocks.push(contextBlock(meta.join(' · ')));
  const shared = sharedValue(p.more);
  const more = overflowMenu(p.overflowActionId, p.more, shared);
  // A button whose value is the shared one leaves it out too (the router gives it the block id's).
  const primary = shared && more ? p.primary.map((b) => (b.value === shared && !b.url ? withoutValue(b) : b)) : p.primary;
  const elements: ActionsBlock['elements'] = [...primary, ...(more ? [more] : [])];
  if (elements.length) blocks.push({ type: 'actions', ...(more && shared ? { block_id: `${SHARED_VALUE_PREFIX}${shared}` } : {}), elements });
  return blocks;
}

function withoutValue(b: Button): Button {
  const { value: _value, ...rest } = b;
  return rest;
}

/**
 * The value two or more of the menu's options carry (they are the same item's), said once in the
 * actions block's id rather than in each option: a list page holds ten cards in 12 000 characters.
 * None when no value repeats, or it would not fit a block id.
 */
function sharedValue(more: MoreOption[]): string | undefined {
  const counts = new Map<string, number>();
  for (const o of more) if (o.value !== undefined && !o.url) counts.set(o.value, (counts.get(o.value) ?? 0) + 1);
  const [value, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
  return value !== undefined && (n ?? 0) >= 2 && SHARED_VALUE_PREFIX.length + value.length <= LIMITS.blockId ? value : undefined;
}

/** "✅ Approved by you · 11:55, despite the SoD conflict": a decision as a card's headline. */
export function outcomeHeadline(line: string, despiteSod: boolean): string {
  return `*${line}*${despiteSod ? ', despite the SoD conflict' : ''}`;
}
