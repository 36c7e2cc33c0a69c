/** What reconciliation's functions work with: the database, the services it calls, its settings. */
import type { Db } from '../db/port.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import type { FeeRule } from './rules.ts';

export interface ReconSettings {
  /** Days an unsettled hub item waits for the provider's file before it is a break. */
  carryDays: number;
  /** Fee rule per provider; a provider without one has its fees not checked. */
  fees: Readonly<Record<string, FeeRule>>;
  /** Drop folder: <dir>/<provider>/<YYYY-MM-DD>.csv */
  settlementDir: string;
}

export interface ReconDeps {
  db: Db;
  attempts: AttemptsService;
  providers: ProviderAccountsService;
  settings: ReconSettings;
  now?: () => Date;
}

/** The deps with their clock settled. */
export type ReconContext = Required<ReconDeps>;

export function reconContext(deps: ReconDeps): ReconContext {
  return { ...deps, now: deps.now ?? (() => new Date()) };
}
