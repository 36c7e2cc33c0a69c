import { ADAPTERS } from '../../adapters/index.ts';
import type {
  AdapterHost,
  CheckoutResult,
  HttpReply,
  InboundRequest,
  NotificationVerdict,
  ProviderAdapter,
  ProviderContext,
  ProviderOutcome,
} from '../../adapters/types.ts';
import { announceCommitted } from '../db/after-commit.ts';
import { batcher, countSharedFailure } from '../db/batcher.ts';
import type { Db, Queryable } from '../db/port.ts';
import { recordEvent } from '../events/service.ts';
import { newId } from '../ids.ts';
import { doublePaymentReceived, paymentSucceeded } from '../ledger/postings.ts';
import { checkBalanced, postEntry } from '../ledger/service.ts';
import { money } from '../money.ts';
import { adapterNamed, type ProvidersService } from '../providers/service.ts';
import { queueReceipt } from '../receipts/service.ts';
import { refundDoublePayment } from '../refunds/service.ts';
import type { AttemptRow } from './attempt-queries.ts';
import * as aq from './attempt-queries.ts';
import { takenAfterAmountChanged } from './penalty.ts';
import type { PaymentRow } from './queries.ts';
import { nextStatus } from './states.ts';
import { paymentJson } from './view.ts';

/** Why the checkout cannot start an attempt; the page shows the matching message. */
export class CheckoutError extends Error {
  constructor(
    readonly reason: 'not_found' | 'not_payable' | 'method_unavailable' | 'provider_error',
    detail?: string,
  ) {
    super(detail ?? reason);
  }
}

export interface AttemptsDeps {
  db: Db;
  providers: ProvidersService;
  publicUrl: string;
}

/** How long after a payment's expiry an attempt the provider still calls pending is given up. */
export const ABANDON_AFTER_EXPIRY_MS = 15 * 60_000;

export function attemptsService(deps: AttemptsDeps) {
  const { db, providers, publicUrl } = deps;

  async function event(tx: Queryable, payment: PaymentRow, type: Parameters<typeof recordEvent>[1]['type']) {
    const attempts = (await aq.attemptsOf(tx, [payment.id])).rows;
    await recordEvent(tx, {
      agencyId: payment.agency_id,
      mode: payment.mode,
      type,
      objectId: payment.id,
      data: paymentJson(payment, publicUrl, attempts),
    });
  }

  /** The citizen chose a method: a new attempt, the payment goes to processing, then the provider. */
  async function start(
    token: string,
    method: string,
    clientIp: string,
    // The language the citizen chose on the checkout page goes on to the provider's page.
    options: { language?: 'vi' | 'en'; now?: Date } = {},
  ): Promise<CheckoutResult & { attemptId: string }> {
    const now = options.now ?? new Date();
    // Read outside the transaction: PGlite has one connection, which the transaction holds.
    const current = (await aq.paymentByToken(db, token)).rows[0];
    if (!current) throw new CheckoutError('not_found');
    const offered = await providers.methodsFor(current.agency_id, current.amount);
    const chosen = offered.find(
      (m) => m.adapter.name === method && !(m.adapter.testOnly && current.mode === 'live'),
    );
    if (!chosen) throw new CheckoutError('method_unavailable');
    const started = await db.transaction(async (tx) => {
      const payment = (await aq.paymentByTokenForUpdate(tx, token)).rows[0]!;
      if (!nextStatus(payment.status, 'attempt_started') || payment.expires_at <= now) {
        throw new CheckoutError('not_payable');
      }
      const attempt = (
        await aq.insertAttempt(tx, {
          id: newId('att'),
          payment_id: payment.id,
          agency_id: payment.agency_id,
          mode: payment.mode,
          provider: method,
          amount: payment.amount,
        })
      ).rows[0]!;
      await aq.setPaymentStatus(tx, payment.id, 'processing');
      return { payment, attempt };
    });
    const { payment, attempt } = started;
    try {
      const result = await chosen.adapter.createCheckout(
        providers.context(chosen.credentials, payment.mode, method),
        {
          attemptId: attempt.id,
          amount: payment.amount,
          description: payment.description,
          language: options.language ?? payment.language,
          returnUrl: `${publicUrl}/return/${method}`,
          notifyUrl: `${publicUrl}/notify/${method}`,
          clientIp,
          createdAt: attempt.created_at,
          expiresAt: payment.expires_at,
        },
      );
      // The provider's reference (a bank transfer's memo code) and any page of the hub's own,
      // so the checkout can show that page again and a bank credit can find its attempt.
      await aq.recordCheckout(db, attempt.id, result);
      return { ...result, attemptId: attempt.id };
    } catch (error) {
      // The provider refused or could not be reached: nothing is with it, the citizen may retry.
      await apply(method, {
        attemptId: attempt.id,
        status: 'failed',
        amount: payment.amount,
        failure: { code: 'provider_unavailable', message: (error as Error).message.slice(0, 300) },
        raw: {},
      });
      throw new CheckoutError('provider_error', (error as Error).message);
    }
  }

  /**
   * Applies a verified provider outcome, once. Every transition happens in one transaction with
   * its event. A success after the payment was settled otherwise is recorded as a double payment.
   */
  async function apply(provider: string, outcome: ProviderOutcome): Promise<NotificationVerdict> {
    let doublePaid = false;
    const verdict = await db.transaction(async (tx): Promise<NotificationVerdict> => {
      const attempt = (await aq.attemptForUpdate(tx, outcome.attemptId)).rows[0];
      if (!attempt || attempt.provider !== provider) return 'not_found';
      if (!money(outcome.amount).eq(attempt.amount)) return 'amount_mismatch';
      // A success for an attempt given up on (abandoned after expiry) is still money received:
      // it succeeds the payment if it can, else it is a double payment, refunded.
      const late = attempt.status === 'failed' && outcome.status === 'succeeded';
      if (attempt.status !== 'processing' && !late) return 'already_processed';
      if (outcome.status === 'pending') return 'accepted';
      const payment = (await aq.paymentForUpdate(tx, attempt.payment_id)).rows[0]!;
      if (outcome.status === 'succeeded') {
        const next = nextStatus(payment.status, 'attempt_succeeded');
        doublePaid = next === null;
        // Late is decided by when the provider took the money, not when we heard: taken after the
        // amount changed (midnight, for a fine or tax) it pays less than is owed.
        if (!doublePaid && takenAfterAmountChanged(payment, outcome.paidAt ?? new Date())) {
          await underpaid(tx, provider, payment, attempt, outcome);
          return 'accepted';
        }
        await aq.completeAttempt(tx, attempt.id, {
          status: 'succeeded',
          providerTransactionId: outcome.providerTransactionId,
          doublePaid,
          providerData: outcome.raw,
        });
        if (doublePaid) {
          // Refunded automatically: the refund is created here, executed after the commit.
          await refundDoublePayment(tx, payment, attempt);
          await event(tx, payment, 'payment.double_paid');
        } else {
          const paid = (
            await aq.setPaymentStatus(tx, payment.id, 'succeeded', {
              succeededAttemptId: attempt.id,
              paidAt: outcome.paidAt ?? new Date(),
              lastError: null,
            })
          ).rows[0]!;
          await event(tx, paid, 'payment.succeeded');
          await postEntry(tx, {
            kind: 'payment',
            mode: paid.mode,
            agencyId: paid.agency_id,
            paymentId: paid.id,
            attemptId: attempt.id,
            lines: paymentSucceeded({ provider, agencyId: paid.agency_id, amount: attempt.amount }),
          });
          // Numbered just after the commit, in batches (a per-agency series would otherwise be
          // one row every success of the agency waits on until the commit).
          await queueReceipt(tx, paid);
        }
        return 'accepted';
      }
      const failure = outcome.failure ?? { code: 'failed', message: 'The provider reported a failure.' };
      await aq.completeAttempt(tx, attempt.id, { status: 'failed', failure, providerData: outcome.raw });
      const inFlight = (await aq.otherAttemptsInFlight(tx, payment.id, attempt.id)).rows[0]!.n;
      if (payment.status === 'processing' && inFlight === 0) {
        const back = await aq.setPaymentStatus(tx, payment.id, 'created', { lastError: failure });
        await event(tx, back.rows[0]!, 'payment.failed_attempt');
      }
      return 'accepted';
    });
    return verdict;
  }

  /**
   * Money taken after the payment's amount changed: the attempt is recorded as an underpayment,
   * the money held in suspense for finance, the payment not paid by it (it expires as due), and
   * `payment.underpaid` raised (its event also writes the audit record).
   */
  async function underpaid(
    tx: Queryable,
    provider: string,
    payment: PaymentRow,
    attempt: AttemptRow,
    outcome: ProviderOutcome,
  ) {
    await aq.completeAttempt(tx, attempt.id, {
      status: 'succeeded',
      providerTransactionId: outcome.providerTransactionId,
      underpaid: true,
      providerData: outcome.raw,
    });
    await postEntry(tx, {
      kind: 'underpayment',
      mode: payment.mode,
      agencyId: payment.agency_id,
      paymentId: payment.id,
      attemptId: attempt.id,
      lines: doublePaymentReceived({ provider, agencyId: payment.agency_id, amount: attempt.amount }),
    });
    const lastError = {
      code: 'underpaid',
      message: `${attempt.amount} đồng taken after the amount changed (${payment.expires_at.toISOString()}): held for finance, not a full payment.`,
    };
    const inFlight = (await aq.otherAttemptsInFlight(tx, payment.id, attempt.id)).rows[0]!.n;
    const status = payment.status === 'processing' && inFlight === 0 ? 'created' : payment.status;
    const after = (await aq.setPaymentStatus(tx, payment.id, status, { lastError })).rows[0]!;
    await event(tx, after, 'payment.underpaid');
  }

  async function contextForAttempt(attemptId: string) {
    const attempt = (await aq.attemptById(db, attemptId)).rows[0];
    if (!attempt) return null;
    return providers.contextFor(attempt.agency_id, attempt.mode, attempt.provider);
  }

  // Notifications arriving together are read, and their plain successes applied, in shared
  // statements: under load one round trip and one commit serve many.
  const snapshot = batcher(
    (asked: { attemptId: string; provider: string }[]) => aq.notificationSnapshots(db, asked),
    {
      maxBatch: 64,
      concurrency: 2,
    },
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

  /**
   * The common case in one statement: a success for an attempt in flight on a payable payment,
   * with everything the locked path would write. False when the payment moved since the snapshot,
   * when the case is another one, or when the shared statement failed: then apply() decides under
   * locks, alone.
   */
  async function succeedFromSnapshot(
    provider: string,
    snap: aq.NotificationSnapshot,
    outcome: ProviderOutcome,
  ): Promise<boolean> {
    const { payment, attempt, attempts } = snap;
    const payable =
      outcome.status === 'succeeded' &&
      attempt.provider === provider &&
      attempt.status === 'processing' &&
      money(outcome.amount).eq(attempt.amount) &&
      nextStatus(payment.status, 'attempt_succeeded') === 'succeeded' &&
      // An underpayment is decided under locks, in apply().
      !takenAfterAmountChanged(payment, outcome.paidAt ?? new Date());
    if (!payable) return false;
    const at = new Date();
    const paid: PaymentRow = {
      ...payment,
      status: 'succeeded',
      succeeded_attempt_id: attempt.id,
      paid_at: outcome.paidAt ?? at,
      last_error: null,
      updated_at: at,
      revision: payment.revision + 1,
    };
    const after = attempts.map(
      (a): AttemptRow =>
        a.id === attempt.id
          ? {
              ...a,
              status: 'succeeded',
              provider_transaction_id: outcome.providerTransactionId ?? a.provider_transaction_id,
              failure: null,
              double_paid: false,
              underpaid: false,
              provider_data: outcome.raw,
              updated_at: at,
              completed_at: at,
            }
          : a,
    );
    const entry = {
      kind: 'payment',
      mode: paid.mode,
      lines: paymentSucceeded({ provider, agencyId: paid.agency_id, amount: attempt.amount }),
    };
    checkBalanced(entry);
    return succeed({
      payment,
      attempt,
      at,
      paidAt: paid.paid_at!,
      providerTransactionId: outcome.providerTransactionId ?? null,
      providerData: outcome.raw,
      eventId: newId('evt'),
      eventData: paymentJson(paid, publicUrl, after),
      lines: entry.lines.map((l) => ({ account: l.account, amount: l.amount.toFixed(0) })),
    }).catch(() => false);
  }

  /**
   * A verified outcome for the attempt named by a notification or a return, and its verdict:
   * one read for the attempt, its payment and the provider's credentials, then one statement
   * for a plain success, the locked path for everything else.
   */
  async function receive(
    provider: string,
    attemptId: string,
    verify: (adapter: ProviderAdapter, ctx: ProviderContext) => ProviderOutcome | null,
  ): Promise<NotificationVerdict> {
    const adapter = adapterNamed(provider)!;
    const snap = await snapshot({ attemptId, provider });
    if (!snap || snap.attempt.provider !== provider || !snap.provider) return 'not_found';
    const ctx = providers.contextFromStored(provider, snap.payment.mode, snap.provider.credentials);
    if (!ctx) return 'not_found';
    const outcome = verify(adapter, ctx);
    if (!outcome || outcome.attemptId !== attemptId) return 'invalid_signature';
    if (await succeedFromSnapshot(provider, snap, outcome)) return 'accepted';
    return apply(provider, outcome);
  }

  /** /notify/:provider — verified, idempotent, answered in the provider's own format. */
  async function notify(provider: string, request: InboundRequest): Promise<HttpReply> {
    const adapter = adapterNamed(provider);
    if (!adapter) return { status: 404, body: 'unknown provider' };
    const attemptId = adapter.attemptIdOf(request);
    if (!attemptId) return adapter.notificationReply('invalid_signature');
    try {
      return adapter.notificationReply(
        await receive(provider, attemptId, (a, ctx) => a.verifyNotification(ctx, request)),
      );
    } catch {
      return adapter.notificationReply('error');
    }
  }

  /** /return/:provider — the browser comes back; a verified outcome is applied like a notification. */
  async function returned(provider: string, request: InboundRequest): Promise<string | null> {
    const adapter = adapterNamed(provider);
    const attemptId = adapter?.attemptIdOf(request);
    if (!adapter || !attemptId) return null;
    const verdict = await receive(provider, attemptId, (a, ctx) => a.verifyReturn(ctx, request));
    if (verdict === 'not_found' || verdict === 'invalid_signature') return null;
    const token = (await aq.checkoutTokenOfAttempt(db, attemptId)).rows[0]!.checkout_token;
    return `/checkout/${token}`;
  }

  /** Lost notifications: ask the provider about attempts in flight for longer than `minutes`. */
  async function recoverStale(
    minutes = 5,
    limit = 100,
  ): Promise<{ checked: number; resolved: number; unanswered: { attempt: string; reason: string }[] }> {
    // Only providers that can be asked: attempts waiting for a bank transfer (no status query)
    // would otherwise fill every batch and starve the others.
    const askable = ADAPTERS.filter((a) => a.capabilities.queryStatus).map((a) => a.name);
    const stale = (await aq.staleAttempts(db, minutes, limit, askable)).rows;
    let resolved = 0;
    const unanswered: { attempt: string; reason: string }[] = [];
    for (const attempt of stale) {
      const adapter = adapterNamed(attempt.provider);
      const ctx = await providers.contextFor(attempt.agency_id, attempt.mode, attempt.provider);
      if (!adapter?.capabilities.queryStatus || !ctx) continue;
      const payment = (
        await db.query<PaymentRow>('SELECT * FROM payments WHERE id = $1', [attempt.payment_id])
      ).rows[0]!;
      try {
        const outcome = await adapter.queryStatus(ctx, {
          attemptId: attempt.id,
          amount: attempt.amount,
          attemptCreatedAt: attempt.created_at,
          description: payment.description,
          providerTransactionId: attempt.provider_transaction_id ?? undefined,
          clientIp: '127.0.0.1',
        });
        // Unknown outcomes are never guessed: pending stays pending, until the payment has been
        // expired for a while (the provider no longer takes it); then the attempt is abandoned.
        // Should the provider report a success after all, apply() still records it.
        const abandoned =
          outcome.status === 'pending' && payment.expires_at.getTime() + ABANDON_AFTER_EXPIRY_MS < Date.now()
            ? {
                ...outcome,
                status: 'failed' as const,
                failure: {
                  code: 'abandoned',
                  message: `No outcome from the provider after the payment expired (${outcome.failure?.code ?? 'pending'}).`,
                },
              }
            : outcome;
        if (abandoned.status !== 'pending' && (await apply(attempt.provider, abandoned)) === 'accepted')
          resolved++;
      } catch (error) {
        // No answer, or one that could not be verified (unsigned, tampered, not from the provider):
        // nothing is guessed, the next run asks again. The job logs why.
        unanswered.push({ attempt: attempt.id, reason: (error as Error).message.slice(0, 300) });
      }
    }
    return { checked: stale.length, resolved, unanswered };
  }

  /** created → expired for payments past expires_at, each with its event. */
  async function expireDue(limit = 500): Promise<number> {
    return db.transaction(async (tx) => {
      const expired = (await aq.expireDue(tx, limit)).rows;
      for (const payment of expired) await event(tx, payment, 'payment.expired');
      return expired.length;
    });
  }

  /** What adapters that serve their own pages may ask of the hub. */
  const host: AdapterHost = { contextForAttempt, deliverNotification: notify };

  return {
    start,
    apply,
    succeedFromSnapshot,
    notify,
    returned,
    contextForAttempt,
    recoverStale,
    expireDue,
    host,
  };
}

export type AttemptsService = ReturnType<typeof attemptsService>;
