import type { KnownBlock } from '@slack/types';
import type { WorkItem } from '../isc/types';
import { formatQuietHours, type QuietHours } from '../quietHours';
import { MESSAGE_BUDGET, contextBlock, section } from './limits';
import { renderNotice } from './messages';
import { escapeTruncate, plural } from './mrkdwn';
import { age, slackDate } from './time';
import type { CardOptions, RenderedMessage, Viewer } from './types';
import { renderWorkItemCard, workItemTitle } from './workItemCard';
import { renderWorkItemDetail } from './workItemList';

/** Items listed by name in a first-poll summary; the rest are counted. */
export const SUMMARY_ITEMS = 10;

const title = (item: WorkItem) => escapeTruncate(workItemTitle(item), 200);

/**
 * The DM announcing a new work item: the very card and buttons of `/workitems <id>` (so a click in
 * the DM redraws it exactly as the bot's own update does), with a notification text of its own.
 */
export function renderNewItemDm(item: WorkItem, opts: CardOptions): RenderedMessage {
  return { ...renderWorkItemDetail(item, opts), text: `New work item: ${title(item)}` };
}

/** Keeps only link buttons (Open in ISC): nothing left can act on the item. */
function withoutActionButtons(block: KnownBlock): KnownBlock[] {
  if (block.type !== 'actions') return [block];
  const links = block.elements.filter((e) => e.type === 'button' && e.url);
  return links.length ? [{ ...block, elements: links }] : [];
}

/** Room kept in the card's budget for the closing line. */
const SETTLED_LINE_CHARS = 600;

/**
 * The DM of an item that left the user's queue outside Slack (decided, or reassigned, in ISC): the
 * card in its final state with no buttons but the ISC link, and who has it and since when. ISC does
 * not say who decided, so the owner is named.
 */
export function renderSettledElsewhereDm(item: WorkItem, opts: CardOptions): RenderedMessage {
  const budget = { blocks: MESSAGE_BUDGET.blocks - 1, chars: MESSAGE_BUDGET.chars - SETTLED_LINE_CHARS };
  const card = renderWorkItemCard(item, { ...opts, mode: 'full', budget }).flatMap(withoutActionButtons);
  const owner = escapeTruncate(item.ownerName ?? item.ownerId, 200, 'unknown');
  const line =
    item.state === 'Pending'
      ? `➡️ Reassigned in ISC to ${owner} · ${slackDate(item.modified, opts.viewer)}`
      : `🔒 Decided in ISC, not in Slack · owner ${owner} · ${slackDate(item.completed ?? item.modified, opts.viewer)}`;
  return {
    text: `Work item: ${title(item)} (${item.state === 'Pending' ? 'reassigned' : 'decided'} in ISC)`,
    blocks: [...card, contextBlock(line, 'settled_elsewhere')],
  };
}

/** An announced item that ISC no longer has (deleted): the DM says so instead of offering dead buttons. */
export function renderGoneDm(): RenderedMessage {
  return renderNotice('This work item is no longer in ISC (it was deleted); there is nothing left to do.', 'info');
}

/** "• *title* — from Jane · 3 days old" for each item, the first SUMMARY_ITEMS of them. */
function itemLines(items: WorkItem[], viewer: Viewer): string {
  const lines = items.slice(0, SUMMARY_ITEMS).map((item) => {
    const from = item.requesterDisplayName?.trim() ? ` — from ${escapeTruncate(item.requesterDisplayName, 100)}` : '';
    return `• *${title(item)}*${from} · ${age(item.created, viewer)} old`;
  });
  if (items.length > SUMMARY_ITEMS) lines.push(`… and ${items.length - SUMMARY_ITEMS} more`);
  return lines.join('\n');
}

/** The one message of a new subscriber's first poll: the work items already waiting, instead of a DM each. */
export function renderFirstPollSummary(items: WorkItem[], viewer: Viewer): RenderedMessage {
  const count = plural(items.length, 'pending work item');
  return {
    text: `You have ${count} in ISC`,
    blocks: [
      section(`🔔 *You have ${count} in ISC.* From now on the bot sends you a message for each new one, with buttons to act on it.`, 'summary_head'),
      section(itemLines(items, viewer), 'summary_items'),
      contextBlock('Type `/workitems` to act on these. `/workitems notify off` stops these messages.', 'summary_hint'),
    ],
  };
}

/** A reminder, a reply in the thread of the item's DM, or of the summary that listed the items. */
export function renderReminder(items: WorkItem[], viewer: Viewer, thread: 'dm' | 'summary'): RenderedMessage {
  const hint = thread === 'dm' ? 'Act on it with the buttons above.' : `Type \`/workitems\` to act on ${items.length === 1 ? 'it' : 'them'}.`;
  if (items.length === 1) {
    const text = `⏰ Still waiting for you after ${age(items[0].created, viewer)}: *${title(items[0])}*`;
    return { text, blocks: [section(`${text}\n${hint}`, 'reminder')] };
  }
  const text = `⏰ ${items.length} work items are still waiting for you`;
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
