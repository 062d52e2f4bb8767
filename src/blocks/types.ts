import type { KnownBlock } from '@slack/types';
import type { Decisions } from '../decisions/decision';
import type { ListPosition } from './actions';
import type { Budget } from './limits';

/** Who is looking, so times render in their own Slack time zone. */
export interface Viewer {
  /** IANA time zone from Slack `users.info` (`user.tz`), e.g. `Europe/Paris`. */
  tz: string;
  now: Date;
  /** The Slack user's locale (e.g. `de-DE`), for texts ISC gives in several languages. */
  locale?: string;
}

export interface CardOptions {
  viewer: Viewer;
  /** Base of the ISC web UI, e.g. `https://acme.identitynow.com`; no "Open in ISC" button when absent. */
  iscUiBaseUrl?: string;
  decisions?: Decisions;
  /** When an admin looks at someone else's items: that person's Slack id (carried in button values). */
  subjectSlackUserId?: string;
  /**
   * The ISC identity whose items the card is shown among (the viewer's, or the admin's subject's): a
   * forward through the bot settles a card only for someone who no longer owns the item.
   */
  subjectIdentityId?: string;
  /** The Slack user looking at the card: a generic approval's card settles for whoever decided their own part. */
  viewerSlackUserId?: string;
  /**
   * How the viewer's decisions reach ISC: as their own (linked) identity, or as the bot's service
   * identity (`connect`: they could link their account). Default `service`. An approval with several
   * approvers offers Approve and Reject only to `own`.
   */
  actingAs?: 'own' | 'service' | 'connect';
}

export type CardMode = 'compact' | 'full';

/** How one card is drawn: in a list (compact) or on its own (full), and where its buttons send the user back to. */
export interface RenderCardOptions extends CardOptions {
  mode: CardMode;
  /** Full mode: room for this card (parts beyond it are summarised). Default: a whole message. */
  budget?: Budget;
  /** The list page the card is shown in, carried in its button values. */
  list?: ListPosition;
}

/** What the message builders return: blocks plus the top-level text that notifications show. */
export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
}
