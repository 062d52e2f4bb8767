import type { App } from '@slack/bolt';
import type { BotContext } from '../context';
import { Presenter } from '../presenter';

export function registerAppHome(app: App, ctx: BotContext): void {
  const presenter = new Presenter(ctx);
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await presenter.publishHome(client, event.user);
  });
}
