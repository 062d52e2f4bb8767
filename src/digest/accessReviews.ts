// The digest's "Access reviews" section: the campaigns under way with their progress, and the
// reviewers behind on theirs. Two ISC requests: the active campaigns, then (when there are some) the
// open certifications, soonest due first.
import type { AccessReviewsDigest } from '../blocks/digest';
import type { IscClient } from '../isc/api';
import { ACTIVE_CAMPAIGNS_FILTER } from '../isc/certifications';
import { MAX_PAGE_SIZE } from '../isc/http';
import { isBehind } from '../reviews/review';

/** Certifications still under review (unsigned) in any campaign. */
const ACTIVE_CERTIFICATIONS_FILTER = 'phase eq "ACTIVE"';

export async function collectAccessReviews(isc: Pick<IscClient, 'campaigns' | 'certifications'>, now: Date): Promise<AccessReviewsDigest> {
  const campaigns = (await isc.campaigns.listCampaigns({ filters: ACTIVE_CAMPAIGNS_FILTER, sorters: 'created', limit: MAX_PAGE_SIZE })).items;
  if (!campaigns.length) return { campaigns, behind: [], more: false };
  const active = new Set(campaigns.map((c) => c.id));
  // The service identity (an admin) names no reviewer: every reviewer's certifications.
  const certs = (await isc.certifications.listIdentityCertifications({ filters: ACTIVE_CERTIFICATIONS_FILTER, sorters: 'due', limit: MAX_PAGE_SIZE })).items;
  return { campaigns, behind: certs.filter((c) => active.has(c.campaign?.id) && isBehind(c, now)), more: certs.length === MAX_PAGE_SIZE };
}
