// Out of office: the answers of `/workitems away`, the form behind the Home tab's button, and its Home section.
import type { KnownBlock, ModalView } from '@slack/types';
import { AWAY_DATE_FORMAT, WORK_NAMES } from '../away/away';
import type { AwayResult, AwayStatus } from '../away/awayService';
import type { ConfigurationDetails } from '../isc/types';
import { LIMITS, actionsBlock, button, contextBlock, plain, section } from './limits';
import { renderNotice } from './messages';
import { modal } from './modals';
import { escapeKeepingMentions, escapeTruncate, truncate } from './mrkdwn';
import type { RenderedMessage } from './types';

export const AWAY_ACTION = { open: 'away_open', off: 'away_off' } as const;
export const AWAY_VIEW = 'away_modal';
/** The form's inputs: block id and action id alike. */
export const AWAY_FIELDS = { from: 'away_from', to: 'away_to', who: 'away_who' } as const;

export const AWAY_USAGE = `\`/workitems away ${AWAY_DATE_FORMAT} ${AWAY_DATE_FORMAT} @person\``;

/** "Mon, Dec 21, 2026" in the person's zone (ISC's date-time is an instant). */
function day(iso: string | null | undefined, zone: string): string {
  if (!iso) return 'until you end it';
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(iso));
}

/** The last day away: the end is the first instant back, so the day before it. */
const lastDay = (iso: string | null | undefined, zone: string) => (iso ? day(new Date(Date.parse(iso) - 1).toISOString(), zone) : 'until you end it');

function configLine(c: ConfigurationDetails, zone: string): string {
  const who = escapeTruncate(c.targetIdentity?.name ?? c.targetIdentity?.id, 200, 'someone');
  const what = c.configType ? WORK_NAMES[c.configType] : 'work';
  return `• ${what} → *${who}*, ${day(c.startDate, zone)} – ${lastDay(c.endDate, zone)}`;
}

/** What is set: one line per kind of work (mrkdwn, ISC's names escaped). */
export function awayStatusText(status: AwayStatus): string {
  if (!status.configs.length) return 'You are not set as away: ISC gives your work to you.';
  return `*While you are away, ISC hands your work on:*\n${status.configs.map((c) => configLine(c, status.timeZone)).join('\n')}`;
}

const failedText = (failed: Array<{ configType: keyof typeof WORK_NAMES; message: string }>) =>
  failed.map((f) => `• ${WORK_NAMES[f.configType]}: ${escapeKeepingMentions(truncate(f.message, 300))}`).join('\n');

/** A notice whose text is mrkdwn already made safe (renderNotice would escape it again). */
function safeNotice(text: string, kind: 'info' | 'warning'): RenderedMessage {
  const line = `${kind === 'info' ? 'ℹ️' : '⚠️'} ${text}`;
  return { text: line, blocks: [section(line, 'notice')] };
}

/** The answer to `/workitems away …` (and the form's outcome). */
export function renderAwayResult(result: AwayResult): RenderedMessage {
  switch (result.kind) {
    case 'refused':
      return renderNotice(result.message, 'warning');
    case 'status':
      return safeNotice(`${awayStatusText(result.status)}\nSet: ${AWAY_USAGE} · end: \`/workitems away off\``, 'info');
    case 'set': {
      const text = awayStatusText(result.status);
      if (!result.failed.length) return safeNotice(`Done. ${text}\n\`/workitems away off\` ends it early.`, 'info');
      return safeNotice(`ISC did not take all of it:\n${failedText(result.failed)}\n${text}\nTry again, or set the rest in ISC.`, 'warning');
    }
    case 'off':
      if (!result.removed.length && !result.failed.length) return renderNotice('You were not set as away; nothing to end.', 'info');
      if (!result.failed.length) return renderNotice('Welcome back: ISC gives your work to you again.', 'info');
      return safeNotice(`ISC did not end all of it:\n${failedText(result.failed)}\nTry \`/workitems away off\` again.`, 'warning');
  }
}

/** The Home tab's small section: what it does and a button to the form. */
export function renderAwayHomeSection(): KnownBlock[] {
  return [
    section('*Out of office*: ISC hands your approvals, access reviews, manual tasks and workflow approvals to someone while you are away.', 'home_away'),
    actionsBlock([button({ actionId: AWAY_ACTION.open, text: 'Set away…', value: 'away' })], 'home_away_actions'),
  ];
}

/** The form: first and last day away, and who covers; what is set now above it, with a button to end it. */
export function renderAwayModal(status: AwayStatus, today: string): ModalView {
  const date = (id: string, label: string, hint: string): KnownBlock => ({
    type: 'input',
    block_id: id,
    label: plain(label, LIMITS.inputLabel),
    hint: plain(hint, LIMITS.hint),
    element: { type: 'datepicker', action_id: id, initial_date: today, placeholder: plain(AWAY_DATE_FORMAT, LIMITS.placeholder) },
  });
  const blocks: KnownBlock[] = [
    section(awayStatusText(status), 'away_status'),
    ...(status.configs.length ? [actionsBlock([button({ actionId: AWAY_ACTION.off, text: 'End it now', style: 'danger', value: 'off', confirm: { title: 'End out of office?', text: 'ISC gives your work to you again from now.', confirm: 'End it' } })], 'away_status_actions')] : []),
    date(AWAY_FIELDS.from, 'First day away', 'In your time zone.'),
    date(AWAY_FIELDS.to, 'Last day away', 'You get your work again the day after.'),
    {
      type: 'input',
      block_id: AWAY_FIELDS.who,
      label: plain('Who covers for you', LIMITS.inputLabel),
      hint: plain('They get your new approvals, access reviews, manual tasks and workflow approvals in ISC for those days.', LIMITS.hint),
      element: { type: 'users_select', action_id: AWAY_FIELDS.who, placeholder: plain('Choose a person', LIMITS.placeholder) },
    },
    contextBlock(`The same as ${AWAY_USAGE}; \`/workitems away\` shows it, \`/workitems away off\` ends it.`, 'away_help'),
  ];
  return modal('Out of office', blocks, { callback_id: AWAY_VIEW, submit: plain(status.configs.length ? 'Change' : 'Set away', LIMITS.viewTitle) });
}
