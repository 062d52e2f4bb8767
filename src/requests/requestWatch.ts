import { renderRequestOutcome } from '../blocks/requestAccess';
import type { IscClient } from '../isc/api';
import type { RequestedItemStatus } from '../isc/types';
import type { Logger } from '../log';
import type { DmPort } from '../notify/dmPort';
import type { StateStore } from '../store/store';
import { ANNOUNCED_PHASES, isSettled, requestStanding, type RequestPhase } from './requestState';

/** What the bot keeps of a request it follows for its requester. */
export interface Followed {
  /** The identity the request is for: its status is listed by that identity. */
  forIdentityId: string;
  /** The Slack user it is for, when not the requester: they hear the outcome too. */
  forSlackUserId?: string;
  /** The last phase announced, so each is announced once. */
  announced?: RequestPhase;
}

const WATCHERS_KEY = 'request:watchers';
const watchKey = (slackUserId: string) => `request:watch:${slackUserId}`;
/** A request nobody decides is followed this long, then dropped (ISC expires approvals after 90 days by default). */
const FOLLOW_TTL_MS = 90 * 24 * 3600_000;
const ANNOUNCED_TTL_MS = 90 * 24 * 3600_000;
/** ISC status lists read per cycle at most: the follow-up's share of the rate limit stays small. */
export const MAX_LISTS_PER_CYCLE = 20;
const STATUS_PAGE = 250;

export interface RequestWatchOptions {
  store: StateStore;
  /** The bot's service client: it reads the status of anyone's requests (an admin). */
  isc: IscClient;
  dms: DmPort;
  logger: Logger;
}

/**
 * Follows the requests made through the bot until they end, and tells the requester (and the person
 * it is for) once, across replicas, when one is approved, provisioned, rejected or fails. The leader
 * runs a cycle a minute; an ISC event trigger asks for the identities it names to be read at once.
 */
export class RequestWatch {
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly opts: RequestWatchOptions) {}

  async follow(slackUserId: string, who: Omit<Followed, 'announced'>, accessRequestIds: readonly string[]): Promise<void> {
    if (!accessRequestIds.length) return;
    for (const id of accessRequestIds) await this.opts.store.setField<Followed>(watchKey(slackUserId), id, who, FOLLOW_TTL_MS);
    await this.opts.store.addMember(WATCHERS_KEY, slackUserId);
  }

  async forget(slackUserId: string, accessRequestId: string): Promise<void> {
    await this.opts.store.deleteField(watchKey(slackUserId), accessRequestId);
  }

  /** Runs a cycle every `intervalMs` until stop(); the first at once. */
  start(intervalMs: number): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      void this.cycle().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, intervalMs).unref();
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Re-reads the requests followed for these identities now (an ISC event named them). One cycle at a
   * time: a trigger during a cycle waits for it, then reads again.
   */
  poke(identityIds: readonly string[]): Promise<void> {
    return this.cycle(new Set(identityIds));
  }

  /** Reads the status of every followed request (only those for `only`, when given) and announces what moved on. */
  cycle(only?: ReadonlySet<string>): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const run = previous.then(() => this.readAll(only)).catch((e: unknown) => this.opts.logger.warn('Access requests: a follow-up cycle failed', { error: e instanceof Error ? e.message : String(e) }));
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
    return run;
  }

  private async readAll(only?: ReadonlySet<string>): Promise<void> {
    const { store } = this.opts;
    const byIdentity = new Map<string, Array<{ slackUserId: string; id: string; followed: Followed }>>();
    for (const slackUserId of await store.members(WATCHERS_KEY)) {
      const followed = await store.getFields<Followed>(watchKey(slackUserId));
      const ids = Object.keys(followed);
      if (!ids.length) {
        await store.removeMember(WATCHERS_KEY, slackUserId);
        continue;
      }
      for (const id of ids) {
        const f = followed[id];
        if (only && !only.has(f.forIdentityId)) continue;
        byIdentity.set(f.forIdentityId, [...(byIdentity.get(f.forIdentityId) ?? []), { slackUserId, id, followed: f }]);
      }
    }
    let lists = 0;
    for (const [identityId, entries] of byIdentity) {
      if (++lists > MAX_LISTS_PER_CYCLE) break;
      const statuses = new Map<string, RequestedItemStatus>();
      for (const s of (await this.opts.isc.accessRequests.listAccessRequestStatus({ requestedFor: identityId, sorters: '-created', limit: STATUS_PAGE })).items) {
        if (s.accessRequestId) statuses.set(s.accessRequestId, s);
      }
      for (const entry of entries) {
        const status = statuses.get(entry.id);
        if (status) await this.advance(entry.slackUserId, entry.id, entry.followed, status);
      }
    }
  }

  private async advance(slackUserId: string, id: string, followed: Followed, status: RequestedItemStatus): Promise<void> {
    const { store, dms, logger } = this.opts;
    const { phase } = requestStanding(status);
    if (ANNOUNCED_PHASES.has(phase) && phase !== followed.announced) {
      // Claimed before the DM: two replicas (or a cycle and a trigger) announce it once.
      const claim = `request:announced:${id}:${phase}`;
      if (await store.setIfAbsent(claim, true, ANNOUNCED_TTL_MS)) {
        try {
          await dms.postDm(slackUserId, renderRequestOutcome(status, 'requester'));
        } catch (e) {
          // Not posted: the next cycle tries again.
          await store.delete(claim);
          throw e;
        }
        if (followed.forSlackUserId) await dms.postDm(followed.forSlackUserId, renderRequestOutcome(status, 'recipient'));
        logger.info('Access requests: told the requester of an outcome', { slackUserId, accessRequestId: id, phase });
      }
    }
    if (isSettled(phase)) await store.deleteField(watchKey(slackUserId), id);
    else if (phase !== followed.announced && ANNOUNCED_PHASES.has(phase)) await store.setField<Followed>(watchKey(slackUserId), id, { ...followed, announced: phase }, FOLLOW_TTL_MS);
  }
}
