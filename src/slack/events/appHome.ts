import type { BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { HOME_ACTION, renderHomeError } from '../../blocks/home';
import { HOME_FILTERS } from '../../home/filters';
import { updatePrefs } from '../../notify/preferences';
import { WORKING_HOURS_CHOICES } from '../../quietHours';
import type { BotContext } from '../context';
import { buildHomeView, HOME_FILTER_KEY } from '../homeView';
import { Presenter } from '../presenter';
import type { SlackRouter } from '../router';

/** The Home tab: published when opened, and re-published by its own filters, Retry and notification settings. */
export function registerAppHome(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  router.appHomeOpened(async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await presenter.publishHome(client, event.user);
  });

  // A filter is kept per person in the store, so a card's redraw (any replica) keeps it.
  for (const filter of HOME_FILTERS) {
    router.action<BlockAction<ButtonAction>>(
      HOME_ACTION.filter[filter],
      async ({ ack, body, client }) => {
        await ack();
        const user = body.user.id;
        let notice: string | undefined;
        await ctx.store.setField(HOME_FILTER_KEY, user, filter).catch((e: unknown) => {
          notice = presenter.errorText(e, 'keep your filter');
        });
        await publish(client, user, notice, false, filter);
      },
      'read',
    );
  }

  // "Couldn't load … — Retry": every kind read from ISC again.
  router.action<BlockAction<ButtonAction>>(
    HOME_ACTION.retry,
    async ({ ack, body, client }) => {
      await ack();
      await publish(client, body.user.id, undefined, true);
    },
    'read',
  );

  router.action<BlockAction<ButtonAction>>(HOME_ACTION.dms, async ({ ack, body, action, client }) => {
    await ack();
    const user = body.user.id;
    const subscriptions = ctx.notifier?.subscriptions;
    if (!subscriptions) return publish(client, user, 'Notifications are off on this bot.');
    const on = action.value === 'on';
    const notice = await subscriptions.set(user, on).then(
      () => (on ? 'Messages for new items are on.' : 'Messages for new items are off; reminders stop with them.'),
      (e: unknown) => presenter.errorText(e, 'change your notifications'),
    );
    await publish(client, user, notice);
  });

  router.action<BlockAction<ButtonAction>>(HOME_ACTION.reminders, async ({ ack, body, action, client }) => {
    await ack();
    const on = action.value === 'on';
    const notice = await updatePrefs(ctx.store, body.user.id, { reminders: on }).then(
      () => (on ? 'Reminders are on.' : 'Reminders are off: the bot no longer reminds you of items still waiting.'),
      (e: unknown) => presenter.errorText(e, 'change your reminders'),
    );
    await publish(client, body.user.id, notice);
  });

  router.action<BlockAction<StaticSelectAction>>(HOME_ACTION.hours, async ({ ack, body, action, client }) => {
    await ack();
    const picked = action.selected_option?.value;
    const hours = picked && WORKING_HOURS_CHOICES.includes(picked) ? picked : undefined;
    const notice = await updatePrefs(ctx.store, body.user.id, { workingHours: hours }).then(
      () => (hours ? `Reminders now come only between ${hours.replace('-', ' and ')}, your time.` : 'Reminders may now come at any time.'),
      (e: unknown) => presenter.errorText(e, 'change your working hours'),
    );
    await publish(client, body.user.id, notice);
  });

  async function publish(client: Parameters<Presenter['publishHome']>[0], user: string, notice?: string, fresh = false, filter?: (typeof HOME_FILTERS)[number]): Promise<void> {
    if (!filter) return presenter.publishHome(client, user, undefined, notice, fresh);
    // The filter just chosen, even when the store could not keep it.
    const view = await buildHomeView(ctx, presenter, user, { notice, fresh, filter }).catch((e: unknown) => renderHomeError(presenter.errorText(e, 'load your work items and approvals')));
    await client.views.publish({ user_id: user, view });
  }
}
