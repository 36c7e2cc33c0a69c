/**
 * POST /bank-feed/:provider: one credit the bank pushes, verified with the feed secret of the
 * agency whose account it names, stored once per bank reference, then settled.
 */
import type { BankCredit, InboundRequest } from '../../adapters/types.ts';
import { DomainError } from '../errors.ts';
import { ulid } from '../ids.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import { bankAdapter } from './adapters.ts';
import * as q from './queries.ts';
import { type SettleDeps, settle } from './settle.ts';

export interface FeedDeps extends SettleDeps {
  providers: ProviderAccountsService;
  now: () => Date;
}

/** A refusal of the feed call, in the API's terms. */
function refusal(rejection: { rejected: string; detail: string }): DomainError {
  if (rejection.rejected === 'invalid_body') return new DomainError('invalid_request', rejection.detail);
  if (rejection.rejected === 'stale_timestamp') return new DomainError('stale_timestamp', rejection.detail);
  return new DomainError('invalid_signature', rejection.detail);
}

/** The credit and its agency, from the first candidate whose secret verifies the call. */
async function verifiedCredit(
  deps: FeedDeps,
  provider: string,
  request: InboundRequest,
): Promise<{ agencyId: string; credit: BankCredit }> {
  const adapter = bankAdapter(provider);
  const account = adapter.bankTransfer.feedAccountOf(request);
  if (!account) throw new DomainError('invalid_request', 'The body must be a JSON object with an account.');
  // The account is read without trusting it: it only says whose secret must verify the call.
  const candidates = (await deps.providers.configuredFor(provider)).filter(
    (c) =>
      adapter.bankTransfer.accountOf(c.credentials) === account &&
      adapter.bankTransfer.feedConfigured(c.credentials),
  );
  let rejection: { rejected: string; detail: string } = {
    rejected: 'invalid_signature',
    detail: 'The signature does not verify.',
  };
  for (const candidate of candidates) {
    const verdict = adapter.bankTransfer.verifyFeed(candidate.credentials, request, deps.now());
    if ('credit' in verdict) return { agencyId: candidate.agencyId, credit: verdict.credit };
    if (verdict.rejected !== 'invalid_signature') rejection = verdict;
  }
  throw refusal(rejection);
}

export async function receiveFeed(deps: FeedDeps, provider: string, request: InboundRequest) {
  const { db } = deps;
  const verified = await verifiedCredit(deps, provider, request);
  const id = `bcr_${ulid()}`;
  const inserted = await q.insertCredits(db, [
    {
      id,
      agencyId: verified.agencyId,
      provider,
      source: 'feed',
      statementId: null,
      mode: null,
      credit: verified.credit,
    },
  ]);
  if (inserted.rows.length === 0) {
    const known = (
      await q.creditByBankReference(db, verified.agencyId, provider, verified.credit.bankReference)
    ).rows[0]!;
    return { received: true, credit_id: known.id, status: known.status, already_recorded: true };
  }
  return { received: true, credit_id: id, status: await settle(deps, id), already_recorded: false };
}
