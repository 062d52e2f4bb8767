import { ACTION, AR_ACTION, decodeApprovalValue, decodeItemValue, GA_ACTION } from '../../src/blocks/actions';
import { HOME_ACTION } from '../../src/blocks/home';
import { validateMessage, validateView } from '../../src/blocks/limits';
import { SEED_ACCESS_REQUEST_APPROVALS, SEED_GENERIC_APPROVALS } from '../../src/sandbox/approvalSeed';
import { SEED_APPROVAL_ITEMS, SEED_IDENTITIES, SEED_WORK_ITEMS } from '../../src/sandbox/seed';
import { withSharedValue } from '../blocks/fixtures';
import { findButton, startHarness, USERS, type Harness } from '../support/botHarness';

// The inbox through the real bot: every kind in /workitems and on the Home tab, one queue most urgent
// first, paged over, counts that add up, and what each interaction costs in ISC requests.

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const json = (v: unknown) => JSON.stringify(v);
const A = SEED_ACCESS_REQUEST_APPROVALS;
const G = SEED_GENERIC_APPROVALS;
/** The "Showing x–y of z" line above Previous / Next. */
const rangeLine = (blocks: Array<Record<string, any>>) => blocks.find((b) => b.block_id === 'page_range')?.elements[0].text;
const pageValue = (blocks: Array<Record<string, any>>, actionId: string) => JSON.parse(findButton(blocks, actionId).value);

/** ISC requests per "METHOD /path" since `before`. */
function requestsSince(before: Record<string, number>): Record<string, number> {
  const now = h.sandbox.stats().requests;
  return Object.fromEntries(Object.entries(now).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([k, n]) => n !== 0 && !String(k).includes('/oauth/')));
}

const BEN_WORK_ITEM = 'b0000000000000000000000000000b01';

function benHasOneOfEach(): void {
  h.sandbox.addWorkItem({
    id: BEN_WORK_ITEM,
    ownerId: SEED_IDENTITIES.ben.id,
    name: 'Access Request: Wiki editors',
    type: 'Approval',
    requesterDisplayName: 'Ada Approver',
    approvalItems: [{ id: 'b01a1', application: 'Confluence', name: 'group', value: 'wiki-editors', operation: 'Add', state: 'Pending' }],
  });
}

describe('one item of each kind', () => {
  it('are all three in /workitems, a section each, with their buttons', async () => {
    benHasOneOfEach();
    await h.command(USERS.ben.id, '', 'ben');
    const [reply] = await h.responsesTo('ben');
    expect(validateMessage(reply as never)).toEqual([]);
    expect(reply.text).toBe('You have 3 pending items in ISC: 1 work item, 1 access request and 1 workflow approval');
    // One queue, no heading per kind; the counts of each under the heading.
    expect(reply.blocks[0].text.text).toBe('*Waiting on you in ISC*\nWork items: 1 · Access requests: 1 · Workflow approvals: 1');
    expect(reply.blocks.filter((b: Record<string, any>) => /^sec_/.test(b.block_id ?? ''))).toEqual([]);
    expect(decodeItemValue(findButton(reply.blocks, ACTION.approve).value)).toMatchObject({ w: BEN_WORK_ITEM, a: 'b01a1' });
    expect(decodeApprovalValue(findButton(reply.blocks, AR_ACTION.approve).value)).toMatchObject({ i: A.benPending });
    expect(decodeApprovalValue(findButton(reply.blocks, GA_ACTION.approve).value)).toMatchObject({ i: G.benPending });
    expect(rangeLine(reply.blocks)).toBe('Showing 1–3 of 3');
    expect(() => findButton(reply.blocks, ACTION.pageNext)).toThrow();
  });

  it('are all three on the Home tab', async () => {
    benHasOneOfEach();
    await h.event({ type: 'app_home_opened', user: USERS.ben.id, channel: 'D0BEN', tab: 'home', event_ts: '1.0' });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length === 1);
    const { view } = h.slack.callsTo('views.publish')[0].args as { view: Record<string, any> };
    expect(validateView(view as never)).toEqual([]);
    expect(view.blocks[1].text.text).toMatch(/^\*3 waiting on you\*/);
    for (const id of [BEN_WORK_ITEM, A.benPending, G.benPending]) expect(json(view)).toContain(id);
  });

  it('acting on the Home tab republishes it, the approval gone from the queue; its Retry reads every kind again', async () => {
    benHasOneOfEach();
    await h.click(USERS.ben.id, AR_ACTION.approve, { i: A.benPending, k: 'pending', o: 0 }, { home: true });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length === 1);
    const { view } = h.slack.callsTo('views.publish')[0].args as { view: Record<string, any> };
    expect(view.blocks[1].text.text).toMatch(/^\*2 waiting on you\* · .*✅ Decided today: 1/);
    expect(json(view)).not.toContain(AR_ACTION.approve);
    expect(h.sandbox.getAccessRequestApprovalState(A.benPending)?.decision?.state).toBe('APPROVED');
    const before = h.sandbox.stats().requests;
    await h.click(USERS.ben.id, HOME_ACTION.retry, 'retry', { home: true });
    await h.slack.waitFor(() => h.slack.callsTo('views.publish').length === 2);
    expect(requestsSince(before)).toMatchObject({ 'GET /work-items': 1, 'GET /access-request-approvals/pending': 1, 'GET /generic-approvals': 1 });
  });

  it('the summary shows each kind and the total, and they add up', async () => {
    await h.command(USERS.ada.id, 'summary', 'sum');
    const [summary] = await h.responsesTo('sum');
    expect(summary.text).toBe('You have 15 pending items in ISC: 6 work items, 5 access requests and 4 workflow approvals');
    expect(summary.blocks[0].text.text).toBe(
      '*Waiting on you in ISC: 15*\n*Work items:* 6 open · 2 completed\n*Access requests:* 5 pending · 1 approved · 1 rejected\n*Workflow approvals:* 4 pending',
    );
  });
});

describe('/workitems <id>', () => {
  it('shows a work item, an access request or a generic approval in full, whichever the id names', async () => {
    await h.command(USERS.ada.id, A.adaSodViolation, 'ar');
    const [ar] = await h.responsesTo('ar');
    expect(ar.text).toBe('Access request: Payments Administrator for Ben Builder');
    expect(ar.blocks[1].text.text).toMatch(/^\*Ben Builder\* wants \*Payments Administrator\*/);
    expect(json(ar.blocks)).toContain('🚨 *Separation-of-duties violation*');
    await h.command(USERS.ada.id, G.adaOverdue, 'ga');
    expect((await h.responsesTo('ga'))[0].text).toBe('Workflow approval: Quarterly firewall rule review');
    await h.command(USERS.ada.id, 'abcdef0123456789abcdef0123456789', 'none');
    expect((await h.responsesTo('none'))[0].text).toMatch(/ISC has no work item, access request or approval with the id abcdef0123456789abcdef0123456789/);
    await h.command(USERS.ben.id, A.adaSodViolation, 'not-ben');
    expect((await h.responsesTo('not-ben'))[0].text).toMatch(/Only the access request's current approver \(Ada Approver\) or a bot admin can see it/);
  });
});

/** Every seeded item id of any kind. */
const SEEDED_IDS = [...Object.values(SEED_WORK_ITEMS), ...Object.values(A), ...Object.values(G)];
/** The item each card of a list page is about (cards end with a divider), in the page's order. */
function cardIds(blocks: Array<Record<string, any>>): string[] {
  const cards: Array<Array<Record<string, any>>> = [[]];
  for (const b of blocks.slice(1)) b.type === 'divider' ? cards.push([]) : cards.at(-1)!.push(b);
  return cards.slice(0, -1).map((c) => {
    const found = SEEDED_IDS.filter((id) => json(c).includes(id));
    expect(found).toHaveLength(1);
    return found[0];
  });
}

describe('one queue, most urgent first, paged', () => {
  it('an overdue workflow approval (the last kind) is at the top of page 1, not on page 2; the pages show every item exactly once', async () => {
    await h.command(USERS.ada.id, '', 'p1');
    const [p1] = await h.responsesTo('p1');
    expect(p1.blocks[0].text.text).toBe('*Waiting on you in ISC*\nWork items: 6 · Access requests: 5 · Workflow approvals: 4');
    const ids1 = cardIds(p1.blocks);
    // Overdue first, oldest first among them: the work item waiting 10 days (past STALE_AFTER_DAYS), then
    // the workflow approval past its due date, of the last kind (on page 2 when pages went kind by kind).
    expect(ids1.slice(0, 2)).toEqual([SEED_WORK_ITEMS.adaHostile, G.adaOverdue]);
    // Then the SoD conflict and the high-privilege request, ahead of older items with neither.
    const sod = ids1.indexOf(A.adaSodViolation);
    expect(sod).toBeGreaterThan(1);
    expect(sod).toBeLessThan(ids1.indexOf(SEED_WORK_ITEMS.adaMultiApproval));
    expect(rangeLine(p1.blocks)).toBe(`Showing 1–${ids1.length} of 15`);
    const next1 = pageValue(p1.blocks, ACTION.pageNext);
    expect(next1).toEqual({ k: 'pending', o: ids1.length });

    await h.click(USERS.ada.id, ACTION.pageNext, next1, { responseId: 'p2' });
    const [p2] = await h.responsesTo('p2');
    const ids2 = cardIds(p2.blocks);
    expect(rangeLine(p2.blocks)).toBe(`Showing ${ids1.length + 1}–15 of 15`);
    expect(() => findButton(p2.blocks, ACTION.pageNext)).toThrow();
    // Every item once: 15 cards over the two pages, none twice.
    expect(ids1.length + ids2.length).toBe(15);
    expect(new Set([...ids1, ...ids2]).size).toBe(15);
    // Back by a page: to the start. A card on this page carries the page's start, so an action redraws this page.
    expect(pageValue(p2.blocks, ACTION.pagePrev)).toEqual({ k: 'pending' });
    const onP2 = p2.blocks
      .flatMap((b: Record<string, any>) => (b.elements ?? []).map((e: Record<string, any>) => withSharedValue(e, b.block_id)))
      .find((e: Record<string, any>) => e.type === 'button' && /_(approve|select_accounts)$/.test(e.action_id));
    expect((decodeItemValue(onP2.value) ?? decodeApprovalValue(onP2.value))?.list).toEqual({ kind: 'pending', offset: ids1.length });
    for (const page of [p1, p2]) expect(validateMessage(page as never)).toEqual([]);
  });

  it("a card's overflow options carry its value once, in the actions block's id; picking one acts on that item", async () => {
    await h.command(USERS.ada.id, '', 'list');
    const [list] = await h.responsesTo('list');
    const actions = list.blocks.find((b: Record<string, any>) => b.type === 'actions' && json(b).includes(A.adaSodViolation));
    expect(actions.block_id).toBe(`v|i=${A.adaSodViolation}&k=p`);
    const menu = actions.elements.find((e: Record<string, any>) => e.type === 'overflow');
    expect(menu.options.map((o: Record<string, any>) => o.value)).toEqual([AR_ACTION.forward, AR_ACTION.details]);
    await h.click(USERS.ada.id, menu.action_id, undefined, { responseId: 'picked', action: { type: 'overflow', block_id: actions.block_id, selected_option: { value: AR_ACTION.details } } });
    const [details] = await h.responsesTo('picked');
    expect(details.text).toBe('Access request: Payments Administrator for Ben Builder');
    // A button whose value is the card's carries none of its own: the click takes the block id's.
    const overdue = list.blocks.find((b: Record<string, any>) => b.type === 'actions' && b.block_id === `v|i=${G.adaOverdue}&k=p`);
    const approve = overdue.elements.find((e: Record<string, any>) => e.action_id === GA_ACTION.approve);
    expect(approve).not.toHaveProperty('value');
    await h.click(USERS.ada.id, GA_ACTION.approve, undefined, { responseId: 'approved', action: { block_id: overdue.block_id } });
    const [after] = await h.responsesTo('approved');
    expect(json(after.blocks)).toContain('Approved by you');
  });

  it('page 1 reads each kind from ISC once; Next reads nothing (the cache); a new /workitems reads every kind again', async () => {
    let before = h.sandbox.stats().requests;
    await h.command(USERS.ada.id, '', 'warm');
    const [p1] = await h.responsesTo('warm');
    expect(requestsSince(before)).toMatchObject({ 'GET /work-items': 1, 'GET /access-request-approvals/pending': 1, 'GET /generic-approvals': 1 });
    before = h.sandbox.stats().requests;
    await h.click(USERS.ada.id, ACTION.pageNext, pageValue(p1.blocks, ACTION.pageNext), { responseId: 'turn' });
    await h.responsesTo('turn');
    expect(requestsSince(before)).toEqual({});
    before = h.sandbox.stats().requests;
    await h.command(USERS.ada.id, '', 'fresh');
    await h.responsesTo('fresh');
    expect(requestsSince(before)).toEqual({ 'GET /work-items': 1, 'GET /access-request-approvals/pending': 1, 'GET /generic-approvals': 1 });
  });

  it('acting on a work item does not read the other kinds from ISC again', async () => {
    await h.command(USERS.ada.id, '', 'warm');
    await h.responsesTo('warm');
    const before = h.sandbox.stats().requests;
    await h.click(USERS.ada.id, ACTION.approve, { w: SEED_WORK_ITEMS.adaSingleApproval, a: SEED_APPROVAL_ITEMS.adaSingle, k: 'pending', o: 0 }, { responseId: 'ap' });
    const [card] = await h.responsesTo('ap');
    expect(json(card.blocks)).toContain(`Approved by you`);
    expect(requestsSince(before)).toEqual({ 'GET /work-items/{id}': 1, 'POST /work-items/{id}/approve/{approvalItemId}': 1, 'GET /work-items': 1 });
  });

  it('acting on an access request reads the access requests again, so the list shows the decision', async () => {
    await h.command(USERS.ada.id, '', 'ars');
    await h.responsesTo('ars');
    await h.click(USERS.ada.id, AR_ACTION.approve, { i: A.adaPlain, k: 'pending', o: 0 }, { responseId: 'ap' });
    const [card] = await h.responsesTo('ap');
    // The approved one stays pinned first, with who and when; the section counts what ISC has now.
    expect(card.blocks[0].text.text).toContain('Access requests: 4');
    // The first card, with the outcome as its headline.
    expect(card.blocks[1].text.text).toMatch(/^\*✅ Approved by you · /);
  });
});

describe('a kind ISC will not list', () => {
  it('leaves the other kinds shown, and says which one is unavailable and why', async () => {
    h.fault = (req) => (req.method === 'GET' && req.path === '/access-request-approvals/v1/pending' ? { kind: 'status', status: 403 } : undefined);
    await h.command(USERS.ben.id, '', 'ben');
    const [reply] = await h.responsesTo('ben');
    expect(reply.blocks[0].text.text).toBe('*Waiting on you in ISC*\nWork items: 0 · Workflow approvals: 1');
    const failed = reply.blocks.find((b: Record<string, any>) => b.block_id === 'failed_accessRequest');
    expect(failed.text.text).toBe("Couldn't load access requests from ISC just now.");
    expect(failed.accessory).toMatchObject({ action_id: ACTION.retry, text: { text: 'Retry' } });
    expect(json(reply.blocks)).toMatch(/_unavailable_ \(tracking id `[0-9a-f]{32}`\)/);
    // The notification text claims no count it could not read.
    expect(reply.text).toBe('You have at least 1 pending item: 1 workflow approval in ISC (access requests could not be loaded)');
    // Retry reads every kind again: with ISC answering, the access requests are back.
    h.fault = undefined;
    await h.click(USERS.ben.id, ACTION.retry, JSON.parse(failed.accessory.value), { responseId: 'retry' });
    const [again] = await h.responsesTo('retry');
    expect(again.blocks.find((b: Record<string, any>) => b.block_id === 'failed_accessRequest')).toBeUndefined();
    expect(json(again.blocks)).toContain(A.benPending);
    expect(json(reply.blocks)).toContain(G.benPending);
  });

  it('every kind failing is an error message with the tracking id', async () => {
    h.fault = (req) => (req.method === 'GET' && !req.path.includes('public-identities') ? { kind: 'status', status: 500 } : undefined);
    await h.command(USERS.ada.id, '', 'down');
    const [reply] = await h.responsesTo('down');
    expect(reply.text).toMatch(/ISC had an internal error \(500\)/);
  });
});
