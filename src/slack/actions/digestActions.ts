import type { BlockAction, ButtonAction } from '@slack/bolt';
import { DIGEST_ACTION, renderNudgeOutcome } from '../../blocks/digest';
import { nudge } from '../../digest/nudge';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import type { SlackRouter } from '../router';

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** The digest's buttons: Open my inbox (anyone, their own list, only to them) and Nudge (admins). */
export function registerDigestActions(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);

  // In the digest channel or a nudge DM: the clicker's own list, as `/workitems` shows it, only to them.
  router.action<BlockAction<ButtonAction>>(
    DIGEST_ACTION.openInbox,
    async ({ ack, body, respond }) => {
      await ack();
      const user = body.user.id;
      const message = await presenter.listMessage(user, user, { kind: 'pending', offset: 0 }, { fresh: true });
      await respond({ ...message, response_type: 'ephemeral', replace_original: false });
    },
    'read',
  );

  router.action<BlockAction<ButtonAction>>(DIGEST_ACTION.nudge, async ({ ack, body, action, client, respond }) => {
    await ack();
    let approver: unknown;
    try {
      approver = (JSON.parse(action.value ?? '{}') as { u?: unknown }).u;
    } catch {
      approver = undefined;
    }
    if (typeof approver !== 'string' || !SLACK_USER_ID.test(approver)) return;
    const outcome = await nudge(
      { store: ctx.store, slack: client, logger: ctx.logger, now: ctx.now, isAdmin: (u) => ctx.service.isAdmin(u), staleAfterDays: ctx.config.digest.staleAfterDays },
      body.user.id,
      approver,
    ).catch((e: unknown) => ({ kind: 'error' as const, error: e }));
    const message = outcome.kind === 'error' ? presenter.errorMessage(outcome.error, 'nudge the approver') : renderNudgeOutcome(outcome, approver);
    await respond({ ...message, response_type: 'ephemeral', replace_original: false });
  });
}
