import fs from 'node:fs';
import { startBot } from './bot';
import { ConfigError, loadConfig } from './config';
import { createLogger, redact, writeToStderr } from './log';

async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel, writeToStderr, config.logFormat);
  const bot = await startBot(config, logger);
  const shutdown = (signal: string) => {
    logger.info(`Received ${signal}; stopping`);
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // One bad request must never take the bot down for everyone.
  process.on('unhandledRejection', (reason) => logger.error('Unhandled promise rejection', { error: String(reason) }));
}

main().catch((e: unknown) => {
  process.stderr.write(redact(`isc-workitems-bot failed to start: ${e instanceof Error ? e.message : String(e)}\n`));
  process.exit(1);
});
