// The yardstick for the bot's ack latency: a Bolt app (the same Bolt, HTTP mode, the same signing
// secret) that only acks every action, run as its own process by `npm run bench` under the same
// clicks as the bot. Whatever the bot takes beyond this app is its own work before the ack.
import { App } from '@slack/bolt';

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  // Given, so that Bolt need not call auth.test (the bot passes the ids from its start-up token check).
  botId: 'B0BAREBOLT',
  botUserId: 'U0BAREBOLT',
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  port: Number(process.env.PORT),
  customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => void res.writeHead(200).end('ok') }],
});

app.action(/./, async ({ ack }) => {
  await ack();
});

void app.start().then(() => process.stdout.write(`bare Bolt app listening on ${process.env.PORT}\n`));
process.once('SIGTERM', () => void app.stop().then(() => process.exit(0)));
