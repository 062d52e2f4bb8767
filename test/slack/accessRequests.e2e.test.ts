import { ACTION, AR_ACTION, VIEW } from '../../src/blocks/actions';
import { COMMENT_FIELD } from '../../src/blocks/approvalModals';
import { createIscClient } from '../../src/isc/client';
import { SEED_ACCESS_REQUEST_APPROVALS } from '../../src/sandbox/approvalSeed';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import { buttonIds, findButton, forwardFormValues, startHarness, USERS, type Harness } from '../support/botHarness';

// Every button of an access-request approval card, through the real bot (signed requests to its HTTP
// receiver) against the sandbox tenant: the live owner check, at most once, the forms that ask for
// what ISC requires before ISC is called, and the card redrawn with who and when.

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const A = SEED_ACCESS_REQUEST_APPROVALS;
const json = (v: unknown) => JSON.stringify(v);
const mutations = () => h.sandbox.stats().mutations;
const decisionOf = (id: string) => h.sandbox.getAccessRequestApprovalState(id)?.decision;
const commentValues = (comment: string) => ({ [COMMENT_FIELD.block]: { [COMMENT_FIELD.action]: { type: 'plain_text_input', value: comment } } });
/** A submitted form closes; its outcome is where its card lives (the redrawn card, a notice under it) or in a DM. */
const finalForm = async (title: RegExp) => {
  const seen = () => [...h.slack.responses.map((r) => json(r.body)), ...h.slack.callsTo('chat.postMessage').map((c) => json(c.args))];
  await h.slack.waitFor(() => seen().some((t) => title.test(t)));
  return seen().filter((t) => title.test(t)).at(-1)!;
};

describe('Approve', () => {
  it('decides on one click, and the card says it was sent, by whom and when, with no buttons left', async () => {
    const res = await h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaPlain }, { responseId: 'ap' });
    expect(res.status).toBe(200);
    const [card] = await h.responsesTo('ap');
    expect(card.replace_original).toBe(true);
    expect(json(card.blocks)).toMatch(new RegExp(`✅ Approved by you · <!date\\^\\d+\\^[^>]+>\\* — sent to ISC, which carries it out shortly`));
    expect(buttonIds(card.blocks)).toEqual([]);
    expect(decisionOf(A.adaPlain)?.state).toBe('APPROVED');
    expect(mutations()).toEqual([expect.objectContaining({ method: 'POST', approvalId: A.adaPlain, status: 202, path: `/access-request-approvals/v1/${A.adaPlain}/approve` })]);
  });

  it('reaches ISC once for a double click', async () => {
    h.fault = (req) => (req.method === 'POST' ? { kind: 'none', delayMs: 300 } : undefined);
    const clicks = await Promise.all([1, 2, 3].map((n) => h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaPlain }, { responseId: `d${n}` })));
    expect(clicks.map((c) => c.status)).toEqual([200, 200, 200]);
    await h.slack.waitFor(() => h.slack.responses.length >= 2);
    expect(mutations()).toHaveLength(1);
    // The two repeats of one click share one notice (REPEAT_NOTICE_MS): the card and that notice, nothing more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.slack.responses).toHaveLength(2);
    expect(h.slack.responses.filter((r) => /already being processed|You already did that/.test(JSON.stringify(r.body)))).toHaveLength(1);
    expect(json(h.slack.responses.map((r) => r.body))).toContain('already being processed');
  });

  it('refuses someone who is not the approver, and ISC is not called', async () => {
    await h.click(USERS.ben.id, AR_ACTION.approve, { i: A.adaPlain }, { responseId: 'no' });
    const [reply] = await h.responsesTo('no');
    expect(reply.replace_original).toBe(false);
    expect(reply.text).toMatch(/Only the access request's current approver \(Ada Approver\) or a bot admin can act on it\. Nothing was changed in ISC\./);
    expect(mutations()).toHaveLength(0);
  });

  it('decided elsewhere (in ISC): shows it as it is, without calling ISC to act again', async () => {
    const webUi = createIscClient({ baseUrl: h.sandbox.url, clientId: h.sandbox.clientId, clientSecret: h.sandbox.clientSecret });
    await webUi.accessRequestApprovals.rejectAccessRequest(A.adaPlain, 'No');
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaPlain }, { responseId: 'el' });
    const [card, notice] = await h.responsesTo('el', 2);
    expect(card.replace_original).toBe(true);
    expect(json(card.blocks)).toMatch(/❌ Rejected by Sam Service in ISC/);
    expect(buttonIds(card.blocks)).toEqual([]);
    expect(notice).toMatchObject({ replace_original: false, text: 'ℹ️ That access request was already decided; here it is as it is now.' });
    expect(mutations()).toHaveLength(1);
  });

  it('ISC 500 on approve: a clear sentence with the tracking id, nothing recorded as decided', async () => {
    h.fault = (req) => (req.method === 'POST' && req.path.endsWith('/approve') ? { kind: 'status', status: 500 } : undefined);
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaPlain }, { responseId: 'e500' });
    const [reply] = await h.responsesTo('e500');
    expect(reply.replace_original).toBe(false);
    expect(reply.text).toMatch(/ISC had an internal error \(500\)\. Try again; if it persists give your admin tracking id [0-9a-f]{32}/);
    expect(decisionOf(A.adaPlain)).toBeUndefined();
    // Nothing was marked done: once ISC answers again, the same click goes through.
    h.fault = undefined;
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaPlain }, { responseId: 'again' });
    expect(json((await h.responsesTo('again'))[0].blocks)).toContain(`Approved by you`);
    // The injected 500 never reached the tenant's handler: the one approval ISC carried out is the second.
    expect(mutations().map((m) => m.status)).toEqual([202]);
  });

  it('while ISC is still carrying the approval out (actionInProcess), the list read again offers no buttons for it', async () => {
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaPlain }, { responseId: 'ap' });
    await h.responsesTo('ap');
    // ISC answered 202 and has not finished: its pending list still shows the approval, marked in process.
    const { decision: _done, ...stillPending } = h.sandbox.getAccessRequestApprovalState(A.adaPlain)!;
    h.sandbox.addAccessRequestApproval({ ...stillPending, actionInProcess: 'APPROVED' });
    await h.click(USERS.ada.id, 'wi_refresh', { k: 'pending', o: 0 }, { responseId: 'again' });
    let [list] = await h.responsesTo('again');
    // The newest item, so at the end of the queue: on the next page.
    if (!json(list.blocks).includes('Approved by you')) {
      const next = list.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === ACTION.pageNext);
      await h.click(USERS.ada.id, ACTION.pageNext, next.value, { responseId: 'next' });
      [list] = await h.responsesTo('next');
    }
    // The card: its text (the outcome as its headline) and its buttons (only Details, in the overflow menu).
    const at = list.blocks.findIndex((b: any) => b.type === 'section' && json(b).includes('Approved by you'));
    expect(at).toBeGreaterThanOrEqual(0);
    const card = list.blocks.slice(at, at + 3).filter((b: any) => b.type !== 'divider');
    expect(json(card)).toContain(A.adaPlain);
    expect(buttonIds(card)).toEqual([AR_ACTION.details]);
    // An admin looking at it for Ada sees the same, with no buttons either.
    await h.click(USERS.admin.id, AR_ACTION.details, { i: A.adaPlain, u: USERS.ada.id }, { responseId: 'admin' });
    const [forAdmin] = await h.responsesTo('admin');
    expect(json(forAdmin.blocks)).toContain(`Approved by <@${USERS.ada.id}>`);
    expect(buttonIds(forAdmin.blocks).filter((id) => id !== ACTION.openInIsc)).toEqual([]);
    expect(mutations()).toHaveLength(1);
  });

  it('an admin may not approve, for its approver, a request they made (separation of duties); ISC is not called', async () => {
    const admin = h.sandbox.identityForEmail(USERS.admin.email);
    const mine = h.sandbox.addAccessRequestApproval({
      owner: { id: SEED_IDENTITIES.ben.id },
      requester: { type: 'IDENTITY', id: admin.id, name: admin.name },
      requestedFor: { type: 'IDENTITY', id: admin.id, name: admin.name },
      requestedObject: { id: 'r2', name: 'Okta Super Admin', type: 'ROLE' },
    });
    await h.click(USERS.admin.id, AR_ACTION.approve, { i: mine.id, u: USERS.ben.id }, { responseId: 'sod' });
    const [reply] = await h.responsesTo('sod');
    expect(reply.text).toMatch(/You requested this access request, so you may not decide it for its owner \(separation of duties\)/);
    expect(mutations()).toHaveLength(0);
    // Another admin-for-owner approval goes through, and ISC names the bot's identity (service mode).
    await h.click(USERS.admin.id, AR_ACTION.approve, { i: A.benPending, u: USERS.ben.id }, { responseId: 'adm' });
    expect(json((await h.responsesTo('adm'))[0].blocks)).toContain('Approved by you');
    expect(mutations()).toEqual([expect.objectContaining({ approvalId: A.benPending, identityId: SEED_IDENTITIES.service.id })]);
  });
});

describe('Approve with comment and Reject', () => {
  it('approve with comment: a form, then the comment goes to ISC with the decision', async () => {
    const form = await h.openForm(USERS.ada.id, AR_ACTION.approveWithComment, { i: A.adaRevoke }, { responseId: 'awc' });
    expect(form.view.callback_id).toBe(VIEW.arDecide);
    expect(form.view.submit.text).toBe('Approve');
    const res = await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arDecide, private_metadata: form.view.private_metadata, state: { values: commentValues('Fine, VPN is retired') } });
    expect(res.body).toBe(''); // the form closes
    expect(await finalForm(/Approved by you/)).toContain('sent to ISC, which carries it out shortly');
    expect(decisionOf(A.adaRevoke)).toMatchObject({ state: 'APPROVED', reviewerComment: { comment: 'Fine, VPN is retired' } });
    const [card] = await h.responsesTo('awc');
    expect(json(card.blocks)).toContain(`Approved by you`);
  });

  it('reject asks for the reason ISC requires; without one the form says so and ISC is not called', async () => {
    const form = await h.openForm(USERS.ada.id, AR_ACTION.reject, { i: A.adaCommentRequired }, { responseId: 'rj' });
    expect(form.view.callback_id).toBe(VIEW.arDecide);
    const input = form.view.blocks.find((b: any) => b.block_id === COMMENT_FIELD.block);
    expect(input.optional).toBe(false);
    const empty = await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arDecide, private_metadata: form.view.private_metadata, state: { values: commentValues('  ') } });
    expect(JSON.parse(empty.body)).toEqual({ response_action: 'errors', errors: { [COMMENT_FIELD.block]: 'ISC requires a reason to reject this access request.' } });
    expect(mutations()).toHaveLength(0);
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arDecide, private_metadata: form.view.private_metadata, state: { values: commentValues('Use the release bot instead') } });
    await finalForm(/Rejected by you/);
    expect(decisionOf(A.adaCommentRequired)).toMatchObject({ state: 'REJECTED', reviewerComment: { comment: 'Use the release bot instead' } });
    expect(json((await h.responsesTo('rj'))[0].blocks)).toContain(`Rejected by you`);
    expect(mutations()).toHaveLength(1);
  });

  it('a forged submit without the required reason is refused by the live check, and ISC is not called', async () => {
    const form = await h.openForm(USERS.ada.id, AR_ACTION.reject, { i: A.adaCommentRequired });
    const metadata = JSON.stringify({ ...JSON.parse(form.view.private_metadata), q: undefined });
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arDecide, private_metadata: metadata, state: { values: commentValues('') } });
    expect(await finalForm(/requires a reason/)).toMatch(/ISC requires a reason to reject this access request: give one in the form\. Nothing was changed in ISC\./);
    expect(mutations()).toHaveLength(0);
  });

  it('a reject without a comment when none is required goes through', async () => {
    const form = await h.openForm(USERS.ada.id, AR_ACTION.reject, { i: A.adaPlain });
    expect(form.view.blocks.find((b: any) => b.block_id === COMMENT_FIELD.block).optional).toBe(true);
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arDecide, private_metadata: form.view.private_metadata, state: { values: commentValues('') } });
    await finalForm(/Rejected by you/);
    expect(decisionOf(A.adaPlain)).toMatchObject({ state: 'REJECTED', reviewerComment: null });
  });

  it('the form is not offered to someone who is not the approver', async () => {
    const form = await h.openForm(USERS.ben.id, AR_ACTION.reject, { i: A.adaPlain });
    expect(form.view.callback_id).toBeUndefined();
    expect(json(form.view)).toMatch(/current approver/);
  });
});

describe('Forward', () => {
  it('hands the approval to the person picked, with the comment ISC requires, and the card says to whom', async () => {
    const admin = h.sandbox.identityForEmail(USERS.admin.email);
    const form = await h.openForm(USERS.ada.id, AR_ACTION.forward, { i: A.adaSodViolation, k: 'pending', o: 5 }, { responseId: 'fw' });
    expect(form.view.callback_id).toBe(VIEW.arForward);
    const missing = await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arForward, private_metadata: form.view.private_metadata, state: { values: forwardFormValues(USERS.admin.id, '') } });
    expect(JSON.parse(missing.body).errors).toHaveProperty('fwd_comment');
    expect(mutations()).toHaveLength(0);
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arForward, private_metadata: form.view.private_metadata, state: { values: forwardFormValues(USERS.admin.id, 'IT covers payments') } });
    await finalForm(/Forwarded to/);
    const state = h.sandbox.getAccessRequestApprovalState(A.adaSodViolation)!;
    expect(state.owner?.id).toBe(admin.id);
    expect(state.forwardHistory?.at(-1)).toMatchObject({ oldApproverName: 'Ada Approver', newApproverName: admin.name, comment: 'IT covers payments' });
    const [card] = await h.responsesTo('fw');
    expect(json(card.blocks)).toContain(`Forwarded to <@${USERS.admin.id}> by you`);
  });

  it('refuses forwarding a request to the person who asked for it (Ben, who asks for himself)', async () => {
    const form = await h.openForm(USERS.ada.id, AR_ACTION.forward, { i: A.adaSodViolation }, { responseId: 'fwben' });
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arForward, private_metadata: form.view.private_metadata, state: { values: forwardFormValues(USERS.ben.id, 'Ben covers payments') } });
    expect(await finalForm(/separation of duties/)).toContain('Ben Builder requested this access request, so it cannot be handed to them (separation of duties).');
    expect(mutations()).toHaveLength(0);
    expect(h.sandbox.getAccessRequestApprovalState(A.adaSodViolation)!.owner?.id).toBe(SEED_IDENTITIES.ada.id);
  });
});

describe('Separation of duties for the approver too', () => {
  const forBen = () =>
    h.sandbox.addAccessRequestApproval({
      owner: { id: SEED_IDENTITIES.ada.id },
      requester: { type: 'IDENTITY', id: SEED_IDENTITIES.ada.id, name: 'Ada Approver' },
      requestedFor: { type: 'IDENTITY', id: SEED_IDENTITIES.ben.id, name: 'Ben Builder' },
      requestedObject: { id: 'r3', name: 'Payroll Admin', type: 'ROLE' },
    });

  it('the approver may not approve a request they made, though ISC sees only the service identity; ISC is not called', async () => {
    const mine = forBen();
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: mine.id }, { responseId: 'own' });
    const [reply] = await h.responsesTo('own');
    expect(reply.text).toMatch(/You requested this access request, so you may not decide, forward or reassign it yourself \(separation of duties\)\. Nothing was changed in ISC\./);
    expect(mutations()).toHaveLength(0);
  });

  it('nobody forwards a request to the person the access is for', async () => {
    const forBenByCarl = h.sandbox.addAccessRequestApproval({
      owner: { id: SEED_IDENTITIES.ada.id },
      requester: { type: 'IDENTITY', id: 'someone-else', name: 'Someone' },
      requestedFor: { type: 'IDENTITY', id: SEED_IDENTITIES.ben.id, name: 'Ben Builder' },
      requestedObject: { id: 'r4', name: 'Payroll Viewer', type: 'ROLE' },
    });
    const form = await h.openForm(USERS.ada.id, AR_ACTION.forward, { i: forBenByCarl.id }, { responseId: 'fwb' });
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arForward, private_metadata: form.view.private_metadata, state: { values: forwardFormValues(USERS.ben.id, 'Ben, yours') } });
    const view = await finalForm(/separation of duties/);
    expect(view).toContain('This access request is for Ben Builder, so it cannot be handed to them (separation of duties). Nothing was changed in ISC. Pick someone else.');
    expect(mutations()).toHaveLength(0);
  });
});

describe('an SoD violation: every approve path shows it and takes a justification', () => {
  const sodForm = async (responseId: string) => {
    const form = await h.openForm(USERS.ada.id, AR_ACTION.approveWithComment, { i: A.adaSodViolation }, { responseId });
    expect(form.view.callback_id).toBe(VIEW.arDecide);
    return form;
  };
  const submit = (form: { id: string; view: Record<string, any> }, comment: string) =>
    h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arDecide, private_metadata: form.view.private_metadata, state: { values: commentValues(comment) } });

  it('the card offers no one-click Approve: its Approve… opens the form, which shows the violation and requires a justification', async () => {
    await h.click(USERS.ada.id, AR_ACTION.details, { i: A.adaSodViolation }, { responseId: 'det' });
    const [detail] = await h.responsesTo('det');
    expect(buttonIds(detail.blocks)).toEqual([AR_ACTION.approveWithComment, AR_ACTION.reject, AR_ACTION.forward]);
    expect(findButton(detail.blocks, AR_ACTION.approveWithComment).text.text).toBe('Approve…');

    const form = await sodForm('f');
    expect(json(form.view.blocks)).toContain('Separation-of-duties violation');
    expect(json(form.view.blocks)).toContain('Create and approve payments');
    expect(form.view.blocks.find((b: any) => b.block_id === COMMENT_FIELD.block)).toMatchObject({ optional: false, label: { text: 'Justification' } });
    // Blank (or only spaces): the form says what is missing and ISC is not called.
    const blank = JSON.parse((await submit(form, '   ')).body);
    expect(blank).toEqual({ response_action: 'errors', errors: { [COMMENT_FIELD.block]: 'Give a justification for approving despite the separation-of-duties violation.' } });
    expect(mutations()).toHaveLength(0);

    expect((await submit(form, 'Maya is on leave; payments lead signed off')).body).toBe('');
    await finalForm(/Approved by you/);
    expect(decisionOf(A.adaSodViolation)).toMatchObject({ state: 'APPROVED', reviewerComment: { comment: 'Maya is on leave; payments lead signed off' } });
  });

  it('a forged one-click Approve (or one from an older card) is refused by the bot, and ISC is not called', async () => {
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaSodViolation }, { responseId: 'forged' });
    const [reply] = await h.responsesTo('forged');
    expect(reply.replace_original).toBe(false);
    expect(reply.text).toMatch(/breaks a separation-of-duties policy: press \*Approve…\* and give a justification\. Nothing was changed in ISC\./);
    expect(mutations()).toHaveLength(0);
    expect(decisionOf(A.adaSodViolation)).toBeUndefined();
  });

  it('a forged submit of the form without the required flag still takes no approval without a justification', async () => {
    const form = await sodForm('f2');
    const metadata = JSON.parse(form.view.private_metadata);
    delete metadata.q;
    await h.submitView(USERS.ada.id, { id: form.id, callback_id: VIEW.arDecide, private_metadata: JSON.stringify(metadata), state: { values: commentValues('') } });
    expect(await finalForm(/separation-of-duties/)).toContain('give a justification');
    expect(mutations()).toHaveLength(0);
  });

  it('the DM of a new SoD request says the conflict first, and its approve button is the same form', async () => {
    const dmHarness = await startHarness({ NOTIFY_USERS: USERS.ada.id });
    try {
      await dmHarness.bot.notifier.runCycle();
      const seed = dmHarness.sandbox.getAccessRequestApprovalState(A.adaSodViolation)!;
      const fresh = dmHarness.sandbox.addAccessRequestApproval({
        owner: seed.owner,
        requester: seed.requester,
        requestedFor: seed.requestedFor,
        requestedObject: seed.requestedObject,
        sodViolationContext: seed.sodViolationContext,
      });
      await dmHarness.bot.notifier.runCycle();
      const dm = dmHarness.slack.callsTo('chat.postMessage').map((c) => c.args as Record<string, any>).find((m) => json(m.blocks).includes(fresh.id!))!;
      expect(dm.text).toMatch(/^SoD conflict: Create and approve payments · New access request: Payments Administrator/);
      expect(buttonIds(dm.blocks)).toEqual([AR_ACTION.approveWithComment, AR_ACTION.reject, AR_ACTION.forward]);
      const value = findButton(dm.blocks, AR_ACTION.approveWithComment).value;
      const form = await dmHarness.openForm(USERS.ada.id, AR_ACTION.approveWithComment, value);
      expect(json(form.view.blocks)).toContain('Separation-of-duties violation');
      expect(form.view.blocks.find((b: any) => b.block_id === COMMENT_FIELD.block).optional).toBe(false);
      await dmHarness.click(USERS.ada.id, AR_ACTION.approve, value, { responseId: 'dm-forged' });
      expect((await dmHarness.responsesTo('dm-forged'))[0].text).toMatch(/give a justification/);
      expect(dmHarness.sandbox.stats().mutations).toHaveLength(0);
    } finally {
      await dmHarness.close();
    }
  });
});

describe('Details', () => {
  it('shows the request in full, SoD violation first, to its approver only', async () => {
    await h.click(USERS.ada.id, AR_ACTION.details, { i: A.adaSodViolation }, { responseId: 'det' });
    const [detail] = await h.responsesTo('det');
    expect(detail.response_type).toBe('ephemeral');
    expect(detail.blocks[0].type).toBe('header');
    expect(detail.blocks[1].text.text).toMatch(/^\*Ben Builder\* wants \*Payments Administrator\*/);
    expect(detail.blocks.find((b: any) => b.block_id?.endsWith(':sod')).text.text).toMatch(/^🚨 \*Separation-of-duties violation\*.*\n• \*Create and approve payments\*: has AP Invoice Entry · would get AP Payment Approval/);
    await h.click(USERS.ben.id, AR_ACTION.details, { i: A.adaSodViolation }, { responseId: 'det-ben' });
    expect((await h.responsesTo('det-ben'))[0].text).toMatch(/can see it/);
  });
});

describe('the audit trail', () => {
  it('records the approval with its kind, id and name', async () => {
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaPlain }, { responseId: 'a' });
    await h.responsesTo('a');
    const records = [];
    for await (const r of h.bot.audit.readSince(new Date(0))) records.push(r);
    expect(records.map((r) => [r.phase, r.item.kind, r.item.id, r.item.name, r.action, r.outcome])).toEqual([
      ['intent', 'access-request-approval', A.adaPlain, 'Salesforce Sales Reader', 'approve', undefined],
      ['outcome', 'access-request-approval', A.adaPlain, 'Salesforce Sales Reader', 'approve', 'done'],
    ]);
  });
});
