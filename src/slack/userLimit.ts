/**
 * How many requests each Slack user may send in a window: a count per user, restarted when its window
 * has passed. Kept in this process: Slack sends a user's requests to any replica, so with several
 * the limit a user meets is up to one per replica, which is still a bound; what ISC sees is bounded
 * fleet-wide by the shared rate limiter, and a store round trip here would slow every ack.
 */
export class UserLimit {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    readonly opts: { requests: number; perMs: number; now?: () => number },
  ) {}

  /** Counts one request of the user; false when it is over the limit (not counted then). */
  take(userId: string): boolean {
    const now = this.opts.now?.() ?? Date.now();
    const current = this.windows.get(userId);
    if (current && now - current.startedAt < this.opts.perMs) {
      if (current.count >= this.opts.requests) return false;
      current.count++;
      return true;
    }
    // A window that has passed tells nothing: forgetting them keeps this as small as the users active now.
    if (this.windows.size >= 10_000) for (const [id, w] of this.windows) if (now - w.startedAt >= this.opts.perMs) this.windows.delete(id);
    this.windows.set(userId, { startedAt: now, count: 1 });
    return true;
  }
}
