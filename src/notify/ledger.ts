import type { StateStore } from '../store/store';

/**
 * What was announced to whom: one record per (Slack user, work item) in the state store.
 *
 * An announcement is claimed (setIfAbsent) before it is posted and recorded as posted after, so no
 * two polls (or replicas sharing the store) post the same item. A post that fails releases its claim
 * and the next poll tries again. A claim left behind by a crash between claim and post is taken over
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

const PREFIX = 'notify:dm:';
const key = (slackUserId: string, workItemId: string) => `${PREFIX}${slackUserId}:${workItemId}`;

export class Ledger {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => Date,
  ) {}

  get(slackUserId: string, workItemId: string): Promise<Announcement | undefined> {
    return this.store.get<Announcement>(key(slackUserId, workItemId));
  }

  /** A user's records by work item id. */
  async ofUser(slackUserId: string): Promise<Map<string, Announcement>> {
    const prefix = key(slackUserId, '');
    const keys = await this.store.keys(prefix);
    const records = await Promise.all(keys.map(async (k) => [k.slice(prefix.length), await this.store.get<Announcement>(k)] as const));
    return new Map(records.filter((r): r is readonly [string, Announcement] => r[1] !== undefined));
  }

  /** The users an item was announced to. */
  async holdersOf(workItemId: string): Promise<string[]> {
    const keys = await this.store.keys(PREFIX);
    const suffix = `:${workItemId}`;
    return keys.filter((k) => k.endsWith(suffix)).map((k) => k.slice(PREFIX.length, -suffix.length)).filter((u) => !u.includes(':'));
  }

  /** Whether a poll should (again) announce an item pending for the user, given its record. */
  needsAnnouncement(record: Announcement | undefined): boolean {
    if (!record) return true;
    // Settled and pending again for this user: forwarded back to them, a new arrival.
    if (record.status === 'settled') return true;
    return record.status === 'claimed' && this.now().getTime() - Date.parse(record.at) >= CLAIM_LEASE_MS;
  }

  /** True when this caller may post the announcement. `previous`: the record that needsAnnouncement() accepted, taken over. */
  async claim(slackUserId: string, workItemId: string, kind: Announcement['kind'], previous?: Announcement): Promise<boolean> {
    const k = key(slackUserId, workItemId);
    if (previous) await this.store.delete(k);
    return this.store.setIfAbsent<Announcement>(k, { status: 'claimed', kind, at: this.now().toISOString() }, CLAIM_TTL_MS);
  }

  release(slackUserId: string, workItemId: string): Promise<void> {
    return this.store.delete(key(slackUserId, workItemId));
  }

  posted(slackUserId: string, workItemId: string, kind: Announcement['kind'], where: { channel: string; ts: string }): Promise<void> {
    return this.store.set<Announcement>(key(slackUserId, workItemId), { status: 'posted', kind, at: this.now().toISOString(), ...where });
  }

  /** Changes a posted record; settling it starts its expiry. */
  async update(slackUserId: string, workItemId: string, change: Partial<Pick<Announcement, 'status' | 'remindedAt' | 'stale'>>): Promise<void> {
    const k = key(slackUserId, workItemId);
    const record = await this.store.get<Announcement>(k);
    if (!record) return;
    const next: Announcement = { ...record, ...change };
    if (!next.stale) delete next.stale;
    await this.store.set(k, next, next.status === 'settled' ? SETTLED_TTL_MS : undefined);
  }
}
