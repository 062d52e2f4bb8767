// Demo data for the sandbox tenant. Every id is deterministic so tests and demos can refer to it;
// every timestamp is relative to the clock the tenant was started with.
import type {
  ApprovalItemDetails,
  PublicIdentity,
  TaskCompletionStatus,
  TaskStatus,
  TaskStatusMessage,
  WorkItem,
  WorkItemState,
} from '../isc/types';

export type SandboxIdKind =
  | 'identity'
  | 'workItem'
  | 'approvalItem'
  | 'remediationItem'
  | 'form'
  | 'task'
  | 'taskDefinition'
  | 'source'
  | 'accessRequestApproval'
  | 'accessRequest'
  | 'requestable'
  | 'sodPolicy'
  | 'genericApproval'
  | 'comment'
  | 'campaign'
  | 'certification'
  | 'reviewItem'
  | 'identitySummary'
  | 'certificationTask';

const KIND_CODE: Record<SandboxIdKind, string> = {
  identity: '1d',
  workItem: 'a0',
  approvalItem: 'a1',
  remediationItem: 'a2',
  form: 'f0',
  task: '7a',
  taskDefinition: '7d',
  source: '5c',
  accessRequestApproval: 'ac',
  accessRequest: 'ad',
  requestable: 'e0',
  sodPolicy: '5d',
  genericApproval: 'b0',
  comment: 'c0',
  campaign: 'ca',
  certification: 'ce',
  reviewItem: 'cf',
  identitySummary: 'cb',
  certificationTask: 'cd',
};

/** Generic approvals and their comments have UUIDs in ISC, the other objects 32 hex digits. */
const UUID_KINDS: ReadonlySet<SandboxIdKind> = new Set(['genericApproval', 'comment']);

/** An id such as ISC uses: `5a9d` + kind code + the counter, as 32 hex digits or a UUID. */
export function sandboxId(kind: SandboxIdKind, n: number): string {
  const hex = `5a9d${KIND_CODE[kind]}${n.toString(16).padStart(26, '0')}`;
  if (!UUID_KINDS.has(kind)) return hex;
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

/** Ids the tenant allocates at run time (new identities and their items) start here, clear of the seed. */
export const FIRST_DYNAMIC_ID = 0x1000;

export const SEED_IDENTITIES = {
  /** The identity that client-credentials tokens act as (an admin). */
  service: { id: sandboxId('identity', 1), name: 'Sam Service', email: 'sam.service@example.com' },
  ada: { id: sandboxId('identity', 2), name: 'Ada Approver', email: 'ada@example.com' },
  ben: { id: sandboxId('identity', 3), name: 'Ben Builder', email: 'ben@example.com' },
  manager: { id: sandboxId('identity', 4), name: 'Maya Manager', email: 'maya.manager@example.com' },
} as const;

export const SEED_SOURCES = {
  activeDirectory: { id: sandboxId('source', 1), name: 'Active Directory' },
  github: { id: sandboxId('source', 2), name: 'GitHub' },
  salesforce: { id: sandboxId('source', 3), name: 'Salesforce' },
  workday: { id: sandboxId('source', 4), name: 'Workday' },
} as const;

export const SEED_WORK_ITEMS = {
  /** Ada: one approval item (Active Directory group). */
  adaSingleApproval: sandboxId('workItem', 1),
  /** Ada: four approval items on GitHub, Salesforce, Active Directory and Workday. */
  adaMultiApproval: sandboxId('workItem', 2),
  /** Ada: a ManualAction item with no approval items, to Complete. */
  adaManualAction: sandboxId('workItem', 3),
  /** Ada: a Form item with an account-selection form. */
  adaAccountSelection: sandboxId('workItem', 4),
  /** Ada: a Remediation item (certification revoke). */
  adaRemediation: sandboxId('workItem', 5),
  /** Ada: an approval whose name, description and values hold hostile Slack mrkdwn. */
  adaHostile: sandboxId('workItem', 6),
  adaFinished: sandboxId('workItem', 7),
  adaRejected: sandboxId('workItem', 8),
  serviceApproval: sandboxId('workItem', 9),
  serviceGeneric: sandboxId('workItem', 10),
  serviceFinished: sandboxId('workItem', 11),
  managerApproval: sandboxId('workItem', 12),
} as const;

export const SEED_APPROVAL_ITEMS = {
  adaSingle: sandboxId('approvalItem', 1),
  /** In order: GitHub Add, Salesforce Add, Active Directory Remove, Workday Add. */
  adaMulti: [2, 3, 4, 5].map((n) => sandboxId('approvalItem', n)) as [string, string, string, string],
  adaHostile: sandboxId('approvalItem', 6),
  serviceApproval: sandboxId('approvalItem', 9),
  managerApproval: sandboxId('approvalItem', 10),
} as const;

export const SEED_TASKS = {
  /** Running, launched 12 minutes ago, 62 %. */
  runningAggregation: sandboxId('task', 1),
  /** Running, launched 3 minutes ago. */
  runningRefresh: sandboxId('task', 2),
  /** Running since two days ago: looks stuck. */
  stuckAggregation: sandboxId('task', 3),
  error: sandboxId('task', 4),
  terminated: sandboxId('task', 5),
  successAggregation: sandboxId('task', 6),
  successRefresh: sandboxId('task', 7),
  successEntitlementImport: sandboxId('task', 8),
} as const;

/** Text that must reach Slack escaped, never as a ping or a disguised link. */
export const HOSTILE_TEXT =
  '<!channel> see <https://evil.example|click> & *approve* _now_ `x` ~y~ > quoted <@U0ADMIN> <#C0GENERAL> <!subteam^S0|@admins>';

export interface Age {
  minutes?: number;
  hours?: number;
  days?: number;
}

const ageMs = (age: Age) => (((age.days ?? 0) * 24 + (age.hours ?? 0)) * 60 + (age.minutes ?? 0)) * 60_000;

export function ago(now: Date, age: Age): string {
  return new Date(now.getTime() - ageMs(age)).toISOString();
}

export function ahead(now: Date, age: Age): string {
  return new Date(now.getTime() + ageMs(age)).toISOString();
}

type IdentitySeed = { id: string; name: string; email: string };

function identity(seed: IdentitySeed, department: string, manager?: IdentitySeed): PublicIdentity {
  const alias = seed.email.split('@')[0];
  return {
    id: seed.id,
    name: seed.name,
    alias,
    email: seed.email,
    status: 'Active',
    identityState: 'ACTIVE',
    manager: manager ? { type: 'IDENTITY', id: manager.id, name: manager.name } : null,
    attributes: [
      { key: 'department', name: 'Department', value: department },
      { key: 'country', name: 'Country', value: 'US' },
    ],
  };
}

/** Display name for an identity the sandbox invents from an email: `jane.doe@x` → `Jane Doe`. */
export function nameFromEmail(email: string): string {
  return email
    .split('@')[0]
    .split(/[._+-]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

/** A demo identity for an email nobody has (Slack users of a demo workspace). */
export function demoIdentity(id: string, email: string): PublicIdentity {
  const { manager } = SEED_IDENTITIES;
  return identity({ id, email, name: nameFromEmail(email) || email }, 'Demo', manager);
}

export type Owner = { id: string; name: string };

function approval(
  id: string,
  application: string,
  operation: 'Add' | 'Remove',
  name: string,
  value: string,
  account: string,
  state: WorkItemState = 'Pending',
): ApprovalItemDetails {
  return { id, application, operation, name, value, account, state };
}

function workItem(
  now: Date,
  fields: Omit<WorkItem, 'created' | 'ownerId' | 'ownerName'> & { owner: Owner; age: Age; requester?: Owner },
): WorkItem {
  const { owner, age, requester, ...rest } = fields;
  const created = ago(now, age);
  return {
    id: rest.id,
    requesterId: requester?.id ?? null,
    requesterDisplayName: requester?.name ?? null,
    ownerId: owner.id,
    ownerName: owner.name,
    created,
    modified: created,
    state: 'Pending',
    remediationItems: null,
    approvalItems: null,
    completed: null,
    numItems: rest.approvalItems?.length ?? rest.remediationItems?.length ?? 1,
    form: null,
    errors: [],
    ...rest,
  };
}

function seedWorkItems(now: Date): WorkItem[] {
  const { service, ada, ben, manager } = SEED_IDENTITIES;
  const W = SEED_WORK_ITEMS;
  const A = SEED_APPROVAL_ITEMS;
  const adDn = 'CN=Ben Builder,OU=Users,DC=corp,DC=example,DC=com';
  return [
    workItem(now, {
      id: W.adaSingleApproval,
      owner: ada,
      requester: ben,
      age: { hours: 2 },
      type: 'Approval',
      name: 'Access Request: Finance Readers',
      description: "Ben Builder requests membership of 'Finance Readers' on Active Directory",
      approvalItems: [
        approval(A.adaSingle, 'Active Directory', 'Add', 'memberOf', 'CN=Finance-Readers,OU=Groups,DC=corp,DC=example,DC=com', adDn),
      ],
    }),
    workItem(now, {
      id: W.adaMultiApproval,
      owner: ada,
      requester: ben,
      age: { days: 1, hours: 3 },
      type: 'Approval',
      name: 'Access Request: Platform onboarding',
      description: 'Ben Builder joins the platform team: four access changes need your approval',
      approvalItems: [
        approval(A.adaMulti[0], 'GitHub', 'Add', 'team', 'platform-admins', 'bbuilder'),
        approval(A.adaMulti[1], 'Salesforce', 'Add', 'Profile', 'System Administrator', 'ben@example.com'),
        approval(A.adaMulti[2], 'Active Directory', 'Remove', 'memberOf', 'CN=Contractors,OU=Groups,DC=corp,DC=example,DC=com', adDn),
        approval(A.adaMulti[3], 'Workday', 'Add', 'Security Group', 'Expense Approver', 'ben.builder'),
      ],
    }),
    workItem(now, {
      id: W.adaManualAction,
      owner: ada,
      requester: ben,
      age: { days: 3 },
      type: 'ManualAction',
      name: 'Create Account',
      description: "Create an account for Ben Builder on source 'Legacy Payroll' (disconnected source), then mark this complete",
    }),
    workItem(now, {
      id: W.adaAccountSelection,
      owner: ada,
      requester: ben,
      age: { hours: 5 },
      type: 'Form',
      name: 'Account Selection',
      description: 'Ben Builder has several accounts on these sources: choose the ones the request applies to',
      form: {
        id: sandboxId('form', 1),
        name: 'AccountSelection Form',
        title: 'Account Selection for Ben Builder',
        subtitle: 'Please select from the following',
        targetUser: 'ben.builder',
        sections: [
          {
            name: 'accountSelection',
            label: 'Accounts',
            formItems: [
              {
                name: 'Active Directory',
                label: 'Active Directory account',
                type: 'select',
                required: true,
                allowedValues: [adDn, 'CN=Ben Builder (admin),OU=Admins,DC=corp,DC=example,DC=com'],
              },
              {
                name: 'GitHub',
                label: 'GitHub account',
                type: 'radio',
                required: true,
                allowedValues: [
                  { value: 'bbuilder', label: 'bbuilder (employee)' },
                  { value: 'ben-builder-oss', label: 'ben-builder-oss (personal)' },
                ],
              },
            ],
          },
        ],
      },
    }),
    workItem(now, {
      id: W.adaRemediation,
      owner: ada,
      age: { days: 6 },
      type: 'Remediation',
      name: 'Remediation: Salesforce profile',
      description: "Certification 'Q3 Manager Review' revoked Ben Builder's Salesforce profile 'System Administrator'",
      remediationItems: [
        {
          id: sandboxId('remediationItem', 1),
          targetId: ben.id,
          targetName: 'ben.builder',
          targetDisplayName: ben.name,
          applicationName: 'Salesforce',
          attributeName: 'Profile',
          attributeOperation: 'Remove',
          attributeValue: 'System Administrator',
          nativeIdentity: 'ben@example.com',
        },
      ],
    }),
    workItem(now, {
      id: W.adaHostile,
      owner: ada,
      requester: { id: sandboxId('identity', 99), name: '<!here> *Mallory*' },
      age: { days: 10 },
      type: 'Approval',
      name: '<!everyone> Access Request & <script>',
      description: HOSTILE_TEXT,
      approvalItems: [approval(A.adaHostile, 'GitHub', 'Add', '<@U0ADMIN>', '<https://evil.example|Totally-Safe-Team>', 'mallory')],
    }),
    workItem(now, {
      id: W.adaFinished,
      owner: ada,
      requester: ben,
      age: { days: 4 },
      type: 'Approval',
      name: 'Access Request: VPN',
      description: "Ben Builder requested 'VPN Users' on Active Directory",
      state: 'Finished',
      completed: ago(now, { days: 3, hours: 20 }),
      modified: ago(now, { days: 3, hours: 20 }),
      approvalItems: [
        approval(sandboxId('approvalItem', 7), 'Active Directory', 'Add', 'memberOf', 'CN=VPN-Users,OU=Groups,DC=corp,DC=example,DC=com', adDn, 'Finished'),
      ],
    }),
    workItem(now, {
      id: W.adaRejected,
      owner: ada,
      requester: ben,
      age: { days: 2 },
      type: 'Approval',
      name: 'Access Request: Production database',
      description: "Ben Builder requested 'prod-db-admin' on GitHub",
      state: 'Rejected',
      completed: ago(now, { days: 1, hours: 22 }),
      modified: ago(now, { days: 1, hours: 22 }),
      approvalItems: [approval(sandboxId('approvalItem', 8), 'GitHub', 'Add', 'team', 'prod-db-admin', 'bbuilder', 'Rejected')],
    }),
    workItem(now, {
      id: W.serviceApproval,
      owner: service,
      requester: ben,
      age: { hours: 8 },
      type: 'Approval',
      name: 'Access Request: Reports Viewer',
      description: "Ben Builder requests the 'Reports Viewer' permission set on Salesforce",
      approvalItems: [approval(A.serviceApproval, 'Salesforce', 'Add', 'PermissionSet', 'Reports Viewer', 'ben@example.com')],
    }),
    workItem(now, {
      id: W.serviceGeneric,
      owner: service,
      age: { days: 2 },
      type: 'Generic',
      name: 'Review source configuration',
      description: "Confirm the new correlation rule on source 'Workday'",
    }),
    workItem(now, {
      id: W.serviceFinished,
      owner: service,
      age: { days: 5 },
      type: 'ManualAction',
      name: 'Delete Account',
      description: "Delete the account of a leaver on source 'Legacy Payroll'",
      state: 'Finished',
      completed: ago(now, { days: 4 }),
      modified: ago(now, { days: 4 }),
    }),
    workItem(now, {
      id: W.managerApproval,
      owner: manager,
      requester: ada,
      age: { hours: 20 },
      type: 'Approval',
      name: 'Access Request: Workday reporting',
      description: "Ada Approver requests 'Report Writer' on Workday",
      approvalItems: [approval(A.managerApproval, 'Workday', 'Add', 'Security Group', 'Report Writer', 'ada.approver')],
    }),
  ];
}

/** Pending work items given to every identity the sandbox invents, so a new Slack user can try every button. */
export function demoWorkItemsFor(owner: Owner, now: Date, newId: (kind: SandboxIdKind) => string): WorkItem[] {
  const { ben } = SEED_IDENTITIES;
  return [
    workItem(now, {
      id: newId('workItem'),
      owner,
      requester: ben,
      age: { hours: 3 },
      type: 'Approval',
      name: 'Access Request: Developer tools',
      description: `Ben Builder requests developer access: approve or reject each item, or all at once`,
      approvalItems: [
        approval(newId('approvalItem'), 'GitHub', 'Add', 'team', 'developers', 'bbuilder'),
        approval(newId('approvalItem'), 'Salesforce', 'Add', 'PermissionSet', 'API Enabled', 'ben@example.com'),
      ],
    }),
    workItem(now, {
      id: newId('workItem'),
      owner,
      requester: ben,
      age: { days: 2 },
      type: 'ManualAction',
      name: 'Create Account',
      description: "Create an account for Ben Builder on source 'Legacy Payroll', then mark this complete",
    }),
    workItem(now, {
      id: newId('workItem'),
      owner,
      requester: ben,
      age: { hours: 30 },
      type: 'Form',
      name: 'Account Selection',
      description: 'Ben Builder has two GitHub accounts: choose the one the request applies to',
      form: {
        id: newId('form'),
        name: 'AccountSelection Form',
        title: 'Account Selection for Ben Builder',
        subtitle: 'Please select from the following',
        targetUser: 'ben.builder',
        sections: [
          {
            name: 'accountSelection',
            label: 'Accounts',
            formItems: [{ name: 'GitHub', label: 'GitHub account', type: 'select', required: true, allowedValues: ['bbuilder', 'ben-builder-oss'] }],
          },
        ],
      },
    }),
  ];
}

function message(type: TaskStatusMessage['type'], key: string, text: string): TaskStatusMessage {
  return { type, key, localizedText: { locale: 'en-US', message: text }, parameters: null };
}

const TASK_DEFINITIONS = {
  'Cloud Account Aggregation': 1,
  'Cloud Group Aggregation': 2,
  'Identity Refresh': 3,
  'Cloud Entitlement Import': 4,
} as const;
type TaskDefinition = keyof typeof TASK_DEFINITIONS;

function task(
  now: Date,
  fields: {
    id: string;
    definition: TaskDefinition;
    source?: { id: string; name: string };
    launchedAgo: Age;
    completedAgo?: Age;
    completionStatus: TaskCompletionStatus | null;
    progress: string | null;
    percentComplete: number;
    messages?: TaskStatusMessage[];
    launcher?: string;
    type?: TaskStatus['type'];
  },
): TaskStatus {
  const launched = ago(now, fields.launchedAgo);
  const completed = fields.completedAgo ? ago(now, fields.completedAgo) : null;
  const { definition, source } = fields;
  return {
    id: fields.id,
    type: fields.type ?? 'QUARTZ',
    uniqueName: source ? `${definition} - ${source.name}` : definition,
    description: source ? `Aggregates from the specified application: ${source.name}` : `${definition} of all identities`,
    parentName: definition,
    launcher: fields.launcher ?? 'sweep',
    target: source ? { id: source.id, type: 'APPLICATION', name: `${source.name} [source]` } : null,
    created: launched,
    modified: completed ?? launched,
    launched,
    completed,
    completionStatus: fields.completionStatus,
    messages: fields.messages ?? [],
    returns: [{ name: 'Accounts scanned', attributeName: 'total' }],
    attributes: source ? { appId: source.id, optimizedAggregation: 'enabled' } : {},
    progress: fields.progress,
    percentComplete: fields.percentComplete,
    taskDefinitionSummary: {
      id: sandboxId('taskDefinition', TASK_DEFINITIONS[definition]),
      uniqueName: definition,
      description: `${definition} task`,
      parentName: definition,
      executor: 'sailpoint.task.ServiceTaskExecutor',
      arguments: {},
    },
  };
}

function seedTasks(now: Date): TaskStatus[] {
  const T = SEED_TASKS;
  const S = SEED_SOURCES;
  return [
    task(now, {
      id: T.runningAggregation,
      definition: 'Cloud Account Aggregation',
      source: S.activeDirectory,
      launchedAgo: { minutes: 12 },
      completionStatus: null,
      progress: 'Aggregated 12,400 of 20,000 accounts',
      percentComplete: 62,
    }),
    task(now, {
      id: T.runningRefresh,
      definition: 'Identity Refresh',
      launchedAgo: { minutes: 3 },
      completionStatus: null,
      progress: 'Refreshing identities',
      percentComplete: 15,
      type: 'QUEUED_TASK',
      launcher: SEED_IDENTITIES.manager.name,
    }),
    task(now, {
      id: T.stuckAggregation,
      definition: 'Cloud Account Aggregation',
      source: S.salesforce,
      launchedAgo: { days: 2, hours: 1 },
      completionStatus: null,
      progress: 'Waiting for the connector to respond',
      percentComplete: 5,
    }),
    task(now, {
      id: T.error,
      definition: 'Cloud Group Aggregation',
      source: S.github,
      launchedAgo: { hours: 4, minutes: 20 },
      completedAgo: { hours: 4 },
      completionStatus: 'ERROR',
      progress: 'Failed',
      percentComplete: 40,
      messages: [
        message(
          'ERROR',
          'sailpoint.aggregation.error',
          'Error during aggregation: GitHub API answered 403 (rate limit exceeded) for /orgs/example/teams',
        ),
      ],
    }),
    task(now, {
      id: T.terminated,
      definition: 'Cloud Account Aggregation',
      source: S.workday,
      launchedAgo: { days: 1, hours: 2 },
      completedAgo: { days: 1, hours: 1 },
      completionStatus: 'TERMINATED',
      progress: 'Terminated',
      percentComplete: 70,
      launcher: SEED_IDENTITIES.manager.name,
      messages: [message('WARN', 'sailpoint.task.terminated', `Task terminated by ${SEED_IDENTITIES.manager.name}`)],
    }),
    task(now, {
      id: T.successAggregation,
      definition: 'Cloud Account Aggregation',
      source: S.activeDirectory,
      launchedAgo: { days: 1, minutes: 30 },
      completedAgo: { days: 1 },
      completionStatus: 'SUCCESS',
      progress: 'Completed',
      percentComplete: 100,
      messages: [message('INFO', 'sailpoint.aggregation.summary', 'Aggregated 19,876 accounts: 12 new, 40 changed, 3 removed')],
    }),
    task(now, {
      id: T.successRefresh,
      definition: 'Identity Refresh',
      launchedAgo: { hours: 6, minutes: 10 },
      completedAgo: { hours: 6 },
      completionStatus: 'SUCCESS',
      progress: 'Completed',
      percentComplete: 100,
      type: 'QUEUED_TASK',
    }),
    task(now, {
      id: T.successEntitlementImport,
      definition: 'Cloud Entitlement Import',
      source: S.github,
      launchedAgo: { days: 3 },
      completedAgo: { days: 2, hours: 23 },
      completionStatus: 'SUCCESS',
      progress: 'Completed',
      percentComplete: 100,
      type: 'QPOC',
    }),
  ];
}

export interface SeedData {
  identities: PublicIdentity[];
  workItems: WorkItem[];
  tasks: TaskStatus[];
}

export function createSeed(now: Date): SeedData {
  const { service, ada, ben, manager } = SEED_IDENTITIES;
  return {
    identities: [
      identity(service, 'IT Operations'),
      identity(ada, 'Security', manager),
      identity(ben, 'Engineering', manager),
      identity(manager, 'Engineering'),
    ],
    workItems: seedWorkItems(now),
    tasks: seedTasks(now),
  };
}
