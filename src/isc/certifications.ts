import type { CampaignsApi, CertificationsApi } from './api';
import type { IscHttp } from './http';
import { campaignPaths, certificationPaths } from './paths';
import type { CertificationTask, IdentityCertificationDto, ReviewDecision, ReviewReassign, SlimCampaign } from './types';

/** ISC's bounds on one request. */
export const MAX_DECISIONS_PER_REQUEST = 250;
export const MAX_SYNC_REASSIGN = 50;
export const MAX_ASYNC_REASSIGN = 500;

/** The items still waiting on a decision (there is no `decision` filter). */
export const UNDECIDED_FILTER = 'completed eq false';
export const DECIDED_FILTER = 'completed eq true';

/** The certifications a reviewer still has to finish. */
export const OPEN_CERTIFICATIONS_FILTER = 'completed eq false';

function checkReassign(reassign: ReviewReassign, max: number, operation: string): void {
  if (!reassign?.reassignTo || !reassign.reason?.trim()) throw new TypeError(`${operation} needs reassignTo and a reason`);
  const n = reassign.reassign?.length ?? 0;
  if (n < 1 || n > max) throw new RangeError(`${operation} takes 1 to ${max} identities or items; got ${n}`);
}

export function createCertificationsApi(http: IscHttp): CertificationsApi {
  const paths = certificationPaths();
  const certification = (operation: string, path: string, body?: unknown) => http.json<IdentityCertificationDto>({ operation, method: 'POST', path, body });

  return {
    listIdentityCertifications: async ({ limit, offset, count, reviewerIdentity, filters, sorters } = {}) =>
      http.list<IdentityCertificationDto>(
        { operation: 'listIdentityCertifications', method: 'GET', path: paths.list, query: { 'reviewer-identity': reviewerIdentity, filters, sorters } },
        { limit, offset, count },
      ),
    getIdentityCertification: async (id) => http.json<IdentityCertificationDto>({ operation: 'getIdentityCertification', method: 'GET', path: paths.certification(id) }),
    listIdentityAccessReviewItems: async (id, { limit, offset, count, filters, sorters } = {}) =>
      http.list({ operation: 'listIdentityAccessReviewItems', method: 'GET', path: paths.items(id), query: { filters, sorters } }, { limit, offset, count }),
    makeIdentityDecision: async (id, decisions: ReviewDecision[]) => {
      if (!Array.isArray(decisions) || decisions.length < 1 || decisions.length > MAX_DECISIONS_PER_REQUEST) {
        throw new RangeError(`makeIdentityDecision takes 1 to ${MAX_DECISIONS_PER_REQUEST} decisions; got ${decisions?.length ?? 0}`);
      }
      return certification('makeIdentityDecision', paths.decide(id), decisions);
    },
    signOffIdentityCertification: async (id) => certification('signOffIdentityCertification', paths.signOff(id)),
    reassignIdentityCertifications: async (id, reassign) => {
      checkReassign(reassign, MAX_SYNC_REASSIGN, 'reassignIdentityCertifications');
      return certification('reassignIdentityCertifications', paths.reassign(id), reassign);
    },
    submitReassignCertsAsync: async (id, reassign) => {
      checkReassign(reassign, MAX_ASYNC_REASSIGN, 'submitReassignCertsAsync');
      return http.json<CertificationTask>({ operation: 'submitReassignCertsAsync', method: 'POST', path: paths.reassignAsync(id), body: reassign });
    },
  };
}

/** The campaigns under way. */
export const ACTIVE_CAMPAIGNS_FILTER = 'status eq "ACTIVE"';

export function createCampaignsApi(http: IscHttp): CampaignsApi {
  const { list } = campaignPaths();
  return {
    listCampaigns: async ({ limit, offset, count, filters, sorters } = {}) =>
      http.list<SlimCampaign>({ operation: 'getActiveCampaigns', method: 'GET', path: list, query: { filters, sorters } }, { limit, offset, count }),
  };
}
