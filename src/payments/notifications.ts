/**
 * Notification handling: a verified outcome for the attempt a callback names. Notifications
 * arriving together are read, and their plain successes applied, in shared statements: under
 * load one round trip and one commit serve many. Everything else goes the locked path.
 */
import type {
  NotificationVerdict,
  ProviderAdapter,
  ProviderContext,
  ProviderOutcome,
} from '../../adapters/types.ts';
import { announceCommitted } from '../db/after-commit.ts';
import { batcher, countSharedFailure } from '../db/batcher.ts';
import type { Db } from '../db/port.ts';
import { newId } from '../ids.ts';
import { checkBalanced } from '../ledger/journal.ts';
import { paymentSucceeded } from '../ledger/postings.ts';
import { money } from '../money.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import * as aq from './attempt-queries.ts';
import type { AttemptRow, PaymentRow } from './model.ts';
import { applyOutcome } from './outcomes.ts';
import { takenAfterAmountChanged } from './penalty.ts';
import { canSucceed } from './states.ts';
import { paymentJson } from './view.ts';

export interface NotificationDeps {
  db: Db;
  providers: ProviderAccountsService;
  publicUrl: string;
  shared: SharedStatements;
}

/** The shared read and the shared success of one hub instance. */
export function sharedStatements(db: Db) {
  const snapshot = batcher(
    (asked: { attemptId: string; provider: string }[]) => aq.notificationSnapshots(db, asked),
    { maxBatch: 64, concurrency: 2 },
  );
  const succeed = batcher(
    async (successes: aq.Success[]) => {
      const { applied, deliveries } = await aq.succeedAtOnce(db, successes).catch((error) => {
        countSharedFailure('payment_success');
        throw error;
      });
      if (applied.some(Boolean)) announceCommitted(db, 'receipts');
      if (deliveries > 0) announceCommitted(db, 'webhooks');
      return applied;
    },
    { maxBatch: 64, concurrency: 1 },
  );
  return { snapshot, succeed };
}

export type SharedStatements = ReturnType<typeof sharedStatements>;

/**
 * A success, described once: the payment and its attempts as they are after it. The shared
 * statement writes exactly these rows (aq.succeedAtOnce), and the event carries them.
 */
export function describeSuccess(snap: aq.NotificationSnapshot, outcome: ProviderOutcome, at: Date) {
  const { payment, attempt, attempts } = snap;
  const paid: PaymentRow = {
    ...payment,
    status: 'succeeded',
    succeeded_attempt_id: attempt.id,
    paid_at: outcome.paidAt ?? at,
    last_error: null,
    updated_at: at,
    revision: payment.revision + 1,
  };
  const succeeded: AttemptRow = {
    ...attempt,
    status: 'succeeded',
    provider_transaction_id: outcome.providerTransactionId ?? attempt.provider_transaction_id,
    failure: null,
    double_paid: false,
    underpaid: false,
    provider_data: outcome.raw,
    updated_at: at,
    completed_at: at,
  };
  return { paid, succeeded, attempts: attempts.map((a) => (a.id === attempt.id ? succeeded : a)) };
}

/**
 * The common case in one statement: a success for an attempt in flight on a payable payment,
 * with everything the locked path would write. False when the payment moved since the snapshot,
 * when the case is another one, or when the shared statement failed: then applyOutcome() decides
 * under locks, alone.
 */
export async function succeedFromSnapshot(
  deps: NotificationDeps,
  provider: string,
  snap: aq.NotificationSnapshot,
  outcome: ProviderOutcome,
): Promise<boolean> {
  const { payment, attempt } = snap;
  const payable =
    outcome.status === 'succeeded' &&
    attempt.provider === provider &&
    attempt.status === 'processing' &&
    money(outcome.amount).eq(attempt.amount) &&
    canSucceed(payment.status) &&
    // An underpayment is decided under locks, in applyOutcome().
    !takenAfterAmountChanged(payment, outcome.paidAt ?? new Date());
  if (!payable) return false;
  const described = describeSuccess(snap, outcome, new Date());
  const entry = {
    kind: 'payment',
    mode: payment.mode,
    lines: paymentSucceeded({ provider, agencyId: payment.agency_id, amount: attempt.amount }),
  };
  checkBalanced(entry);
  return deps.shared
    .succeed({
      revision: payment.revision,
      paid: described.paid,
      succeeded: described.succeeded,
      eventId: newId('evt'),
      eventData: paymentJson(described.paid, deps.publicUrl, described.attempts),
      lines: entry.lines.map((l) => ({ account: l.account, amount: l.amount.toFixed(0) })),
    })
    .catch(() => false);
}

/**
 * A verified outcome for the attempt named by a notification or a return, and its verdict:
 * one read for the attempt, its payment and the provider's credentials, then one statement
 * for a plain success, the locked path for everything else.
 */
export async function receive(
  deps: NotificationDeps,
  adapter: ProviderAdapter,
  attemptId: string,
  verify: (ctx: ProviderContext) => ProviderOutcome | null,
): Promise<NotificationVerdict> {
  const provider = adapter.name;
  const snap = await deps.shared.snapshot({ attemptId, provider });
  if (!snap || snap.attempt.provider !== provider || !snap.provider) return 'not_found';
  const ctx = deps.providers.contextFromStored(provider, snap.payment.mode, snap.provider.credentials);
  if (!ctx) return 'not_found';
  const outcome = verify(ctx);
  if (!outcome || outcome.attemptId !== attemptId) return 'invalid_signature';
  if (await succeedFromSnapshot(deps, provider, snap, outcome)) return 'accepted';
  return applyOutcome(deps, provider, outcome);
}
