import type { ActionsBlock, Button, HomeView, KnownBlock, PlainTextOption, StaticSelect } from '@slack/types';
import { renderAwayHomeSection } from './away';
import type { Decisions } from '../decisions/decision';
import type { InboxItem, InboxKind } from '../inbox/items';
import type { SectionFailure } from '../isc/errors';
import type { IdentityCertificationDto, RequestedItemStatus } from '../isc/types';
import type { MissingIdentity } from '../workitems/identityDirectory';
import type { HomeFilter } from '../home/filters';
import { formatQuietHours, parseQuietHours, WORKING_HOURS_CHOICES, type QuietHours } from '../quietHours';
import { renderHomeRequests } from './requestAccess';
import { renderInboxCard } from './inboxList';
import { LIMITS, actionsBlock, button, contextBlock, divider, header, plain, section } from './limits';
import { type NoticeKind, noticeText, unavailable } from './messages';
import { escapeTruncate, formatCount, plural } from './mrkdwn';
import { reviewListEntry } from './reviews';
import type { CardOptions } from './types';

/** The Home tab's own buttons and menus. */
export const HOME_ACTION = {
  filter: { all: 'home_filter_all', risky: 'home_filter_risky', overdue: 'home_filter_overdue' } as Record<HomeFilter, string>,
  retry: 'home_retry',
  dms: 'home_set_dms',
  reminders: 'home_set_reminders',
  hours: 'home_set_hours',
} as const;

/** The kinds in words, as a person reads them. */
export const HOME_KIND_NAMES: Record<InboxKind, string> = { workItem: 'work items', accessRequest: 'access requests', generic: 'workflow approvals' };

/** One of the person's items with the decisions taken on it through the bot. */
export interface HomeEntry {
  entry: InboxItem;
  decisions?: Decisions;
}

export interface HomeSettings {
  /** Notification DMs (`/workitems notify on|off`). */
  dms: boolean;
  reminders: boolean;
  /** "09:00-17:00", or undefined for any time. */
  workingHours?: string;
  /** QUIET_HOURS, which holds reminders for everyone. */
  quietHours?: QuietHours;
}

export interface HomeInput {
  opts: CardOptions;
  filter: HomeFilter;
  /** The person's open items of every kind that could be read, most urgent first, already filtered. */
  items: HomeEntry[];
  /** Counts over every item read (before the filter). */
  counts: { all: number; risky: number; overdue: number };
  /** The kinds that could not be read, and why. */
  failures: Array<{ kind: InboxKind; failure: SectionFailure }>;
  /** More items than were read: the counts are lower bounds. */
  partial?: boolean;
  /** Decisions the person took through the bot today; undefined when the store could not say. */
  decidedToday?: number;
  settings?: HomeSettings;
  /** Shown on top, escaped (the outcome of an action taken on this tab). */
  notice?: string;
  noticeKind?: NoticeKind;
  /** Only when it asks the person to act (connect their ISC account). */
  authModeLine?: string;
  requests?: { statuses: RequestedItemStatus[]; own: ReadonlySet<string> };
  /** The person's open access reviews; `null` when ISC could not be read. */
  reviews?: IdentityCertificationDto[] | null;
}

/** Access reviews shown on the Home tab; more are behind `/workitems reviews`. */
export const HOME_REVIEWS = 3;

const FILTER_LABELS: Record<HomeFilter, string> = { all: 'All', risky: 'Risky', overdue: 'Overdue' };

function reviewBlocks(reviews: IdentityCertificationDto[] | null | undefined, opts: CardOptions): KnownBlock[] {
  if (reviews === undefined || (reviews !== null && reviews.length === 0)) return [];
  if (reviews === null) return [section("*Access reviews* — couldn't load them just now.", 'home_reviews_failed'), retryBlock('home_reviews_retry'), divider()];
  const blocks: KnownBlock[] = [section(`*Access reviews* (${reviews.length > HOME_REVIEWS ? `${HOME_REVIEWS}+` : formatCount(reviews.length)})`, 'home_reviews')];
  blocks.push(...reviews.slice(0, HOME_REVIEWS).map((c) => reviewListEntry(c, opts.viewer)));
  if (reviews.length > HOME_REVIEWS) blocks.push(contextBlock('More — `/workitems reviews` lists them all.', 'home_reviews_more'));
  return [...blocks, divider()];
}

const retryButton = (): Button => button({ actionId: HOME_ACTION.retry, text: 'Retry', value: 'retry' });
const retryBlock = (blockId: string): ActionsBlock => actionsBlock([retryButton()], blockId);

/** "*12 waiting on you* · 🚨 2 risky · ⏰ 3 overdue · ✅ Decided today: 4" */
function summaryText(input: HomeInput): string {
  const { counts, failures, partial, decidedToday } = input;
  const atLeast = failures.length || partial ? 'at least ' : '';
  const parts = [
    `*${atLeast}${formatCount(counts.all)} waiting on you*`,
    counts.risky ? `🚨 ${formatCount(counts.risky)} risky` : '',
    counts.overdue ? `⏰ ${formatCount(counts.overdue)} overdue` : '',
    decidedToday === undefined ? '' : `✅ Decided today: ${formatCount(decidedToday)}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

function filterBlock(filter: HomeFilter, counts: HomeInput['counts']): ActionsBlock {
  const label = (f: HomeFilter) => `${FILTER_LABELS[f]} (${formatCount(counts[f])})`;
  const buttons = (['all', 'risky', 'overdue'] as const).map((f) => button({ actionId: HOME_ACTION.filter[f], text: label(f), value: f, ...(f === filter ? { style: 'primary' as const } : {}) }));
  return actionsBlock(buttons, 'home_filters');
}

/** "Couldn't load workflow approvals — <why>" with a Retry button, one per kind that failed. */
function failureBlocks(failures: HomeInput['failures']): KnownBlock[] {
  return failures.map(({ kind, failure }) => ({
    ...section(`⚠️ Couldn't load your ${HOME_KIND_NAMES[kind]} — ${unavailable(failure)}`, `home_failed_${kind}`),
    accessory: retryButton(),
  }));
}

const EMPTY: Record<HomeFilter, string> = {
  all: "Nothing waits on you in ISC — you're all caught up.",
  risky: 'Nothing risky waits on you.',
  overdue: 'Nothing overdue waits on you.',
};

function option(text: string, value: string): PlainTextOption {
  return { text: plain(text, LIMITS.optionText), value };
}

/** DMs on/off, reminders on/off, working hours: each changes the stored preference and re-renders the tab. */
function settingsBlocks(s: HomeSettings): KnownBlock[] {
  const any = option('Any time', 'any');
  const choices = [any, ...WORKING_HOURS_CHOICES.map((h) => option(formatQuietHours(parseQuietHours(h)!), h))];
  const current = choices.find((c) => c.value === s.workingHours) ?? any;
  const hours: StaticSelect = { type: 'static_select', action_id: HOME_ACTION.hours, options: choices, initial_option: current, placeholder: plain('Working hours', LIMITS.placeholder) };
  const night = s.quietHours ? ` Never between ${formatQuietHours(s.quietHours)} your time.` : '';
  const hoursText = s.workingHours ? ` only ${formatQuietHours(parseQuietHours(s.workingHours)!)} your time` : '';
  const state = [
    `Messages for new items: *${s.dms ? 'on' : 'off'}*`,
    `Reminders: *${s.reminders && s.dms ? `on${hoursText}` : 'off'}*`,
  ].join(' · ');
  return [
    section(`*Notifications* — ${state}`, 'home_settings'),
    {
      type: 'actions',
      block_id: 'home_settings_actions',
      elements: [
        button({ actionId: HOME_ACTION.dms, text: s.dms ? 'Turn messages off' : 'Turn messages on', value: s.dms ? 'off' : 'on' }),
        button({ actionId: HOME_ACTION.reminders, text: s.reminders ? 'Turn reminders off' : 'Turn reminders on', value: s.reminders ? 'off' : 'on' }),
        hours,
      ],
    },
    contextBlock(`Working hours: reminders wait until then.${night}`, 'home_settings_help'),
  ];
}

/** What a person the bot cannot match to ISC sees, in their words (mrkdwn-safe). */
export function noIdentityText(missing: MissingIdentity): string {
  const email = 'email' in missing ? ` (${escapeTruncate(missing.email, 200)})` : '';
  switch (missing.reason) {
    case 'guest':
    case 'external':
      return "The bot can't match your Slack account to an ISC account, so it can't show what waits on you. Ask your IT help desk to connect your Slack account to your ISC account.";
    case 'deleted':
      return 'This Slack account is deactivated, so the bot shows nothing here.';
    case 'no-email':
      return "The bot can't see the email on your Slack profile, so it can't find your ISC account. Ask your IT help desk to connect your Slack account to your ISC account.";
    default:
      return `The bot can't find your ISC account from your Slack email${email}, so it can't show what waits on you. Ask your IT help desk to connect your Slack account to your ISC account; then reopen this tab.`;
  }
}

/** The Home tab of someone the bot cannot match to an ISC account: what to do, and the help line. */
export function renderHomeNoIdentity(missing: MissingIdentity): HomeView {
  return {
    type: 'home',
    // Escaped by noIdentityText (the email is Slack's); not through noticeText, which keeps mentions live.
    blocks: [header('Your ISC inbox', 'home_title'), section(`⚠️ ${noIdentityText(missing)}`, 'home_no_identity'), retryBlock('home_no_identity_retry'), helpLine()],
  };
}

/** The Home tab when nothing could be read at all: why, and Retry. */
export function renderHomeError(text: string): HomeView {
  return { type: 'home', blocks: [header('Your ISC inbox', 'home_title'), section(noticeText(text, 'error'), 'home_error'), retryBlock('home_error_retry'), helpLine()] };
}

const helpLine = () => contextBlock('`/workitems help` explains the commands and how the bot acts in ISC for you · `/workitems` lists everything with paging.', 'home_help');

/**
 * The App Home tab as a dashboard (≤ 100 blocks): one heading, the counts and what the person decided
 * today, the filters, a "couldn't load — Retry" line per kind that failed, as many cards as fit (most
 * urgent first, "N more — open /workitems" for the rest), access reviews, requests, notification
 * settings and out of office, compact.
 */
export function renderHome(input: HomeInput): HomeView {
  const { opts, filter, items, counts, notice, noticeKind = 'info', authModeLine, reviews, requests, settings } = input;
  const top: KnownBlock[] = [header('Your ISC inbox', 'home_title'), section(summaryText(input), 'home_summary')];
  if (notice) top.push(section(noticeText(notice, noticeKind), 'home_notice'));
  if (authModeLine) top.push(contextBlock(escapeTruncate(authModeLine, 1000), 'home_auth'));
  top.push(filterBlock(filter, counts), ...failureBlocks(input.failures));
  const bottom: KnownBlock[] = [
    ...reviewBlocks(reviews, opts),
    ...(requests ? [...renderHomeRequests(requests.statuses, opts.viewer, requests.own), divider()] : []),
    ...(settings ? [...settingsBlocks(settings), divider()] : []),
    ...renderAwayHomeSection(),
    helpLine(),
  ];
  // One block kept for the divider after the list.
  const room = LIMITS.viewBlocks - top.length - bottom.length - 1;
  const cards = items.map(({ entry, decisions }) => [...renderInboxCard(entry, { ...opts, mode: 'compact', ...(decisions ? { decisions } : {}) }), divider()]);
  const body: KnownBlock[] = [];
  if (!cards.length) body.push(section(EMPTY[filter], 'home_empty'));
  let shown = 0;
  for (const card of cards) {
    // Room for the "more" line whenever an item is left out.
    const reserve = shown + 1 < Math.max(counts[filter], cards.length) ? 1 : 0;
    if (body.length + card.length + reserve > room) break;
    body.push(...card);
    shown++;
  }
  const more = Math.max(counts[filter], cards.length) - shown;
  if (more > 0) {
    body.push(contextBlock(`${plural(more, 'more item')} — open \`/workitems\` to see ${more === 1 ? 'it' : 'them'}.`, 'home_more'));
  }
  if (body.at(-1)?.type !== 'divider') body.push(divider());
  return { type: 'home', blocks: [...top, ...body, ...bottom] };
}
