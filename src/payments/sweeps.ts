/** The sweeps the jobs run every minute: lost notifications recovered, due payments expired. */
import { adapterNamed, allAdapters } from '../../adapters/index.ts';
import type { ProviderOutcome } from '../../adapters/types.ts';
import type { Db } from '../db/port.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import * as aq from './attempt-queries.ts';
import type { AttemptRow, PaymentRow } from './model.ts';
import { applyOutcome, paymentEvent } from './outcomes.ts';
import { paymentWithId } from './queries.ts';

export interface SweepDeps {
  db: Db;
  providers: ProviderAccountsService;
  publicUrl: string;
}

/** How long after a payment's expiry an attempt the provider still calls pending is given up. */
export const ABANDON_AFTER_EXPIRY_MS = 15 * 60_000;

/**
 * Unknown outcomes are never guessed: pending stays pending, until the payment has been expired
 * for a while (the provider no longer takes it); then the attempt is abandoned. Should the
 * provider report a success after all, applyOutcome() still records it.
 */
function abandonedIfStale(outcome: ProviderOutcome, payment: PaymentRow): ProviderOutcome {
  if (outcome.status !== 'pending' || payment.expires_at.getTime() + ABANDON_AFTER_EXPIRY_MS >= Date.now())
    return outcome;
  return {
    ...outcome,
    status: 'failed',
    failure: {
      code: 'abandoned',
      message: `No outcome from the provider after the payment expired (${outcome.failure?.code ?? 'pending'}).`,
    },
  };
}

/** What asking about a stale attempt takes; null when its provider cannot be asked. */
async function askable(deps: SweepDeps, attempt: AttemptRow) {
  const adapter = adapterNamed(attempt.provider);
  const ctx = await deps.providers.contextFor(attempt.agency_id, attempt.mode, attempt.provider);
  if (!adapter?.capabilities.queryStatus || !ctx) return null;
  const payment = (await paymentWithId(deps.db, attempt.payment_id)).rows[0]!;
  return { adapter, ctx, payment };
}

/** Asks the provider about one stale attempt; true when its answer settled it. */
async function recoverOne(
  deps: SweepDeps,
  attempt: AttemptRow,
  { adapter, ctx, payment }: NonNullable<Awaited<ReturnType<typeof askable>>>,
): Promise<boolean> {
  const outcome = await adapter.queryStatus(ctx, {
    attemptId: attempt.id,
    amount: attempt.amount,
    attemptCreatedAt: attempt.created_at,
    description: payment.description,
    providerTransactionId: attempt.provider_transaction_id ?? undefined,
    clientIp: '127.0.0.1',
  });
  const settled = abandonedIfStale(outcome, payment);
  return settled.status !== 'pending' && (await applyOutcome(deps, attempt.provider, settled)) === 'accepted';
}

/** Lost notifications: ask the provider about attempts in flight for longer than `minutes`. */
export async function recoverStale(
  deps: SweepDeps,
  minutes = 5,
  limit = 100,
): Promise<{ checked: number; resolved: number; unanswered: { attempt: string; reason: string }[] }> {
  // Only providers that can be asked: attempts waiting for a bank transfer (no status query)
  // would otherwise fill every batch and starve the others.
  const providers = allAdapters()
    .filter((a) => a.capabilities.queryStatus)
    .map((a) => a.name);
  const stale = (await aq.staleAttempts(deps.db, minutes, limit, providers)).rows;
  let resolved = 0;
  const unanswered: { attempt: string; reason: string }[] = [];
  for (const attempt of stale) {
    const asked = await askable(deps, attempt);
    if (!asked) continue;
    try {
      if (await recoverOne(deps, attempt, asked)) resolved++;
    } catch (error) {
      // No answer, or one that could not be verified (unsigned, tampered, not from the provider):
      // nothing is guessed, the next run asks again. The job logs why.
      unanswered.push({ attempt: attempt.id, reason: (error as Error).message.slice(0, 300) });
    }
  }
  return { checked: stale.length, resolved, unanswered };
}

/** created → expired for payments past expires_at, each with its event. */
export function expireDue(deps: SweepDeps, limit = 500): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const expired = (await aq.expireDue(tx, limit)).rows;
    for (const payment of expired) await paymentEvent(deps, tx, payment, 'payment.expired');
    return expired.length;
  });
}
