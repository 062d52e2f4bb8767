// `npm run demo`: starts the bot, the sandbox tenant and the page, prints the page's address, runs until Ctrl-C.
import { createLogger, redact } from '../src/log';
import { DEMO_PEOPLE, startDemo } from './demo';

async function main(): Promise<void> {
  const port = Number(process.env.DEMO_PORT || 3100);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`DEMO_PORT must be a port number; got '${process.env.DEMO_PORT}'`);
  const started = performance.now();
  const demo = await startDemo({ port, logger: createLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'info') });
  process.stdout.write(
    [
      '',
      `  isc-workitems-bot demo: open ${demo.url}  (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
      '',
      '  The real bot, an embedded sandbox ISC tenant and a local stand-in for Slack; nothing leaves this machine.',
      `  Switch between ${DEMO_PEOPLE.map((p) => `${p.name} (${p.role})`).join(', ')} at the top left,`,
      '  then type /workitems in a channel or open the app\'s Home tab. Ctrl-C stops it.',
      '',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  const hint = /EADDRINUSE/.test(message) ? ` (another program uses the port; set DEMO_PORT to another one)` : '';
  process.stderr.write(redact(`The demo failed to start: ${message}${hint}\n`));
  process.exit(1);
});
