import fs from 'node:fs';
import { startBot } from './bot';
import { loadConfig } from './config';
import { createLogger, writeToStderr } from './log';
import { reportStartupFailure, startupLogFormat } from './startupError';

async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
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
  reportStartupFailure(e, startupLogFormat(process.env), writeToStderr);
  process.exit(1);
});
