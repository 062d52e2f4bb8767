// Demo access-request approvals and generic approvals for the sandbox tenant. Ids are deterministic
// (see sandboxId) and times relative to the tenant's clock, like the work items in seed.ts.
import type {
  AccessRequestType,
  Approval,
  ApprovalComment,
  ApprovalIdentity,
  CommentDto,
  CompletedApprovalState,
  RequestableObjectReference,
} from '../isc/types';
import type { AccessRequestApprovalRecord } from './accessRequestApprovals';
import { ago, ahead, HOSTILE_TEXT, sandboxId, SEED_IDENTITIES, type Age, type Owner, type SandboxIdKind } from './seed';

export const SEED_ACCESS_REQUEST_APPROVALS = {
  /** Ada: Ben asks for a role that violates an SoD policy (sodViolationContext with a violated policy). */
  adaSodViolation: sandboxId('accessRequestApproval', 1),
  /** Ada: Maya asks for an entitlement for Ben; forwarded to Ada, a reject needs a comment. */
  adaCommentRequired: sandboxId('accessRequestApproval', 2),
  /** Ada: a plain access-profile request with start and remove dates. */
  adaPlain: sandboxId('accessRequestApproval', 3),
  /** Ada: Ben asks for an entitlement to be removed (REVOKE_ACCESS). */
  adaRevoke: sandboxId('accessRequestApproval', 4),
  /** Ada: object name, description and the requester's comment hold hostile Slack mrkdwn. */
  adaHostile: sandboxId('accessRequestApproval', 5),
  adaApproved: sandboxId('accessRequestApproval', 6),
  adaRejected: sandboxId('accessRequestApproval', 7),
  /** Ben's, for a click by someone who is not the owner. */
  benPending: sandboxId('accessRequestApproval', 8),
  /** Maya's, requested by Maya for Ben: the approver made the request on someone else's behalf. */
  managerOwnRequest: sandboxId('accessRequestApproval', 9),
  servicePending: sandboxId('accessRequestApproval', 10),
} as const;

export const SEED_GENERIC_APPROVALS = {
  /** Ada: HIGH priority, due two days ago, with comments from the requester and a manager. */
  adaOverdue: sandboxId('genericApproval', 1),
  /** Ada: an entitlement description to approve; a reject needs a comment (requiresComment REJECTION). */
  adaRejectComment: sandboxId('genericApproval', 2),
  /** Ada and Maya in parallel: whoever decides first decides. */
  adaParallel: sandboxId('genericApproval', 3),
  /** Ada: localized name and description hold hostile Slack mrkdwn. */
  adaHostile: sandboxId('genericApproval', 4),
  adaApproved: sandboxId('genericApproval', 5),
  benPending: sandboxId('genericApproval', 6),
} as const;

export const SEED_SOD_POLICY = { id: sandboxId('sodPolicy', 1), name: 'Create and approve payments' } as const;

const ref = (o: Owner) => ({ type: 'IDENTITY' as const, id: o.id, name: o.name });

function comment(author: Owner, text: string, created: string): CommentDto {
  return { comment: text, created, author: ref(author) };
}

function requestable(n: number, type: NonNullable<RequestableObjectReference['type']>, name: string, description: string): RequestableObjectReference {
  return { id: sandboxId('requestable', n), name, description, type };
}

export interface AccessRequestFields extends Omit<AccessRequestApprovalRecord, 'created' | 'owner' | 'requester' | 'requestedFor' | 'requestedObject'> {
  id: string;
  owner: Owner;
  requester: Owner;
  requestedFor: Owner;
  requestedObject: RequestableObjectReference;
  age: Age;
  requestType?: AccessRequestType;
  decided?: { state: CompletedApprovalState; by: Owner; comment?: string; age: Age };
}

/** An access-request approval with the fields ISC fills; `f` names the people, the object and its age. */
export function accessRequest(now: Date, f: AccessRequestFields, newId: (kind: SandboxIdKind) => string): AccessRequestApprovalRecord {
  const { owner, requester, requestedFor, age, decided, ...rest } = f;
  const created = ago(now, age);
  const record: AccessRequestApprovalRecord = {
    accessRequestId: newId('accessRequest'),
    name: rest.requestedObject.name,
    created,
    modified: created,
    requestCreated: created,
    requestType: 'GRANT_ACCESS',
    identityType: 'HUMAN',
    requester: ref(requester),
    requestedFor: { ...ref(requestedFor), type: 'IDENTITY' },
    owner: ref(owner),
    previousReviewersComments: [],
    forwardHistory: [],
    commentRequiredWhenRejected: false,
    removeDateUpdateRequested: false,
    startUpdateRequested: false,
    sodViolationContext: null,
    clientMetadata: null,
    requestedAccounts: null,
    privilegeLevel: null,
    maxPermittedAccessDuration: null,
    jitDetails: null,
    form: null,
    ...rest,
  };
  if (decided) {
    const at = ago(now, decided.age);
    record.decision = {
      state: decided.state,
      reviewedBy: ref(decided.by),
      reviewerComment: decided.comment === undefined ? null : comment(decided.by, decided.comment, at),
      at,
    };
    record.modified = at;
  }
  return record;
}

function seedIdFactory(): (kind: SandboxIdKind) => string {
  const counters = new Map<SandboxIdKind, number>();
  return (kind) => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    return sandboxId(kind, n);
  };
}

export function seedAccessRequestApprovals(now: Date): AccessRequestApprovalRecord[] {
  const { service, ada, ben, manager } = SEED_IDENTITIES;
  const A = SEED_ACCESS_REQUEST_APPROVALS;
  const newId = seedIdFactory();
  const make = (f: AccessRequestFields) => accessRequest(now, f, newId);
  const paymentsAdmin = requestable(1, 'ROLE', 'Payments Administrator', 'Creates vendors and payment runs in the ERP');
  return [
    make({
      id: A.adaSodViolation,
      owner: ada,
      requester: ben,
      requestedFor: ben,
      age: { hours: 4 },
      requestedObject: paymentsAdmin,
      requesterComment: comment(ben, 'Covering payment runs while Maya is on leave', ago(now, { hours: 4 })),
      privilegeLevel: 'HIGH',
      removeDate: ahead(now, { days: 30 }),
      sodViolationContext: {
        state: 'SUCCESS',
        uuid: '5a9d5d00-0000-4000-8000-000000000001',
        violationCheckResult: {
          message: { locale: 'en-US', localeOrigin: 'DEFAULT', text: 'The request violates 1 SoD policy.' },
          clientMetadata: null,
          violationContexts: [
            {
              policy: { type: 'SOD_POLICY', ...SEED_SOD_POLICY },
              conflictingAccessCriteria: {
                leftCriteria: { criteriaList: [{ existing: true, type: 'ENTITLEMENT', id: sandboxId('requestable', 11), name: 'AP Invoice Entry' }] },
                rightCriteria: { criteriaList: [{ existing: false, type: 'ENTITLEMENT', id: sandboxId('requestable', 12), name: 'AP Payment Approval' }] },
              },
            },
          ],
          violatedPolicies: [{ type: 'SOD_POLICY', ...SEED_SOD_POLICY }],
        },
      },
    }),
    make({
      id: A.adaCommentRequired,
      owner: ada,
      requester: manager,
      requestedFor: ben,
      age: { days: 1, hours: 2 },
      requestedObject: requestable(2, 'ENTITLEMENT', 'GitHub organization owner', 'Full admin rights on the acme GitHub organization'),
      requesterComment: comment(manager, 'Ben takes over the release tooling', ago(now, { days: 1, hours: 2 })),
      commentRequiredWhenRejected: true,
      privilegeLevel: 'HIGH',
      previousReviewersComments: [comment(service, 'Manager approval recorded by the onboarding workflow', ago(now, { days: 1 }))],
      forwardHistory: [
        {
          oldApproverName: manager.name,
          newApproverName: ada.name,
          comment: 'Ada owns GitHub access',
          modified: ago(now, { hours: 20 }),
          forwarderName: manager.name,
          reassignmentType: 'MANUAL_REASSIGNMENT',
        },
      ],
      requestedAccounts: [{ name: 'bbuilder', type: 'ACCOUNT', accountUuid: null, accountId: 'bbuilder', sourceName: 'GitHub' }],
    }),
    make({
      id: A.adaPlain,
      owner: ada,
      requester: ben,
      requestedFor: ben,
      age: { minutes: 30 },
      requestedObject: requestable(3, 'ACCESS_PROFILE', 'Salesforce Sales Reader', 'Read-only access to Salesforce opportunities and accounts'),
      requesterComment: comment(ben, 'Need to read the pipeline for the quarterly forecast', ago(now, { minutes: 30 })),
      startDate: ahead(now, { days: 1 }),
      removeDate: ahead(now, { days: 90 }),
      privilegeLevel: 'LOW',
      maxPermittedAccessDuration: { value: 3, timeUnit: 'MONTHS' },
    }),
    make({
      id: A.adaRevoke,
      owner: ada,
      requester: ben,
      requestedFor: ben,
      age: { hours: 6 },
      requestType: 'REVOKE_ACCESS',
      requestedObject: requestable(4, 'ENTITLEMENT', 'Legacy VPN users', 'Membership of the old VPN concentrator group'),
      requesterComment: comment(ben, 'I no longer need the old VPN', ago(now, { hours: 6 })),
    }),
    make({
      id: A.adaHostile,
      owner: ada,
      requester: ben,
      requestedFor: ben,
      age: { hours: 8 },
      requestedObject: requestable(5, 'ROLE', 'Ops <!everyone> role', HOSTILE_TEXT),
      requesterComment: comment(ben, HOSTILE_TEXT, ago(now, { hours: 8 })),
    }),
    make({
      id: A.adaApproved,
      owner: ada,
      requester: ben,
      requestedFor: ben,
      age: { days: 3 },
      requestedObject: requestable(6, 'ACCESS_PROFILE', 'Jira Developers', 'Developer access to the Jira projects'),
      decided: { state: 'APPROVED', by: ada, comment: 'Approved for the platform team', age: { days: 2 } },
    }),
    make({
      id: A.adaRejected,
      owner: ada,
      requester: ben,
      requestedFor: ben,
      age: { days: 5 },
      requestedObject: requestable(7, 'ENTITLEMENT', 'Production database admin', 'DBA rights on the production cluster'),
      decided: { state: 'REJECTED', by: ada, comment: 'Use the break-glass process instead', age: { days: 4 } },
    }),
    make({
      id: A.benPending,
      owner: ben,
      requester: ada,
      requestedFor: ada,
      age: { hours: 1 },
      requestedObject: requestable(8, 'ACCESS_PROFILE', 'Confluence Editors', 'Edit rights on the engineering spaces'),
    }),
    make({
      id: A.managerOwnRequest,
      owner: manager,
      requester: manager,
      requestedFor: ben,
      age: { hours: 2 },
      requestedObject: paymentsAdmin,
    }),
    make({
      id: A.servicePending,
      owner: service,
      requester: ben,
      requestedFor: ben,
      age: { hours: 1 },
      requestedObject: requestable(9, 'ENTITLEMENT', 'Okta Admins', 'Administrator of the Okta tenant'),
    }),
  ];
}

const localized = (value: string, locale = 'en-US') => [{ value, locale }];

function approvalIdentity(o: { id: string; name: string; email?: string }, serialOrder = 0): ApprovalIdentity {
  return { identityID: o.id, type: 'IDENTITY', name: o.name, email: o.email, serialOrder };
}

function approvalComment(author: { id: string; name: string; email?: string }, text: string, createdDate: string, commentId: string): ApprovalComment {
  return { author: approvalIdentity(author), comment: text, createdDate, commentId };
}

interface GenericFields extends Omit<Approval, 'approvers' | 'assignedTo' | 'createdDate' | 'requester' | 'requestee'> {
  id: string;
  approvers: Array<{ id: string; name: string; email?: string }>;
  requester?: { id: string; name: string; email?: string };
  requestee?: { id: string; name: string; email?: string };
  age: Age;
  /** Due this far ahead; negative ages are overdue. */
  due?: Age & { overdue?: boolean };
}

function genericApproval(now: Date, f: GenericFields): Approval {
  const { approvers, requester, requestee, age, due, ...rest } = f;
  const createdDate = ago(now, age);
  const people = approvers.map((a) => approvalIdentity(a));
  return {
    tenantId: '5a9d0000-0000-4000-8000-00000000ca5e',
    type: 'GENERIC_APPROVAL',
    approvers: people,
    assignedTo: rest.completedDate ? [] : people,
    createdDate,
    modifiedDate: createdDate,
    dueDate: due === undefined ? undefined : due.overdue ? ago(now, due) : ahead(now, due),
    escalationStep: '0',
    serialStep: 0,
    isEscalated: false,
    medium: 'EMAIL',
    priority: 'MEDIUM',
    requester: requester && approvalIdentity(requester),
    requestee: requestee && approvalIdentity(requestee),
    comments: [],
    approvedBy: [],
    rejectedBy: [],
    approvalCriteria: { approval: { calculationType: 'COUNT', value: 1 }, rejection: { calculationType: 'COUNT', value: 1 } },
    approvalConfig: { requiresComment: 'OFF' },
    reassignmentHistory: [],
    referenceData: [],
    requestedTarget: [],
    ...rest,
  };
}

export function seedGenericApprovals(now: Date): Approval[] {
  const { service, ada, ben, manager } = SEED_IDENTITIES;
  const G = SEED_GENERIC_APPROVALS;
  const commentId = (n: number) => sandboxId('comment', n);
  return [
    genericApproval(now, {
      id: G.adaOverdue,
      approvers: [ada],
      requester: ben,
      requestee: ben,
      age: { days: 9 },
      due: { days: 2, overdue: true },
      priority: 'HIGH',
      name: [
        { value: 'Quarterly firewall rule review', locale: 'en-US' },
        { value: 'Vierteljährliche Prüfung der Firewall-Regeln', locale: 'de-DE' },
      ],
      description: [
        { value: 'Confirm the 14 inbound rules Ben changed this quarter are still needed.', locale: 'en-US' },
        { value: 'Bestätigen Sie, dass die 14 von Ben geänderten Eingangsregeln noch benötigt werden.', locale: 'de-DE' },
      ],
      comments: [
        approvalComment(ben, 'Rules exported to ticket CHG-2291', ago(now, { days: 9 }), commentId(1)),
        approvalComment(manager, 'Please prioritise: the audit starts next week', ago(now, { days: 1 }), commentId(2)),
      ],
      referenceData: [{ id: 'CHG-2291', type: 'ChangeRequest', name: 'Firewall changes Q3' }],
    }),
    genericApproval(now, {
      id: G.adaRejectComment,
      type: 'ENTITLEMENT_DESCRIPTIONS',
      approvers: [ada],
      requester: service,
      age: { hours: 20 },
      due: { days: 5 },
      priority: 'LOW',
      name: localized('Entitlement description: AP Payment Approval'),
      description: localized('Approve the generated description of the AP Payment Approval entitlement.'),
      additionalAttributes: JSON.stringify({ llm_description: 'Lets the holder release vendor payments after invoice approval.' }),
      approvalConfig: { requiresComment: 'REJECTION' },
      requestedTarget: [{ id: sandboxId('requestable', 12), name: 'AP Payment Approval', targetType: 'ENTITLEMENT', requestType: 'MODIFY' }],
    }),
    genericApproval(now, {
      id: G.adaParallel,
      type: 'CUSTOM_ACCESS_REQUEST_APPROVAL',
      approvers: [ada, manager],
      requester: ben,
      requestee: ben,
      age: { hours: 3 },
      due: { days: 1 },
      priority: 'MEDIUM',
      name: localized('Workday Expense Approver for Ben Builder'),
      description: localized('Either Ada or Maya may decide: the first decision completes the approval.'),
      approvalCriteria: { approval: { calculationType: 'COUNT', value: 1 }, rejection: { calculationType: 'COUNT', value: 1 } },
      requestedTarget: [{ id: sandboxId('requestable', 13), name: 'Expense Approver', targetType: 'ENTITLEMENT', requestType: 'GRANT' }],
    }),
    genericApproval(now, {
      id: G.adaHostile,
      approvers: [ada],
      requester: ben,
      age: { hours: 7 },
      priority: 'LOW',
      name: localized('Review <!channel> *now*'),
      description: localized(HOSTILE_TEXT),
    }),
    genericApproval(now, {
      id: G.adaApproved,
      approvers: [ada],
      requester: ben,
      requestee: ben,
      age: { days: 6 },
      due: { days: 1, overdue: true },
      name: localized('Laptop refresh for Ben Builder'),
      description: localized('A new laptop outside the refresh cycle.'),
      completedDate: ago(now, { days: 5 }),
      modifiedDate: ago(now, { days: 5 }),
      approvedBy: [{ identityID: ada.id, type: 'IDENTITY', name: ada.name, email: ada.email, decisionDate: ago(now, { days: 5 }) }],
    }),
    genericApproval(now, {
      id: G.benPending,
      approvers: [ben],
      requester: ada,
      requestee: ada,
      age: { hours: 2 },
      due: { days: 3 },
      name: localized('Conference travel for Ada Approver'),
      description: localized('Travel to the identity security summit.'),
    }),
  ];
}

/** One pending access-request approval and one generic approval for an identity the sandbox invents. */
export function demoApprovalsFor(
  owner: Owner & { email?: string },
  now: Date,
  newId: (kind: SandboxIdKind) => string,
): { accessRequestApprovals: AccessRequestApprovalRecord[]; genericApprovals: Approval[] } {
  const { ben } = SEED_IDENTITIES;
  return {
    accessRequestApprovals: [
      accessRequest(
        now,
        {
          id: newId('accessRequestApproval'),
          owner,
          requester: ben,
          requestedFor: ben,
          age: { hours: 1 },
          requestedObject: requestable(20, 'ACCESS_PROFILE', 'Figma Editors', 'Edit rights in the design workspace'),
          requesterComment: comment(ben, 'For the new onboarding screens', ago(now, { hours: 1 })),
        },
        newId,
      ),
    ],
    genericApprovals: [
      genericApproval(now, {
        id: newId('genericApproval'),
        approvers: [owner],
        requester: ben,
        requestee: ben,
        age: { hours: 5 },
        due: { days: 2 },
        name: localized('Team budget top-up'),
        description: localized('Ben asks for 500 EUR more for the team offsite.'),
        comments: [approvalComment(ben, 'Quote attached in the workflow', ago(now, { hours: 5 }), newId('comment'))],
      }),
    ],
  };
}
