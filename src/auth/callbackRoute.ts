import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebClient } from '@slack/web-api';
import { renderNotice } from '../blocks/messages';
import { escapeMrkdwn } from '../blocks/mrkdwn';
import type { Logger } from '../log';
import { isStoreUnavailable } from '../store/store';
import { escapeHtml, htmlPage, sendHtml } from './html';
import type { CallbackOutcome, OAuthFlow } from './oauthFlow';

export const CALLBACK_PATH = '/oauth/callback';

export interface CallbackRouteOptions {
  flow: OAuthFlow;
  /** Slack Web API client, for the "Connected as …" DM. */
  slack: () => Pick<WebClient, 'conversations' | 'chat'>;
  logger: Logger;
}

interface Page {
  status: number;
  title: string;
  text: string;
}

function pageFor(outcome: CallbackOutcome): Page {
  switch (outcome.status) {
    case 'linked':
      return { status: 200, title: 'Connected', text: `Connected to ISC as ${outcome.identity.name}. You can close this tab and go back to Slack.` };
    case 'invalid_state':
      return { status: 400, title: 'Link expired', text: 'This sign-in link has expired or was already used. Run /workitems connect in Slack to get a new one.' };
    case 'denied':
      return { status: 200, title: 'Not connected', text: 'The ISC sign-in was cancelled; nothing was connected.' };
    case 'mismatch':
      return { status: 403, title: 'Not connected', text: 'You signed in to ISC as someone other than the identity your Slack account maps to, so nothing was connected. See Slack for details.' };
    case 'failed':
      return { status: 502, title: 'Not connected', text: `${outcome.message} Nothing was connected.` };
  }
}

/** The DM for a return whose state named a Slack user; mrkdwn, ISC values escaped. */
function directMessage(outcome: Exclude<CallbackOutcome, { status: 'invalid_state' }>): { text: string; kind: 'info' | 'warning' } {
  switch (outcome.status) {
    case 'linked':
      return {
        kind: 'info',
        text: `Connected as ${escapeMrkdwn(outcome.identity.name)}: what you approve, reject, complete or forward from Slack is now done in ISC as you. \`/workitems disconnect\` unlinks it.`,
      };
    case 'denied':
      return { kind: 'warning', text: 'Not connected: the ISC sign-in was cancelled.' };
    case 'mismatch':
      return {
        kind: 'warning',
        text: outcome.expected
          ? `Not connected: you signed in to ISC as someone other than ${escapeMrkdwn(outcome.expected.name)}, the identity your Slack account maps to. Run \`/workitems connect\` again and sign in as yourself.`
          : 'Not connected: the bot cannot find the ISC identity of your Slack account, so it cannot check who signed in. Ask your ISC admin to set your Slack email on your identity.',
      };
    case 'failed':
      return { kind: 'warning', text: `Not connected: ${escapeMrkdwn(outcome.message)}` };
  }
}

/** `GET /oauth/callback`: ISC sends the browser back here; served by Bolt in HTTP and Socket Mode alike. */
export function oauthCallbackRoute({ flow, slack, logger }: CallbackRouteOptions) {
  async function tell(outcome: Exclude<CallbackOutcome, { status: 'invalid_state' }>): Promise<void> {
    const { text, kind } = directMessage(outcome);
    try {
      const dm = await slack().conversations.open({ users: outcome.slackUserId });
      if (dm.channel?.id) await slack().chat.postMessage({ channel: dm.channel.id, ...renderNotice(text, kind) });
    } catch (e) {
      logger.warn('Could not DM the outcome of an account link', { slackUserId: outcome.slackUserId, error: e instanceof Error ? e.message : String(e) });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let page: Page;
    try {
      const outcome = await flow.complete(new URL(req.url ?? '/', 'http://localhost').searchParams);
      if (outcome.status !== 'invalid_state') await tell(outcome);
      page = pageFor(outcome);
    } catch (e) {
      if (isStoreUnavailable(e)) {
        logger.warn('The OAuth callback could not reach the state store', { error: e.message });
        page = { status: 503, title: 'Not connected', text: 'The bot cannot reach its state store right now, so nothing was connected. Run /workitems connect in Slack again in a moment.' };
      } else {
        logger.error('The OAuth callback failed', { error: e instanceof Error ? e.message : String(e) });
        page = { status: 500, title: 'Not connected', text: 'The bot had an internal error, so nothing was connected. Run /workitems connect in Slack to try again.' };
      }
    }
    sendHtml(res, page.status, htmlPage(page.title, `<p>${escapeHtml(page.text)}</p>`));
  }

  return {
    path: CALLBACK_PATH,
    method: ['GET'],
    handler: (req: IncomingMessage, res: ServerResponse) => {
      handle(req, res).catch((e: unknown) => logger.error('Could not answer the OAuth callback', { error: e instanceof Error ? e.message : String(e) }));
    },
  };
}
