import type { AuditedDecision, AuditTrail, DecisionFacts } from '../audit/auditLog';
import type { ActingClient } from '../auth/accountLinking';
import { RECONNECT_MESSAGE, ReconnectRequiredError } from '../auth/userTokenProvider';
import type { Clearance } from '../blocks/tasks';
import type { TaskManagementApi } from '../isc/api';
import { isIscError } from '../isc/errors';
import { collectWriteRequestIds } from '../isc/requestIds';
import type { JsonPatchOperation, TaskStatus } from '../isc/types';
import type { Logger } from '../log';
import { tryLock, type StateStore } from '../store/store';

export type TerminateOutcome =
  /** ISC took the patch; `task` is its state afterwards. */
  | { status: 'done'; task: TaskStatus; clearance: Clearance }
  /** The task had already ended (in Slack or elsewhere): nothing was patched. */
  | { status: 'already_ended'; task: TaskStatus }
  /** The same task is being marked by another click right now. ISC was not called. */
  | { status: 'duplicate' }
  /** Account linking does not let this user act in ISC (not connected, or the link was revoked). */
  | { status: 'refused'; message: string }
  | { status: 'failed'; error: unknown };

/** Outlives the two ISC calls the lock covers (each up to a timeout plus 429 waits), so a crash blocks a task for minutes at most. */
const LOCK_TTL_MS = 5 * 60_000;
const CLEARANCE_TTL_MS = 90 * 24 * 3600_000;
const clearanceKey = (taskId: string) => `taskcleared:${taskId}`;

/** The JSON Patch that clears a pending task (sent as application/json-patch+json by the client). */
export function terminatePatch(now: Date): JsonPatchOperation[] {
  return [
    { op: 'replace', path: '/completionStatus', value: 'TERMINATED' },
    { op: 'replace', path: '/completed', value: now.toISOString() },
  ];
}

export interface TaskAdminOptions {
  /** The service client's task API. */
  tasks: TaskManagementApi;
  /** Account linking: ISC accepts this PATCH only with a user's token, so a linked admin acts as themselves. */
  acting?: { actingClient(slackUserId: string): Promise<ActingClient> };
  store: StateStore;
  logger: Logger;
  now: () => Date;
  /** Every termination is recorded: an intent before the PATCH, its outcome after; refusals as outcomes. */
  audit?: AuditTrail;
}

/** Told to the admin when the intent cannot be recorded: ISC is not called. */
export const TASK_AUDIT_UNAVAILABLE_MESSAGE = 'The bot could not record this on its audit trail, so it did not send it to ISC. Nothing was changed in ISC; tell your admin.';

/** Marks stuck tasks terminated, at most once per task however often the button is pressed, and remembers who did. The caller checks that the user is an admin. */
export class TaskAdmin {
  constructor(private readonly opts: TaskAdminOptions) {}

  async terminate(actorSlackUserId: string, taskId: string): Promise<TerminateOutcome> {
    const { store, logger, now, audit } = this.opts;
    const facts: DecisionFacts = { slackUserId: actorSlackUserId, item: { kind: 'task', id: taskId }, action: 'terminate' };
    const acting = this.opts.acting ? await this.opts.acting.actingClient(actorSlackUserId) : undefined;
    if (acting && 'refused' in acting) {
      await audit?.ended(facts, { outcome: 'refused', reason: acting.refused });
      return { status: 'refused', message: acting.refused };
    }
    const tasks = acting?.client.taskManagement ?? this.opts.tasks;
    // The lock covers a click in flight; afterwards ISC itself says the task has ended.
    let lock;
    try {
      lock = await tryLock(store, `tasklock:${taskId}`, LOCK_TTL_MS, { by: actorSlackUserId });
    } catch (error) {
      return { status: 'failed', error };
    }
    if (!lock) return { status: 'duplicate' };
    let decision: AuditedDecision | undefined;
    try {
      const current = await tasks.getTaskStatus(taskId);
      facts.item = { ...facts.item, name: current.uniqueName };
      if (current.completionStatus !== null) {
        await audit?.ended(facts, { outcome: 'already_decided', reason: `The task had already ended (${current.completionStatus}).` });
        return { status: 'already_ended', task: current };
      }
      try {
        decision = await audit?.begin(facts, audit.actingAs(acting?.actingAs ?? { kind: 'service' }));
      } catch (e) {
        logger.error('Could not write a task termination to the audit trail, so ISC was not called', { actorSlackUserId, taskId, error: String(e) });
        return { status: 'refused', message: TASK_AUDIT_UNAVAILABLE_MESSAGE };
      }
      const at = now();
      const { result: task, requestIds } = await collectWriteRequestIds(() => tasks.updateTaskStatus(taskId, terminatePatch(at)));
      await decision?.finish({ outcome: 'done', ...(requestIds.length ? { trackingId: requestIds.join(' ') } : {}) });
      const clearance: Clearance = { bySlackUserId: actorSlackUserId, at: at.toISOString() };
      // ISC took the patch: a store failure only loses who did it.
      await store.set(clearanceKey(taskId), clearance, CLEARANCE_TTL_MS).catch((e: unknown) => logger.warn('Could not record who marked a task terminated', { taskId, error: String(e) }));
      logger.info('Task marked terminated', { actorSlackUserId, taskId });
      return { status: 'done', task, clearance };
    } catch (error) {
      if (error instanceof ReconnectRequiredError) {
        await decision?.finish({ outcome: 'refused', reason: RECONNECT_MESSAGE });
        return { status: 'refused', message: RECONNECT_MESSAGE };
      }
      // The patch only sets two fields, so the next click may safely send it again.
      logger.error('Could not mark a task terminated', { actorSlackUserId, taskId, error: error instanceof Error ? error.message : String(error) });
      await decision?.finish({
        outcome: 'failed',
        reason: isIscError(error) ? error.userMessage() : String(error),
        ...(isIscError(error) && error.trackingId ? { trackingId: error.trackingId } : {}),
      });
      return { status: 'failed', error };
    } finally {
      await lock.release().catch(() => logger.warn('Could not release a task lock; it expires by itself', { taskId }));
    }
  }

  /** Who marked these tasks terminated from Slack, by task id (tasks nobody marked are left out). */
  async clearances(taskIds: readonly string[]): Promise<Record<string, Clearance>> {
    const found = await this.opts.store.getMany<Clearance>(taskIds.map(clearanceKey));
    return Object.fromEntries(taskIds.flatMap((id, i) => (found[i] ? [[id, found[i]] as const] : [])));
  }
}
