import type { RequestedItemStatus } from '../isc/types';

/** Where an access request stands, in the requester's words. */
export type RequestPhase = 'waiting' | 'approved' | 'provisioned' | 'rejected' | 'failed' | 'cancelled';

export interface RequestStanding {
  phase: RequestPhase;
  /** Who the request waits for (waiting), or who decided it (approved, rejected). */
  people: string[];
  /** The approver's comment on a rejection, the cancel comment, or ISC's error on a failure. */
  comment?: string;
}

const FAILED = new Set(['PROVISIONING_FAILED', 'NOT_ALL_ITEMS_PROVISIONED', 'ERROR']);

/**
 * ISC's request state says executing / completed / rejected / failed / cancelled; whether an
 * executing request still waits for approval, or is approved and being provisioned, is read from its
 * approval details (ISC's state has no APPROVED).
 */
export function requestStanding(status: RequestedItemStatus): RequestStanding {
  const approvals = status.approvalDetails ?? [];
  const names = (pick: (a: (typeof approvals)[number]) => boolean) =>
    approvals.filter(pick).map((a) => a.currentOwner?.name ?? a.originalOwner?.name ?? 'an approver');
  const state = status.state;
  if (state === 'CANCELLED' || state === 'TERMINATED') return { phase: 'cancelled', people: [], comment: status.cancelledRequestDetails?.comment };
  const rejection = approvals.find((a) => a.status === 'REJECTED');
  if (state === 'REJECTED' || rejection) return { phase: 'rejected', people: names((a) => a.status === 'REJECTED'), comment: rejection?.comment };
  if (state && FAILED.has(state)) {
    const error = status.errorMessages?.flat().map((m) => m.text).find(Boolean);
    return { phase: 'failed', people: [], comment: error };
  }
  if (state === 'REQUEST_COMPLETED') return { phase: 'provisioned', people: names((a) => a.status === 'APPROVED') };
  const waitingOn = names((a) => a.status === 'PENDING');
  if (waitingOn.length) return { phase: 'waiting', people: waitingOn };
  return { phase: 'approved', people: names((a) => a.status === 'APPROVED') };
}

/** The phases a requester hears about by DM (waiting is what they were told when they asked). */
export const ANNOUNCED_PHASES: ReadonlySet<RequestPhase> = new Set(['approved', 'provisioned', 'rejected', 'failed']);

/** A request that has reached an end: nothing more to follow. */
export const isSettled = (phase: RequestPhase): boolean => phase === 'provisioned' || phase === 'rejected' || phase === 'failed' || phase === 'cancelled';
