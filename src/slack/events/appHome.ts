import type { BotContext } from '../context';
import { Presenter } from '../presenter';
import type { SlackRouter } from '../router';

export function registerAppHome(router: SlackRouter, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  router.appHomeOpened(async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await presenter.publishHome(client, event.user);
  });
}
