// The digest's Nudge: an admin asks an approver with stale items to look at them. One DM per approver
// per day, whoever clicks and on whichever replica: the day's nudge is claimed in the state store.
import type { WebClient } from '@slack/web-api';
import { renderNudge } from '../blocks/digest';
import type { Logger } from '../log';
import type { StateStore } from '../store/store';

/** Past the end of the UTC day the claim names, so it never lapses within it. */
const CLAIM_TTL_MS = 2 * 86_400_000;

export const nudgeKey = (slackUserId: string, at: Date) => `digest:nudge:${slackUserId}:${at.toISOString().slice(0, 10)}`;

export type NudgeOutcome = { kind: 'sent' } | { kind: 'already'; by: string } | { kind: 'refused' } | { kind: 'failed'; error: unknown };

export interface NudgeDeps {
  store: StateStore;
  slack: Pick<WebClient, 'chat'>;
  logger: Logger;
  now: () => Date;
  isAdmin: (slackUserId: string) => boolean;
  staleAfterDays: number;
}

/** Sends the approver the day's nudge, unless someone did already; refused for a non-admin. */
export async function nudge(deps: NudgeDeps, adminSlackUserId: string, approverSlackUserId: string): Promise<NudgeOutcome> {
  if (!deps.isAdmin(adminSlackUserId)) return { kind: 'refused' };
  const key = nudgeKey(approverSlackUserId, deps.now());
  if (!(await deps.store.setIfAbsent(key, { by: adminSlackUserId, at: deps.now().toISOString() }, CLAIM_TTL_MS))) {
    const claim = await deps.store.get<{ by: string }>(key);
    return { kind: 'already', by: claim?.by ?? adminSlackUserId };
  }
  const message = renderNudge(adminSlackUserId, deps.staleAfterDays);
  try {
    await deps.slack.chat.postMessage({ channel: approverSlackUserId, text: message.text, blocks: message.blocks });
    return { kind: 'sent' };
  } catch (e) {
    // Slack refused it (the approver left, the bot may not DM them): it did not arrive, so the day's claim goes.
    deps.logger.warn('Digest: a nudge could not be sent', { approver: approverSlackUserId, error: e instanceof Error ? e.message : String(e) });
    await deps.store.delete(key).catch(() => undefined);
    return { kind: 'failed', error: e };
  }
}
