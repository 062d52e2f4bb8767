// Access reviews in Block Kit: the list of a reviewer's open certifications (`/workitems reviews`, the
// Home tab), and a page of one certification's items with their buttons.
import type { KnownBlock } from '@slack/types';
import { formatDistanceStrict, isValid, parseISO } from 'date-fns';
import type { AccessReviewItem, IdentityCertificationDto } from '../isc/types';
import { accessOf, commentRequired, isOwnAccess, isSigned, undecidedCount, type ItemDecision, type ReviewPage } from '../reviews/review';
import { isValidId } from './actions';
import { actionsBlock, button, contextBlock, divider, fitBlocks, header, MESSAGE_BUDGET, section, type Budget } from './limits';
import { escapeTruncate, formatCount, plural, userMention } from './mrkdwn';
import { slackDate } from './time';
import type { RenderedMessage, Viewer } from './types';

export const RV_ACTION = {
  /** Opens a certification's first page (from the list, the Home tab, a DM). */
  open: 'rv_open',
  approve: 'rv_approve',
  /** Opens the revoke form (comment, end date). */
  revoke: 'rv_revoke',
  /** Opens the reassign form (person, item or identity, reason). */
  reassign: 'rv_reassign',
  approveAll: 'rv_approve_all',
  approveRecommended: 'rv_approve_recommended',
  signOff: 'rv_sign_off',
  next: 'rv_next',
  prev: 'rv_prev',
  refresh: 'rv_refresh',
} as const;

export const RV_VIEW = { revoke: 'rv_revoke_modal', reassign: 'rv_reassign_modal' } as const;

/**
 * Value of every review button: the certification and the page's offset (undecided first), or for an
 * item's buttons the page's token (the page kept in the state store: certification, offset, items,
 * so that a redraw shows them in place) and the item. Short, so that more items fit a message.
 */
export type ReviewValue = { c: string; o: number; p?: string } | { p: string; t: string };

/** A button's value with its page looked up: the certification, the page's offset and token, the item. */
export interface ReviewRef {
  c: string;
  o: number;
  p?: string;
  t?: string;
}

const TOKEN = /^[A-Za-z0-9_-]{1,24}$/;

export function encodeReviewValue(v: ReviewValue): string {
  return JSON.stringify(v);
}

/** Parses a review button value; undefined when it is malformed (never trust the payload). */
export function decodeReviewValue(raw: string | undefined): ReviewValue | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw ?? '');
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { c, o = 0, p, t } = v as { c?: unknown; o?: unknown; p?: unknown; t?: unknown };
  const token = typeof p === 'string' && TOKEN.test(p) ? p : undefined;
  if (p !== undefined && !token) return undefined;
  if (t !== undefined) return token && isValidId(t) && c === undefined ? { p: token, t } : undefined;
  if (!isValidId(c) || typeof o !== 'number' || !Number.isInteger(o) || o < 0) return undefined;
  return { c, o, ...(token ? { p: token } : {}) };
}

/** "due in 3 days", "⚠️ *overdue* by 2 days", "no due date". */
export function dueText(due: string | null | undefined, viewer: Viewer): string {
  const date = due ? parseISO(due) : undefined;
  if (!date || !isValid(date)) return 'no due date';
  const distance = formatDistanceStrict(date, viewer.now, { roundingMethod: 'round' });
  return date.getTime() < viewer.now.getTime() ? `⚠️ *overdue* by ${distance} (${slackDate(due, viewer, 'date')})` : `due in ${distance} (${slackDate(due, viewer, 'date')})`;
}

/** "120 / 300 decided (40%)" */
export function progressText(c: IdentityCertificationDto): string {
  const made = c.decisionsMade ?? 0;
  const total = c.decisionsTotal ?? 0;
  const pct = total ? Math.floor((made * 100) / total) : 100;
  return `${formatCount(made)} / ${formatCount(total)} decided (${pct}%)`;
}

const campaignName = (c: IdentityCertificationDto) => escapeTruncate(c.campaign?.name ?? c.name, 200, 'Access review');

/** One certification in a list: campaign, due, progress, and its Review button. */
export function reviewListEntry(c: IdentityCertificationDto, viewer: Viewer): KnownBlock {
  const text = `*${campaignName(c)}*\n${escapeTruncate(c.name, 300)}\n${dueText(c.due, viewer)} · ${progressText(c)}`;
  const id = c.id ?? '';
  return {
    ...section(text, `rv_cert:${id.slice(0, 200)}`),
    ...(isValidId(id) ? { accessory: button({ actionId: RV_ACTION.open, text: 'Review', style: 'primary', value: encodeReviewValue({ c: id, o: 0 }) }) } : {}),
  };
}

/** `/workitems reviews`: the caller's open certifications, soonest due first. */
export function renderReviewList(certs: IdentityCertificationDto[], viewer: Viewer, budget: Budget = MESSAGE_BUDGET): RenderedMessage {
  const head: KnownBlock[] = [header('Your access reviews', 'rv_list_title')];
  if (certs.length === 0) {
    return { text: 'You have no open access reviews.', blocks: [...head, section('🎉 You have no open access reviews (certifications) in ISC.', 'rv_none')] };
  }
  const fitted = fitBlocks(
    certs.map((c) => [reviewListEntry(c, viewer)]),
    { blocks: budget.blocks - head.length, chars: budget.chars },
    (hidden) => `…and ${plural(hidden, 'more review')}; finish these first, or open ISC.`,
  );
  return { text: `You have ${plural(certs.length, 'open access review')}.`, blocks: [...head, ...fitted.blocks] };
}

const TYPE_LABELS: Record<string, string> = { ENTITLEMENT: 'Entitlement', ACCESS_PROFILE: 'Access profile', ROLE: 'Role' };

function decisionText(item: AccessReviewItem, recorded: ItemDecision | undefined, viewer: Viewer): string {
  const decision = recorded?.decision ?? item.decision;
  const label = decision === 'REVOKE' ? '❌ Revoke' : '✅ Approve';
  if (recorded && !recorded.pending) return `${label} by ${userMention(recorded.bySlackUserId)} · ${slackDate(recorded.at, viewer)}`;
  if (recorded?.pending && !item.completed) return `⏳ ${label} on its way to ISC (${userMention(recorded.bySlackUserId)})`;
  return `${label} (decided in ISC)`;
}

/** One review item: whose access, what access, flags, IAI's recommendation, and its buttons or its decision. */
export function reviewItemBlocks(item: AccessReviewItem, page: ReviewPage, viewer: Viewer, token: string): KnownBlock[] {
  const c = page.certification;
  const id = item.id ?? '';
  const access = accessOf(item);
  const flags = [
    escapeTruncate(TYPE_LABELS[access.type ?? ''] ?? access.type, 40, 'Access'),
    access.source ? `on ${escapeTruncate(access.source, 100)}` : '',
    item.newAccess ? '🆕 new access' : '',
    access.privileged ? '🔐 *privileged*' : '',
    access.usageDays !== undefined ? `used ${access.usageDays} of the last 90 days` : '',
  ].filter(Boolean);
  const lines = [`*${escapeTruncate(item.identitySummary?.name, 150, 'Unknown identity')}* · ${escapeTruncate(access.name, 300, 'unnamed access')}`, flags.join(' · ')];
  const r = item.recommendation;
  if (r?.recommendation) {
    const reasons = (r.reasons ?? []).map((x) => escapeTruncate(x, 150)).join('; ');
    lines.push(`💡 IAI recommends *${escapeTruncate(r.recommendation.toLowerCase(), 20)}*${reasons ? `: ${reasons}` : ''}`);
  }
  const recorded = page.decisions[id];
  // No block_ids on items: they would only make each item longer, and fewer fit a message.
  const blocks: KnownBlock[] = [];
  if (item.completed || recorded) {
    lines.push(decisionText(item, recorded, viewer));
    blocks.push(section(lines.join('\n')));
    return blocks;
  }
  if (isOwnAccess(item, c)) {
    lines.push('🚫 This is your own access: ISC does not let a reviewer certify it. Reassign it to someone else.');
  }
  blocks.push(section(lines.join('\n')));
  if (!isValidId(id) || isSigned(c)) return blocks;
  const value = encodeReviewValue({ p: token, t: id });
  const buttons = isOwnAccess(item, c)
    ? [button({ actionId: RV_ACTION.reassign, text: 'Reassign…', value })]
    : [
        button({ actionId: RV_ACTION.approve, text: 'Approve', style: 'primary', value }),
        button({ actionId: RV_ACTION.revoke, text: 'Revoke…', style: 'danger', value }),
        button({ actionId: RV_ACTION.reassign, text: 'Reassign…', value }),
      ];
  blocks.push(actionsBlock(buttons));
  return blocks;
}

export interface RenderedReviewPage extends RenderedMessage {
  /** How many items the page shows (the rest did not fit a message). */
  shown: number;
  /** The ids shown, to remember under the page's token. */
  shownIds: string[];
}

/**
 * A page of a review: the certification's header and bulk buttons, as many items as a message holds
 * (≤ 50 blocks, bounded JSON), and Previous / Next. `token` names the page's item list in the state store.
 */
export function renderReviewPage(page: ReviewPage, viewer: Viewer, token: string, notice?: string): RenderedReviewPage {
  const c = page.certification;
  const certId = c.id ?? '';
  const undecided = undecidedCount(c);
  const signed = isSigned(c);
  const top: KnownBlock[] = [header(c.campaign?.name ?? c.name ?? 'Access review', 'rv_title')];
  if (notice) top.push(section(notice, 'rv_notice'));
  const needs = commentRequired(c, 'APPROVE') ? 'every decision needs a comment' : commentRequired(c, 'REVOKE') ? 'a revoke needs a comment' : '';
  top.push(
    section(
      `${escapeTruncate(c.name, 300)}\n*Reviewer:* ${escapeTruncate(c.reviewer?.name, 150, 'unknown')} · ${signed ? `✍️ *Signed off* ${slackDate(c.signed, viewer)}` : dueText(c.due, viewer)}\n*Progress:* ${progressText(c)}${needs ? ` · ${needs}` : ''}`,
      'rv_summary',
    ),
  );
  const base = { c: certId, o: page.offset, p: token };
  const bulk = [];
  if (!signed && undecided > 0 && !commentRequired(c, 'APPROVE')) {
    bulk.push(
      button({
        actionId: RV_ACTION.approveAll,
        text: `Approve all ${formatCount(undecided)} undecided`,
        style: 'primary',
        value: encodeReviewValue(base),
        confirm: { title: 'Approve all?', text: `Approve all ${plural(undecided, 'undecided item')} of this review in ISC? Items already decided stay as they are.`, confirm: `Approve ${formatCount(undecided)}`, style: 'primary' },
      }),
    );
    if (page.items.some((i) => !i.completed && i.recommendation?.recommendation === 'APPROVE')) {
      bulk.push(
        button({
          actionId: RV_ACTION.approveRecommended,
          text: 'Approve all recommended',
          value: encodeReviewValue(base),
          confirm: { title: 'Approve recommended?', text: 'Approve every undecided item IAI recommends approving? Items without that recommendation stay undecided.', confirm: 'Approve recommended' },
        }),
      );
    }
  }
  if (!signed && undecided === 0 && (c.decisionsTotal ?? 0) > 0) {
    bulk.push(
      button({
        actionId: RV_ACTION.signOff,
        text: 'Sign off',
        style: 'primary',
        value: encodeReviewValue(base),
        confirm: { title: 'Sign off?', text: `Sign off this review in ISC? Its ${plural(c.decisionsTotal ?? 0, 'decision')} become final and ISC starts the revocations.`, confirm: 'Sign off' },
      }),
    );
  }
  if (bulk.length) top.push(actionsBlock(bulk, 'rv_bulk'));
  top.push(divider());

  const total = c.decisionsTotal ?? 0;
  const footer = (shown: number, stillUndecided: number): KnownBlock[] => {
    const nav = [];
    if (page.offset > 0) nav.push(button({ actionId: RV_ACTION.prev, text: '◀ Previous', value: encodeReviewValue({ c: certId, o: Math.max(page.offset - shown, 0) }) }));
    // Items decided on this page leave the undecided ones: the next page starts after those still undecided.
    const next = page.offset + (page.offset < undecided ? stillUndecided : shown);
    if (next < total && shown > 0) nav.push(button({ actionId: RV_ACTION.next, text: 'Next ▶', value: encodeReviewValue({ c: certId, o: next }) }));
    nav.push(button({ actionId: RV_ACTION.refresh, text: '↻ Refresh', value: encodeReviewValue(base) }));
    const range = shown ? `Items ${formatCount(page.offset + 1)}–${formatCount(page.offset + shown)} of ${formatCount(total)}, undecided first.` : 'No items on this page.';
    return [divider(), contextBlock(range, 'rv_range'), actionsBlock(nav, 'rv_nav')];
  };
  const reserved = footer(0, 0);
  const used = JSON.stringify([...top, ...reserved]).length + 400;
  const fitted = fitBlocks(
    page.items.map((i) => reviewItemBlocks(i, page, viewer, token)),
    { blocks: MESSAGE_BUDGET.blocks - top.length - reserved.length, chars: MESSAGE_BUDGET.chars - used },
    (hidden) => `${plural(hidden, 'more item')} on the next page.`,
  );
  const shownItems = page.items.slice(0, fitted.shown);
  const stillUndecided = shownItems.filter((i) => !i.completed && !page.decisions[i.id ?? '']).length;
  // The "more on the next page" line says nothing Next does not: it is left out.
  const itemBlocks = fitted.shown < page.items.length ? fitted.blocks.slice(0, -1) : fitted.blocks;
  return {
    text: `${c.campaign?.name ?? 'Access review'}: ${progressText(c)}`,
    blocks: [...top, ...itemBlocks, ...footer(fitted.shown, stillUndecided)],
    shown: fitted.shown,
    shownIds: shownItems.map((i) => i.id!).filter(Boolean),
  };
}

export type ReviewNoticeKind = 'new' | 'due3' | 'due1';

/** The DM about a review: newly assigned, or its due date near; with the list's Review button. */
export function renderReviewNotice(kind: ReviewNoticeKind, c: IdentityCertificationDto, viewer: Viewer): RenderedMessage {
  const name = campaignName(c);
  const lead =
    kind === 'new'
      ? `📋 You have a new access review to do in ISC: *${name}*.`
      : `⏰ Your access review *${name}* is ${dueText(c.due, viewer)}, with ${plural(undecidedCount(c), 'item')} still undecided.`;
  return { text: `${kind === 'new' ? 'New access review' : 'Access review due soon'}: ${name}`, blocks: [section(lead, 'rv_notice_lead'), reviewListEntry(c, viewer)] };
}
