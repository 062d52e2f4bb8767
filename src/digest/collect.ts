// Reads what the digest shows from ISC with a bounded number of calls. For O approvers (at most
// MAX_DIGEST_APPROVERS = 500) a digest makes at most
//   O identity look-ups (none for Slack users already in the directory's cache, none for the default)
// + O work-item summaries
// + O access-request approval summaries and O generic-approval counts (the approvals pending on each;
//   none for a kind the notification sweep reads whole: its counts come from the state store)
// + APPROVER_LINES × SCAN_PAGES = 15 × 2 = 30 pages of pending work items (only for the approvers shown)
// + 3 task calls (HEAD pending total, one page of the longest running, one page of failed ones)
// + 2 access-review calls (the active campaigns; one page of open certifications when there are some)
// = 4·O + 35 calls, e.g. 2,035 for 500 approvers and 11 for the default. At most CONCURRENCY approver
// calls are in flight at a time, so the client's rate limiter (90 per 10 s, first come first served)
// never holds more than a handful of digest requests ahead of a user's click.
import {
  APPROVER_LINES,
  type ApproverRow,
  type DigestData,
  type FailedTasks,
  type Outcome,
  STALE_LINES,
  type StaleItem,
  byMostOpen,
} from '../blocks/digest';
import { workItemTitle } from '../blocks/workItemCard';
import type { IscClient, TaskManagementApi } from '../isc/api';
import { PENDING_FILTER } from '../isc/genericApprovals';
import { failureOf } from '../isc/errors';
import { MAX_PAGE_SIZE } from '../isc/http';
import type { TaskStatus, WorkItem } from '../isc/types';
import type { Logger } from '../log';
import type { IdentityDirectory } from '../workitems/identityDirectory';
import { collectAccessReviews } from './accessReviews';

export const CONCURRENCY = 4;
/** The most approvers a digest reads (DIGEST_OWNERS and the bot's subscribers together), to keep its ISC calls bounded. */
export const MAX_DIGEST_APPROVERS = 500;
/** Pages of pending work items read per approver shown, to find the oldest (ISC cannot sort them). */
export const SCAN_PAGES = 2;
/** Longest-running tasks read (one page); stuck ones are counted among them. */
const RUNNING_PAGE = 50;
/** Tasks read that ended in ERROR / TERMINATED, newest first (one page). */
const FAILED_PAGE = 50;

const PENDING_TASKS_FILTER = 'completionStatus isnull';
const FAILED_FILTER = 'completionStatus in ("ERROR","TERMINATED")';

/** Pending approvals per owner identity id, of the kinds the notification sweep reads whole now. */
export interface ApprovalCounts {
  accessRequest?: ReadonlyMap<string, number>;
  generic?: ReadonlyMap<string, number>;
}

export interface CollectDeps {
  isc: IscClient;
  directory: Pick<IdentityDirectory, 'identityFor' | 'identityForEmail'>;
  logger: Logger;
  /** The notification sweep's counts: a kind it has is not read per approver. */
  approvalCounts?: () => Promise<ApprovalCounts>;
}

export interface CollectOptions {
  /** Slack user ids and lower-case emails (at most MAX_DIGEST_APPROVERS); empty means the bot's own ISC identity (no ownerId). */
  owners: readonly string[];
  now: Date;
  /** Failed tasks are those that ended after this. */
  since: Date;
  staleAfterDays: number;
}

async function capture<T>(what: string, logger: Logger, read: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (e) {
    logger.warn(`Digest: ${what} unavailable`, { error: e instanceof Error ? e.message : String(e) });
    return { ok: false, failure: failureOf(e) };
  }
}

/** `fn` over every item, at most `limit` at a time, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface Approver {
  row: ApproverRow;
  /** Undefined for the bot's own identity. */
  ownerId?: string;
}

async function readApprover(deps: CollectDeps, owner: string | undefined, counts: ApprovalCounts): Promise<Approver> {
  const label = owner ?? "The bot's ISC identity";
  // A Slack user id is shown as a mention (never as the raw id); an email is not a Slack user the bot knows.
  const slackUserId = owner !== undefined && !owner.includes('@') ? owner : undefined;
  const known = slackUserId ? { slackUserId } : {};
  try {
    let ownerId: string | undefined;
    let name = label;
    if (owner !== undefined) {
      const identity = owner.includes('@') ? await deps.directory.identityForEmail(owner) : await deps.directory.identityFor(owner);
      if (!identity) return { row: { name: label, ...known, failure: { message: 'no ISC identity found' } } };
      ({ id: ownerId, name } = identity);
    }
    // One call at a time per approver, so CONCURRENCY bounds the digest's requests in flight.
    const summary = await deps.isc.workItems.getWorkItemsSummary({ ownerId });
    return { row: { name, ...known, summary, ...(await readApprovals(deps, ownerId, counts)) }, ownerId };
  } catch (e) {
    deps.logger.warn('Digest: approver unavailable', { owner: label, error: e instanceof Error ? e.message : String(e) });
    return { row: { name: label, ...known, failure: failureOf(e) } };
  }
}

/**
 * The approvals pending on an approver (the bot's own identity when `ownerId` is undefined: `me` and
 * `mine`, since the service identity unnamed would read everyone's). A failure leaves the work items shown.
 */
async function readApprovals(deps: CollectDeps, ownerId: string | undefined, counts: ApprovalCounts): Promise<Pick<ApproverRow, 'accessRequests' | 'genericApprovals' | 'approvalsFailure'>> {
  try {
    const swept = (kind: keyof ApprovalCounts) => (ownerId !== undefined && counts[kind] ? (counts[kind].get(ownerId) ?? 0) : undefined);
    const accessRequests = swept('accessRequest') ?? (await deps.isc.accessRequestApprovals.getAccessRequestApprovalSummary({ ownerId: ownerId ?? 'me' })).pending ?? 0;
    const generic =
      swept('generic') ?? (await deps.isc.genericApprovals.countApprovals(ownerId ? { approverId: ownerId, filters: PENDING_FILTER } : { mine: true, filters: PENDING_FILTER }));
    return { accessRequests, genericApprovals: generic };
  } catch (e) {
    deps.logger.warn('Digest: approvals of an approver unavailable', { ownerId, error: e instanceof Error ? e.message : String(e) });
    return { approvalsFailure: failureOf(e) };
  }
}

/** Reads up to SCAN_PAGES pages of the approver's pending items: the oldest, and the stale ones. */
async function scanPending(deps: CollectDeps, a: Approver, staleBefore: number): Promise<StaleItem[]> {
  const open = a.row.summary?.open ?? 0;
  const items: WorkItem[] = [];
  try {
    for (let page = 0; page < SCAN_PAGES; page++) {
      const got = await deps.isc.workItems.listWorkItems({ ownerId: a.ownerId, limit: MAX_PAGE_SIZE, offset: page * MAX_PAGE_SIZE });
      items.push(...got.items);
      if (got.items.length < MAX_PAGE_SIZE) break;
    }
  } catch (e) {
    a.row.scanFailure = failureOf(e);
    return [];
  }
  const created = (w: WorkItem) => Date.parse(w.created ?? '');
  const dated = items.filter((w) => !Number.isNaN(created(w))).sort((x, y) => created(x) - created(y));
  const stale = dated.filter((w) => created(w) < staleBefore);
  a.row.oldestPending = dated[0]?.created;
  a.row.stale = stale.length;
  a.row.partial = items.length < open;
  return stale.slice(0, STALE_LINES).map((w) => ({ title: workItemTitle(w), owner: a.row.name, created: w.created! }));
}

async function readApprovers(deps: CollectDeps, opts: CollectOptions): Promise<{ approvers: ApproverRow[]; staleItems: StaleItem[] }> {
  const owners = opts.owners.length ? opts.owners : [undefined];
  let counts: ApprovalCounts = {};
  try {
    counts = (await deps.approvalCounts?.()) ?? {};
  } catch (e) {
    deps.logger.warn('Digest: the notification sweep\'s counts could not be read; asking ISC per approver', { error: e instanceof Error ? e.message : String(e) });
  }
  const approvers = await mapLimit(owners, CONCURRENCY, (o) => readApprover(deps, o, counts));
  const shown = [...approvers]
    .sort((x, y) => byMostOpen(x.row, y.row))
    .slice(0, APPROVER_LINES)
    .filter((a) => (a.row.summary?.open ?? 0) > 0);
  const staleBefore = opts.now.getTime() - opts.staleAfterDays * 86_400_000;
  const stale = (await mapLimit(shown, CONCURRENCY, (a) => scanPending(deps, a, staleBefore))).flat();
  stale.sort((x, y) => Date.parse(x.created) - Date.parse(y.created));
  return { approvers: approvers.map((a) => a.row), staleItems: stale.slice(0, STALE_LINES) };
}

/** The pending tasks running longest (oldest first), one page. */
export async function fetchLongestRunning(api: TaskManagementApi, limit: number): Promise<TaskStatus[]> {
  return (await api.getTaskStatusList({ filters: PENDING_TASKS_FILTER, sorters: 'created', limit })).items;
}

async function fetchFailed(api: TaskManagementApi, since: Date): Promise<FailedTasks> {
  const { items } = await api.getTaskStatusList({ filters: FAILED_FILTER, sorters: '-created', limit: FAILED_PAGE });
  const ended = (t: TaskStatus) => Date.parse(t.completed ?? t.modified ?? t.created);
  const tasks = items.filter((t) => ended(t) >= since.getTime());
  return { tasks, more: items.length === FAILED_PAGE && tasks.length === items.length };
}

/** Everything the digest shows; a part that fails is captured as "unavailable" and the rest is still read. */
export async function collectDigest(deps: CollectDeps, opts: CollectOptions): Promise<DigestData> {
  const tasks = deps.isc.taskManagement;
  const [people, pendingTotal, running, failed, accessReviews] = await Promise.all([
    readApprovers(deps, opts),
    capture('pending task count', deps.logger, async () => (await tasks.getPendingTaskHeaders()).total),
    capture('longest running tasks', deps.logger, () => fetchLongestRunning(tasks, RUNNING_PAGE)),
    capture('failed tasks', deps.logger, () => fetchFailed(tasks, opts.since)),
    capture('access reviews', deps.logger, () => collectAccessReviews(deps.isc, opts.now)),
  ]);
  return { since: opts.since.toISOString(), ...people, pendingTotal, running, failed, accessReviews };
}
