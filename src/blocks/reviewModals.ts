// The forms of an access review's items: Revoke (comment, optional end date) and Reassign (a person,
// the item or every item of that identity, a reason).
import type { KnownBlock, ModalView } from '@slack/types';
import type { AccessReviewItem, IdentityCertificationDto, ReassignType } from '../isc/types';
import { accessOf, commentRequired, MAX_COMMENT } from '../reviews/review';
import { isValidId } from './actions';
import { LIMITS, plain, section } from './limits';
import { modal, privateMetadata, type ViewStateValues } from './modals';
import { escapeTruncate } from './mrkdwn';
import { RV_VIEW, type ReviewRef } from './reviews';

export const REVIEW_FIELDS = {
  comment: 'rv_comment',
  endDate: 'rv_end_date',
  target: 'rv_target',
  scope: 'rv_scope',
  reason: 'rv_reason',
} as const;

/** What a review form carries: the button's value, where the page lives (`r` its response_url, `h` the Home tab), and the identity summary for a reassign. */
export interface ReviewFormMetadata extends ReviewRef {
  t: string;
  r?: string;
  h?: boolean;
  s?: string;
  /** The comment is required (the campaign's mandatoryCommentRequirement). */
  q?: boolean;
}

export function decodeReviewFormMetadata(raw: string | undefined): ReviewFormMetadata | undefined {
  let v: Partial<ReviewFormMetadata>;
  try {
    v = JSON.parse(raw ?? '') as Partial<ReviewFormMetadata>;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || !isValidId(v.c) || !isValidId(v.t) || !Number.isInteger(v.o ?? 0)) return undefined;
  if ((v.r !== undefined && typeof v.r !== 'string') || (v.s !== undefined && !isValidId(v.s)) || (v.p !== undefined && typeof v.p !== 'string')) return undefined;
  return { c: v.c, t: v.t, o: v.o ?? 0, ...(v.p ? { p: v.p } : {}), ...(v.r ? { r: v.r } : {}), ...(v.h === true ? { h: true } : {}), ...(v.s ? { s: v.s } : {}), ...(v.q === true ? { q: true } : {}) };
}

function itemIntro(item: AccessReviewItem): KnownBlock {
  const access = accessOf(item);
  return section(`*${escapeTruncate(item.identitySummary?.name, 150, 'Unknown identity')}* · ${escapeTruncate(access.name, 300, 'unnamed access')}${access.source ? ` on ${escapeTruncate(access.source, 100)}` : ''}`, 'intro');
}

export function renderRevokeModal(cert: IdentityCertificationDto, item: AccessReviewItem, metadata: ReviewFormMetadata): ModalView {
  const required = commentRequired(cert, 'REVOKE');
  const blocks: KnownBlock[] = [
    itemIntro(item),
    {
      type: 'input',
      block_id: REVIEW_FIELDS.comment,
      optional: !required,
      label: plain(required ? 'Why revoke (the campaign requires a comment)' : 'Why revoke (optional)', LIMITS.inputLabel),
      element: { type: 'plain_text_input', action_id: REVIEW_FIELDS.comment, multiline: true, max_length: MAX_COMMENT },
    },
    {
      type: 'input',
      block_id: REVIEW_FIELDS.endDate,
      optional: true,
      label: plain('Keep the access until (optional)', LIMITS.inputLabel),
      hint: plain('Without a date ISC removes the access when the review is signed off.', LIMITS.hint),
      element: { type: 'datepicker', action_id: REVIEW_FIELDS.endDate },
    },
  ];
  return modal('Revoke access', blocks, { callback_id: RV_VIEW.revoke, submit: plain('Revoke', LIMITS.viewTitle), private_metadata: privateMetadata({ ...metadata, ...(required ? { q: true } : {}) }) });
}

export function renderReassignModal(item: AccessReviewItem, metadata: ReviewFormMetadata): ModalView {
  const name = escapeTruncate(item.identitySummary?.name, 70, 'this identity');
  const blocks: KnownBlock[] = [
    itemIntro(item),
    {
      type: 'input',
      block_id: REVIEW_FIELDS.target,
      label: plain('New reviewer', LIMITS.inputLabel),
      element: { type: 'users_select', action_id: REVIEW_FIELDS.target, placeholder: plain('Choose a person', LIMITS.placeholder) },
    },
    {
      type: 'input',
      block_id: REVIEW_FIELDS.scope,
      label: plain('What moves', LIMITS.inputLabel),
      element: {
        type: 'radio_buttons',
        action_id: REVIEW_FIELDS.scope,
        initial_option: { text: plain('This item', LIMITS.optionText), value: 'ITEM' },
        options: [
          { text: plain('This item', LIMITS.optionText), value: 'ITEM' },
          ...(metadata.s ? [{ text: plain(`Every item of ${name}`, LIMITS.optionText), value: 'IDENTITY_SUMMARY' }] : []),
        ],
      },
    },
    {
      type: 'input',
      block_id: REVIEW_FIELDS.reason,
      label: plain('Reason', LIMITS.inputLabel),
      element: { type: 'plain_text_input', action_id: REVIEW_FIELDS.reason, multiline: true, max_length: MAX_COMMENT },
    },
  ];
  return modal('Reassign review item', blocks, { callback_id: RV_VIEW.reassign, submit: plain('Reassign', LIMITS.viewTitle), private_metadata: privateMetadata(metadata) });
}

/** The revoke form's values; `problem` by field when something is wrong (shown in the form, ISC not called). */
export function readRevokeForm(values: ViewStateValues, required: boolean, now: Date): { comment?: string; proposedEndDate?: string } | { problems: Record<string, string> } {
  const comment = values[REVIEW_FIELDS.comment]?.[REVIEW_FIELDS.comment]?.value?.trim() ?? '';
  const date = values[REVIEW_FIELDS.endDate]?.[REVIEW_FIELDS.endDate]?.selected_date ?? undefined;
  const problems: Record<string, string> = {};
  if (required && !comment) problems[REVIEW_FIELDS.comment] = 'This campaign requires a comment to revoke.';
  if (comment.length > MAX_COMMENT) problems[REVIEW_FIELDS.comment] = `At most ${MAX_COMMENT} characters.`;
  // The end of the chosen day (UTC): a date of today or before is not in the future.
  const end = date ? new Date(`${date}T23:59:59.000Z`) : undefined;
  if (end && (Number.isNaN(end.getTime()) || end.getTime() <= now.getTime() || date! <= now.toISOString().slice(0, 10))) problems[REVIEW_FIELDS.endDate] = 'Pick a date after today.';
  if (Object.keys(problems).length) return { problems };
  return { ...(comment ? { comment } : {}), ...(end ? { proposedEndDate: end.toISOString() } : {}) };
}

export function readReassignForm(values: ViewStateValues): { targetSlackUserId: string; type: ReassignType; reason: string } | { problems: Record<string, string> } {
  const target = values[REVIEW_FIELDS.target]?.[REVIEW_FIELDS.target]?.selected_user ?? '';
  const scope = values[REVIEW_FIELDS.scope]?.[REVIEW_FIELDS.scope]?.selected_option?.value;
  const reason = values[REVIEW_FIELDS.reason]?.[REVIEW_FIELDS.reason]?.value?.trim() ?? '';
  const problems: Record<string, string> = {};
  if (!target) problems[REVIEW_FIELDS.target] = 'Choose the new reviewer.';
  if (!reason) problems[REVIEW_FIELDS.reason] = 'ISC requires a reason.';
  if (reason.length > MAX_COMMENT) problems[REVIEW_FIELDS.reason] = `At most ${MAX_COMMENT} characters.`;
  if (Object.keys(problems).length) return { problems };
  return { targetSlackUserId: target, type: scope === 'IDENTITY_SUMMARY' ? 'IDENTITY_SUMMARY' : 'ITEM', reason };
}
