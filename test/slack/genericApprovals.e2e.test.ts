import { GA_ACTION, VIEW } from '../../src/blocks/actions';
import { COMMENT_FIELD } from '../../src/blocks/approvalModals';
import { createIscClient } from '../../src/isc/client';
import { SEED_GENERIC_APPROVALS } from '../../src/sandbox/approvalSeed';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { buttonIds, forwardFormValues, startHarness, USERS, type Harness } from '../support/botHarness';

// Every button of a generic approval card, through the real bot against the sandbox tenant.

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const G = SEED_GENERIC_APPROVALS;
const json = (v: unknown) => JSON.stringify(v);
const mutations = () => h.sandbox.stats().mutations;
const stateOf = (id: string) => h.sandbox.getGenericApprovalState(id)!;
const commentValues = (comment: string) => ({ [COMMENT_FIELD.block]: { [COMMENT_FIELD.action]: { type: 'plain_text_input', value: comment } } });
/** A submitted form closes; its outcome is where its card lives (the redrawn card, a notice under it) or in a DM. */
const finalForm = async (text: RegExp) => {
  const seen = () => [...h.slack.responses.map((r) => json(r.body)), ...h.slack.callsTo('chat.postMessage').map((c) => json(c.args))];
  await h.slack.waitFor(() => seen().some((t) => text.test(t)));
  return seen().filter((t) => text.test(t)).at(-1)!;
};

/** Two approvers, both needed (a quorum of 2), asked for by Maya. */
function quorumApproval() {
  const person = (p: { id: string; name: string; email: string }) => ({ identityID: p.id, type: 'IDENTITY' as const, name: p.name, email: p.email });
  return h.sandbox.addGenericApproval({
    approvers: [person(SEED_IDENTITIES.ada), person(SEED_IDENTITIES.ben)],
    requester: person(SEED_IDENTITIES.manager),
    name: [{ locale: 'en-US', value: 'Firewall change (two approvers)' }],
    approvalCriteria: { type: 'PARALLEL', approval: { calculationType: 'COUNT', value: 2 }, rejection: { calculationType: 'COUNT', value: 1 } },
  });
}

describe('An approval with several approvers, in service mode', () => {
  it('is not decided from Slack: the bot’s identity would take one approver’s seat; the click is refused saying why, and the approval still waits on both', async () => {
    const q = quorumApproval();
    await h.click(USERS.ada.id, GA_ACTION.approve, { i: q.id! }, { responseId: 'q1' });
    const [reply] = await h.responsesTo('q1');
    expect(reply.text).toContain(
      "This approval has 2 approvers, and ISC would record a decision by the bot's own account in one of their places, possibly not yours, which could complete it without the others. Decide it in ISC instead. Nothing was changed in ISC.",
    );
    expect(mutations()).toHaveLength(0);
    const state = stateOf(q.id!);
    expect(state.completedDate).toBeUndefined();
    expect(state.approvedBy ?? []).toEqual([]);
    expect(state.assignedTo?.map((i) => i.identityID)).toEqual([SEED_IDENTITIES.ada.id, SEED_IDENTITIES.ben.id]);
  });

  it('its card says why and offers no Approve or Reject (a comment or a reassignment still works)', async () => {
    const q = quorumApproval();
    await h.click(USERS.ada.id, GA_ACTION.details, { i: q.id! }, { responseId: 'q2' });
    const [card] = await h.responsesTo('q2');
    const ids = buttonIds(card.blocks);
    expect(ids).not.toContain(GA_ACTION.approve);
    expect(ids).not.toContain(GA_ACTION.reject);
    expect(ids).toEqual(expect.arrayContaining([GA_ACTION.reassign, GA_ACTION.comment]));
    expect(json(card.blocks)).toContain('This approval has 2 approvers');
    expect(json(card.blocks)).toContain('Decide it in ISC');
  });
});

describe('Separation of duties for the approver too', () => {
  it('an approver may not approve an approval that is for them, but may still comment on it', async () => {
    const person = (p: { id: string; name: string; email: string }) => ({ identityID: p.id, type: 'IDENTITY' as const, name: p.name, email: p.email });
    const mine = h.sandbox.addGenericApproval({ approvers: [person(SEED_IDENTITIES.ada)], requester: person(SEED_IDENTITIES.manager), requestee: person(SEED_IDENTITIES.ada), name: [{ locale: 'en-US', value: 'Ada as Payroll admin' }] });
    await h.click(USERS.ada.id, GA_ACTION.approve, { i: mine.id! }, { responseId: 'own' });
    expect((await h.responsesTo('own'))[0].text).toMatch(/This approval is requested for you, so you may not decide, forward or reassign it yourself \(separation of duties\)/);
    const form = await h.openForm(USERS.ada.id, GA_ACTION.comment, { i: mine.id! }, { responseId: 'own-cm' });
    expect(form.view.callback_id).toBe(VIEW.gaComment);
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaComment, private_metadata: form.view.private_metadata, state: { values: commentValues('Please ask Maya instead') } });
    await finalForm(/\*Comments\* \(/);
    expect(mutations()).toEqual([expect.objectContaining({ approvalId: mine.id })]);
    expect(stateOf(mine.id!).completedDate).toBeUndefined();
  });
});

describe('Approve', () => {
  it('decides on one click; the card shows who approved and when, with no buttons left', async () => {
    await h.click(USERS.ada.id, GA_ACTION.approve, { i: G.adaOverdue }, { responseId: 'ap' });
    const [card] = await h.responsesTo('ap');
    expect(card.replace_original).toBe(true);
    expect(json(card.blocks)).toMatch(new RegExp(`✅ Approved by you · <!date`));
    expect(json(card.blocks)).toMatch(/✅ Approved by Sam Service in ISC/);
    expect(buttonIds(card.blocks)).toEqual([]);
    expect(stateOf(G.adaOverdue).completedDate).toBeDefined();
    expect(mutations()).toEqual([expect.objectContaining({ path: `/generic-approvals/v1/${G.adaOverdue}/approve`, approvalId: G.adaOverdue, status: 200 })]);
  });

  it('an approval that requires a comment to approve offers "Approve…", a form that asks for it before ISC is called', async () => {
    const needs = h.sandbox.addGenericApproval({
      approvers: [{ identityID: SEED_IDENTITIES.ada.id, type: 'IDENTITY', name: 'Ada Approver' }],
      requester: { identityID: SEED_IDENTITIES.ben.id, type: 'IDENTITY', name: 'Ben Builder' },
      name: [{ value: 'Break-glass access', locale: 'en-US' }],
      approvalConfig: { requiresComment: 'ALL' },
    });
    await h.click(USERS.ada.id, GA_ACTION.details, { i: needs.id }, { responseId: 'det' });
    expect(buttonIds((await h.responsesTo('det'))[0].blocks)).toEqual([GA_ACTION.approveWithComment, GA_ACTION.reject, GA_ACTION.reassign, GA_ACTION.comment]);
    // A direct approve (an old card, or a forged click) is refused by the live check without calling ISC.
    await h.click(USERS.ada.id, GA_ACTION.approve, { i: needs.id }, { responseId: 'direct' });
    expect((await h.responsesTo('direct'))[0].text).toMatch(/ISC requires a comment to approve this approval/);
    const form = await h.openForm(USERS.ada.id, GA_ACTION.approveWithComment, { i: needs.id });
    expect(form.view.callback_id).toBe(VIEW.gaDecide);
    const empty = await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaDecide, private_metadata: form.view.private_metadata, state: { values: commentValues('') } });
    expect(JSON.parse(empty.body).response_action).toBe('errors');
    expect(mutations()).toHaveLength(0);
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaDecide, private_metadata: form.view.private_metadata, state: { values: commentValues('Incident INC-42') } });
    await finalForm(/Approved by you/);
    expect(stateOf(needs.id!).comments?.at(-1)?.comment).toBe('Incident INC-42');
    expect(mutations()).toHaveLength(1);
  });

  it('reaches ISC once for a double click', async () => {
    h.fault = (req) => (req.method === 'POST' ? { kind: 'none', delayMs: 300 } : undefined);
    await Promise.all([1, 2, 3].map((n) => h.click(USERS.ada.id, GA_ACTION.approve, { i: G.adaOverdue }, { responseId: `d${n}` })));
    await h.slack.waitFor(() => h.slack.responses.length >= 2);
    expect(mutations()).toHaveLength(1);
    // The two repeats of one click share one notice (REPEAT_NOTICE_MS): the card and that notice, nothing more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.slack.responses).toHaveLength(2);
    expect(h.slack.responses.filter((r) => /already being processed|You already did that/.test(JSON.stringify(r.body)))).toHaveLength(1);
  });

  it('refuses someone the approval does not wait on, and ISC is not called', async () => {
    await h.click(USERS.ben.id, GA_ACTION.approve, { i: G.adaOverdue }, { responseId: 'no' });
    const [reply] = await h.responsesTo('no');
    expect(reply.text).toMatch(/Only the approval's current approvers \(Ada Approver\) or a bot admin can act on it\. Nothing was changed in ISC\./);
    expect(mutations()).toHaveLength(0);
  });

  it('decided elsewhere: shows it as it is, and ISC is not asked again', async () => {
    const webUi = createIscClient({ baseUrl: h.sandbox.url, clientId: h.sandbox.clientId, clientSecret: h.sandbox.clientSecret });
    await webUi.genericApprovals.rejectApproval(G.adaParallel, { comment: 'Not this quarter' });
    await h.click(USERS.ada.id, GA_ACTION.approve, { i: G.adaParallel }, { responseId: 'el' });
    const [card, notice] = await h.responsesTo('el', 2);
    expect(json(card.blocks)).toMatch(/❌ Rejected by Sam Service in ISC/);
    expect(buttonIds(card.blocks)).toEqual([]);
    expect(notice.text).toMatch(/already decided/);
    expect(mutations()).toHaveLength(1);
  });

  it('ISC 500 on approve: a clear sentence with the tracking id, and a retry works', async () => {
    h.fault = (req) => (req.method === 'POST' && req.path.endsWith('/approve') ? { kind: 'status', status: 500 } : undefined);
    await h.click(USERS.ada.id, GA_ACTION.approve, { i: G.adaOverdue }, { responseId: 'e500' });
    const [reply] = await h.responsesTo('e500');
    expect(reply.text).toMatch(/ISC had an internal error \(500\)\. Try again; if it persists give your admin tracking id [0-9a-f]{32}/);
    expect(stateOf(G.adaOverdue).completedDate).toBeUndefined();
    h.fault = undefined;
    await h.click(USERS.ada.id, GA_ACTION.approve, { i: G.adaOverdue }, { responseId: 'again' });
    expect(json((await h.responsesTo('again'))[0].blocks)).toContain(`Approved by you`);
  });
});

describe('Reject', () => {
  it('asks for the comment the approval requires; without one the form says so and ISC is not called', async () => {
    const form = await h.openForm(USERS.ada.id, GA_ACTION.reject, { i: G.adaRejectComment }, { responseId: 'rj' });
    expect(form.view.callback_id).toBe(VIEW.gaDecide);
    expect(form.view.blocks.find((b: any) => b.block_id === COMMENT_FIELD.block).optional).toBe(false);
    const empty = await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaDecide, private_metadata: form.view.private_metadata, state: { values: commentValues('') } });
    expect(JSON.parse(empty.body)).toEqual({ response_action: 'errors', errors: { [COMMENT_FIELD.block]: 'This approval requires a comment for this decision.' } });
    expect(mutations()).toHaveLength(0);
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaDecide, private_metadata: form.view.private_metadata, state: { values: commentValues('The description is wrong') } });
    await finalForm(/Rejected by you/);
    const state = stateOf(G.adaRejectComment);
    expect(state.rejectedBy?.length).toBe(1);
    expect(state.comments?.at(-1)?.comment).toBe('The description is wrong');
    expect(json((await h.responsesTo('rj'))[0].blocks)).toContain(`Rejected by you`);
  });
});

describe('Reassign', () => {
  it('hands the requester’s place to the person picked, naming whose place (reassignFrom) as ISC requires of the service identity', async () => {
    const admin = h.sandbox.identityForEmail(USERS.admin.email);
    const form = await h.openForm(USERS.ada.id, GA_ACTION.reassign, { i: G.adaOverdue }, { responseId: 'ra' });
    expect(form.view.callback_id).toBe(VIEW.gaReassign);
    const self = await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaReassign, private_metadata: form.view.private_metadata, state: { values: forwardFormValues(USERS.ada.id, '') } });
    expect(JSON.parse(self.body).errors.fwd_target).toMatch(/already an approver/);
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaReassign, private_metadata: form.view.private_metadata, state: { values: forwardFormValues(USERS.admin.id, 'IT owns the firewall now') } });
    await finalForm(/Reassigned to/);
    const state = stateOf(G.adaOverdue);
    expect(state.assignedTo?.map((i) => i.identityID)).toEqual([admin.id]);
    expect(state.reassignmentHistory?.at(-1)).toMatchObject({ reassignedFrom: { identityID: SEED_IDENTITIES.ada.id }, reassignedTo: { identityID: admin.id } });
    const [card] = await h.responsesTo('ra');
    expect(json(card.blocks)).toContain(`Reassigned to <@${USERS.admin.id}> by you`);
    expect(buttonIds(card.blocks)).toEqual([]);
  });

  it('refuses handing the approval to the person who requested it (Ben, who asks for himself); ISC is not called', async () => {
    const form = await h.openForm(USERS.ada.id, GA_ACTION.reassign, { i: G.adaOverdue }, { responseId: 'rb' });
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaReassign, private_metadata: form.view.private_metadata, state: { values: forwardFormValues(USERS.ben.id, 'Ben owns the firewall now') } });
    expect(await finalForm(/separation of duties/)).toContain('Ben Builder requested this approval, so it cannot be handed to them (separation of duties).');
    expect(mutations()).toHaveLength(0);
    expect(stateOf(G.adaOverdue).assignedTo?.map((i) => i.identityID)).toEqual([SEED_IDENTITIES.ada.id]);
  });
});

describe('Add comment', () => {
  it('adds the comment (once, however often the form is submitted) and redraws the card with it', async () => {
    const form = await h.openForm(USERS.ada.id, GA_ACTION.comment, { i: G.adaParallel }, { responseId: 'cm' });
    expect(form.view.callback_id).toBe(VIEW.gaComment);
    const empty = await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaComment, private_metadata: form.view.private_metadata, state: { values: commentValues(' ') } });
    expect(JSON.parse(empty.body).errors).toEqual({ [COMMENT_FIELD.block]: 'Write the comment to add.' });
    const submit = () => h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.gaComment, private_metadata: form.view.private_metadata, state: { values: commentValues('Checked with finance <!channel>') } });
    await submit();
    await finalForm(/\*Comments\* \(/);
    await submit();
    await finalForm(/You already did this; it went through once in ISC\./);
    expect(stateOf(G.adaParallel).comments?.map((c) => c.comment)).toEqual(['Checked with finance <!channel>']);
    expect(mutations()).toHaveLength(1);
    const [card] = await h.responsesTo('cm');
    expect(json(card.blocks)).toContain('Checked with finance &lt;!channel&gt;');
    expect(json(card.blocks)).not.toContain('<!channel>');
    // The approval still waits on Ada: a comment decides nothing (it has two approvers, so the service identity does not decide it from Slack).
    expect(buttonIds(card.blocks)).toEqual(expect.arrayContaining([GA_ACTION.reassign, GA_ACTION.comment]));
    expect(stateOf(G.adaParallel).completedDate).toBeUndefined();
  });
});

describe('Details', () => {
  it('shows the approval in full in the viewer’s language, overdue called out, to its approvers only', async () => {
    h.slack.addUser({ ...USERS.ada, locale: 'de-DE' });
    await h.click(USERS.ada.id, GA_ACTION.details, { i: G.adaOverdue }, { responseId: 'det' });
    const [detail] = await h.responsesTo('det');
    expect(detail.blocks[0].text.text).toBe('Vierteljährliche Prüfung der Firewall-Regeln');
    expect(json(detail.blocks)).toMatch(/\*Due\*\\n⏰ \*Overdue\* · <!date/);
    expect(json(detail.blocks)).toContain('Please prioritise: the audit starts next week');
    await h.click(USERS.ben.id, GA_ACTION.details, { i: G.adaOverdue }, { responseId: 'other' });
    expect((await h.responsesTo('other'))[0].text).toMatch(/can see it/);
  });
});
