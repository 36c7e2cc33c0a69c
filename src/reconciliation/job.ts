import fs from 'node:fs';
import path from 'node:path';
import { adapterNames } from '../../adapters/index.ts';
import { addDays, localDate } from '../dates.ts';
import { dropFile } from './cli.ts';
import type { ReconciliationService } from './service.ts';

/**
 * The providers the daily job reconciles: those with a folder in the drop directory
 * (PAYHUB_SETTLEMENT_DIR/<provider>/), where their files are delivered (SFTP, e-mail robot…).
 */
export function providersWithDropFolder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const known = new Set(adapterNames());
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && known.has(e.name))
    .map((e) => e.name)
    .sort();
}

/** Yesterday in Vietnam: the business day whose files arrive this morning. */
export function previousBusinessDay(now: Date): string {
  return addDays(localDate(now), -1);
}

/**
 * One provider's day from the drop folder. The outcome is recorded as a run either way: completed,
 * the same file again (nothing changes), or rejected with its reason (a missing file included).
 */
export async function reconcileFromDropFolder(recon: ReconciliationService, provider: string, date: string) {
  const file = dropFile(recon.settings.settlementDir, provider, date);
  if (!fs.existsSync(file)) {
    const run = await recon.recordMissingFile(
      provider,
      date,
      path.relative(recon.settings.settlementDir, file),
    );
    return { run, idempotent: false };
  }
  return recon.reconcileFile({ provider, date, path: file, origin: 'job', actor: 'job' });
}
