import { readAllPages } from '../isc/http';
import type { Page, PageParams } from '../isc/types';
import type { IscIdentityRef } from '../workitems/identityDirectory';
import { ActionPipeline, type ActionOutcome, type ActionPipelineOptions, type Authorization, type ItemKind, type Purpose } from './actionPipeline';
import type { Decisions } from './decision';

/** A kind's service: the pipeline's options, and whom to tell when an action changed an item (its DMs follow it). */
export type ItemServiceOptions<I> = ActionPipelineOptions & { onItemChanged?: (item: I, decisions: Decisions) => void };

/** One slice of someone's pending items of a kind, and how many they have in all. */
export interface PendingSlice<I> {
  items: I[];
  total: number;
}

/**
 * What every kind's service offers the Slack listeners, the inbox and the notifications: its
 * decisions, the permission check and the actions, all through the one action pipeline. A kind adds
 * its ItemKind and how to list someone's pending items.
 */
export abstract class ItemService<I extends { id?: string }, A extends { kind: string }> {
  protected readonly pipeline: ActionPipeline;
  abstract readonly kind: ItemKind<I, A>;

  constructor(opts: ActionPipelineOptions) {
    this.pipeline = new ActionPipeline(opts);
  }

  /** One page of the items ISC waits on the owner for (the inbox's "pending for this identity" query of the kind). */
  protected abstract listPending(ownerId: string, page: PageParams): Promise<Page<I>>;

  /** One slice of the owner's pending items, and how many there are. */
  async pendingSlice(ownerId: string, offset: number, limit: number): Promise<PendingSlice<I>> {
    const page = await this.listPending(ownerId, { offset, limit, count: true });
    return { items: page.items, total: page.total ?? offset + page.items.length };
  }

  /** Every pending item of the owner, a page of 250 at a time; `call` wraps each ISC request (the poller's rate share). */
  allPending(ownerId: string, call: <T>(request: () => Promise<T>) => Promise<T> = (r) => r()): Promise<I[]> {
    return readAllPages((page) => call(() => this.listPending(ownerId, page)));
  }

  isAdmin(slackUserId: string): boolean {
    return this.pipeline.isAdmin(slackUserId);
  }

  /** The ISC identity whose items a user sees, with a message for the user when there is none. */
  subjectIdentity(slackUserId: string): Promise<{ identity: IscIdentityRef } | { message: string }> {
    return this.pipeline.subjectIdentity(slackUserId);
  }

  decisionsFor(id: string): Promise<Decisions> {
    return this.pipeline.decisionsFor(this.kind, id);
  }

  /** Decisions by item id; items without any are left out. */
  decisionsForItems(items: I[]): Promise<Record<string, Decisions>> {
    return this.pipeline.decisionsForIds(this.kind, items.map((i) => i.id));
  }

  /**
   * Reads the item now and checks that the Slack user is its current owner in ISC (one of them, for a
   * generic approval), or an admin; to act for another owner, also separation of duties.
   */
  authorize(actorSlackUserId: string, id: string, purpose: Purpose = 'act'): Promise<Authorization<I>> {
    return this.pipeline.authorize(this.kind, actorSlackUserId, id, purpose);
  }

  perform(actorSlackUserId: string, action: A): Promise<ActionOutcome<I>> {
    return this.pipeline.perform(this.kind, actorSlackUserId, action);
  }
}
