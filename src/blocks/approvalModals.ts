// The forms the approval cards open: a decision with a comment (approve with a comment, reject with
// the reason, add a comment) and a hand-over to someone else (forward, reassign).
import type { KnownBlock, ModalView } from '@slack/types';
import { FORWARD_COMMENT_MAX, needsSodJustification, type AccessRequestApproval } from '../approvals/accessRequestApproval';
import { commentRequired } from '../approvals/genericApproval';
import type { Approval } from '../isc/types';
import { accessRequestSodText, accessRequestTitle } from './accessRequestCard';
import { type ModalMetadata, VIEW } from './actions';
import { genericApprovalTitle } from './genericApprovalCard';
import { LIMITS, plain, section } from './limits';
import { FORWARD_FIELDS, itemFormTitle, modal, privateMetadata } from './modals';
import { escapeTruncate } from './mrkdwn';

/** The comment input of the comment forms. */
export const COMMENT_FIELD = { block: 'comment', action: 'comment' } as const;

export interface CommentFormSpec {
  /** ≤ 24 characters. */
  title: string;
  callbackId: string;
  submit: string;
  /** What the form is about (mrkdwn, escaped by the caller). */
  intro: string;
  /** What to weigh before deciding, shown under the intro (mrkdwn, escaped by the caller). */
  warning?: string;
  label: string;
  hint?: string;
  /** Slack asks for it before submitting; the listener checks again and ISC is called only with one. */
  required: boolean;
  maxLength: number;
  metadata: ModalMetadata;
}

/** One comment (or reason) for a decision or on its own. */
export function renderCommentModal(spec: CommentFormSpec): ModalView {
  const blocks: KnownBlock[] = [
    section(spec.intro, 'intro'),
    ...(spec.warning ? [section(spec.warning, 'warning')] : []),
    {
      type: 'input',
      block_id: COMMENT_FIELD.block,
      optional: !spec.required,
      label: plain(spec.label, LIMITS.inputLabel),
      ...(spec.hint ? { hint: plain(spec.hint, LIMITS.hint) } : {}),
      element: { type: 'plain_text_input', action_id: COMMENT_FIELD.action, multiline: true, max_length: spec.maxLength },
    },
  ];
  return modal(spec.title, blocks, { callback_id: spec.callbackId, submit: plain(spec.submit, LIMITS.viewTitle), private_metadata: privateMetadata(spec.metadata) });
}

export interface HandOverSpec {
  title: string;
  callbackId: string;
  submit: string;
  intro: string;
  /** Who has it now (mrkdwn, escaped by the caller). */
  currentOwner: string;
  commentRequired: boolean;
  commentHint: string;
  commentMax: number;
  metadata: ModalMetadata;
}

/**
 * A person picker and a comment, for forwarding an access request or reassigning an approval. The
 * picker and comment share the work-item Forward form's ids, so picking someone warms the identity
 * lookup the same way and the submit can answer within Slack's 3 s.
 */
export function renderHandOverModal(spec: HandOverSpec): ModalView {
  const f = FORWARD_FIELDS;
  const blocks: KnownBlock[] = [
    section(spec.intro, 'intro'),
    section(`Currently with ${spec.currentOwner}.`, 'owner_now'),
    {
      type: 'input',
      block_id: f.targetBlock,
      dispatch_action: true,
      label: plain('New approver', LIMITS.inputLabel),
      element: { type: 'users_select', action_id: f.targetAction, placeholder: plain('Choose a person', LIMITS.placeholder) },
    },
    {
      type: 'input',
      block_id: f.commentBlock,
      optional: !spec.commentRequired,
      label: plain('Comment', LIMITS.inputLabel),
      hint: plain(spec.commentHint, LIMITS.hint),
      element: { type: 'plain_text_input', action_id: f.commentAction, multiline: true, max_length: spec.commentMax },
    },
  ];
  return modal(spec.title, blocks, { callback_id: spec.callbackId, submit: plain(spec.submit, LIMITS.viewTitle), private_metadata: privateMetadata(spec.metadata) });
}

/** The longest comment the forms take where ISC sets no bound of its own. */
export const COMMENT_MAX = 1000;

function accessRequestIntro(a: AccessRequestApproval): string {
  const who = a.requestedFor?.name ? ` for ${escapeTruncate(a.requestedFor.name, 200)}` : '';
  return `*${escapeTruncate(accessRequestTitle(a), 300)}*${who}\nRequested by ${escapeTruncate(a.requester?.name ?? a.requester?.id, 200, 'unknown')}`;
}

function genericIntro(a: Approval, locale: string | undefined): string {
  const from = a.requester?.name ? `\nFrom ${escapeTruncate(a.requester.name, 200)}` : '';
  return `*${escapeTruncate(genericApprovalTitle(a, locale), 300)}*${from}`;
}

/**
 * Approve with a comment, or reject with the reason (required when the request says so). Approving
 * despite an SoD violation shows the violation and requires a justification.
 */
export function renderAccessRequestDecisionModal(a: AccessRequestApproval, verb: 'approve' | 'reject', metadata: ModalMetadata): ModalView {
  const sod = verb === 'approve' && needsSodJustification(a);
  const required = sod || (verb === 'reject' && Boolean(a.commentRequiredWhenRejected));
  const hint = sod
    ? 'Required to approve despite the SoD violation; ISC records it with the decision and the requester sees it.'
    : required
      ? 'Required by ISC for this request; the requester sees it.'
      : 'Optional; the requester sees it with the decision.';
  return renderCommentModal({
    title: itemFormTitle(verb === 'approve' ? 'Approve' : 'Reject', accessRequestTitle(a)),
    callbackId: VIEW.arDecide,
    submit: sod ? 'Approve anyway' : verb === 'approve' ? 'Approve' : 'Reject',
    intro: accessRequestIntro(a),
    ...(sod ? { warning: accessRequestSodText(a) } : {}),
    label: sod ? 'Justification' : verb === 'approve' ? 'Comment' : 'Reason',
    hint,
    required,
    maxLength: COMMENT_MAX,
    metadata: { ...metadata, v: verb, ...(required ? { q: true } : {}) },
  });
}

export function renderAccessRequestForwardModal(a: AccessRequestApproval, metadata: ModalMetadata): ModalView {
  return renderHandOverModal({
    title: itemFormTitle('Forward', accessRequestTitle(a)),
    callbackId: VIEW.arForward,
    submit: 'Forward',
    intro: accessRequestIntro(a),
    currentOwner: escapeTruncate(a.owner?.name ?? a.owner?.id, 200, 'unknown'),
    commentRequired: true,
    commentHint: `Required by ISC (at most ${FORWARD_COMMENT_MAX} characters); the new approver sees it.`,
    commentMax: FORWARD_COMMENT_MAX,
    metadata,
  });
}

/** Approve or reject with a comment, required when the approval's configuration says so. */
export function renderGenericDecisionModal(a: Approval, verb: 'approve' | 'reject', metadata: ModalMetadata, locale?: string): ModalView {
  const required = commentRequired(a, verb);
  return renderCommentModal({
    title: itemFormTitle(verb === 'approve' ? 'Approve' : 'Reject', genericApprovalTitle(a, locale)),
    callbackId: VIEW.gaDecide,
    submit: verb === 'approve' ? 'Approve' : 'Reject',
    intro: genericIntro(a, locale),
    label: verb === 'approve' ? 'Comment' : 'Reason',
    hint: required ? 'Required by this approval; everyone on it sees it.' : 'Optional; everyone on the approval sees it.',
    required,
    maxLength: COMMENT_MAX,
    metadata: { ...metadata, v: verb, ...(required ? { q: true } : {}) },
  });
}

export function renderGenericReassignModal(a: Approval, metadata: ModalMetadata, locale?: string): ModalView {
  return renderHandOverModal({
    title: itemFormTitle('Reassign', genericApprovalTitle(a, locale)),
    callbackId: VIEW.gaReassign,
    submit: 'Reassign',
    intro: genericIntro(a, locale),
    currentOwner: (a.assignedTo ?? []).map((i) => escapeTruncate(i.name ?? i.identityID, 100, 'unknown')).join(', ') || 'nobody',
    commentRequired: false,
    commentHint: 'Optional; it is added to the approval’s comments.',
    commentMax: COMMENT_MAX,
    metadata,
  });
}

export function renderGenericCommentModal(a: Approval, metadata: ModalMetadata, locale?: string): ModalView {
  return renderCommentModal({
    title: itemFormTitle('Comment', genericApprovalTitle(a, locale)),
    callbackId: VIEW.gaComment,
    submit: 'Add comment',
    intro: genericIntro(a, locale),
    label: 'Comment',
    hint: 'Everyone on the approval sees it.',
    required: true,
    maxLength: COMMENT_MAX,
    metadata: { ...metadata, q: true },
  });
}
