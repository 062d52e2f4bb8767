import type { KnownBlock } from '@slack/types';
import { sodViolations } from '../approvals/accessRequestApproval';
import { createdAt, isOpen, type InboxItem } from '../inbox/items';
import { formatQuietHours, type QuietHours } from '../quietHours';
import { MESSAGE_BUDGET, contextBlock, section } from './limits';
import { renderNotice } from './messages';
import { capitalise, escapeTruncate, plural } from './mrkdwn';
import { age, slackDate } from './time';
import type { CardOptions, RenderedMessage, Viewer } from './types';
import { countsText, inboxItemTitle, renderInboxCard, renderInboxItemDetail } from './inboxList';

/** Items listed by name in a first-poll summary; the rest are counted. */
export const SUMMARY_ITEMS = 10;

const NOUNS: Record<InboxItem['kind'], string> = { workItem: 'work item', accessRequest: 'access request', generic: 'workflow approval' };

const title = (entry: InboxItem, viewer: Viewer) => escapeTruncate(inboxItemTitle(entry, viewer.locale), 200);

/**
 * The DM announcing a new item of any kind: the very card and buttons of `/workitems <id>` (so a
 * click in the DM redraws it exactly as the bot's own update does), with a notification text of its own.
 */
export function renderNewItemDm(entry: InboxItem, opts: CardOptions): RenderedMessage {
  const text = `New ${NOUNS[entry.kind]}: ${title(entry, opts.viewer)}`;
  return { ...renderInboxItemDetail(entry, opts), text: riskFirst(entry, text) };
}

/** The push text leads with the risk, so the notification alone says what is at stake. */
function riskFirst(entry: InboxItem, text: string): string {
  if (entry.kind !== 'accessRequest') return text;
  const violations = sodViolations(entry.item);
  if (violations.length) {
    const names = violations.map((v) => escapeTruncate(v.policy?.name ?? v.policy?.id, 100, 'an SoD policy'));
    const policies = names.length > 2 ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} more` : names.join(', ');
    return `SoD conflict: ${policies} · ${text}`;
  }
  return entry.item.privilegeLevel?.toUpperCase() === 'HIGH' ? `High privilege: ${text}` : text;
}

/** Keeps only link buttons (Open in ISC): nothing left can act on the item. */
function withoutActionButtons(block: KnownBlock): KnownBlock[] {
  if (block.type !== 'actions') return [block];
  const links = block.elements.filter((e) => e.type === 'button' && e.url);
  return links.length ? [{ ...block, elements: links }] : [];
}

/** Room kept in the card's budget for the closing line. */
const SETTLED_LINE_CHARS = 600;

/** Who has the item now, or that it was decided, as ISC says (it does not say who, for work items). */
function settledLine(entry: InboxItem, viewer: Viewer): { line: string; reassigned: boolean } {
  const open = isOpen(entry);
  switch (entry.kind) {
    case 'workItem': {
      const item = entry.item;
      const owner = escapeTruncate(item.ownerName ?? item.ownerId, 200, 'unknown');
      return open
        ? { line: `Reassigned in ISC to ${owner} · ${slackDate(item.modified, viewer)}`, reassigned: true }
        : { line: `Decided in ISC, not in Slack · owner ${owner} · ${slackDate(item.completed ?? item.modified, viewer)}`, reassigned: false };
    }
    case 'accessRequest': {
      const a = entry.item;
      const owner = escapeTruncate(a.owner?.name ?? a.owner?.id, 200, 'unknown');
      return open
        ? { line: `Forwarded in ISC to ${owner} · ${slackDate(a.modified, viewer)}`, reassigned: true }
        : { line: `Decided in ISC, not in Slack · approver ${owner} · ${slackDate(a.modified, viewer)}`, reassigned: false };
    }
    case 'generic': {
      const a = entry.item;
      const now = (a.assignedTo ?? []).map((i) => escapeTruncate(i.name ?? i.identityID, 100, 'unknown')).join(', ') || 'someone else';
      return open
        ? { line: `Reassigned in ISC to ${now} · ${slackDate(a.modifiedDate, viewer)}`, reassigned: true }
        : { line: `Decided in ISC, not in Slack · ${slackDate(a.completedDate ?? a.modifiedDate, viewer)}`, reassigned: false };
    }
  }
}

/**
 * The DM of an item that left the user's queue outside Slack (decided, or reassigned, in ISC): the
 * card in its final state with no buttons but the ISC link, and who has it and since when.
 */
export function renderSettledElsewhereDm(entry: InboxItem, opts: CardOptions): RenderedMessage {
  const budget = { blocks: MESSAGE_BUDGET.blocks - 1, chars: MESSAGE_BUDGET.chars - SETTLED_LINE_CHARS };
  const card = renderInboxCard(entry, { ...opts, mode: 'full', budget }).flatMap(withoutActionButtons);
  const { line, reassigned } = settledLine(entry, opts.viewer);
  return {
    text: `${capitalise(NOUNS[entry.kind])}: ${title(entry, opts.viewer)} (${reassigned ? 'reassigned' : 'decided'} in ISC)`,
    blocks: [...card, contextBlock(line, 'settled_elsewhere')],
  };
}

/** An announced item that ISC no longer has (deleted): the DM says so instead of offering dead buttons. */
export function renderGoneDm(kind: InboxItem['kind'] = 'workItem'): RenderedMessage {
  return renderNotice(`This ${NOUNS[kind]} is no longer in ISC (it was deleted, or it expired); there is nothing left to do.`, 'info');
}

/** Who asked for an item, for the summary lines. */
function requesterOf(entry: InboxItem): string | undefined {
  switch (entry.kind) {
    case 'workItem':
      return entry.item.requesterDisplayName ?? undefined;
    case 'accessRequest':
      return entry.item.requester?.name;
    case 'generic':
      return entry.item.requester?.name;
  }
}

/** "• *title* — from Jane · 3 days old" for each item, the first SUMMARY_ITEMS of them. */
function itemLines(items: InboxItem[], viewer: Viewer): string {
  const lines = items.slice(0, SUMMARY_ITEMS).map((entry) => {
    const requester = requesterOf(entry);
    const from = requester?.trim() ? ` — from ${escapeTruncate(requester, 100)}` : '';
    return `• *${title(entry, viewer)}*${from} · ${age(createdAt(entry), viewer)} old`;
  });
  if (items.length > SUMMARY_ITEMS) lines.push(`… and ${items.length - SUMMARY_ITEMS} more`);
  return lines.join('\n');
}

function kindCounts(items: InboxItem[]): string {
  const counts: Partial<Record<InboxItem['kind'], number>> = {};
  for (const entry of items) counts[entry.kind] = (counts[entry.kind] ?? 0) + 1;
  return countsText(counts);
}

/** The one message of a new subscriber's first poll: everything already waiting, instead of a DM each. */
export function renderFirstPollSummary(items: InboxItem[], viewer: Viewer): RenderedMessage {
  const count = `${kindCounts(items)} pending in ISC`;
  return {
    text: `You have ${count}`,
    blocks: [
      section(`*You have ${count}.* From now on the bot sends you a message for each new one, with buttons to act on it.`, 'summary_head'),
      section(itemLines(items, viewer), 'summary_items'),
      contextBlock('Type `/workitems` to act on these. `/workitems notify off` stops these messages.', 'summary_hint'),
    ],
  };
}

/** A reminder, a reply in the thread of the item's DM, or of the summary that listed the items. */
export function renderReminder(items: InboxItem[], viewer: Viewer, thread: 'dm' | 'summary'): RenderedMessage {
  const hint = thread === 'dm' ? 'Act on it with the buttons above.' : `Type \`/workitems\` to act on ${items.length === 1 ? 'it' : 'them'}.`;
  if (items.length === 1) {
    const text = `⏰ Still waiting for you after ${age(createdAt(items[0]), viewer)}: *${title(items[0], viewer)}*`;
    return { text, blocks: [section(`${text}\n${hint}`, 'reminder')] };
  }
  const text = `⏰ ${kindCounts(items)} are still waiting for you`;
  return { text, blocks: [section(`${text}:\n${itemLines(items, viewer)}\n${hint}`, 'reminder')] };
}

/** The answer to `/workitems notify [on|off]`. */
export function renderNotifySetting(on: boolean, policy: { remindAfterMs: number; quietHours?: QuietHours }): RenderedMessage {
  if (!on) return renderNotice('Notifications are off. `/workitems notify on` turns them back on.', 'info');
  const night = policy.quietHours ? ` (never between ${formatQuietHours(policy.quietHours)} your time)` : '';
  const hours = plural(Math.round(policy.remindAfterMs / 3_600_000), 'hour');
  return renderNotice(
    `Notifications are on: the bot sends you a message for each new work item, and a reminder in its thread when one has waited more than ${hours}${night}. \`/workitems notify off\` stops them.`,
    'info',
  );
}
