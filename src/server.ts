import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { migrate } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { demoCurl, seedDemo } from './demo.ts';
import { createLogger } from './http/observability.ts';
import { loadSecretKey } from './secrets.ts';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config);
  const applied = await migrate(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const secretKey = loadSecretKey(config);
  const app = createApp({ db, logger, publicUrl: config.publicUrl, rateLimit: config.rateLimit, secretKey });
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  process.stdout.write(
    `PayHub listening at ${config.publicUrl} (database: ${db.kind}, bound to ${config.host}:${config.port})\n`,
  );

  if (!config.databaseUrl) {
    const demo = await seedDemo(db, config);
    process.stdout.write(
      [
        '',
        `PayHub is running at ${config.publicUrl} on embedded Postgres (data in ${config.dataDir}).`,
        `Demo agency ${demo.agencyCode}, test API key: ${demo.apiKey}`,
        `API docs: ${config.publicUrl}/docs`,
        '',
        'Create a payment:',
        demoCurl(config.publicUrl, demo.apiKey),
        '',
      ].join('\n'),
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      db.close().finally(() => process.exit(0));
    });
    server.closeAllConnections?.();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  process.stderr.write(`payhub: ${error instanceof ConfigError ? error.message : (error?.stack ?? error)}\n`);
  process.exit(1);
});
