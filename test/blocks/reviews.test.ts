import { validateMessage, validateView } from '../../src/blocks/limits';
import { readRevokeForm, renderReassignModal, renderRevokeModal, REVIEW_FIELDS } from '../../src/blocks/reviewModals';
import { decodeReviewValue, dueText, renderReviewList, renderReviewPage, RV_ACTION } from '../../src/blocks/reviews';
import type { AccessReviewItem, IdentityCertificationDto } from '../../src/isc/types';
import type { ReviewPage } from '../../src/reviews/review';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const viewer = { tz: 'Europe/Paris', now: NOW };
const HOSTILE = '<!channel> <https://evil.example|click> <@U0ADMIN> & *x*';
const hex = (n: number) => n.toString(16).padStart(32, '0');

const cert = (over: Partial<IdentityCertificationDto> = {}): IdentityCertificationDto => ({
  id: hex(1),
  name: `Review ${HOSTILE}`,
  campaign: { id: hex(2), name: `Campaign ${HOSTILE}`, type: 'CAMPAIGN', campaignType: 'MANAGER', description: null, correlatedStatus: 'CORRELATED', mandatoryCommentRequirement: 'REVOKE_ONLY_DECISIONS' },
  decisionsMade: 0,
  decisionsTotal: 300,
  due: '2026-12-10T12:00:00.000Z',
  reviewer: { id: hex(3), name: 'Ada', type: 'IDENTITY' },
  phase: 'ACTIVE',
  ...over,
});

const item = (n: number, over: Partial<AccessReviewItem> = {}): AccessReviewItem => ({
  id: hex(100 + n),
  completed: false,
  newAccess: n % 2 === 0,
  identitySummary: { id: hex(500 + n), name: `Person ${n} ${HOSTILE}`, identityId: hex(900 + n) },
  accessSummary: { access: { type: 'ENTITLEMENT', id: hex(700 + n), name: `${'Very long entitlement name '.repeat(8)}${HOSTILE}` }, entitlement: { privileged: true, sourceName: `Source ${HOSTILE}`, account: { activityInsights: { usageDays: 12, usageDaysState: 'COMPLETE' } } } },
  recommendation: { recommendation: 'APPROVE', reasons: ['Peers have it', HOSTILE] },
  ...over,
});

const page = (items: AccessReviewItem[], over: Partial<ReviewPage> = {}): ReviewPage => ({ certification: cert(), items, offset: 0, decisions: {}, ...over });

describe('a review page', () => {
  it('shows as many long, hostile items as a message holds, escaped, with Next after the last shown', () => {
    const rendered = renderReviewPage(page(Array.from({ length: 20 }, (_, i) => item(i))), viewer, 'tok');
    expect(validateMessage(rendered)).toEqual([]);
    expect(rendered.shown).toBeGreaterThan(3);
    expect(rendered.shown).toBeLessThan(20);
    // The header is plain_text, which Slack does not parse; every mrkdwn text is escaped.
    expect(rendered.blocks[0].type).toBe('header');
    const text = JSON.stringify(rendered.blocks.slice(1));
    expect(text).not.toMatch(/<!channel>|<https:|<@U0ADMIN>/);
    expect(text).toContain('IAI recommends *approve*');
    expect(text).toContain('used 12 of the last 90 days');
    const next = rendered.blocks.flatMap((b) => ('elements' in b ? (b.elements as Array<Record<string, any>>) : [])).find((e) => e.action_id === RV_ACTION.next);
    expect(JSON.parse(next!.value)).toEqual({ c: hex(1), o: rendered.shown });
  });

  it('offers Sign off only when nothing is undecided, and no item buttons once signed', () => {
    const decided = item(1, { completed: true, decision: 'REVOKE' });
    const ids = (r: { blocks: unknown[] }) => JSON.stringify(r.blocks).match(/rv_[a-z_]+/g) ?? [];
    expect(ids(renderReviewPage(page([decided], { certification: cert({ decisionsMade: 300 }) }), viewer, 't'))).toContain(RV_ACTION.signOff);
    expect(ids(renderReviewPage(page([item(2)]), viewer, 't'))).not.toContain(RV_ACTION.signOff);
    const signed = renderReviewPage(page([item(3)], { certification: cert({ decisionsMade: 300, phase: 'SIGNED', signed: NOW.toISOString() }) }), viewer, 't');
    expect(ids(signed)).not.toEqual(expect.arrayContaining([RV_ACTION.approve, RV_ACTION.signOff, RV_ACTION.approveAll]));
  });

  it("offers the reviewer's own access only a Reassign, and explains why", () => {
    const own = item(4, { identitySummary: { id: hex(5), name: 'Ada', identityId: hex(3) } });
    const text = JSON.stringify(renderReviewPage(page([own]), viewer, 't').blocks);
    expect(text).toContain('This is your own access');
    expect(text).not.toContain(`"action_id":"${RV_ACTION.approve}"`);
    expect(text).toContain(`"action_id":"${RV_ACTION.reassign}"`);
  });
});

describe('the list and due dates', () => {
  it('calls out overdue reviews and says how long is left otherwise', () => {
    expect(dueText('2026-12-05T12:00:00.000Z', viewer)).toMatch(/^⚠️ \*overdue\* by 2 days/);
    expect(dueText('2026-12-10T11:59:00.000Z', viewer)).toMatch(/^due in 3 days/);
    expect(dueText(null, viewer)).toBe('no due date');
    const list = renderReviewList(Array.from({ length: 80 }, (_, i) => cert({ id: hex(i) })), viewer);
    expect(validateMessage(list)).toEqual([]);
    expect(JSON.stringify(list.blocks)).toMatch(/and \d+ more reviews/);
  });
});

describe('button values and forms', () => {
  it('refuses malformed or tampered values', () => {
    expect(decodeReviewValue(JSON.stringify({ c: hex(1), o: 20 }))).toEqual({ c: hex(1), o: 20 });
    expect(decodeReviewValue(JSON.stringify({ p: 'abc', t: hex(2) }))).toEqual({ p: 'abc', t: hex(2) });
    for (const bad of [{ c: '../x', o: 0 }, { c: hex(1), o: -1 }, { c: hex(1), o: 1.5 }, { p: 'a b', t: hex(2) }, { t: hex(2) }, { c: hex(1), p: 'abc', t: hex(2) }, 'x', null]) {
      expect(decodeReviewValue(JSON.stringify(bad))).toBeUndefined();
    }
    expect(decodeReviewValue('{not json')).toBeUndefined();
  });

  it('the revoke form asks for the comment the campaign requires, at most 2000 characters, and an end date after today', () => {
    const values = (comment: string, date?: string) => ({ [REVIEW_FIELDS.comment]: { [REVIEW_FIELDS.comment]: { type: 'plain_text_input', value: comment } }, [REVIEW_FIELDS.endDate]: { [REVIEW_FIELDS.endDate]: { type: 'datepicker', selected_date: date } } }) as never;
    expect(readRevokeForm(values(''), true, NOW)).toEqual({ problems: { [REVIEW_FIELDS.comment]: expect.stringMatching(/requires a comment/) } });
    expect(readRevokeForm(values(''), false, NOW)).toEqual({});
    expect(readRevokeForm(values('x'.repeat(2001)), false, NOW)).toEqual({ problems: { [REVIEW_FIELDS.comment]: 'At most 2000 characters.' } });
    expect(readRevokeForm(values('ok', '2026-12-07'), false, NOW)).toEqual({ problems: { [REVIEW_FIELDS.endDate]: 'Pick a date after today.' } });
    expect(readRevokeForm(values('ok', '2026-12-31'), false, NOW)).toEqual({ comment: 'ok', proposedEndDate: '2026-12-31T23:59:59.000Z' });
    const metadata = { c: hex(1), o: 0, t: hex(2), r: 'https://hooks.slack.test/x' };
    expect(validateView(renderRevokeModal(cert(), item(1), metadata))).toEqual([]);
    expect(validateView(renderReassignModal(item(1), { ...metadata, s: hex(3) }))).toEqual([]);
  });
});
