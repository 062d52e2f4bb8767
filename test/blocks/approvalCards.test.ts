import { COMPACT_AR_CARD_MAX_BLOCKS, renderAccessRequestCard } from '../../src/blocks/accessRequestCard';
import { ACTION, AR_ACTION, decodeApprovalValue, GA_ACTION } from '../../src/blocks/actions';
import { COMPACT_GA_CARD_MAX_BLOCKS, renderGenericApprovalCard } from '../../src/blocks/genericApprovalCard';
import { renderInboxItemDetail, renderInboxItemModal } from '../../src/blocks/inboxList';
import { LIMITS, validateBlocks, validateMessage, validateView } from '../../src/blocks/limits';
import type { RenderCardOptions } from '../../src/blocks/types';
import { WHOLE_ITEM } from '../../src/decisions/decision';
import type { ApprovalComment, ApprovalForwardHistory, CommentDto } from '../../src/isc/types';
import { FORBIDDEN, HOSTILE, accessRequest, actionIds, buttons, genericApproval, linkifiedMrkdwn, mrkdwnTexts, opts, sodViolation, viewer, withViolations } from './fixtures';

const compact: RenderCardOptions = { ...opts, mode: 'compact' };
const full: RenderCardOptions = { ...opts, mode: 'full' };
const BOB = '2c91808a77ff216301782327a50f09e1';
const json = (v: unknown) => JSON.stringify(v);

function expectSafe(blocks: unknown): void {
  for (const text of mrkdwnTexts(blocks)) for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
  expect(linkifiedMrkdwn(blocks)).toEqual([]);
}

const longText = (n: number) => `${'Lorem ipsum dolor sit amet, '.repeat(Math.ceil(n / 28))}`.slice(0, n);
const reviewerComment = (i: number): CommentDto => ({ comment: `${HOSTILE} review ${i} ${longText(600)}`, created: '2026-11-21T09:00:00Z', author: { type: 'IDENTITY', id: `r${i}`, name: `Reviewer ${i} ${HOSTILE}` } });
const hop = (i: number): ApprovalForwardHistory => ({
  oldApproverName: `Approver ${i}`,
  newApproverName: `Approver ${i + 1} ${HOSTILE}`,
  forwarderName: `Forwarder ${i}`,
  comment: `${longText(250)} ${HOSTILE}`,
  modified: '2026-11-21T10:00:00Z',
  reassignmentType: 'MANUAL_REASSIGNMENT',
});

/** The largest access request ISC could send: long texts, many comments, 60 forwards, 50 violations, hostile everywhere. */
const largest = accessRequest({
  name: HOSTILE,
  requestedObject: { id: 'obj', name: `${HOSTILE} ${longText(400)}`, description: `${HOSTILE} ${longText(10_000)}`, type: 'ROLE' },
  requester: { type: 'IDENTITY', id: 'x', name: HOSTILE },
  requestedFor: { type: 'IDENTITY', id: 'y', name: HOSTILE },
  requesterComment: { comment: `${HOSTILE} ${longText(5000)}`, author: { name: HOSTILE } },
  previousReviewersComments: Array.from({ length: 100 }, (_, i) => reviewerComment(i)),
  forwardHistory: Array.from({ length: 60 }, (_, i) => hop(i)),
  privilegeLevel: HOSTILE,
  requestedAccounts: Array.from({ length: 30 }, (_, i) => ({ name: `${HOSTILE}-${i}`, sourceName: HOSTILE })),
  ...withViolations(Array.from({ length: 50 }, (_, i) => sodViolation(`${HOSTILE} policy ${i}`, `${HOSTILE} has`, `${HOSTILE} gets`))),
});

describe('access-request card', () => {
  it('leads with one sentence of the decision, then the justification, then one line of SoD; dates in the context line', () => {
    const blocks = renderAccessRequestCard(accessRequest(withViolations([sodViolation()])), compact);
    expect(blocks.length).toBeLessThanOrEqual(COMPACT_AR_CARD_MAX_BLOCKS);
    const [head, meta] = mrkdwnTexts(blocks);
    expect(head.split('\n')).toEqual([
      '*Jane Doe* wants *Payments Administrator* (role · high privilege) · waiting 4 hours',
      '“Covering payment runs” — Jane Doe',
      '🚨 *SoD conflict*: *Create and approve payments*: has AP Invoice Entry · would get AP Payment Approval',
    ]);
    expect(meta).toBe('approver Bob Smith · starts <!date^1795392000^{date_short_pretty}|Nov 23, 2026> · removed <!date^1798675200^{date_short_pretty}|Dec 31, 2026>');
    // Approve… (the justification form) and Reject… as buttons; the rest in the overflow menu.
    expect(actionIds(blocks)).toEqual([AR_ACTION.approveWithComment, AR_ACTION.reject, AR_ACTION.forward, AR_ACTION.details, ACTION.openInIsc]);
    expect(buttons(blocks).filter((b) => b.overflow).map((b) => b.text.text)).toEqual(['Forward', 'Details', 'Open in ISC']);
    expect(buttons(blocks).filter((b) => !b.overflow).map((b) => b.text.text)).toEqual(['Approve…', 'Reject…']);
  });

  it('plain Approve asks for nothing; with an SoD violation the only approve button opens the justification form, in both modes', () => {
    const plainButtons = buttons(renderAccessRequestCard(accessRequest(), compact));
    expect(plainButtons.find((b) => b.action_id === AR_ACTION.approve)!.confirm).toBeUndefined();
    for (const mode of [compact, full]) {
      const sod = renderAccessRequestCard(accessRequest(withViolations([sodViolation()])), mode);
      expect(actionIds(sod)).not.toContain(AR_ACTION.approve);
      const approve = buttons(sod).filter((b) => b.action_id === AR_ACTION.approveWithComment);
      expect(approve.map((b) => b.text.text)).toEqual(['Approve…']);
    }
    // A policy named without its context (violatedPolicies only) is a violation too.
    const policyOnly = accessRequest({ sodViolationContext: { state: 'SUCCESS', violationCheckResult: { violatedPolicies: [{ type: 'SOD_POLICY', id: 'p1', name: 'P' }] } } });
    expect(actionIds(renderAccessRequestCard(policyOnly, compact))).not.toContain(AR_ACTION.approve);
  });

  it('a revoke for someone else, requested by another person', () => {
    const blocks = renderAccessRequestCard(accessRequest({ requestType: 'REVOKE_ACCESS', requestedFor: { type: 'IDENTITY', id: 'ben', name: 'Ben' } }), compact);
    expect(mrkdwnTexts(blocks)[0]).toMatch(/^\*Jane Doe\* wants to remove \*Payments Administrator\* for \*Ben\* \(role · high privilege\) · waiting 4 hours/);
  });

  it('button values are compact, carry the list position, and decode', () => {
    const blocks = renderAccessRequestCard(accessRequest(), { ...compact, subjectSlackUserId: 'U0SUBJECT', list: { kind: 'pending', section: 'accessRequest', offset: 4 } });
    for (const b of buttons(blocks).filter((b) => !b.url)) {
      expect(b.value.length).toBeLessThan(200);
      // Details too (it ignores the list): the options share one value, said once in the block id.
      expect(decodeApprovalValue(b.value)).toEqual({ i: accessRequest().id, u: 'U0SUBJECT', list: { kind: 'pending', section: 'accessRequest', offset: 4 } });
    }
  });

  it('once decided through the bot, or while ISC carries a decision out, or completed: who and when, no buttons', () => {
    const decided = renderAccessRequestCard(accessRequest({ actionInProcess: 'APPROVED' }), { ...full, decisions: { [WHOLE_ITEM]: { kind: 'approved', bySlackUserId: 'U0BOB', at: '2026-11-22T12:00:00Z' } } });
    expect(json(decided)).toMatch(/\*✅ Approved by <@U0BOB> · <!date\^1795348800\^[^>]+>\* — sent to ISC, which carries it out shortly/);
    expect(actionIds(decided)).toEqual([ACTION.openInIsc]);
    const inProcess = renderAccessRequestCard(accessRequest({ actionInProcess: 'REJECTED' }), compact);
    expect(json(inProcess)).toContain('*ISC is carrying out a rejection on this request*');
    expect(actionIds(inProcess)).toEqual([AR_ACTION.details, ACTION.openInIsc]);
    const { removeDate: _r, ...pending } = accessRequest();
    const completed = renderAccessRequestCard({ ...pending, state: 'REJECTED', reviewedBy: { name: 'Bob Smith' }, modified: '2026-11-22T12:00:00Z' }, full);
    expect(json(completed)).toContain('❌ Rejected by Bob Smith in ISC');
    expect(actionIds(completed)).toEqual([ACTION.openInIsc]);
  });

  it('a forward through the bot settles the card of the old approver, not of the new one', () => {
    const forwarded = { decisions: { [WHOLE_ITEM]: { kind: 'forwarded' as const, bySlackUserId: 'U0BOB', at: '2026-11-22T12:00:00Z', forwardedTo: { slackUserId: 'U0BEN', name: 'Ben' } } } };
    const item = accessRequest({ owner: { id: 'ben-id', name: 'Ben' } });
    expect(actionIds(renderAccessRequestCard(item, { ...full, ...forwarded, subjectIdentityId: BOB }))).toEqual([ACTION.openInIsc]);
    expect(actionIds(renderAccessRequestCard(item, { ...full, ...forwarded, subjectIdentityId: 'ben-id' }))).toContain(AR_ACTION.approve);
    expect(json(renderAccessRequestCard(item, { ...full, ...forwarded, subjectIdentityId: BOB }))).toContain('Forwarded to <@U0BEN> by <@U0BOB>');
  });

  it('the full card shows earlier reviewers’ comments and the forward history, and a failed SoD check', () => {
    const blocks = renderAccessRequestCard(accessRequest({ previousReviewersComments: [reviewerComment(1)], forwardHistory: [hop(1)], sodViolationContext: { state: 'ERROR' } }), full);
    const text = mrkdwnTexts(blocks).join('\n');
    expect(text).toContain("*Earlier reviewers' comments*\n• *Reviewer 1 &lt;!channel&gt;");
    expect(text).toContain('*Forward history*\n• Approver 1 → Approver 2');
    expect(text).toContain('🚨 *The SoD check of this request failed in ISC*');
  });

  it('the largest request stays within every Slack limit, escaped, as a message, a list card and a modal', () => {
    const detail = renderInboxItemDetail({ kind: 'accessRequest', item: largest }, opts);
    expect(validateMessage(detail)).toEqual([]);
    expectSafe(detail.blocks);
    expect(detail.text).not.toContain('<!channel>');
    const text = mrkdwnTexts(detail.blocks).join('\n');
    expect(text).toMatch(/… and \d+ more violations \(open ISC for all\)/);
    const card = renderAccessRequestCard(largest, compact);
    expect(card.length).toBeLessThanOrEqual(COMPACT_AR_CARD_MAX_BLOCKS);
    expect(validateBlocks(card, LIMITS.messageBlocks)).toEqual([]);
    expectSafe(card);
    const modal = renderInboxItemModal({ kind: 'accessRequest', item: largest }, opts);
    expect(validateView(modal)).toEqual([]);
    expectSafe(modal.blocks);
  });

  it('60 forwards and 100 comments: each list cut with "… and N more", the actions kept', () => {
    const item = accessRequest({ previousReviewersComments: Array.from({ length: 100 }, (_, i) => reviewerComment(i)), forwardHistory: Array.from({ length: 60 }, (_, i) => hop(i)) });
    const detail = renderInboxItemDetail({ kind: 'accessRequest', item }, opts);
    expect(validateMessage(detail)).toEqual([]);
    const text = mrkdwnTexts(detail.blocks).join('\n');
    expect(text).toMatch(/\n… and 9\d more comments \(open ISC for all\)/);
    expect(text).toMatch(/\n… and 5\d more forwards \(open ISC for all\)/);
    expect(actionIds(detail.blocks)).toEqual([AR_ACTION.approve, AR_ACTION.approveWithComment, AR_ACTION.reject, AR_ACTION.forward, ACTION.openInIsc]);
    // The largest keeps its buttons too.
    const most = renderInboxItemDetail({ kind: 'accessRequest', item: largest }, opts);
    expect(actionIds(most.blocks)).toEqual([AR_ACTION.approveWithComment, AR_ACTION.reject, AR_ACTION.forward, ACTION.openInIsc]);
  });

  it('says on the full card when ISC requires a reason to reject', () => {
    expect(mrkdwnTexts(renderAccessRequestCard(accessRequest({ commentRequiredWhenRejected: true }), full))).toContain('ISC requires a reason to reject this request.');
    expect(json(renderAccessRequestCard(accessRequest(), full))).not.toContain('requires a reason');
  });

  it('a full card short of room keeps its head and buttons and says what was left out', () => {
    const item = accessRequest({ previousReviewersComments: [reviewerComment(1)], forwardHistory: [hop(1)] });
    const blocks = renderAccessRequestCard(item, { ...full, budget: { blocks: 6, chars: 6000 } });
    expect(blocks.length).toBeLessThanOrEqual(6);
    expect(blocks[0].type).toBe('header');
    expect(actionIds(blocks)).toEqual([AR_ACTION.approve, AR_ACTION.approveWithComment, AR_ACTION.reject, AR_ACTION.forward, ACTION.openInIsc]);
    expect(mrkdwnTexts(blocks).join('\n')).toMatch(/… \d+ more parts? of this item did not fit here; open it in ISC to see everything/);
  });
});

describe('generic approval card', () => {
  const comment = (i: number): ApprovalComment => ({ author: { identityID: `a${i}`, name: `${HOSTILE} ${i}` }, comment: `${HOSTILE} ${longText(700)}`, createdDate: '2026-11-21T09:00:00Z', commentId: `c${i}` });

  it('name and description in the viewer’s locale (or the first), priority, overdue called out, requester and requestee, the latest comment', () => {
    const blocks = renderGenericApprovalCard(genericApproval(), compact);
    expect(blocks.length).toBeLessThanOrEqual(COMPACT_GA_CARD_MAX_BLOCKS);
    expect(mrkdwnTexts(blocks)[0].split('\n')).toEqual([
      '*Jane Doe* wants *Quarterly firewall review* (workflow approval · high priority) · waiting 2 days',
      `⏰ *Overdue*: was due <!date^${Date.parse('2026-11-21T09:00:00Z') / 1000}^{date_short_pretty} {time}|Nov 21, 2026 10:00 GMT+1> (1 day ago)`,
      'Confirm the inbound rules are still needed.',
      '“Rules exported to CHG-1” — Jane Doe',
    ]);
    const german = renderGenericApprovalCard(genericApproval(), { ...compact, viewer: { ...viewer, locale: 'de-AT' } });
    expect(mrkdwnTexts(german)[0]).toMatch(/^\*Jane Doe\* wants \*Vierteljährliche Firewall-Prüfung\*/);
    // No description in German: the English one rather than none.
    expect(mrkdwnTexts(german)[0]).toContain('Confirm the inbound rules are still needed.');
  });

  it('not overdue: the due date alone; buttons Approve, Reject, Reassign, Add comment', () => {
    const blocks = renderGenericApprovalCard(genericApproval({ dueDate: '2026-12-01T09:00:00Z' }), compact);
    expect(mrkdwnTexts(blocks)[0]).not.toContain('Overdue');
    expect(mrkdwnTexts(blocks)[1]).toMatch(/^due <!date\^/);
    // Approve and Reject… as buttons; Approve with comment, Reassign, Add comment, Details and Open in ISC in the overflow menu.
    expect(actionIds(blocks)).toEqual([GA_ACTION.approve, GA_ACTION.reject, GA_ACTION.approveWithComment, GA_ACTION.reassign, GA_ACTION.comment, GA_ACTION.details, ACTION.openInIsc]);
  });

  it('when the approval requires a comment to approve, Approve opens the form instead', () => {
    expect(actionIds(renderGenericApprovalCard(genericApproval({ approvalConfig: { requiresComment: 'APPROVAL' } }), full))).toEqual([
      GA_ACTION.approveWithComment,
      GA_ACTION.reject,
      GA_ACTION.reassign,
      GA_ACTION.comment,
      ACTION.openInIsc,
    ]);
  });

  it('a decision settles the card of whoever took it; the others it still waits on keep their buttons', () => {
    const maya = { identityID: 'maya-id', type: 'IDENTITY' as const, name: 'Maya' };
    const bob = { identityID: BOB, type: 'IDENTITY' as const, name: 'Bob Smith' };
    // Bob approved a two-of-two approval through the bot: ISC now waits on Maya only.
    const item = genericApproval({ approvers: [bob, maya], assignedTo: [maya] });
    const decisions = { U0BOB: { kind: 'approved' as const, bySlackUserId: 'U0BOB', at: '2026-11-22T12:00:00Z' } };
    const bobs = renderGenericApprovalCard(item, { ...full, decisions, viewerSlackUserId: 'U0BOB', subjectIdentityId: BOB });
    expect(actionIds(bobs)).toEqual([ACTION.openInIsc]);
    // Bob looks at his own card: the outcome is its headline.
    expect(json(bobs)).toContain('*✅ Approved by you · ');
    expect(json(bobs)).toContain('Now waiting on Maya');
    const mayas = renderGenericApprovalCard(item, { ...full, decisions, viewerSlackUserId: 'U0MAYA', subjectIdentityId: 'maya-id', actingAs: 'own' });
    expect(actionIds(mayas)).toContain(GA_ACTION.approve);
  });

  it('several approvers: Approve and Reject only for a viewer who acts as themselves; otherwise the card says why and links to ISC', () => {
    const maya = { identityID: 'maya-id', type: 'IDENTITY' as const, name: 'Maya' };
    const bob = { identityID: BOB, type: 'IDENTITY' as const, name: 'Bob Smith' };
    const item = genericApproval({ approvers: [bob, maya], assignedTo: [bob, maya] });
    const as = (actingAs?: 'own' | 'service' | 'connect') => renderGenericApprovalCard(item, { ...full, viewerSlackUserId: 'U0BOB', subjectIdentityId: BOB, iscUiBaseUrl: 'https://acme.identitynow.com', ...(actingAs ? { actingAs } : {}) });
    expect(actionIds(as('own'))).toEqual([GA_ACTION.approve, GA_ACTION.reject, GA_ACTION.reassign, GA_ACTION.comment, ACTION.openInIsc]);
    for (const blocks of [as(), as('service')]) {
      expect(actionIds(blocks)).toEqual([GA_ACTION.reassign, GA_ACTION.comment, 'wi_open_in_isc']);
      expect(json(blocks)).toContain("This approval has 2 approvers, and ISC would record a decision by the bot's own account in one of their places, possibly not yours, which could complete it without the others. Decide it in ISC instead.");
      expect(json(blocks)).toContain('"url":"https://acme.identitynow.com/ui/d/approvals/other/requested-items"');
    }
    expect(json(as('connect'))).toContain('Run `/workitems connect` to connect your ISC account');
    // One approver: the service identity decides in that one place.
    const single = genericApproval({ approvers: [bob], assignedTo: [bob] });
    expect(actionIds(renderGenericApprovalCard(single, { ...full, viewerSlackUserId: 'U0BOB', subjectIdentityId: BOB }))).toContain(GA_ACTION.approve);
  });

  it('completed: the verdict from ISC, no buttons', () => {
    const blocks = renderGenericApprovalCard(
      genericApproval({ completedDate: '2026-11-22T12:00:00Z', assignedTo: [], rejectedBy: [{ identityID: BOB, name: 'Bob Smith', decisionDate: '2026-11-22T12:00:00Z' }] }),
      full,
    );
    expect(json(blocks)).toContain('❌ Rejected by Bob Smith in ISC');
    expect(actionIds(blocks)).toEqual([ACTION.openInIsc]);
  });

  it('the largest approval stays within every Slack limit, escaped', () => {
    const largestGeneric = genericApproval({
      name: [{ value: `${HOSTILE} ${longText(500)}`, locale: 'en-US' }],
      description: [{ value: `${HOSTILE} ${longText(10_000)}`, locale: 'en-US' }],
      requester: { identityID: 'x', name: HOSTILE },
      requestee: { identityID: 'y', name: HOSTILE },
      comments: Array.from({ length: 200 }, (_, i) => comment(i)),
      additionalAttributes: JSON.stringify({ llm_description: `${HOSTILE} ${longText(5000)}` }),
      requestedTarget: Array.from({ length: 20 }, (_, i) => ({ name: `${HOSTILE} ${i}`, targetType: 'ENTITLEMENT' })),
      assignedTo: Array.from({ length: 40 }, (_, i) => ({ identityID: `id${i}`, name: `${HOSTILE} ${i}` })),
    });
    const detail = renderInboxItemDetail({ kind: 'generic', item: largestGeneric }, opts);
    expect(validateMessage(detail)).toEqual([]);
    expectSafe(detail.blocks);
    const card = renderGenericApprovalCard(largestGeneric, compact);
    expect(validateBlocks(card, LIMITS.messageBlocks)).toEqual([]);
    expectSafe(card);
    expect(validateView(renderInboxItemModal({ kind: 'generic', item: largestGeneric }, opts))).toEqual([]);
  });
});

describe('Open in ISC', () => {
  it('links each approval card to its page of the tenant UI, and only when the UI address is known', () => {
    const link = (blocks: ReturnType<typeof renderAccessRequestCard>) => buttons(blocks).find((b) => b.action_id === ACTION.openInIsc)?.url;
    expect(link(renderAccessRequestCard(accessRequest(), { ...opts, mode: 'compact', iscUiBaseUrl: 'https://acme.identitynow.com/' }))).toBe('https://acme.identitynow.com/ui/d/approvals/access-request/requested-items');
    expect(link(renderGenericApprovalCard(genericApproval(), { ...opts, mode: 'full' }))).toBe('https://acme.identitynow.com/ui/d/approvals/other/requested-items');
    expect(link(renderAccessRequestCard(accessRequest(), { ...opts, mode: 'full', iscUiBaseUrl: undefined }))).toBeUndefined();
    expect(link(renderGenericApprovalCard(genericApproval(), { ...opts, mode: 'compact', iscUiBaseUrl: undefined }))).toBeUndefined();
  });
});
