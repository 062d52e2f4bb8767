import type { RenderedMessage } from '../blocks/types';

/** Where a DM landed. */
export interface DmRef {
  channel: string;
  ts: string;
}

/** What notifications send to Slack. The bot gives them a SlackSender (Slack's limits kept); tests may give a fake. */
export interface DmPort {
  /** Posts to the user's DM, or as a reply in the thread of an earlier DM. */
  postDm(userId: string, message: RenderedMessage, thread?: DmRef): Promise<DmRef>;
  /** Redraws a DM in place. */
  updateDm(dm: DmRef, message: RenderedMessage): Promise<void>;
  /** A Slack user id by email (NOTIFY_USERS); undefined when no Slack user has it. */
  lookupByEmail(email: string): Promise<string | undefined>;
}
