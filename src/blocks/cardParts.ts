// Pieces the approval cards (access requests, generic approvals) share: block ids, people, comment
// lines and the lists they cut to fit.
import type { KnownBlock } from '@slack/types';
import { LIMITS, fitBlocks, type Budget } from './limits';
import { escapeTruncate, plural } from './mrkdwn';
import { fitLines } from './tasks';
import { slackDate } from './time';
import type { Viewer } from './types';

/** Room for one ISC value inside a line of mrkdwn. */
export const VALUE_CHARS = 200;
/** Lines of a list (comments, history, violations) on a full card; a compact card counts them instead. */
export const FULL_LIST_LINES = 10;
/** JSON characters one list section may take on a full card, so that every part fits one message. */
export const LIST_SECTION_CHARS = 2000;
export const COMPACT_TEXT_CHARS = 300;

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
