import { tryLock, updateRecord, type HeldLock, type StateStore } from '../store/store';

/**
 * What was announced to whom: one record per (Slack user, work item) in the state store.
 *
 * An announcement is claimed (setIfAbsent, or compare-and-set over an abandoned claim) before it is
 * posted and recorded as posted after, so no two polls (or replicas sharing the store) post the same
 * item. A post that fails releases its claim and the next poll tries again. A claim left behind by a crash between claim and post is taken over
 * once CLAIM_LEASE_MS has passed: the notification is then sent, at the price of a duplicate in the
 * one case where Slack had accepted the post but the crash came before the record — a lost approval
 * request is worse than a repeated one.
 */
export interface Announcement {
  /** claimed: being posted (or abandoned by a crash); posted: its message exists; settled: the message shows the final state. */
  status: 'claimed' | 'posted' | 'settled';
  /** dm: the item's own message, which follows the item; summary: listed in a first-poll summary. */
  kind: 'dm' | 'summary';
  /** When claimed; once posted, when announced. */
  at: string;
  channel?: string;
  ts?: string;
  remindedAt?: string;
  /** Updating the message failed; the next poll redraws it. */
  stale?: boolean;
}

export const CLAIM_LEASE_MS = 10 * 60_000;
/** A claim abandoned for good (its item left the queue) is forgotten after this. */
const CLAIM_TTL_MS = 7 * 24 * 3600_000;
/** A settled record is kept a while so that a late click or poll finds it settled rather than unknown. */
const SETTLED_TTL_MS = 30 * 24 * 3600_000;
/** The index of an item's holders outlives every record it points to. */
const HOLDERS_TTL_MS = 90 * 24 * 3600_000;

/** A reminder's claim outlives its day in every time zone. */
const REMINDER_CLAIM_TTL_MS = 2 * 24 * 3600_000;

const recordKey = (slackUserId: string, workItemId: string) => `notify:dm:${slackUserId}:${workItemId}`;
/** Indexes instead of listing keys: the items a user has records of, and the users an item was announced to. */
const itemsOf = (slackUserId: string) => `notify:dm-items:${slackUserId}`;
const holdersOf = (workItemId: string) => `notify:dm-holders:${workItemId}`;

export class Ledger {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => Date,
  ) {}

  get(slackUserId: string, workItemId: string): Promise<Announcement | undefined> {
    return this.store.get<Announcement>(recordKey(slackUserId, workItemId));
  }

  /** A user's records by work item id; index entries whose record expired are dropped. */
  async ofUser(slackUserId: string): Promise<Map<string, Announcement>> {
    const ids = await this.store.members(itemsOf(slackUserId));
    const records = await this.store.getMany<Announcement>(ids.map((id) => recordKey(slackUserId, id)));
    const found = new Map<string, Announcement>();
    await Promise.all(
      ids.map(async (id, i) => {
        const record = records[i];
        if (record) found.set(id, record);
        else await this.store.removeMember(itemsOf(slackUserId), id);
      }),
    );
    return found;
  }

  /** The users an item was announced to (some records may have expired since). */
  holdersOf(workItemId: string): Promise<string[]> {
    return this.store.members(holdersOf(workItemId));
  }

  /** Whether a poll should (again) announce an item pending for the user, given its record. */
  needsAnnouncement(record: Announcement | undefined): boolean {
    if (!record) return true;
    // Settled and pending again for this user: forwarded back to them, a new arrival.
    if (record.status === 'settled') return true;
    return record.status === 'claimed' && this.now().getTime() - Date.parse(record.at) >= CLAIM_LEASE_MS;
  }

  /**
   * The claim when this caller may post the announcement, else undefined. `previous`: the record that
   * needsAnnouncement() accepted, taken over only if it is still that record (compare-and-set).
   */
  async claim(slackUserId: string, workItemId: string, kind: Announcement['kind'], previous?: Announcement): Promise<Announcement | undefined> {
    const k = recordKey(slackUserId, workItemId);
    // Indexed before the record exists, so a record is never left where no index finds it.
    await Promise.all([this.store.addMember(itemsOf(slackUserId), workItemId), this.store.addMember(holdersOf(workItemId), slackUserId, HOLDERS_TTL_MS)]);
    const claim: Announcement = { status: 'claimed', kind, at: this.now().toISOString() };
    const won = previous ? await this.store.compareAndSet(k, previous, claim, CLAIM_TTL_MS) : await this.store.setIfAbsent(k, claim, CLAIM_TTL_MS);
    return won ? claim : undefined;
  }

  /**
   * Claims the reminder about an item to a user on a day (their local date), like a DM: only the
   * caller that gets it sends the reminder, so two replicas that both poll send one. Released when
   * the post fails, so the next poll tries again.
   */
  claimReminder(slackUserId: string, workItemId: string, day: string): Promise<HeldLock | undefined> {
    return tryLock(this.store, `notify:remind:${slackUserId}:${workItemId}:${day}`, REMINDER_CLAIM_TTL_MS);
  }

  /**
   * Puts back the record of an announcement the ledger lost (the store lost its state) but a durable
   * receipt remembers: posted, at the original DM, so that follow-ups and reminders thread onto it and
   * no poll announces the item again. Like a claim it is set only where there is no record
   * (setIfAbsent), or over the caller's own claim (`over`, compare-and-set), so a poll or replica that
   * claimed the item meanwhile keeps its claim and this one restores nothing; undefined then.
   */
  async restore(
    slackUserId: string,
    workItemId: string,
    receipt: { kind: Announcement['kind']; announcedAt: string; channel: string; ts: string; remindedAt?: string },
    over?: Announcement,
  ): Promise<Announcement | undefined> {
    await Promise.all([this.store.addMember(itemsOf(slackUserId), workItemId), this.store.addMember(holdersOf(workItemId), slackUserId, HOLDERS_TTL_MS)]);
    const record: Announcement = {
      status: 'posted',
      kind: receipt.kind,
      at: receipt.announcedAt,
      channel: receipt.channel,
      ts: receipt.ts,
      ...(receipt.remindedAt ? { remindedAt: receipt.remindedAt } : {}),
    };
    const k = recordKey(slackUserId, workItemId);
    return (await (over ? this.store.compareAndSet(k, over, record) : this.store.setIfAbsent(k, record))) ? record : undefined;
  }

  /** Gives a claim back after a failed post, unless someone took it over meanwhile. */
  async release(slackUserId: string, workItemId: string, claim: Announcement): Promise<void> {
    await this.store.compareAndSet(recordKey(slackUserId, workItemId), claim, undefined);
  }

  /** Records the post that a claim led to; false when the claim was taken over meanwhile (that record is kept). */
  posted(slackUserId: string, workItemId: string, claim: Announcement, where: { channel: string; ts: string }): Promise<boolean> {
    const record: Announcement = { status: 'posted', kind: claim.kind, at: this.now().toISOString(), ...where };
    return this.store.compareAndSet(recordKey(slackUserId, workItemId), claim, record);
  }

  /** Changes a record in place (compare-and-set, so a concurrent change is never lost); settling it starts its expiry. */
  async update(slackUserId: string, workItemId: string, change: Partial<Pick<Announcement, 'status' | 'remindedAt' | 'stale'>>): Promise<void> {
    await updateRecord<Announcement>(this.store, recordKey(slackUserId, workItemId), (record) => {
      if (!record) return undefined;
      const next: Announcement = { ...record, ...change };
      if (!next.stale) delete next.stale;
      return { value: next, ttlMs: next.status === 'settled' ? SETTLED_TTL_MS : undefined };
    });
  }
}
