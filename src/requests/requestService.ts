import type { AuditTrail, DecisionFacts } from '../audit/auditLog';
import type { ActingClient } from '../auth/accountLinking';
import { TtlCache } from '../cache';
import { isIscError } from '../isc/errors';
import type { IscClient } from '../isc/api';
import type { RequestableObject, RequestableObjectType, RequestedItemStatus } from '../isc/types';
import type { Logger } from '../log';
import { isStoreUnavailable, STORE_UNAVAILABLE_MESSAGE, type StateStore } from '../store/store';
import type { IdentityDirectory, IscIdentityRef } from '../workitems/identityDirectory';
import { requestStanding } from './requestState';
import type { RequestWatch } from './requestWatch';

/** Slack's options request must be answered within 3 s: what ISC has not answered by then is shown as "slow". */
const SEARCH_DEADLINE_MS = 2_000;
/** A term's results, per identity, for the keystrokes that follow. */
const SEARCH_TTL_MS = 60_000;
const SEARCH_CACHE_ENTRIES = 2_000;
/** One options page: what a Slack select shows. */
const SEARCH_LIMIT = 100;
/** A submission (its modal) is sent to ISC once; Slack may deliver it again within minutes. */
const SUBMIT_CLAIM_TTL_MS = 24 * 3600_000;
/** Who asked through the bot, by request id: the service identity makes every request as itself. */
const ASKED_BY_TTL_MS = 90 * 24 * 3600_000;
/** How many recent requests `/workitems requests` shows. */
const LIST_LIMIT = 25;
/** The Home tab's read of a person's requests is reused this long (forgotten when they request or cancel). */
const LIST_TTL_MS = 60_000;
const LIST_CACHE_ENTRIES = 5_000;
export const CANCEL_DEFAULT_COMMENT = 'Cancelled by the requester in Slack.';

export interface RequestServiceDeps {
  isc: IscClient;
  directory: Pick<IdentityDirectory, 'identityFor' | 'noIdentityMessage'>;
  /** Account linking; absent in AUTH_MODE=service. */
  acting?: { actingClient(slackUserId: string, forAnotherOwner: boolean): Promise<ActingClient> };
  store: StateStore;
  audit?: AuditTrail;
  watch?: RequestWatch;
  logger: Logger;
  searchDeadlineMs?: number;
}

type Refusal = { message: string };
type Who = { identity: IscIdentityRef; acting: Extract<ActingClient, { client: unknown }> };

export type SearchResult = { objects: RequestableObject[] } | { slow: true } | Refusal;

export interface Submission {
  /** Slack's id of the submitted modal: the same submission delivered twice is sent once. */
  submissionKey: string;
  items: Array<{ type: RequestableObjectType; id: string }>;
  justification: string;
  /** ISO date-time; absent for access without an end. */
  removeDate?: string;
  /** Someone else the request is for (a linked requester only). */
  forSlackUserId?: string;
}

export type SubmitOutcome =
  | { status: 'done'; names: string[]; existing: string[]; accessRequestIds: string[] }
  | { status: 'duplicate' }
  /** A problem with one field of the form: nothing was sent. */
  | { status: 'invalid'; field: 'access' | 'for'; message: string }
  | { status: 'refused' | 'failed'; message: string };

export type CancelOutcome = { status: 'done'; name: string } | { status: 'duplicate' } | { status: 'refused' | 'failed'; message: string };

const message = (e: unknown, doing: string): string => {
  if (isStoreUnavailable(e)) return STORE_UNAVAILABLE_MESSAGE;
  return isIscError(e) ? `Could not ${doing}: ${e.userMessage()}` : `Could not ${doing}: an error in the bot (its log says more).`;
};

/**
 * The requester's side of ISC: what a person may request, requesting it once per form, their
 * requests and where they stand, and cancelling one of their own. With a linked account everything is
 * done as the person; with the bot's service identity the bot asks only for the person themselves.
 */
export class RequestService {
  private readonly searches = new TtlCache<string, RequestableObject[]>(SEARCH_CACHE_ENTRIES);
  private readonly lists = new TtlCache<string, RequestedItemStatus[]>(LIST_CACHE_ENTRIES);

  constructor(private readonly deps: RequestServiceDeps) {}

  private async who(slackUserId: string): Promise<Who | Refusal> {
    const identity = await this.deps.directory.identityFor(slackUserId);
    if (!identity) return { message: await this.deps.directory.noIdentityMessage(slackUserId) };
    const acting: ActingClient = this.deps.acting ? await this.deps.acting.actingClient(slackUserId, false) : { client: this.deps.isc, actingAs: { kind: 'service' } };
    if ('refused' in acting) return { message: acting.refused };
    return { identity, acting };
  }

  /** Reads the requests followed for these identities now (an ISC event named them). */
  reread(identityIds: string[]): Promise<void> {
    return this.deps.watch?.poke(identityIds) ?? Promise.resolve();
  }

  /** Whether the person acts in ISC as themselves (so ISC, not the bot, decides whom they may request for). */
  async actsAsThemselves(slackUserId: string): Promise<boolean> {
    const who = await this.who(slackUserId).catch(() => undefined);
    return Boolean(who && 'acting' in who && who.acting.actingAs.kind === 'linked');
  }

  /**
   * What the person may request that matches `term`. Answered within the deadline: what ISC has not
   * answered by then is "slow", and the search goes on to fill the cache for the next keystroke.
   */
  async search(slackUserId: string, term: string): Promise<SearchResult> {
    const lookup = (async (): Promise<SearchResult> => {
      const who = await this.who(slackUserId);
      if ('message' in who) return who;
      const normalised = term.trim().toLowerCase();
      const key = `${who.acting.actingAs.kind === 'linked' ? 'linked' : 'service'}|${who.identity.id}|${normalised}`;
      const objects = await this.searches.getOrLoad(
        key,
        async () =>
          (await who.acting.client.accessRequests.listRequestableObjects({ identityId: who.identity.id, term: normalised || undefined, limit: SEARCH_LIMIT })).items,
        () => SEARCH_TTL_MS,
      );
      return { objects };
    })().catch((e: unknown): SearchResult => ({ message: message(e, 'search ISC') }));
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<SearchResult>((resolve) => {
      timer = setTimeout(() => resolve({ slow: true }), this.deps.searchDeadlineMs ?? SEARCH_DEADLINE_MS);
    });
    try {
      return await Promise.race([lookup, slow]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Requests the items once for this submission: each is checked in ISC as requestable by the person
   * it is for (a tampered option is refused), the intent is on the audit trail before ISC is asked,
   * and the request is then followed for its outcome.
   */
  async submit(slackUserId: string, s: Submission): Promise<SubmitOutcome> {
    let who: Who | Refusal;
    try {
      who = await this.who(slackUserId);
    } catch (e) {
      return { status: 'failed', message: message(e, 'check who you are in ISC') };
    }
    if ('message' in who) return { status: 'refused', message: who.message };
    const { client, actingAs } = who.acting;
    let target = who.identity;
    const forSomeoneElse = s.forSlackUserId !== undefined && s.forSlackUserId !== slackUserId;
    if (forSomeoneElse) {
      if (actingAs.kind !== 'linked') {
        return { status: 'invalid', field: 'for', message: 'The bot requests access with its own ISC identity, so only for you. Connect your ISC account (`/workitems connect`) to request for someone else.' };
      }
      const other = await this.deps.directory.identityFor(s.forSlackUserId!).catch(() => null);
      if (!other) return { status: 'invalid', field: 'for', message: `<@${s.forSlackUserId}> has no ISC identity the bot can find; pick someone else.` };
      target = other;
    }
    let requestable: RequestableObject[];
    try {
      // What the requester may request: ISC lists it only for the caller's own identity (a non-admin
      // may not name another), and decides on the request itself whether they may ask for someone else.
      const ids = s.items.map((i) => `"${i.id}"`).join(', ');
      requestable = (await client.accessRequests.listRequestableObjects({ identityId: who.identity.id, filters: `id in (${ids})`, limit: 250 })).items;
    } catch (e) {
      return { status: 'failed', message: message(e, 'check what you can request') };
    }
    const objects = s.items.map((i) => requestable.find((o) => o.id === i.id && o.type === i.type));
    if (!s.items.length || objects.some((o) => !o)) {
      return { status: 'invalid', field: 'access', message: 'Pick what to request from the list: ISC does not offer what was sent as something you can request.' };
    }
    const names = objects.map((o) => o!.name ?? o!.id!);
    const facts: DecisionFacts = {
      slackUserId,
      actorIdentityId: who.identity.id,
      item: { kind: 'access-request', id: s.items.map((i) => i.id).join(','), name: names.join(', ').slice(0, 500) },
      action: 'request',
      comment: s.justification,
      target: { identityId: target.id, name: target.name },
    };
    try {
      if (!(await this.deps.store.setIfAbsent(`request:submit:${s.submissionKey}`, { by: slackUserId }, SUBMIT_CLAIM_TTL_MS))) return { status: 'duplicate' };
    } catch (e) {
      return { status: 'failed', message: message(e, 'send your request') };
    }
    const audited = await this.deps.audit?.begin(facts, this.deps.audit.actingAs(actingAs)).catch((e: unknown) => e as Error);
    if (audited instanceof Error) {
      this.deps.logger.error('Could not write an access request to the audit trail, so ISC was not asked', { slackUserId, error: audited.message });
      return { status: 'failed', message: 'The bot could not write your request to its audit trail, so nothing was sent to ISC. Try again in a moment.' };
    }
    let response;
    try {
      response = await client.accessRequests.createAccessRequest({
        requestedFor: [target.id],
        requestType: 'GRANT_ACCESS',
        requestedItems: s.items.map((i) => ({ type: i.type, id: i.id, comment: s.justification, ...(s.removeDate ? { removeDate: s.removeDate } : {}) })),
      });
    } catch (e) {
      await audited?.finish({ outcome: isIscError(e) && e.status !== undefined && e.status < 500 ? 'refused' : 'failed', reason: message(e, 'request it'), ...(isIscError(e) && e.trackingId ? { trackingId: e.trackingId } : {}) });
      if (isIscError(e) && e.status === 403) {
        const whom = forSomeoneElse ? `<@${s.forSlackUserId}>` : 'you';
        return { status: 'refused', message: `ISC does not let you request this for ${whom}: ${e.userMessage()} Nothing was requested.` };
      }
      return { status: 'failed', message: message(e, 'send your request') };
    }
    await audited?.finish({ outcome: 'done' });
    const accessRequestIds = (response.newRequests ?? []).flatMap((r) => r.accessRequestIds ?? []);
    const existingIds = new Set((response.existingRequests ?? []).flatMap((r) => (r.requestedItemsDetails ?? []).map((d) => d.id)));
    const existing = objects.filter((o) => existingIds.has(o!.id)).map((o) => o!.name ?? o!.id!);
    this.deps.logger.info('Access requested', { slackUserId, items: s.items.length, forSomeoneElse, accessRequestIds });
    this.lists.delete(slackUserId);
    await this.remember(slackUserId, target.id, s.forSlackUserId, accessRequestIds);
    return { status: 'done', names, existing, accessRequestIds };
  }

  /** Who asked, and the follow-up of the outcome; the request is made either way. */
  private async remember(slackUserId: string, forIdentityId: string, forSlackUserId: string | undefined, accessRequestIds: string[]): Promise<void> {
    try {
      for (const id of accessRequestIds) await this.deps.store.set(`request:asked-by:${id}`, slackUserId, ASKED_BY_TTL_MS);
      await this.deps.watch?.follow(slackUserId, { forIdentityId, ...(forSlackUserId && forSlackUserId !== slackUserId ? { forSlackUserId } : {}) }, accessRequestIds);
    } catch (e) {
      this.deps.logger.warn('An access request was made, but the bot could not note it to follow it', { slackUserId, accessRequestIds, error: String(e) });
    }
  }

  /**
   * The person's recent requests, newest first, and which of them they made (the ones they may
   * cancel): as themselves in ISC, or through the bot's service identity, which the bot's own record
   * tells.
   */
  async list(slackUserId: string, { fresh = true }: { fresh?: boolean } = {}): Promise<{ identity: IscIdentityRef; statuses: RequestedItemStatus[]; own: Set<string> } | Refusal> {
    try {
      const who = await this.who(slackUserId);
      if ('message' in who) return who;
      const read = () => who.acting.client.accessRequests.listAccessRequestStatus({ requestedFor: who.identity.id, sorters: '-created', limit: LIST_LIMIT }).then((p) => p.items);
      // The Home tab, opened often, reuses a recent read; the command and the tab's Refresh read anew.
      if (fresh) this.lists.delete(slackUserId);
      const statuses = await this.lists.getOrLoad(slackUserId, read, () => LIST_TTL_MS);
      const ids = statuses.map((s) => s.accessRequestId ?? '');
      const askedBy = await this.deps.store.getMany<string>(ids.map((id) => `request:asked-by:${id}`));
      const own = new Set(ids.filter((id, i) => id && (askedBy[i] === slackUserId || statuses[i].requester?.id === who.identity.id)));
      return { identity: who.identity, statuses, own };
    } catch (e) {
      return { message: message(e, 'read your requests') };
    }
  }

  /** The request as the person may see it, with whether they may cancel it. */
  async findOwn(slackUserId: string, accessRequestId: string): Promise<{ status: RequestedItemStatus; who: Who } | Refusal> {
    const who = await this.who(slackUserId);
    if ('message' in who) return who;
    const page = await who.acting.client.accessRequests.listAccessRequestStatus({
      ...(who.acting.actingAs.kind === 'linked' ? { requestedBy: 'me' } : {}),
      filters: `accessRequestId eq "${accessRequestId.replace(/"/g, '')}"`,
      limit: 1,
    });
    const [status] = page.items;
    if (!status) return { message: 'ISC has no such request of yours; it may have been cancelled or removed.' };
    // The service identity makes every request as itself: who asked is the bot's own record.
    const askedBy = await this.deps.store.get<string>(`request:asked-by:${accessRequestId}`);
    const own = askedBy === slackUserId || (status.requester?.id !== undefined && status.requester.id === who.identity.id);
    if (!own) return { message: 'You can cancel only the requests you made. Nothing was changed in ISC.' };
    return { status, who };
  }

  async cancel(slackUserId: string, accessRequestId: string, comment: string): Promise<CancelOutcome> {
    let found;
    try {
      found = await this.findOwn(slackUserId, accessRequestId);
    } catch (e) {
      return { status: 'failed', message: message(e, 'read that request') };
    }
    if ('message' in found) return { status: 'refused', message: found.message };
    const { status, who } = found;
    const name = status.name ?? accessRequestId;
    const facts: DecisionFacts = { slackUserId, actorIdentityId: who.identity.id, item: { kind: 'access-request', id: accessRequestId, name }, action: 'cancel', comment };
    if (!status.cancelable || requestStanding(status).phase !== 'waiting') {
      const refused = { status: 'refused' as const, message: `ISC no longer lets your request for ${name} be cancelled: it has passed the approval step. Nothing was changed.` };
      await this.deps.audit?.ended(facts, { outcome: 'refused', reason: refused.message });
      return refused;
    }
    try {
      if (!(await this.deps.store.setIfAbsent(`request:cancel:${accessRequestId}`, { by: slackUserId }, SUBMIT_CLAIM_TTL_MS))) return { status: 'duplicate' };
    } catch (e) {
      return { status: 'failed', message: message(e, 'cancel it') };
    }
    const audited = await this.deps.audit?.begin(facts, this.deps.audit.actingAs(who.acting.actingAs)).catch((e: unknown) => e as Error);
    if (audited instanceof Error) return { status: 'failed', message: 'The bot could not write this to its audit trail, so nothing was sent to ISC. Try again in a moment.' };
    try {
      await who.acting.client.accessRequests.cancelAccessRequest(accessRequestId, comment);
    } catch (e) {
      await this.deps.store.delete(`request:cancel:${accessRequestId}`).catch(() => undefined);
      await audited?.finish({ outcome: isIscError(e) && e.status !== undefined && e.status < 500 ? 'refused' : 'failed', reason: message(e, 'cancel it'), ...(isIscError(e) && e.trackingId ? { trackingId: e.trackingId } : {}) });
      if (isIscError(e) && e.status === 400) return { status: 'refused', message: `ISC refused to cancel your request for ${name}: it has most likely passed the approval step (${e.userMessage()})` };
      return { status: 'failed', message: message(e, 'cancel it') };
    }
    await audited?.finish({ outcome: 'done' });
    this.lists.delete(slackUserId);
    await this.deps.watch?.forget(slackUserId, accessRequestId).catch(() => undefined);
    return { status: 'done', name };
  }
}
