import { adapterNamed } from '../../adapters/index.ts';
import type {
  AdapterHost,
  CheckoutResult,
  InboundRequest,
  NotificationVerdict,
  ProviderOutcome,
} from '../../adapters/types.ts';
import type { Db, Queryable } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import * as aq from './attempt-queries.ts';
import { notify, returned } from './callbacks.ts';
import { type NotificationDeps, sharedStatements, succeedFromSnapshot } from './notifications.ts';
import { applyOutcome, recordSecondTransfer } from './outcomes.ts';
import { nextStatus } from './states.ts';
import { expireDue, recoverStale } from './sweeps.ts';

export { ABANDON_AFTER_EXPIRY_MS } from './sweeps.ts';

/**
 * Why the checkout cannot start an attempt, as DomainError codes; the page shows the matching
 * message: no such checkout, the payment not payable now, the method not offered, the provider failing.
 */
export type CheckoutRefusal =
  | 'checkout_missing'
  | 'payment_not_payable'
  | 'method_unavailable'
  | 'provider_unavailable';

const refused = (code: CheckoutRefusal, detail: string) => new DomainError(code, detail);

export interface AttemptsDeps {
  db: Db;
  providers: ProviderAccountsService;
  publicUrl: string;
}

/** The citizen chose a method: a new attempt, the payment goes to processing, then the provider. */
export async function startAttempt(
  deps: AttemptsDeps,
  token: string,
  method: string,
  clientIp: string,
  // The language the citizen chose on the checkout page goes on to the provider's page.
  options: { language?: 'vi' | 'en'; now?: Date } = {},
): Promise<CheckoutResult & { attemptId: string }> {
  const { db, providers, publicUrl } = deps;
  const now = options.now ?? new Date();
  // Read outside the transaction: PGlite has one connection, which the transaction holds.
  const current = (await aq.paymentByToken(db, token)).rows[0];
  if (!current) throw refused('checkout_missing', 'No such checkout.');
  const offered = await providers.methodsFor(current.agency_id, current.amount);
  const chosen = offered.find(
    (m) => m.adapter.name === method && !(m.adapter.testOnly && current.mode === 'live'),
  );
  if (!chosen) throw refused('method_unavailable', `The method ${method} is not offered for this payment.`);
  const started = await db.transaction(async (tx) => {
    const payment = (await aq.paymentByTokenForUpdate(tx, token)).rows[0]!;
    if (!nextStatus(payment.status, 'attempt_started') || payment.expires_at <= now) {
      throw refused('payment_not_payable', 'The payment cannot be paid now.');
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
    await applyOutcome(deps, method, {
      attemptId: attempt.id,
      status: 'failed',
      amount: payment.amount,
      failure: { code: 'provider_unavailable', message: (error as Error).message.slice(0, 300) },
      raw: {},
    });
    throw refused('provider_unavailable', (error as Error).message);
  }
}

/** The adapter context for an attempt's agency, mode and provider; null for an unknown attempt. */
async function contextForAttempt(deps: AttemptsDeps, attemptId: string) {
  const attempt = (await aq.attemptById(deps.db, attemptId)).rows[0];
  if (!attempt) return null;
  return deps.providers.contextFor(attempt.agency_id, attempt.mode, attempt.provider);
}

/**
 * Attempts, wired once per hub: the module functions above and in callbacks.ts,
 * notifications.ts, outcomes.ts and sweeps.ts, given their dependencies and this instance's
 * shared statements.
 */
export function attemptsService(deps: AttemptsDeps) {
  const wired: NotificationDeps = { ...deps, shared: sharedStatements(deps.db) };
  const deliver = async (provider: string, request: InboundRequest) => {
    const adapter = adapterNamed(provider);
    return adapter ? notify(wired, adapter, request) : { status: 404, body: 'unknown provider' };
  };
  /** What adapters that serve their own pages may ask of the hub. */
  const host: AdapterHost = {
    contextForAttempt: (attemptId) => contextForAttempt(deps, attemptId),
    deliverNotification: deliver,
  };
  return {
    notifications: wired,
    start: (
      token: string,
      method: string,
      clientIp: string,
      options?: { language?: 'vi' | 'en'; now?: Date },
    ) => startAttempt(deps, token, method, clientIp, options),
    apply: (provider: string, outcome: ProviderOutcome): Promise<NotificationVerdict> =>
      applyOutcome(deps, provider, outcome),
    recordSecondTransfer: (tx: Queryable, attemptId: string) => recordSecondTransfer(deps, tx, attemptId),
    succeedFromSnapshot: (provider: string, snap: aq.NotificationSnapshot, outcome: ProviderOutcome) =>
      succeedFromSnapshot(wired, provider, snap, outcome),
    notify: deliver,
    returned: async (provider: string, request: InboundRequest) => {
      const adapter = adapterNamed(provider);
      return adapter ? returned(wired, adapter, request) : null;
    },
    contextForAttempt: host.contextForAttempt,
    recoverStale: (minutes?: number, limit?: number) => recoverStale(deps, minutes, limit),
    expireDue: (limit?: number) => expireDue(deps, limit),
    host,
  };
}

export type AttemptsService = ReturnType<typeof attemptsService>;
