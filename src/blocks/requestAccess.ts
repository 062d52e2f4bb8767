// The requester's side: the Request access form, its options, the requests list with Cancel, the
// cancel form, and the DMs that tell a requester what became of a request.
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { RequestableObject, RequestableObjectType, RequestedItemStatus } from '../isc/types';
import { requestStanding, type RequestPhase } from '../requests/requestState';
import { actionsBlock, button, contextBlock, divider, fitBlocks, header, LIMITS, MESSAGE_BUDGET, plain, section } from './limits';
import { modal, privateMetadata } from './modals';
import { escapeTruncate, plainTruncate, plural, userMention } from './mrkdwn';
import { age, slackDate } from './time';
import type { RenderedMessage, Viewer } from './types';

export const REQUEST_ACTION = {
  /** Opens the Request access form (Home tab, requests list). */
  open: 'rq_open',
  /** The external select of the form: its options come from ISC's requestable objects. */
  access: 'rq_access',
  /** Cancel on a request still waiting for approval; its value is the request's id (accessRequestId). */
  cancel: 'rq_cancel',
} as const;

export const REQUEST_VIEW = { request: 'rq_request_modal', cancel: 'rq_cancel_modal' } as const;

/** The global shortcut (manifest.yml) that opens the form from anywhere in Slack. */
export const REQUEST_SHORTCUT = 'request_access';

export const REQUEST_FIELDS = {
  accessBlock: 'rq_access',
  justificationBlock: 'rq_justification',
  justificationAction: 'rq_justification',
  endDateBlock: 'rq_end_date',
  endDateAction: 'rq_end_date',
  forBlock: 'rq_for',
  forAction: 'rq_for',
  commentBlock: 'rq_cancel_comment',
  commentAction: 'rq_cancel_comment',
} as const;

/** ISC's comment fields take 2000 characters. */
export const REQUEST_COMMENT_MAX = 2000;
/** The search text carried from `/workitems request <text>` into the form. */
export const REQUEST_TERM_MAX = 100;
/** The value of the "ISC is slow" option: not something to request. */
export const SLOW_OPTION_VALUE = 'rq:slow';

const TYPE_CODE: Record<RequestableObjectType, string> = { ROLE: 'r', ACCESS_PROFILE: 'p', ENTITLEMENT: 'e' };
const TYPE_BY_CODE = new Map(Object.entries(TYPE_CODE).map(([type, code]) => [code, type as RequestableObjectType]));
export const TYPE_WORDS: Record<RequestableObjectType, string> = { ROLE: 'role', ACCESS_PROFILE: 'access profile', ENTITLEMENT: 'entitlement' };

/** What an option of the Access select carries: the object's type and id (checked again in ISC on submit). */
export function requestableValue(o: { type: RequestableObjectType; id: string }): string {
  return `${TYPE_CODE[o.type]}:${o.id}`;
}

export function parseRequestableValue(value: string): { type: RequestableObjectType; id: string } | undefined {
  const m = /^([a-z]):([0-9a-zA-Z-]{1,64})$/.exec(value);
  const type = m && TYPE_BY_CODE.get(m[1]);
  return type ? { type, id: m[2] } : undefined;
}

export interface RequestFormMetadata {
  /** The search text from `/workitems request <text>`: the options before anything is typed. */
  t?: string;
}

export function readRequestFormMetadata(raw: string | undefined): RequestFormMetadata {
  try {
    const parsed = JSON.parse(raw || '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { t?: unknown }).t === 'string' ? { t: (parsed as { t: string }).t } : {};
  } catch {
    return {};
  }
}

/**
 * The Request access form. `forOthers`: the requester acts in ISC as themselves (a linked account),
 * so ISC decides whether they may ask for someone else; with the bot's service identity the bot asks
 * only for the requester.
 */
export function renderRequestModal(opts: { requesterSlackUserId: string; term?: string; forOthers: boolean }): ModalView {
  const f = REQUEST_FIELDS;
  const term = opts.term?.trim().slice(0, REQUEST_TERM_MAX);
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: f.accessBlock,
      label: plain('Access', LIMITS.inputLabel),
      hint: plain(term ? `Open the list for what matches “${term}”, or type to search for something else.` : 'Type part of a role or access profile name.', LIMITS.hint),
      element: {
        type: 'multi_external_select',
        action_id: REQUEST_ACTION.access,
        placeholder: plain(term ? `Matches for “${term}”` : 'Search what you can request', LIMITS.placeholder),
        min_query_length: term ? 0 : 1,
        max_selected_items: 10,
      },
    },
    {
      type: 'input',
      block_id: f.justificationBlock,
      label: plain('Justification', LIMITS.inputLabel),
      hint: plain('Your approver reads this: say what you need it for.', LIMITS.hint),
      element: { type: 'plain_text_input', action_id: f.justificationAction, multiline: true, max_length: REQUEST_COMMENT_MAX },
    },
    {
      type: 'input',
      block_id: f.endDateBlock,
      optional: true,
      label: plain('End date', LIMITS.inputLabel),
      hint: plain('Leave it empty to keep the access until it is removed.', LIMITS.hint),
      element: { type: 'datepicker', action_id: f.endDateAction, placeholder: plain('No end date', LIMITS.placeholder) },
    },
    opts.forOthers
      ? {
          type: 'input',
          block_id: f.forBlock,
          label: plain('For', LIMITS.inputLabel),
          hint: plain('You, or someone ISC lets you request for.', LIMITS.hint),
          element: { type: 'users_select', action_id: f.forAction, initial_user: opts.requesterSlackUserId },
        }
      : contextBlock('For you. To request for someone else, connect your ISC account first (`/workitems connect`): ISC then decides whom you may request for.', f.forBlock),
  ];
  return modal('Request access', blocks, {
    callback_id: REQUEST_VIEW.request,
    submit: plain('Request', LIMITS.viewTitle),
    private_metadata: privateMetadata(term ? { t: term } : {}),
  });
}

/** The options of the Access select: what ISC says the person may request, with type and description. */
export function requestableOptions(objects: readonly RequestableObject[]): PlainTextOption[] {
  return objects
    .filter((o): o is RequestableObject & { id: string; type: RequestableObjectType } => Boolean(o.id && o.type) && o.requestStatus !== 'ASSIGNED')
    .slice(0, LIMITS.selectOptions)
    .map((o) => {
      const pending = o.requestStatus === 'PENDING' ? ' · already requested' : '';
      const description = `${TYPE_WORDS[o.type]}${pending}${o.description ? ` · ${o.description}` : ''}`;
      return { text: plain(o.name ?? o.id, LIMITS.optionText), value: requestableValue(o), description: plain(description, LIMITS.optionText) };
    });
}

/** What the select shows when ISC did not answer within Slack's 3 s: not a thing to pick. */
export function slowOptions(): PlainTextOption[] {
  return [{ text: plain('ISC is slow: keep typing, or try again', LIMITS.optionText), value: SLOW_OPTION_VALUE }];
}

export interface SubmittedRequest {
  names: string[];
  forSlackUserId?: string;
  /** Items ISC already had a request in progress for. */
  existing: string[];
  removeDate?: string;
}

/** The requester's DM (and the form's last screen): what was asked, and where it stands. */
export function renderRequestSubmitted(r: SubmittedRequest, viewer: Viewer): RenderedMessage {
  const what = r.names.map((n) => `*${escapeTruncate(n, 200)}*`).join(', ');
  const forWhom = r.forSlackUserId ? ` for ${userMention(r.forSlackUserId)}` : '';
  const until = r.removeDate ? `, until ${slackDate(r.removeDate, viewer, 'date')}` : '';
  const lines = [`📨 You requested ${what}${forWhom}${until}. It waits for approval; you will get a message here when it is decided.`];
  if (r.existing.length) lines.push(`ISC already had a request in progress for ${r.existing.map((n) => `*${escapeTruncate(n, 200)}*`).join(', ')}: no second one was made.`);
  const blocks: KnownBlock[] = [section(lines.join('\n'), 'rq_submitted'), contextBlock('Follow it with `/workitems requests`.')];
  return { text: plainTruncate(`You requested ${r.names.join(', ')}: waiting for approval`, LIMITS.text), blocks };
}

const PHASE_LINE: Record<RequestPhase, (people: string, comment: string) => string> = {
  waiting: (people) => `⏳ Waiting for approval${people ? ` from ${people}` : ''}`,
  approved: (people) => `✅ Approved${people ? ` by ${people}` : ''}; being provisioned`,
  provisioned: () => '✅ Done: the access is granted',
  rejected: (people, comment) => `❌ Rejected${people ? ` by ${people}` : ''}${comment ? `: “${comment}”` : ''}`,
  failed: (_people, comment) => `⚠️ Provisioning failed${comment ? `: ${comment}` : ''}. Ask your ISC admins.`,
  cancelled: (_people, comment) => `Cancelled${comment ? `: “${comment}”` : ''}`,
};

function standingLine(status: RequestedItemStatus): string {
  const { phase, people, comment } = requestStanding(status);
  return PHASE_LINE[phase](people.map((p) => escapeTruncate(p, 100)).join(', '), escapeTruncate(comment, 500));
}

function accessName(status: RequestedItemStatus): string {
  const type = status.type ? ` (${TYPE_WORDS[status.type]})` : '';
  return `*${escapeTruncate(status.name ?? status.id, 200, 'unknown access')}*${type}`;
}

/** One section per request: the access, where it stands, its age, and Cancel on one of `own` still waiting. */
function requestGroups(statuses: readonly RequestedItemStatus[], viewer: Viewer, own: ReadonlySet<string>): KnownBlock[][] {
  return statuses.map((s, i): KnownBlock[] => {
    const mine = own.has(s.accessRequestId ?? '');
    const by = !mine && s.requester?.id ? ` · asked by ${escapeTruncate(s.requester.name ?? s.requester.id, 100)}` : '';
    const block = section(`${accessName(s)}${by}\n${standingLine(s)} · asked ${age(s.created, viewer)} ago`, `rq_${i}`);
    const mayCancel = mine && s.cancelable && s.accessRequestId && requestStanding(s).phase === 'waiting';
    if (!mayCancel) return [block];
    return [{ ...block, accessory: button({ actionId: REQUEST_ACTION.cancel, text: 'Cancel…', value: s.accessRequestId }) }];
  });
}

const requestAccessButton = () => button({ actionId: REQUEST_ACTION.open, text: 'Request access', style: 'primary' });
const NO_REQUESTS = 'You have no recent access requests. Ask for something with *Request access* or `/workitems request <what>`.';

/**
 * The caller's recent requests, newest first (`own`: the ids of those they made, which they may
 * cancel while they wait for approval).
 */
export function renderRequestList(statuses: readonly RequestedItemStatus[], viewer: Viewer, own: ReadonlySet<string>): RenderedMessage {
  const head: KnownBlock[] = [header('Your access requests'), actionsBlock([requestAccessButton()], 'rq_head')];
  if (!statuses.length) return { text: 'You have no recent access requests.', blocks: [...head, section(NO_REQUESTS, 'rq_none')] };
  const budget = { ...MESSAGE_BUDGET, blocks: MESSAGE_BUDGET.blocks - head.length - 1 };
  const { blocks } = fitBlocks(requestGroups(statuses, viewer, own), budget, (hidden) => `…and ${plural(hidden, 'older request')} not shown.`);
  return { text: `Your access requests: ${plural(statuses.length, 'request')}`, blocks: [...head, divider(), ...blocks] };
}

/** How many requests the Home tab shows; `/workitems requests` shows the rest. */
export const HOME_REQUESTS = 5;

/** The Home tab's requests section: the newest few, and the Request access button. */
export function renderHomeRequests(statuses: readonly RequestedItemStatus[], viewer: Viewer, own: ReadonlySet<string>): KnownBlock[] {
  const shown = requestGroups(statuses.slice(0, HOME_REQUESTS), viewer, own).flat();
  const more = statuses.length > HOME_REQUESTS ? [contextBlock('`/workitems requests` shows all your recent requests.', 'rq_home_more')] : [];
  return [
    section('*Your access requests*', 'rq_home_title'),
    ...(shown.length ? shown : [section(NO_REQUESTS, 'rq_none')]),
    ...more,
    actionsBlock([requestAccessButton()], 'rq_home_actions'),
  ];
}

export function renderCancelModal(status: RequestedItemStatus): ModalView {
  const f = REQUEST_FIELDS;
  return modal(
    'Cancel request',
    [
      section(`Cancel your request for ${accessName(status)}? Its approvers will no longer see it.`, 'rq_cancel_intro'),
      {
        type: 'input',
        block_id: f.commentBlock,
        optional: true,
        label: plain('Comment', LIMITS.inputLabel),
        element: { type: 'plain_text_input', action_id: f.commentAction, multiline: true, max_length: REQUEST_COMMENT_MAX },
      },
    ],
    { callback_id: REQUEST_VIEW.cancel, submit: plain('Cancel request', LIMITS.viewTitle), close: plain('Keep it', LIMITS.viewTitle), private_metadata: privateMetadata({ a: status.accessRequestId }) },
  );
}

/** The DM when a request moves on: to its requester, and to the person it is for. */
export function renderRequestOutcome(status: RequestedItemStatus, audience: 'requester' | 'recipient'): RenderedMessage {
  const line = standingLine(status);
  const whose = audience === 'requester' ? 'Your request for' : `${escapeTruncate(status.requester?.name ?? 'Someone', 100)}’s request for you of`;
  const text = `${whose} ${accessName(status)}: ${line}`;
  const { phase } = requestStanding(status);
  const plainText = `${audience === 'requester' ? 'Your request' : 'A request for you'}: ${status.name ?? 'access'} ${phase === 'provisioned' ? 'is granted' : `was ${phase}`}`;
  return { text: plainTruncate(plainText, LIMITS.text), blocks: [section(text, 'rq_outcome'), contextBlock('`/workitems requests` shows all your requests.')] };
}
