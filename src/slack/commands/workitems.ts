import type { WebClient } from '@slack/web-api';
import { describeAuthMode } from '../../auth/accountLinking';
import { STATE_TTL_MS } from '../../auth/oauthFlow';
import { ACTION } from '../../blocks/actions';
import { renderDigestPosted } from '../../blocks/digest';
import { renderInboxSummary } from '../../blocks/inboxList';
import { renderConnect, renderHelp, renderNotice } from '../../blocks/messages';
import { plural } from '../../blocks/mrkdwn';
import { decisionsSince, exportRecord, toCsv } from '../../audit/export';
import { renderNotifySetting } from '../../blocks/notifications';
import { DigestService } from '../../digest/digestService';
import type { ItemService } from '../../decisions/itemService';
import { withoutRequestBounds } from '../../isc/deadline';
import { isIscError } from '../../isc/errors';
import { ACCESS_REQUEST_VIEW, GENERIC_APPROVAL_VIEW } from '../actions/approvalActions';
import type { ItemView } from '../actions/itemHandlers';
import { ReviewViews } from '../actions/reviewActions';
import { TaskViews } from '../actions/taskActions';
import { WORK_ITEM_VIEW } from '../actions/workItemActions';
import type { BotContext } from '../context';
import { Presenter, type Message } from '../presenter';
import { createDigestClient } from '../notificationClient';
import type { SlackRouter } from '../router';
import { parseWorkitemsCommand, type WorkitemsCommand } from './parseWorkitemsCommand';
import { renderAwayResult } from '../../blocks/away';
import { openRequestForm } from '../actions/requestActions';
import { renderRequestList } from '../../blocks/requestAccess';

export function registerWorkitemsCommand(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  const tasks = new TaskViews(ctx, presenter);
  const reviews = new ReviewViews(ctx, presenter);

  // The Connect button is a link; Slack still sends the click, which only needs its ack.
  router.action(ACTION.connect, async ({ ack }) => {
    await ack();
  });

  router.command('/workitems', async ({ ack, command, respond, client }) => {
    await ack();
    const reply = (msg: Message) => respond({ ...msg, response_type: 'ephemeral' });
    const caller = command.user_id;
    const isAdmin = ctx.service.isAdmin(caller);
    const parsed = parseWorkitemsCommand(command.text ?? '');
    const renderHelpFor = async () => renderHelp({ isAdmin, authMode: await describeAuthMode(ctx.linking, caller), linking: Boolean(ctx.linking) });

    if (parsed.kind === 'help') return void (await reply(await renderHelpFor()));
    if (parsed.kind === 'invalid') {
      const help = await renderHelpFor();
      const notice = renderNotice(`${parsed.problem} Here is what \`/workitems\` understands:`, 'warning');
      return void (await reply({ text: `${notice.text}`, blocks: [...notice.blocks, ...help.blocks] }));
    }
    if (parsed.kind === 'digest' || parsed.kind === 'tasks' || parsed.kind === 'task' || parsed.kind === 'audit') {
      if (!isAdmin) return void (await reply(renderNotice("Only the bot's admins can use `/workitems digest`, `tasks`, `task` and `audit`.", 'warning')));
      if (parsed.kind === 'tasks') return void (await reply(await tasks.listMessage(caller)));
      if (parsed.kind === 'task') return void (await reply(await tasks.taskMessage(caller, parsed.id)));
      if (parsed.kind === 'audit') return void (await reply(await auditMessage(ctx, presenter, client, caller, parsed.days)));
      // The digest reads ISC far longer than a look at a list may wait, and says so first: it has no read deadline.
      return void (await reply(await withoutRequestBounds(() => digestMessage(ctx, presenter, parsed.preview, reply))));
    }
    if (parsed.kind === 'connect' || parsed.kind === 'disconnect') return void (await reply(await accountLinkMessage(ctx, presenter, caller, parsed.kind)));
    if (parsed.kind === 'notify') return void (await reply(await notifyMessage(ctx, presenter, caller, parsed.on)));
    if (parsed.kind === 'request') {
      return void (await openRequestForm(ctx, client, command.trigger_id, caller, parsed.term).catch(async (e: unknown) => {
        ctx.logger.warn('Could not open the Request access form', { error: String(e) });
        await reply(renderNotice('Could not open the Request access form; try again.', 'warning'));
      }));
    }
    if (parsed.kind === 'requests') return void (await reply(await requestsMessage(ctx, presenter, caller)));
    if (parsed.kind === 'reviews') return void (await reply(await reviews.listMessage(caller)));
    if (parsed.kind === 'away') return void (await reply(await awayMessage(ctx, presenter, caller, parsed)));
    const subject = parsed.subject ?? caller;
    if (subject !== caller && !isAdmin) {
      return void (await reply(renderNotice("Only the bot's admins can look at someone else's work items.", 'warning')));
    }
    if (subject !== caller) {
      const what = parsed.kind === 'detail' ? `item ${parsed.id}` : parsed.kind;
      await ctx.trail?.ended({ slackUserId: caller, item: { kind: 'inbox', id: subject, name: what }, action: 'view' }, { outcome: 'done' });
    }

    switch (parsed.kind) {
      case 'pending':
      case 'completed':
        // A new look: every kind is read from ISC (the Next and Previous buttons reuse what is cached).
        return void (await reply(await presenter.listMessage(caller, subject, { kind: parsed.kind, offset: 0 }, { fresh: true })));
      case 'summary':
        return void (await reply(await summaryMessage(ctx, presenter, caller, subject)));
      case 'detail':
        return void (await reply(await detailMessage(ctx, presenter, caller, parsed.id, subject)));
    }
  });
}

/** `/workitems connect`: a one-time sign-in button; `/workitems disconnect`: the tokens are deleted. */
async function accountLinkMessage(ctx: BotContext, presenter: Presenter, caller: string, kind: 'connect' | 'disconnect'): Promise<Message> {
  if (!ctx.linking) return renderNotice('Account linking is off: this bot acts in ISC with its own service identity (AUTH_MODE=service).', 'info');
  try {
    if (kind === 'connect') return renderConnect(await ctx.linking.flow.start(caller), STATE_TTL_MS / 60_000);
    const { removed, revoked } = await ctx.linking.disconnect(caller);
    if (!removed) {
      const how = ctx.linking.mode === 'linked' ? ' The bot acts for you in ISC with its own service identity.' : '';
      return renderNotice(`Your ISC account was not connected.${how}`, 'info');
    }
    return revoked
      ? renderNotice('Disconnected: the bot deleted your ISC tokens and ISC revoked them.', 'info')
      : renderNotice(
          "Disconnected: the bot deleted your ISC tokens, but ISC did not confirm revoking them, so they work at ISC until they expire. To end them now, remove the bot's access in ISC.",
          'warning',
        );
  } catch (e) {
    return presenter.errorMessage(e, `${kind} your ISC account`);
  }
}

/** `/workitems notify on|off`: the caller's notification DMs; `/workitems notify`: how they are set. */
async function notifyMessage(ctx: BotContext, presenter: Presenter, caller: string, on?: boolean): Promise<Message> {
  const subscriptions = ctx.notifier?.subscriptions;
  if (!subscriptions) return renderNotice('Notifications are off on this bot.', 'info');
  try {
    if (on !== undefined) await subscriptions.set(caller, on);
    return renderNotifySetting(on ?? (await subscriptions.get(caller))?.on ?? false, ctx.config.notify);
  } catch (e) {
    return presenter.errorMessage(e, 'change your notifications');
  }
}

/** `/workitems away …`: out of office, set, shown or ended for the caller. */
async function awayMessage(ctx: BotContext, presenter: Presenter, caller: string, command: Extract<WorkitemsCommand, { kind: 'away' }>): Promise<Message> {
  const away = ctx.away;
  if (!away) return renderNotice('Out of office is not available on this bot.', 'info');
  try {
    if (command.action === 'set') return renderAwayResult(await away.set(caller, { from: command.from, to: command.to, delegateSlackUserId: command.delegate }));
    return renderAwayResult(command.action === 'off' ? await away.off(caller) : await away.status(caller));
  } catch (e) {
    return presenter.errorMessage(e, command.action === 'show' ? 'read your out-of-office setting' : command.action === 'off' ? 'end your out of office' : 'set you as away');
  }
}

/** `/workitems requests`: the caller's recent access requests and where each stands. */
export async function requestsMessage(ctx: BotContext, presenter: Presenter, caller: string): Promise<Message> {
  const [found, viewer] = await Promise.all([ctx.requests.list(caller), presenter.viewer(caller)]);
  if ('message' in found) return renderNotice(found.message, 'warning');
  return renderRequestList(found.statuses, viewer, found.own);
}

/** Each kind's pending count, read from ISC, and the total; the subject is the caller unless an admin names someone. */
async function summaryMessage(ctx: BotContext, presenter: Presenter, caller: string, subjectSlackUserId: string): Promise<Message> {
  try {
    const subject = await ctx.service.subjectIdentity(subjectSlackUserId);
    if ('message' in subject) return renderNotice(subject.message, 'warning');
    return renderInboxSummary(await ctx.inbox.counts(subject.identity.id), subjectSlackUserId === caller ? undefined : subjectSlackUserId);
  } catch (e) {
    return presenter.errorMessage(e, 'get your summary');
  }
}

const isNotFound = (e: unknown) => isIscError(e) && e.status === 404;

/**
 * One item in full, if the caller may see it (its owner, or an admin): a work item, or else an
 * access-request or generic approval with that id.
 */
async function detailMessage(ctx: BotContext, presenter: Presenter, caller: string, id: string, subject: string): Promise<Message> {
  const shown = async <I extends { id?: string }>(service: ItemService<I, { kind: string }>, view: ItemView<I>): Promise<Message> => {
    const auth = await service.authorize(caller, id, 'view');
    if (!auth.ok) return renderNotice(auth.message, 'warning');
    return presenter.detailMessage(caller, view.entry(auth.item), await service.decisionsFor(id), subject);
  };
  const kinds = [() => shown(ctx.service, WORK_ITEM_VIEW), () => shown(ctx.accessRequests, ACCESS_REQUEST_VIEW), () => shown(ctx.genericApprovals, GENERIC_APPROVAL_VIEW)];
  try {
    for (const attempt of kinds) {
      try {
        return await attempt();
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return renderNotice(`ISC has no work item, access request or approval with the id ${id}; it may have been completed or removed.`, 'warning');
  } catch (e) {
    return presenter.errorMessage(e, 'get that item');
  }
}

const DEFAULT_AUDIT_DAYS = 30;
const DAY_MS = 24 * 3600_000;

/** `/workitems audit [days]`: the decisions taken through the bot in the last days, as a CSV file in a DM to the admin. */
async function auditMessage(ctx: BotContext, presenter: Presenter, client: WebClient, caller: string, days = DEFAULT_AUDIT_DAYS): Promise<Message> {
  const { audit } = ctx;
  if (!audit) return renderNotice('This bot keeps no audit trail.', 'warning');
  const kept = ctx.config.audit.retentionDays;
  if (days > kept) return renderNotice(`The audit trail keeps ${plural(kept, 'day')} (AUDIT_RETENTION_DAYS): ask for ${kept} at most.`, 'warning');
  try {
    const now = ctx.now();
    const since = new Date(now.getTime() - days * DAY_MS);
    const rows = await decisionsSince(audit, since);
    // Recorded before it is sent: an export the trail cannot record does not happen.
    await audit.append(exportRecord({ by: caller, since, rows: rows.length, format: 'csv', at: now }));
    const dm = await client.conversations.open({ users: caller });
    if (!dm.channel?.id) throw new Error('conversations.open returned no channel');
    const [from, to] = [since, now].map((d) => d.toISOString().slice(0, 10));
    await client.filesUploadV2({
      channel_id: dm.channel.id,
      filename: `isc-workitems-audit-${from}-to-${to}.csv`,
      title: `ISC work items: decisions ${from} to ${to}`,
      content: toCsv(rows),
      initial_comment: `The decisions taken through the bot since ${since.toISOString()} (UTC): ${plural(rows.length, 'decision')}.`,
    });
    ctx.logger.info('Sent the audit trail to an admin', { slackUserId: caller, days, decisions: rows.length });
    return renderNotice(`Sent you the decisions of the last ${plural(days, 'day')} (${plural(rows.length, 'decision')}) as a CSV file in a direct message.`, 'info');
  } catch (e) {
    if ((e as { data?: { error?: string } }).data?.error === 'missing_scope') {
      return renderNotice('The bot may not upload files: add the files:write scope to the Slack app (manifest.yml has it) and reinstall the app.', 'warning');
    }
    return presenter.errorMessage(e, 'export the audit trail');
  }
}

/** `/workitems digest preview`: the digest, to the caller only; `/workitems digest`: posted to the channel now. */
async function digestMessage(ctx: BotContext, presenter: Presenter, preview: boolean, reply: (msg: Message) => Promise<unknown>): Promise<Message> {
  const channel = ctx.config.digest.channel;
  try {
    const subscriptions = ctx.notifier?.subscriptions;
    const knownApprovers = subscriptions && (() => subscriptions.activeUserIds());
    const digest = new DigestService({ ...ctx, knownApprovers }, createDigestClient(ctx.config.slack, ctx.logger, ctx.metrics));
    if (preview) return await digest.build();
    if (!channel) return renderNotice('The digest is off: set DIGEST_CHANNEL to the id of the channel it should go to.', 'warning');
    await reply(renderNotice('Reading ISC for the digest…', 'info'));
    await digest.postNow();
    return renderDigestPosted(channel);
  } catch (e) {
    if ((e as { data?: { error?: string } }).data?.error === 'not_in_channel') {
      return renderNotice('The bot is not a member of the digest channel: invite it there (`/invite`) and try again.', 'warning');
    }
    return presenter.errorMessage(e, 'post the digest');
  }
}
