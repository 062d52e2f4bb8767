import { renderDigest } from '../../src/blocks/digest';
import { validateMessage } from '../../src/blocks/limits';
import { collectAccessReviews } from '../../src/digest/accessReviews';
import { collectDigest } from '../../src/digest/collect';
import type { IscClient } from '../../src/isc/api';
import type { IdentityCertificationDto, SlimCampaign } from '../../src/isc/types';
import { silentLogger } from '../../src/log';
import { isBehind } from '../../src/reviews/review';
import { SEED_CAMPAIGNS, SEED_CERTIFICATIONS as C } from '../../src/sandbox/certificationSeed';
import type { SandboxTenant } from '../../src/sandbox/tenant';
import { FORBIDDEN, HOSTILE, mrkdwnTexts } from '../blocks/fixtures';
import { completeCertification, useSandboxIsc } from '../support/sandboxIsc';
import { digestData, viewer } from './fixtures';

// The digest's "Access reviews" section: active campaigns with their percent complete and due date
// (GET /campaigns/v1), and the reviewers behind (one page of open certifications), read from the
// sandbox; ISC's text escaped.

const T0 = new Date('2026-12-01T12:00:00.000Z');
const DAY = 24 * 3600_000;
const opts = { viewer, staleAfterDays: 3, stuckAfterHours: 6 };
const texts = (message: { blocks: unknown }) => mrkdwnTexts(message.blocks).join('\n');

describe('against the sandbox', () => {
  const tenant = useSandboxIsc(() => T0);
  let sandbox: SandboxTenant;
  let isc: IscClient;
  beforeEach(() => ({ sandbox, isc } = tenant()));

  it('reads the active campaigns and the reviewers behind in two ISC requests; a signed-off reviewer is not behind', async () => {
    const before = sandbox.stats().requests;
    let data = await collectAccessReviews(isc, T0);
    const after = sandbox.stats().requests;
    expect((after['GET /campaigns'] ?? 0) - (before['GET /campaigns'] ?? 0)).toBe(1);
    expect((after['GET /certifications'] ?? 0) - (before['GET /certifications'] ?? 0)).toBe(1);
    const progress = (cs: SlimCampaign[]) => cs.map((c) => [c.id, c.status, c.completedCertifications, c.totalCertifications]).sort();
    expect(progress(data.campaigns)).toEqual(
      [
        [SEED_CAMPAIGNS.quarterly, 'ACTIVE', 0, 2],
        [SEED_CAMPAIGNS.privileged, 'ACTIVE', 0, 1],
      ].sort(),
    );
    // Four days into a seven-day review with nothing decided, and one overdue: all three behind, soonest due first.
    expect(data.behind.map((c) => c.id)).toEqual([C.adaPrivileged, C.adaQuarterly, C.benQuarterly]);

    // Ben decides everything and signs off: the quarterly campaign is half done and Ben is not behind.
    await completeCertification(tenant().isc, C.benQuarterly);
    data = await collectAccessReviews(isc, T0);
    expect(data.campaigns.find((c) => c.id === SEED_CAMPAIGNS.quarterly)).toMatchObject({ completedCertifications: 1, totalCertifications: 2 });
    expect(data.behind.map((c) => c.id)).toEqual([C.adaPrivileged, C.adaQuarterly]);

    const text = texts(renderDigest(digestData({ accessReviews: { ok: true, value: data } }), { ...opts, viewer: { ...viewer, now: T0 } }));
    expect(text).toContain('*Access reviews* — 2 active campaigns');
    expect(text).toMatch(/\*Q4 manager access review\* — 50% complete \(1 \/ 2 certifications signed\) · due in 3 days/);
    expect(text).toMatch(/\*Privileged access review\* — 0% complete \(0 \/ 1 certification signed\) · ⚠️ \*overdue\* by 1 day/);
    expect(text).toMatch(/⏰ \*Reviewers behind\* \(2: .*\n• \*Ada Approver\* — Privileged access review: 0 \/ 6 decided \(0%\)/);
    expect(text).not.toContain('Ben Builder');
  });

  it('is part of the digest as collected', async () => {
    const deps = { isc, directory: { identityFor: async () => null, identityForEmail: async () => null }, logger: silentLogger };
    const data = await collectDigest(deps, { owners: [], now: T0, since: new Date(T0.getTime() - DAY), staleAfterDays: 3 });
    const text = texts(renderDigest(data, { ...opts, viewer: { ...viewer, now: T0 } }));
    expect(text).toContain('*Access reviews* — 2 active campaigns');
    expect(text).toContain('⏰ *Reviewers behind* (3:');
  });

  it('with no active campaign, reads no certifications and shows no section', async () => {
    const before = sandbox.stats().requests['GET /certifications'] ?? 0;
    const data = await collectAccessReviews({ ...isc, campaigns: { listCampaigns: async () => ({ items: [] as SlimCampaign[] }) } } as never, T0);
    expect(data).toEqual({ campaigns: [], behind: [], more: false });
    expect(sandbox.stats().requests['GET /certifications'] ?? 0).toBe(before);
    expect(texts(renderDigest(digestData({ accessReviews: { ok: true, value: data } }), opts))).not.toContain('Access reviews');
  });
});

const cert = (n: number, extra: Partial<IdentityCertificationDto> = {}): IdentityCertificationDto => ({
  id: `cert-${n}`,
  name: `${HOSTILE} review ${n}`,
  campaign: { id: 'camp-1', name: `${HOSTILE} campaign`, type: 'CAMPAIGN' } as IdentityCertificationDto['campaign'],
  reviewer: { id: `rev-${n}`, name: `${HOSTILE} reviewer ${n}`, type: 'IDENTITY' },
  due: new Date(viewer.now.getTime() + DAY).toISOString(),
  created: new Date(viewer.now.getTime() - 10 * DAY).toISOString(),
  decisionsMade: 1,
  decisionsTotal: 10,
  ...extra,
});

describe('the section', () => {
  it('escapes ISC’s names, and fits the message however many campaigns and reviewers are behind', () => {
    const campaigns: SlimCampaign[] = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, name: `${HOSTILE} ${i}`, status: 'ACTIVE', deadline: viewer.now.toISOString(), totalCertifications: 3, completedCertifications: 1 }));
    const behind = Array.from({ length: 250 }, (_, i) => cert(i));
    const message = renderDigest(digestData({ accessReviews: { ok: true, value: { campaigns, behind, more: true } } }), opts);
    expect(validateMessage(message)).toEqual([]);
    const text = texts(message);
    for (const bad of FORBIDDEN) expect(text).not.toContain(bad);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('33% complete (1 / 3 certifications signed)');
    expect(text).toContain('⏰ *Reviewers behind* (≥ 250:');
    expect(text).toMatch(/… and \d+ more campaigns/);
    expect(text).toMatch(/… and \d+ more$/m);
  });

  it('says when ISC could not give the access reviews, and shows the rest', () => {
    const message = renderDigest(digestData({ accessReviews: { ok: false, failure: { message: 'ISC did not answer within 10 s.' } } }), opts);
    expect(texts(message)).toContain('*Access reviews*\n_unavailable_ (ISC did not answer within 10 s.)');
    expect(texts(message)).toContain('*Approver 1*');
  });

  it('counts a reviewer behind when overdue or slower than the time gone, not when signed or done', () => {
    expect(isBehind(cert(1), viewer.now)).toBe(true); // 10% decided, 10 of 11 days gone
    expect(isBehind(cert(1, { decisionsMade: 10 }), viewer.now)).toBe(false);
    expect(isBehind(cert(1, { decisionsMade: 9, decisionsTotal: 10, created: new Date(viewer.now.getTime() - DAY).toISOString() }), viewer.now)).toBe(false); // 90% decided, half the time gone
    expect(isBehind(cert(1, { due: new Date(viewer.now.getTime() - 1000).toISOString(), decisionsMade: 9 }), viewer.now)).toBe(true);
    expect(isBehind(cert(1, { phase: 'SIGNED' }), viewer.now)).toBe(false);
  });
});
