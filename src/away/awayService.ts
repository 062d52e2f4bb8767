import type { AuditTrail } from '../audit/auditLog';
import type { IscClient } from '../isc/api';
import { isIscError } from '../isc/errors';
import { REASSIGNMENT_CONFIG_TYPES } from '../isc/reassignmentConfigurationTypes';
import type { ConfigurationDetails, ConfigurationItemRequest, ReassignmentConfigType } from '../isc/types';
import type { Logger } from '../log';
import type { IscIdentityRef } from '../workitems/identityDirectory';
import { awayDatesProblem, isCurrent, localDay, nextDay, startOfLocalDay } from './away';

/** What the service needs of the identity directory. */
export interface AwayDirectory {
  identityFor(slackUserId: string): Promise<IscIdentityRef | null>;
  noIdentityMessage(slackUserId: string): Promise<string>;
  timeZone(slackUserId: string): Promise<string>;
}

export interface AwayServiceOptions {
  isc: Pick<IscClient, 'reassignmentConfigurations'>;
  directory: AwayDirectory;
  audit?: AuditTrail;
  logger: Logger;
  now: () => Date;
}

/** The caller's configurations in force or to come, and their time zone for showing them. */
export interface AwayStatus {
  configs: ConfigurationDetails[];
  timeZone: string;
}

export interface AwaySetRequest {
  /** First and last day away, YYYY-MM-DD, in the caller's time zone. */
  from: string;
  to: string;
  delegateSlackUserId: string;
}

/** A type ISC refused, and why (fit for users). */
export interface AwayFailure {
  configType: ReassignmentConfigType;
  message: string;
}

/** Why the bot will not ask ISC; `field`: the input at fault, when one is. */
export interface AwayRefusal {
  kind: 'refused';
  message: string;
  field?: 'dates' | 'delegate';
}

interface AwayPlan {
  kind: 'plan';
  me: IscIdentityRef;
  delegate: IscIdentityRef;
  zone: string;
}

export type AwayResult =
  | AwayRefusal
  | { kind: 'set'; delegate: IscIdentityRef; status: AwayStatus; failed: AwayFailure[] }
  | { kind: 'off'; removed: ReassignmentConfigType[]; failed: AwayFailure[] }
  | { kind: 'status'; status: AwayStatus };

const AUDIT_KIND = 'reassignment-configuration';
const why = (e: unknown) => (isIscError(e) ? e.userMessage() : 'internal error in the bot (see its log)');

/**
 * Out of office: the caller's approvals, access reviews, manual tasks and workflow approvals go to
 * another person for a period, through ISC's work reassignment (one configuration per configType).
 */
export class AwayService {
  constructor(private readonly opts: AwayServiceOptions) {}

  private get api() {
    return this.opts.isc.reassignmentConfigurations;
  }

  /** The identity's configurations as ISC has them (none: ISC answers 404). */
  private async read(identityId: string): Promise<ConfigurationDetails[]> {
    try {
      return (await this.api.getReassignmentConfiguration(identityId)).configDetails ?? [];
    } catch (e) {
      if (isIscError(e) && e.status === 404) return [];
      throw e;
    }
  }

  private async caller(slackUserId: string): Promise<IscIdentityRef | { message: string }> {
    const me = await this.opts.directory.identityFor(slackUserId);
    return me ?? { message: await this.opts.directory.noIdentityMessage(slackUserId) };
  }

  async status(slackUserId: string): Promise<AwayResult> {
    const me = await this.caller(slackUserId);
    if ('message' in me) return { kind: 'refused', message: me.message };
    const [configs, timeZone] = await Promise.all([this.read(me.id), this.opts.directory.timeZone(slackUserId)]);
    return { kind: 'status', status: { configs: configs.filter((c) => isCurrent(c, this.opts.now())), timeZone } };
  }

  /**
   * Everything that can be checked before ISC is called: who covers (not oneself, known to ISC) and
   * the dates (in order, not past, in the caller's zone). `field` says which input is wrong.
   */
  async check(slackUserId: string, request: AwaySetRequest): Promise<AwayRefusal | AwayPlan> {
    const { from, to, delegateSlackUserId } = request;
    if (delegateSlackUserId === slackUserId) return { kind: 'refused', field: 'delegate', message: 'You cannot hand your work to yourself; name the person who covers for you.' };
    const me = await this.caller(slackUserId);
    if ('message' in me) return { kind: 'refused', message: me.message };
    const zone = await this.opts.directory.timeZone(slackUserId);
    const problem = awayDatesProblem(from, to, localDay(this.opts.now(), zone));
    if (problem) return { kind: 'refused', field: 'dates', message: problem };
    const delegate = await this.opts.directory.identityFor(delegateSlackUserId);
    if (!delegate) return { kind: 'refused', field: 'delegate', message: `<@${delegateSlackUserId}> has no ISC identity the bot can find, so ISC cannot hand them your work; pick someone else.` };
    if (delegate.id === me.id) return { kind: 'refused', field: 'delegate', message: 'That person is you in ISC; name someone else to cover for you.' };
    return { kind: 'plan', me, delegate, zone };
  }

  /** Checks (see check); then creates (POST) or changes (PUT) each type's configuration. */
  async set(slackUserId: string, request: AwaySetRequest): Promise<AwayResult> {
    const plan = await this.check(slackUserId, request);
    if (plan.kind === 'refused') return plan;
    const { me, delegate, zone } = plan;
    const { from, to } = request;
    const now = this.opts.now();
    // From the start of the first day (or now, when that is today) to the end of the last, in the caller's zone.
    const start = new Date(Math.max(startOfLocalDay(from, zone).getTime(), now.getTime()));
    const end = startOfLocalDay(nextDay(to), zone);
    const existing = new Set((await this.read(me.id)).map((c) => c.configType));
    const audited = await this.opts.audit?.begin(
      { slackUserId, actorIdentityId: me.id, item: { kind: AUDIT_KIND, id: me.id, name: me.name }, action: 'away', comment: `${from} to ${to}`, target: { identityId: delegate.id, name: delegate.name } },
      this.opts.audit.actingAs({ kind: 'service' }),
    );
    const failed: AwayFailure[] = [];
    for (const configType of REASSIGNMENT_CONFIG_TYPES) {
      const body: ConfigurationItemRequest = { reassignedFromId: me.id, reassignedToId: delegate.id, configType, startDate: start.toISOString(), endDate: end.toISOString() };
      try {
        if (existing.has(configType)) await this.api.putReassignmentConfig(me.id, body);
        else await this.api.createReassignmentConfiguration(body);
      } catch (e) {
        this.opts.logger.warn('ISC refused a reassignment configuration', { configType, error: e instanceof Error ? e.message : String(e) });
        failed.push({ configType, message: why(e) });
      }
    }
    await audited?.finish(failed.length ? { outcome: failed.length === REASSIGNMENT_CONFIG_TYPES.length ? 'failed' : 'done', reason: failed.map((f) => `${f.configType}: ${f.message}`).join('; ') } : { outcome: 'done' });
    const configs = (await this.read(me.id)).filter((c) => isCurrent(c, this.opts.now()));
    return { kind: 'set', delegate, status: { configs, timeZone: zone }, failed };
  }

  /** Deletes every configuration the caller has. */
  async off(slackUserId: string): Promise<AwayResult> {
    const me = await this.caller(slackUserId);
    if ('message' in me) return { kind: 'refused', message: me.message };
    const types = (await this.read(me.id)).map((c) => c.configType).filter((t): t is ReassignmentConfigType => t !== undefined);
    if (!types.length) return { kind: 'off', removed: [], failed: [] };
    const audited = await this.opts.audit?.begin(
      { slackUserId, actorIdentityId: me.id, item: { kind: AUDIT_KIND, id: me.id, name: me.name }, action: 'awayOff' },
      this.opts.audit.actingAs({ kind: 'service' }),
    );
    const removed: ReassignmentConfigType[] = [];
    const failed: AwayFailure[] = [];
    for (const configType of types) {
      try {
        await this.api.deleteReassignmentConfiguration(me.id, configType);
        removed.push(configType);
      } catch (e) {
        failed.push({ configType, message: why(e) });
      }
    }
    await audited?.finish(failed.length ? { outcome: removed.length ? 'done' : 'failed', reason: failed.map((f) => `${f.configType}: ${f.message}`).join('; ') } : { outcome: 'done' });
    return { kind: 'off', removed, failed };
  }
}
