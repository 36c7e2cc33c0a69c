import { bankService } from './bank/service.ts';
import { announcingDb } from './db/after-commit.ts';
import type { Db } from './db/port.ts';
import { ledgerService } from './ledger/service.ts';
import { linksService } from './links/service.ts';
import { attemptsService } from './payments/attempts.ts';
import { paymentsService } from './payments/service.ts';
import { providerAccountsService } from './provider-accounts/service.ts';
import { receiptsService } from './receipts/service.ts';
import { type ReconSettings, reconciliationService } from './reconciliation/service.ts';
import { refundsService } from './refunds/service.ts';
import { sealer } from './secrets.ts';
import { webhooksService } from './webhooks/service.ts';
import type { Resolve } from './webhooks/urls.ts';

/** What the domain services are built from (the app's options carry these and more). */
export interface ServicesOptions {
  db: Db;
  publicUrl: string;
  /** PAYHUB_SECRET_KEY (or the embedded default's generated key): seals credentials, signs sandbox pages. */
  secretKey: string;
  now?: () => Date;
  /** How webhook hosts are resolved for the live-mode address check (tests inject one). */
  resolveHost?: Resolve;
  /** Per webhook request; default 10 s. */
  webhookTimeoutMs?: number;
  /** PAYHUB_ALLOW_PRIVATE_WEBHOOKS: test-mode endpoints may target loopback and private addresses. */
  allowPrivateWebhooks?: boolean;
  /** Reconciliation settings (config.reconciliation); defaults: 2 carry days, no fee rules. */
  reconciliation?: ReconSettings;
}

/** The domain services, built once from the options; jobs use the same ones. */
export function createServices(options: ServicesOptions) {
  const { publicUrl } = options;
  // Transactions that wrote outbox rows or pending refunds wake their jobs once committed.
  const db = announcingDb(options.db, (topic) => ({ webhooks, refunds, receipts })[topic].nudge());
  const providers = providerAccountsService({
    db,
    sealer: sealer(options.secretKey),
    publicUrl,
    signingSecret: options.secretKey,
    now: options.now,
  });
  const payments = paymentsService({ db, publicUrl, now: options.now });
  const attempts = attemptsService({ db, providers, publicUrl });
  const receipts = receiptsService({ db, publicUrl, sealer: sealer(options.secretKey) });
  const bank = bankService({ db, attempts, providers, now: options.now });
  const webhooks = webhooksService({
    db,
    sealer: sealer(options.secretKey),
    resolve: options.resolveHost,
    timeoutMs: options.webhookTimeoutMs,
    allowPrivate: options.allowPrivateWebhooks,
  });
  const refunds = refundsService({ db, providers });
  const ledger = ledgerService({ db });
  const recon = reconciliationService({
    db,
    attempts,
    providers,
    settings: options.reconciliation ?? { carryDays: 2, fees: {}, settlementDir: '.payhub/settlements' },
    now: options.now,
  });
  const links = linksService({ db, publicUrl, secretKey: options.secretKey, now: options.now });
  return { providers, payments, attempts, receipts, bank, webhooks, refunds, ledger, recon, links };
}
export type Services = ReturnType<typeof createServices>;
