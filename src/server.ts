import { createApp, createServices } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { migrate } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { demoCurl, seedDemo } from './demo.ts';
import { type DemoProviders, startDemoProviders } from './demo-providers.ts';
import { createLogger } from './http/observability.ts';
import { startHubJobs } from './jobs/hub.ts';
import { loadSecretKey } from './secrets.ts';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, { serve: true });
  const applied = await migrate(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const secretKey = loadSecretKey(config);
  // The embedded demo pays by VNPay and MoMo against their simulators, run here on loopback ports.
  const demoProviders: DemoProviders | undefined = config.databaseUrl
    ? undefined
    : await startDemoProviders();
  const options = {
    db,
    logger,
    publicUrl: config.publicUrl,
    rateLimit: config.rateLimit,
    trustProxy: config.trustProxy,
    secretKey,
    reconciliation: config.reconciliation,
    allowPrivateWebhooks: config.allowPrivateWebhooks,
    site: config.site,
    // The embedded demo's VietQR page can play the bank's credit for a test payment.
    playBankCredit: !config.databaseUrl,
    formTargets: demoProviders?.origins,
  };
  const services = createServices(options);
  const app = createApp(options, services);
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  process.stdout.write(
    `PayHub listening at ${config.publicUrl} (database: ${db.kind}, bound to ${config.host}:${config.port})\n`,
  );

  if (demoProviders) {
    const demo = await seedDemo(db, config);
    await demoProviders.configure(services.providers, demo.agencyId, demo.agencyCode);
    process.stdout.write(
      [
        '',
        `PayHub is running at ${config.publicUrl} on embedded Postgres (data in ${config.dataDir}).`,
        `Demo agency ${demo.agencyCode}, test API key: ${demo.apiKey}`,
        `API docs: ${config.publicUrl}/docs`,
        `Methods: sandbox, VietQR (demo account), VNPay simulator ${demoProviders.vnpayUrl}, MoMo simulator ${demoProviders.momoUrl}`,
        '',
        'Create a payment:',
        demoCurl(config.publicUrl, demo.apiKey),
        '',
      ].join('\n'),
    );
  }

  // Jobs start after the demo seed: on PGlite the seed and the queue's set-up share one connection.
  const jobs = await startHubJobs({
    db,
    services,
    logger,
    work: config.jobs,
    bankDropDir: config.bankDropDir,
    reconciliationCron: config.reconciliation.cron,
  });
  logger.info({ work: config.jobs }, 'background jobs started');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      jobs
        .stop({ timeoutMs: 8_000 })
        .catch((err) => logger.error({ err }, 'job queue did not stop cleanly'))
        .finally(() =>
          (demoProviders?.close() ?? Promise.resolve()).then(() => db.close()).finally(() => process.exit(0)),
        );
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
