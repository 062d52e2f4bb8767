// Demo access reviews for the sandbox tenant: Ada reviews a quarterly campaign of 300 access items
// (some with IAI recommendations, some privileged, some new access) and a small overdue one that
// holds her own access; Ben reviews a campaign of his own.
import type { AccessReviewItem, CampaignReference, IdentityCertificationDto, ReviewAccessType } from '../isc/types';
import type { CertificationRecord } from './certifications';
import { ago, ahead, sandboxId, SEED_IDENTITIES, SEED_SOURCES, type SandboxIdKind } from './seed';

export const SEED_CERTIFICATIONS = {
  /** Ada: Q4 manager review, 300 undecided items, due in 3 days; a revoke needs a comment. */
  adaQuarterly: sandboxId('certification', 1),
  /** Ada: privileged access review, overdue by a day, 6 items, one of them Ada's own access. */
  adaPrivileged: sandboxId('certification', 2),
  /** Ben: Q4 manager review, 20 items. */
  benQuarterly: sandboxId('certification', 3),
} as const;

export const SEED_CAMPAIGNS = {
  quarterly: sandboxId('campaign', 1),
  privileged: sandboxId('campaign', 2),
} as const;

const SOURCES = Object.values(SEED_SOURCES);
const FIRST = ['Alex', 'Blair', 'Casey', 'Drew', 'Emery', 'Finley', 'Gray', 'Harper', 'Indy', 'Jordan', 'Kai', 'Logan'];
const LAST = ['Nguyen', 'Okafor', 'Petrov', 'Quinn', 'Rossi'];
const ENTITLEMENTS = ['CN=Finance-Read', 'CN=Payroll-Admins', 'repo:platform/write', 'Report Builder', 'CN=VPN-Users', 'Org Owner', 'Sales Manager', 'HR Viewer'];
const REASONS_APPROVE = ['Peers in the same department have this access', 'Used in the last 30 days'];
const REASONS_REVOKE = ['Unused for 90 days', 'Few peers have this access'];

function campaign(id: string, name: string, mandatoryCommentRequirement: CampaignReference['mandatoryCommentRequirement']): CampaignReference {
  return { id, name, type: 'CAMPAIGN', campaignType: 'MANAGER', description: `${name}: confirm who still needs what.`, correlatedStatus: 'CORRELATED', mandatoryCommentRequirement };
}

/** Item `n` of a certification: one of 60 people, an entitlement, an access profile or a role, on one of the seed's sources. */
function reviewItem(id: string, person: { summary: string; identityId: string; name: string }, n: number): AccessReviewItem {
  const type: ReviewAccessType = n % 5 === 3 ? 'ROLE' : n % 5 === 4 ? 'ACCESS_PROFILE' : 'ENTITLEMENT';
  const source = SOURCES[n % SOURCES.length];
  const name = type === 'ROLE' ? `Role: ${ENTITLEMENTS[n % ENTITLEMENTS.length].replace(/^CN=/, '')}` : type === 'ACCESS_PROFILE' ? `${source.name} ${['Users', 'Admins'][n % 2]}` : ENTITLEMENTS[n % ENTITLEMENTS.length];
  const privileged = n % 7 === 0;
  const access = { type, id: sandboxId('requestable', 0x100 + (n % 40)), name };
  const recommendation =
    n % 3 === 0
      ? { recommendation: n % 9 === 0 ? 'REVOKE' : 'APPROVE', reasons: n % 9 === 0 ? REASONS_REVOKE : REASONS_APPROVE, timestamp: '2026-11-30T08:00:00.000Z' }
      : undefined;
  const entitlement = { id: access.id, name, privileged, sourceName: source.name, sourceId: source.id, revocable: true, account: { nativeIdentity: person.name.toLowerCase().replace(' ', '.'), activityInsights: { usageDays: (n * 7) % 91, usageDaysState: 'COMPLETE' as const } } };
  return {
    id,
    accessSummary: {
      access,
      ...(type === 'ENTITLEMENT' ? { entitlement } : type === 'ACCESS_PROFILE' ? { accessProfile: { id: access.id, name, privileged, entitlements: [entitlement] } } : { role: { id: access.id, name, privileged, revocable: true } }),
    },
    identitySummary: { id: person.summary, name: person.name, identityId: person.identityId, completed: false },
    completed: false,
    newAccess: n % 6 === 1,
    comments: null,
    ...(recommendation ? { recommendation } : {}),
  };
}

function certification(now: Date, id: string, name: string, camp: CampaignReference, reviewer: { id: string; name: string; email: string }, due: string): IdentityCertificationDto {
  return {
    id,
    name,
    campaign: camp,
    completed: false,
    created: ago(now, { days: 4 }),
    modified: ago(now, { days: 4 }),
    due,
    signed: null,
    reviewer: { id: reviewer.id, name: reviewer.name, email: reviewer.email, type: 'IDENTITY' },
    reassignment: null,
    hasErrors: false,
    errorMessage: null,
    phase: 'ACTIVE',
  };
}

/** `count` items over people `firstPerson`…, 5 each; ids from `ids` (deterministic for the seed). */
function items(count: number, firstPerson: number, ids: (k: number, person: number) => { item: string; summary: string; n: number }): AccessReviewItem[] {
  return Array.from({ length: count }, (_, k) => {
    const p = firstPerson + Math.floor(k / 5);
    const id = ids(k, p);
    const person = { summary: id.summary, identityId: sandboxId('identity', 0x100 + p), name: `${FIRST[p % FIRST.length]} ${LAST[Math.floor(p / FIRST.length) % LAST.length]}` };
    return reviewItem(id.item, person, id.n);
  });
}

const seeded = (firstItem: number) => (k: number, p: number) => ({ item: sandboxId('reviewItem', firstItem + k), summary: sandboxId('identitySummary', firstItem + p), n: firstItem + k });

export function seedCertifications(now: Date): CertificationRecord[] {
  const { ada, ben } = SEED_IDENTITIES;
  const quarterly = campaign(SEED_CAMPAIGNS.quarterly, 'Q4 manager access review', 'REVOKE_ONLY_DECISIONS');
  const privileged = campaign(SEED_CAMPAIGNS.privileged, 'Privileged access review', 'NO_DECISIONS');
  const own = reviewItem(sandboxId('reviewItem', 0x900), { summary: sandboxId('identitySummary', 0x900), identityId: ada.id, name: ada.name }, 7);
  return [
    { id: SEED_CERTIFICATIONS.adaQuarterly, certification: certification(now, SEED_CERTIFICATIONS.adaQuarterly, `Q4 manager access review: ${ada.name}`, quarterly, ada, ahead(now, { days: 3 })), items: items(300, 0, seeded(1)) },
    { id: SEED_CERTIFICATIONS.adaPrivileged, certification: certification(now, SEED_CERTIFICATIONS.adaPrivileged, `Privileged access review: ${ada.name}`, privileged, ada, ago(now, { days: 1 })), items: [...items(5, 60, seeded(0x800)), own] },
    { id: SEED_CERTIFICATIONS.benQuarterly, certification: certification(now, SEED_CERTIFICATIONS.benQuarterly, `Q4 manager access review: ${ben.name}`, quarterly, ben, ahead(now, { days: 3 })), items: items(20, 70, seeded(0xa00)) },
  ];
}

/** A new demo identity's own access review: the quarterly campaign's 300 items, so a newcomer can try every button. */
export function demoCertificationFor(reviewer: { id: string; name: string; email?: string }, now: Date, newId: (kind: SandboxIdKind) => string): CertificationRecord {
  const id = newId('certification');
  const quarterly = campaign(SEED_CAMPAIGNS.quarterly, 'Q4 manager access review', 'REVOKE_ONLY_DECISIONS');
  const summaries = new Map<number, string>();
  const summary = (p: number) => summaries.get(p) ?? (summaries.set(p, newId('identitySummary')), summaries.get(p)!);
  return {
    id,
    certification: certification(now, id, `Q4 manager access review: ${reviewer.name}`, quarterly, { ...reviewer, email: reviewer.email ?? '' }, ahead(now, { days: 3 })),
    items: items(300, 0, (k, p) => ({ item: newId('reviewItem'), summary: summary(p), n: k + 1 })),
  };
}
