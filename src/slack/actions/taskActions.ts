import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { ACTION, isValidId } from '../../blocks/actions';
import { renderNotice } from '../../blocks/messages';
import { renderLoadingModal, renderModalMessage } from '../../blocks/modals';
import { markTasksCleared, renderTaskDetailsModal, renderTaskList, renderTaskMessage, tasksWithButtons } from '../../blocks/tasks';
import type { Viewer } from '../../blocks/types';
import { fetchLongestRunning } from '../../digest/collect';
import { TaskAdmin } from '../../digest/taskAdmin';
import type { BotContext } from '../context';
import { Presenter, type Message } from '../presenter';
import type { SlackRouter } from '../router';
import type { ButtonArgs } from './itemHandlers';

/** Pending tasks read for `/workitems tasks` (the message shows as many as fit). */
const TASK_LIST_PAGE = 25;

/** The task messages of `/workitems tasks` and `/workitems task <id>`, in the caller's time zone. */
export class TaskViews {
  readonly admin: TaskAdmin;

  constructor(
    private readonly ctx: BotContext,
    private readonly presenter: Presenter,
  ) {
    this.admin = new TaskAdmin({ tasks: ctx.isc.taskManagement, acting: ctx.linking, store: ctx.store, logger: ctx.logger, now: ctx.now, audit: ctx.trail });
  }

  private options(viewer: Viewer) {
    return { viewer, stuckAfterHours: this.ctx.config.digest.stuckAfterHours };
  }

  async listMessage(caller: string): Promise<Message> {
    const api = this.ctx.isc.taskManagement;
    try {
      const [tasks, { total }, viewer] = await Promise.all([fetchLongestRunning(api, TASK_LIST_PAGE), api.getPendingTaskHeaders(), this.presenter.viewer(caller)]);
      return renderTaskList({ tasks, total: Math.max(total, tasks.length) }, { ...this.options(viewer), clearances: await this.admin.clearances(tasks.map((t) => t.id)) });
    } catch (e) {
      return this.presenter.errorMessage(e, 'list the pending tasks');
    }
  }

  async taskMessage(caller: string, taskId: string): Promise<Message> {
    try {
      const [task, viewer, clearances] = await Promise.all([this.ctx.isc.taskManagement.getTaskStatus(taskId), this.presenter.viewer(caller), this.admin.clearances([taskId])]);
      return renderTaskMessage(task, { ...this.options(viewer), clearances });
    } catch (e) {
      return this.presenter.errorMessage(e, 'get that task');
    }
  }
}

export function registerTaskActions(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  const views = new TaskViews(ctx, presenter);
  const notify = (args: ButtonArgs, text: string, kind: 'error' | 'info' | 'warning') =>
    args.respond({ ...renderNotice(text, kind), response_type: 'ephemeral', replace_original: false });

  /** The task id of an admin's click; undefined (after telling the user why) otherwise. ISC is not called. */
  async function adminClick(args: ButtonArgs): Promise<string | undefined> {
    const actor = args.body.user.id;
    if (!ctx.service.isAdmin(actor)) {
      ctx.logger.warn('Refused a task button to a non-admin', { actorSlackUserId: actor, action: args.action.action_id });
      await notify(args, "Only the bot's admins can use the task buttons. Nothing was changed in ISC.", 'warning');
      return undefined;
    }
    if (!isValidId(args.action.value)) {
      await notify(args, 'That button carried no valid task id.', 'error');
      return undefined;
    }
    return args.action.value;
  }

  router.action<BlockAction<ButtonAction>>(ACTION.taskDetails, async (args) => {
    await args.ack();
    const taskId = await adminClick(args);
    if (!taskId) return;
    // trigger_id lives 3 s: the modal opens at once and is filled in once ISC has answered.
    const opened = await args.client.views.open({ trigger_id: args.body.trigger_id, view: renderLoadingModal('ISC task') });
    const viewId = opened.view?.id;
    if (!viewId) return;
    let view;
    try {
      const [task, viewer, clearances] = await Promise.all([
        ctx.isc.taskManagement.getTaskStatus(taskId),
        presenter.viewer(args.body.user.id),
        views.admin.clearances([taskId]),
      ]);
      view = renderTaskDetailsModal(task, { viewer, stuckAfterHours: ctx.config.digest.stuckAfterHours, clearances });
    } catch (e) {
      view = renderModalMessage('ISC task', presenter.errorText(e, 'get that task'));
    }
    await args.client.views.update({ view_id: viewId, view });
  }, 'read');

  router.action<BlockAction<ButtonAction>>(ACTION.taskTerminate, async (args) => {
    await args.ack();
    const taskId = await adminClick(args);
    if (!taskId) return;
    const { body, client } = args;
    const actor = body.user.id;
    const outcome = await views.admin.terminate(actor, taskId);
    switch (outcome.status) {
      case 'duplicate':
        return void (await notify(args, 'That task is already being marked terminated; it will be done once.', 'info'));
      case 'refused':
        return void (await notify(args, outcome.message, 'warning'));
      case 'failed':
        return void (await notify(args, presenter.errorText(outcome.error, 'mark that task terminated'), 'error'));
      case 'already_ended':
        return void (await notify(args, `That task had already ended (${outcome.task.completionStatus}); nothing was changed in ISC.`, 'info'));
      case 'done':
        break;
    }
    const message = body.message;
    if (message?.blocks && body.channel) {
      // A message in a channel (the digest): redrawn for everyone from its own blocks, with every
      // clearance recorded so far, so that two admins clearing two tasks at once both show.
      const blocks = message.blocks as KnownBlock[];
      const viewer = { tz: ctx.config.digest.timeZone, now: ctx.now() };
      const clearances = await views.admin.clearances(tasksWithButtons(blocks));
      await client.chat.update({ channel: body.channel.id, ts: message.ts, text: message.text ?? 'ISC digest', blocks: markTasksCleared(blocks, clearances, viewer) });
      return;
    }
    // An ephemeral list has no blocks in the payload: the task is shown again as it is now.
    const opts = { viewer: await presenter.viewer(actor), stuckAfterHours: ctx.config.digest.stuckAfterHours, clearances: { [taskId]: outcome.clearance } };
    await args.respond({ ...renderTaskMessage(outcome.task, opts), response_type: 'ephemeral', replace_original: false });
  });
}
