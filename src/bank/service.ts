/**
 * Bank transfers confirmed from the bank's side. Every credit the bank reports (feed call,
 * camt.054, camt.053) is first stored once per bank reference, then settled: matched to an
 * attempt by the transfer reference in its memo, its amount checked, and the payment succeeded
 * exactly once through attempts.apply. What cannot pay a payment stays as an exception for
 * finance staff (unmatched, amount_mismatch, late, duplicate): never dropped.
 *
 * The rooms: feed.ts (a pushed credit verified and stored), statements.ts (a camt file stored
 * whole), settle.ts (matching and recording), sweeps.ts (transfers never received). This file
 * wires them once per hub.
 */
import type { InboundRequest } from '../../adapters/types.ts';
import type { Db, Queryable } from '../db/port.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import { type FeedDeps, receiveFeed } from './feed.ts';
import * as q from './queries.ts';
import { settle, settlePending } from './settle.ts';
import { ingestStatement, type StatementInput } from './statements.ts';
import { abandonUnpaid } from './sweeps.ts';

export { bankAdapter, bankAdapters } from './adapters.ts';
export { creditOutcome } from './settle.ts';

export interface BankDeps {
  db: Db;
  attempts: AttemptsService;
  providers: ProviderAccountsService;
  now?: () => Date;
}

export function bankService(deps: BankDeps) {
  const wired: FeedDeps = { ...deps, now: deps.now ?? (() => new Date()) };
  return {
    /** POST /bank-feed/:provider — one pushed credit, verified with the agency's feed secret. */
    receiveFeed: (provider: string, request: InboundRequest) => receiveFeed(wired, provider, request),
    ingestStatement: (input: StatementInput) => ingestStatement(wired, input),
    settle: (creditId: string) => settle(wired, creditId),
    settlePending: (options?: { olderThanSeconds?: number; limit?: number; statementId?: string }) =>
      settlePending(wired, options),
    abandonUnpaid: (limit?: number) => abandonUnpaid(wired, limit),
  };
}

export type BankService = ReturnType<typeof bankService>;

/** Credits waiting for finance staff in these agencies (null: all) and mode, for the console's dashboard. */
export async function creditsNeedingReviewCount(db: Queryable, scope: string[] | null, mode: string) {
  return (await q.creditsNeedingReviewCount(db, scope, mode)).rows[0]!.count;
}
