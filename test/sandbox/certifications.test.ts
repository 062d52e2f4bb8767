import { SEED_CERTIFICATIONS } from '../../src/sandbox/certificationSeed';
import { SEED_IDENTITIES } from '../../src/sandbox/seed';
import type { AccessReviewItem } from '../../src/isc/types';
import { ids, userApi, useTenant } from './helpers';

// The sandbox's access reviews keep ISC's rules (certifications.v1.yaml and the contract's README).

const h = useTenant();
const C = SEED_CERTIFICATIONS;
const ROOT = '/certifications/v1';
const { ada, ben, manager } = SEED_IDENTITIES;

const undecided = async (id: string, offset = 0): Promise<AccessReviewItem[]> =>
  (await h().api.get(`${ROOT}/${id}/access-review-items`, { params: { filters: 'completed eq false', limit: 250, offset } })).data;

describe('the demo reviewer', () => {
  it("lists Ada's open certifications for `me` with her own token, with a 300-item campaign", async () => {
    const asAda = await userApi(h(), ada.email);
    const res = await asAda.get(ROOT, { params: { 'reviewer-identity': 'me', filters: 'completed eq false', sorters: 'due', count: true } });
    expect(res.status).toBe(200);
    expect(ids(res.data)).toEqual([C.adaPrivileged, C.adaQuarterly]);
    expect(res.headers['x-total-count']).toBe('2');
    const quarterly = res.data[1];
    expect(quarterly).toMatchObject({ decisionsMade: 0, decisionsTotal: 300, phase: 'ACTIVE', campaign: { mandatoryCommentRequirement: 'REVOKE_ONLY_DECISIONS' } });
    const items = [...(await undecided(C.adaQuarterly)), ...(await undecided(C.adaQuarterly, 250))];
    expect(items).toHaveLength(300);
    expect(items.some((i) => i.recommendation?.recommendation === 'APPROVE')).toBe(true);
    expect(items.some((i) => i.accessSummary?.entitlement?.privileged)).toBe(true);
    expect(items.some((i) => i.newAccess)).toBe(true);
  });

  it('a non-reviewer gets 403 on the certification, its items and its decide; another reviewer is named only by an admin', async () => {
    const asBen = await userApi(h(), ben.email);
    expect((await asBen.get(`${ROOT}/${C.adaQuarterly}`)).status).toBe(403);
    expect((await asBen.get(`${ROOT}/${C.adaQuarterly}/access-review-items`)).status).toBe(403);
    expect((await asBen.post(`${ROOT}/${C.adaQuarterly}/decide`, [{ id: 'x', decision: 'APPROVE', bulk: false }])).status).toBe(403);
    expect((await asBen.get(ROOT, { params: { 'reviewer-identity': ada.id } })).status).toBe(403);
    expect(ids((await h().api.get(ROOT, { params: { 'reviewer-identity': ben.id } })).data)).toEqual([C.benQuarterly]);
  });
});

describe('decide', () => {
  it('refuses more than 250 decisions, an item of another certification, a revoke without the required comment, a past end date', async () => {
    const [first, second] = await undecided(C.adaQuarterly);
    const many = Array.from({ length: 251 }, (_, i) => ({ id: `i${i}`, decision: 'APPROVE', bulk: true }));
    expect((await h().api.post(`${ROOT}/${C.adaQuarterly}/decide`, many)).status).toBe(400);
    const [bens] = await undecided(C.benQuarterly);
    expect((await h().api.post(`${ROOT}/${C.adaQuarterly}/decide`, [{ id: bens.id, decision: 'APPROVE', bulk: false }])).status).toBe(400);
    const noComment = await h().api.post(`${ROOT}/${C.adaQuarterly}/decide`, [{ id: first.id, decision: 'REVOKE', bulk: false }]);
    expect(noComment.status).toBe(400);
    expect(noComment.data.messages[0].text).toMatch(/requires a comment/);
    const past = await h().api.post(`${ROOT}/${C.adaQuarterly}/decide`, [{ id: first.id, decision: 'REVOKE', bulk: false, comments: 'x', proposedEndDate: '2020-01-01T00:00:00Z' }]);
    expect(past.status).toBe(400);
    const done = await h().api.post(`${ROOT}/${C.adaQuarterly}/decide`, [
      { id: first.id, decision: 'REVOKE', bulk: false, comments: 'Left the team' },
      { id: second.id, decision: 'APPROVE', bulk: false },
    ]);
    expect(done.status).toBe(200);
    expect(done.data).toMatchObject({ decisionsMade: 2, decisionsTotal: 300 });
    expect(h().tenant.certificationDecisions()).toEqual([
      expect.objectContaining({ itemId: first.id, decision: 'REVOKE', comments: 'Left the team', identityId: SEED_IDENTITIES.service.id }),
      expect.objectContaining({ itemId: second.id, decision: 'APPROVE' }),
    ]);
    expect(ids(await undecided(C.adaQuarterly))).not.toContain(first.id);
  });

  it("refuses a decision on the reviewer's own access", async () => {
    const own = (await undecided(C.adaPrivileged)).find((i) => i.identitySummary?.identityId === ada.id)!;
    const res = await h().api.post(`${ROOT}/${C.adaPrivileged}/decide`, [{ id: own.id, decision: 'APPROVE', bulk: false }]);
    expect(res.status).toBe(400);
    expect(res.data.messages[0].text).toMatch(/own access/);
  });
});

describe('sign-off and reassign', () => {
  it('refuses a sign-off with undecided items; signs off once all are decided; no decision after', async () => {
    const items = await undecided(C.benQuarterly);
    const refused = await h().api.post(`${ROOT}/${C.benQuarterly}/sign-off`);
    expect(refused.status).toBe(400);
    expect(refused.data.messages[0].text).toMatch(/20 undecided items/);
    expect((await h().api.post(`${ROOT}/${C.benQuarterly}/decide`, items.map((i) => ({ id: i.id, decision: 'APPROVE', bulk: true })))).status).toBe(200);
    const signed = await h().api.post(`${ROOT}/${C.benQuarterly}/sign-off`);
    expect(signed.data).toMatchObject({ phase: 'SIGNED', completed: true });
    expect((await h().api.post(`${ROOT}/${C.benQuarterly}/decide`, [{ id: items[0].id, decision: 'REVOKE', bulk: false }])).status).toBe(400);
    expect((await h().api.post(`${ROOT}/${C.benQuarterly}/sign-off`)).status).toBe(400);
  });

  it("reassigns an item and an identity's items to another reviewer's certification", async () => {
    const items = await undecided(C.adaPrivileged);
    const [item] = items;
    const summary = items[4].identitySummary!.id!;
    const res = await h().api.post(`${ROOT}/${C.adaPrivileged}/reassign`, {
      reassign: [{ id: item.id, type: 'ITEM' }, { id: summary, type: 'IDENTITY_SUMMARY' }],
      reassignTo: manager.id,
      reason: 'Maya manages them now',
    });
    expect(res.status).toBe(200);
    const moved = items.filter((i) => i.id === item.id || i.identitySummary?.id === summary).length;
    expect(res.data.decisionsTotal).toBe(items.length - moved);
    const mayas = (await h().api.get(ROOT, { params: { 'reviewer-identity': manager.id } })).data;
    expect(mayas).toEqual([expect.objectContaining({ decisionsTotal: moved, reassignment: expect.objectContaining({ comment: 'Maya manages them now' }) })]);
    expect((await h().api.post(`${ROOT}/${C.adaPrivileged}/reassign`, { reassign: [{ id: item.id, type: 'ITEM' }], reassignTo: manager.id })).status).toBe(400);
  });
});
