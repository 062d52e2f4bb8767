import { decodeModalMetadata, VIEW, type ModalMetadata } from '../../src/blocks/actions';
import {
  COMMENT_FIELD,
  renderAccessRequestDecisionModal,
  renderAccessRequestForwardModal,
  renderGenericCommentModal,
  renderGenericDecisionModal,
  renderGenericReassignModal,
} from '../../src/blocks/approvalModals';
import { validateView } from '../../src/blocks/limits';
import { FORWARD_FIELDS } from '../../src/blocks/modals';
import { FORBIDDEN, HOSTILE, accessRequest, genericApproval, mrkdwnTexts, sodViolation, withViolations } from './fixtures';

const metadata: ModalMetadata = { i: 'ar-1', u: 'U0SUBJECT', r: `https://hooks.slack.com/actions/T0/1/${'x'.repeat(60)}`, k: 'pending', o: 4, s: 'a' };
const input = (view: { blocks: Array<Record<string, any>> }, blockId: string) => view.blocks.find((b) => b.block_id === blockId)!;

describe('approval forms', () => {
  it('reject an access request: the reason is required exactly when ISC requires it, and the form says so', () => {
    const required = renderAccessRequestDecisionModal(accessRequest({ commentRequiredWhenRejected: true }), 'reject', metadata);
    expect(validateView(required)).toEqual([]);
    expect(required.callback_id).toBe(VIEW.arDecide);
    expect(input(required, COMMENT_FIELD.block)).toMatchObject({ optional: false, hint: { text: 'Required by ISC for this request; the requester sees it.' } });
    expect(decodeModalMetadata(required.private_metadata)).toMatchObject({ i: 'ar-1', u: 'U0SUBJECT', v: 'reject', q: true, list: { kind: 'pending', offset: 4, section: 'accessRequest' } });
    const optional = renderAccessRequestDecisionModal(accessRequest(), 'reject', metadata);
    expect(input(optional, COMMENT_FIELD.block).optional).toBe(true);
    expect(decodeModalMetadata(optional.private_metadata)?.q).toBeUndefined();
    const approve = renderAccessRequestDecisionModal(accessRequest({ commentRequiredWhenRejected: true }), 'approve', metadata);
    expect(approve.submit?.text).toBe('Approve');
    expect(input(approve, COMMENT_FIELD.block).optional).toBe(true);
  });

  it('approve an access request with an SoD violation: the form shows the violation and requires a justification', () => {
    const view = renderAccessRequestDecisionModal(accessRequest(withViolations([sodViolation(), sodViolation(`${HOSTILE} policy`)])), 'approve', metadata);
    expect(validateView(view)).toEqual([]);
    expect(view.submit?.text).toBe('Approve anyway');
    expect(input(view, 'warning').text.text).toMatch(/^🚨 \*Separation-of-duties violation\* — approving breaks 2 SoD policies\n• \*Create and approve payments\*: has AP Invoice Entry · would get AP Payment Approval\n• /);
    expect(input(view, COMMENT_FIELD.block)).toMatchObject({ optional: false, label: { text: 'Justification' }, hint: { text: expect.stringMatching(/^Required to approve despite the SoD violation/) } });
    expect(decodeModalMetadata(view.private_metadata)).toMatchObject({ v: 'approve', q: true });
    for (const text of mrkdwnTexts(view.blocks)) for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
    // Rejecting the same request takes no justification, and the plain approve form shows no warning.
    expect(input(renderAccessRequestDecisionModal(accessRequest(withViolations([sodViolation()])), 'reject', metadata), COMMENT_FIELD.block).optional).toBe(true);
    expect(input(renderAccessRequestDecisionModal(accessRequest(), 'approve', metadata), 'warning')).toBeUndefined();
  });

  it('forward an access request: a person picker and the comment ISC requires, within its 255 characters', () => {
    const view = renderAccessRequestForwardModal(accessRequest(), metadata);
    expect(validateView(view)).toEqual([]);
    expect(view.callback_id).toBe(VIEW.arForward);
    expect(input(view, FORWARD_FIELDS.targetBlock).element.type).toBe('users_select');
    expect(input(view, FORWARD_FIELDS.commentBlock)).toMatchObject({ optional: false, element: { max_length: 255 } });
  });

  it('generic approvals: decide with the comment the configuration requires, reassign (comment optional), add a comment (required)', () => {
    const reject = renderGenericDecisionModal(genericApproval({ approvalConfig: { requiresComment: 'REJECTION' } }), 'reject', metadata);
    expect(input(reject, COMMENT_FIELD.block).optional).toBe(false);
    const approve = renderGenericDecisionModal(genericApproval({ approvalConfig: { requiresComment: 'REJECTION' } }), 'approve', metadata);
    expect(input(approve, COMMENT_FIELD.block).optional).toBe(true);
    const reassign = renderGenericReassignModal(genericApproval(), metadata);
    expect(reassign.callback_id).toBe(VIEW.gaReassign);
    expect(input(reassign, FORWARD_FIELDS.commentBlock).optional).toBe(true);
    const comment = renderGenericCommentModal(genericApproval(), metadata, 'de-DE');
    expect(comment.callback_id).toBe(VIEW.gaComment);
    expect(decodeModalMetadata(comment.private_metadata)?.q).toBe(true);
    expect(mrkdwnTexts(comment.blocks)[0]).toMatch(/^\*Vierteljährliche Firewall-Prüfung\*/);
    for (const view of [reject, approve, reassign, comment]) expect(validateView(view)).toEqual([]);
  });

  it('escapes ISC text in every form', () => {
    const views = [
      renderAccessRequestDecisionModal(accessRequest({ requestedObject: { name: HOSTILE }, requester: { name: HOSTILE }, requestedFor: { name: HOSTILE } }), 'reject', metadata),
      renderAccessRequestForwardModal(accessRequest({ owner: { name: HOSTILE } }), metadata),
      renderGenericReassignModal(genericApproval({ name: [{ value: HOSTILE }], assignedTo: [{ name: HOSTILE }] }), metadata),
    ];
    for (const view of views) for (const text of mrkdwnTexts(view.blocks)) for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
  });

  it('refuses forged metadata: no item, both kinds of item, a bad id, a bad list', () => {
    expect(decodeModalMetadata(JSON.stringify({ u: 'U1' }))).toBeUndefined();
    expect(decodeModalMetadata(JSON.stringify({ w: 'w1', i: 'i1' }))).toBeUndefined();
    expect(decodeModalMetadata(JSON.stringify({ i: 'bad id"' }))).toBeUndefined();
    expect(decodeModalMetadata(JSON.stringify({ i: 'i1', k: 'pending', s: 'zz' }))).toBeUndefined();
    expect(decodeModalMetadata(JSON.stringify({ i: 'i1', v: 'delete' }))).toBeUndefined();
    expect(decodeModalMetadata('not json')).toBeUndefined();
  });
});
