import type { App } from '@slack/bolt';
import { renderHelp, renderNotice, renderSummary } from '../../blocks/messages';
import type { BotContext } from '../context';
import { Presenter, type Message } from '../presenter';
import { parseWorkitemsCommand } from './parseWorkitemsCommand';

export function registerWorkitemsCommand(app: App, ctx: BotContext): void {
  const presenter = new Presenter(ctx);

  app.command('/workitems', async ({ ack, command, respond }) => {
    await ack();
    const reply = (msg: Message) => respond({ ...msg, response_type: 'ephemeral' });
    const caller = command.user_id;
    const isAdmin = ctx.service.isAdmin(caller);
    const parsed = parseWorkitemsCommand(command.text ?? '');

    if (parsed.kind === 'help') return void (await reply(renderHelp({ isAdmin })));
    if (parsed.kind === 'invalid') {
      const help = renderHelp({ isAdmin });
      const notice = renderNotice(`${parsed.problem} Here is what \`/workitems\` understands:`, 'warning');
      return void (await reply({ text: `${notice.text}`, blocks: [...notice.blocks, ...help.blocks] }));
    }
    const subject = parsed.subject ?? caller;
    if (subject !== caller && !isAdmin) {
      return void (await reply(renderNotice("Only the bot's admins can look at someone else's work items.", 'warning')));
    }

    switch (parsed.kind) {
      case 'pending':
      case 'completed':
        return void (await reply(await presenter.listMessage(caller, subject, parsed.kind, 0)));
      case 'summary':
        return void (await reply(await summaryMessage(ctx, presenter, subject)));
      case 'detail':
        return void (await reply(await detailMessage(ctx, presenter, caller, parsed.id, subject)));
    }
  });
}

async function summaryMessage(ctx: BotContext, presenter: Presenter, subjectSlackUserId: string): Promise<Message> {
  try {
    const subject = await ctx.service.subjectIdentity(subjectSlackUserId);
    if ('message' in subject) return renderNotice(subject.message, 'warning');
    const summary = await ctx.isc.workItems.getWorkItemsSummary({ ownerId: subject.identity.id });
    return renderSummary(summary, subjectSlackUserId);
  } catch (e) {
    return presenter.errorMessage(e, 'get your work-item summary');
  }
}

/** One item in full, if the caller may see it: its owner, or an admin. */
async function detailMessage(ctx: BotContext, presenter: Presenter, caller: string, id: string, subject: string): Promise<Message> {
  try {
    const auth = await ctx.service.authorize(caller, id, 'view');
    if (!auth.ok) return renderNotice(auth.message, 'warning');
    return presenter.detailMessage(caller, auth.item, await ctx.service.decisionsFor(id), subject);
  } catch (e) {
    return presenter.errorMessage(e, 'get that work item');
  }
}
