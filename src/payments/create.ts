/** POST /v1/payments: the checks a schema cannot make, the amount owed, and the shared insert. */
import type { Principal } from '../agencies/service.ts';
import { isCalendarDate, localDate, localMidnight } from '../dates.ts';
import { batcher, countSharedFailure } from '../db/batcher.ts';
import type { Db } from '../db/port.ts';
import { isPgError, PG } from '../db/port.ts';
import { DomainError, domainErrors, type FieldError } from '../errors.ts';
import { type Claim, existing, type StoredResponse } from '../idempotency/store.ts';
import { newId, newToken } from '../ids.ts';
import { MAX_AMOUNT, money, toSqlAmount } from '../money.ts';
import type { NewPaymentRow } from './model.ts';
import { assessLateness, type Lateness } from './penalty.ts';
import * as q from './queries.ts';
import { paymentJson } from './view.ts';

/** The body of POST /v1/payments, already validated against openapi.yaml. */
export interface PaymentCreate {
  amount: number;
  currency?: 'VND';
  reference: string;
  description: string;
  return_url: string;
  obligation: {
    type: 'fee' | 'charge' | 'tax' | 'fine' | 'insurance' | 'other';
    catalog_code?: string;
    fine?: { decision_no: string; decided_on: string; due_on: string };
    tax?: { due_on: string };
  };
  budget?: Record<string, string>;
  payer?: Record<string, string>;
  language?: 'vi' | 'en';
  expires_in?: number;
  metadata?: Record<string, string>;
}

const DEFAULT_EXPIRES_IN = 86_400;

/** Rules a JSON schema cannot say: fields that go together, real calendar dates. */
function crossFieldErrors(body: PaymentCreate, today: string): FieldError[] {
  const errors: FieldError[] = [];
  const { obligation } = body;
  if (obligation.type === 'fine' && !obligation.fine) {
    errors.push({
      field: 'obligation.fine',
      message: 'is required for a fine: no fine is collected without its decision',
    });
  }
  if (obligation.fine && obligation.type !== 'fine') {
    errors.push({ field: 'obligation.fine', message: 'is only allowed when obligation.type is fine' });
  }
  if (obligation.tax && obligation.type !== 'tax') {
    errors.push({ field: 'obligation.tax', message: 'is only allowed when obligation.type is tax' });
  }
  const dates: [string, string | undefined][] = [
    ['obligation.fine.decided_on', obligation.fine?.decided_on],
    ['obligation.fine.due_on', obligation.fine?.due_on],
    ['obligation.tax.due_on', obligation.tax?.due_on],
  ];
  for (const [field, value] of dates) {
    if (value !== undefined && !isCalendarDate(value))
      errors.push({ field, message: 'is not a calendar date' });
  }
  const fine = obligation.fine;
  if (fine && isCalendarDate(fine.decided_on) && isCalendarDate(fine.due_on)) {
    if (fine.decided_on > today)
      errors.push({ field: 'obligation.fine.decided_on', message: 'is in the future' });
    if (fine.due_on < fine.decided_on) {
      errors.push({ field: 'obligation.fine.due_on', message: 'is before the decision date' });
    }
  }
  return errors;
}

/** https only, except http://localhost for a test key; and the origin must be on the agency's list. */
function checkReturnUrl(value: string, principal: Principal, hubOrigin: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw domainErrors.invalid([{ field: 'return_url', message: 'is not a URL' }]);
  }
  // The hub's own pages (a payment link's closing page) are no open redirect.
  if (url.origin === hubOrigin && !url.username && !url.password) return;
  const localhost = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  const schemeOk =
    url.protocol === 'https:' || (url.protocol === 'http:' && localhost && principal.mode === 'test');
  if (!schemeOk || url.username || url.password) {
    throw domainErrors.invalid([
      {
        field: 'return_url',
        message: 'must be https (http only for localhost with a test key), without credentials',
      },
    ]);
  }
  if (!principal.returnOrigins.includes(url.origin)) {
    throw new DomainError(
      'return_url_not_allowed',
      `The origin ${url.origin} is not on this agency's list of return origins; ask the operator to add it.`,
      [{ field: 'return_url', message: 'origin is not allowed for this agency' }],
    );
  }
}

/** Treasury accounts are data (revised by circular); cached a minute per node. */
export function treasuryAccountCache(db: Db) {
  let cached: { codes: Set<string>; until: number } | undefined;
  return async (code: string): Promise<boolean> => {
    if (!cached || cached.until < Date.now()) {
      const { rows } = await q.treasuryAccounts(db);
      cached = { codes: new Set(rows.map((r) => r.code)), until: Date.now() + 60_000 };
    }
    return cached.codes.has(code);
  };
}

export interface CreateDeps {
  db: Db;
  publicUrl: string;
  now: () => Date;
  isTreasuryAccount: (code: string) => Promise<boolean>;
  insert: ReturnType<typeof createStatement>;
}

function lateness(body: PaymentCreate, today: string): Lateness | null {
  const { obligation } = body;
  if (obligation.fine) return assessLateness('fine', String(body.amount), obligation.fine.due_on, today);
  if (obligation.tax) return assessLateness('tax', String(body.amount), obligation.tax.due_on, today);
  return null;
}

async function referenceInUse(db: Db, principal: Principal, reference: string): Promise<DomainError> {
  const holder = (await q.openPaymentByReference(db, principal.agencyId, principal.mode, reference)).rows[0];
  return new DomainError(
    'reference_in_use',
    `Payment ${holder?.id ?? '(unknown)'} already holds reference '${reference}'; one dossier, one payment.`,
    [{ field: 'reference', message: 'is held by an open or succeeded payment' }],
    { payment: holder?.id ?? null },
  );
}

// Creates arriving together share one statement: one round trip and one commit serve many.
// Should the shared statement fail (one payment's reference already held), each is tried
// alone, so every request gets its own answer.
/** The shared create statement of one hub instance. */
export function createStatement(db: Db) {
  return batcher(
    async (inserts: q.PaymentInsert[]): Promise<{ inserted?: boolean; error?: unknown }[]> => {
      const each = (batch: q.PaymentInsert[]) =>
        q.insertPayments(db, batch).then((done) => done.map((inserted) => ({ inserted })));
      try {
        return await each(inserts);
      } catch (error) {
        if (inserts.length === 1) return [{ error }];
        countSharedFailure('payment_create');
        return Promise.all(
          inserts.map((one) =>
            each([one]).then(
              ([outcome]) => outcome!,
              (e) => ({ error: e }),
            ),
          ),
        );
      }
    },
    { maxBatch: 64, concurrency: 1 },
  );
}

/** The row to insert: the amount owed with any late penalty, and an expiry that ends with it. */
function paymentRow(
  principal: Principal,
  body: PaymentCreate,
  createdAt: Date,
  today: string,
): NewPaymentRow {
  const principal_ = money(body.amount);
  const late = lateness(body, today);
  const penalty = late?.penalty ?? money(0);
  const amount = principal_.plus(penalty);
  if (amount.gt(MAX_AMOUNT)) {
    throw new DomainError(
      'amount_too_large',
      'With its late-payment penalty the amount exceeds 999 999 999 999 ₫.',
      [{ field: 'amount', message: 'with the late penalty exceeds the maximum' }],
    );
  }
  let expiresAt = new Date(createdAt.getTime() + (body.expires_in ?? DEFAULT_EXPIRES_IN) * 1000);
  // The amount owed changes at a local midnight: the payment must not outlive its amount.
  if (late) {
    const change = localMidnight(late.amountChangesOn);
    if (change < expiresAt) expiresAt = change;
  }
  return {
    id: newId('pay'),
    agency_id: principal.agencyId,
    mode: principal.mode,
    status: 'created',
    currency: body.currency ?? 'VND',
    principal: toSqlAmount(principal_),
    late_penalty: toSqlAmount(penalty),
    late_days: late?.lateDays ?? 0,
    amount: toSqlAmount(amount),
    reference: body.reference,
    description: body.description,
    return_url: body.return_url,
    obligation: body.obligation,
    budget: body.budget ?? null,
    payer: body.payer ?? null,
    language: body.language ?? 'vi',
    metadata: body.metadata ?? {},
    checkout_token: newToken(32),
    expires_at: expiresAt,
    created_at: createdAt,
  };
}

/**
 * POST /v1/payments. The response says `audited` when the API write's audit record was written
 * with the payment; otherwise (a replay, a refusal) the caller records it.
 */
export async function createPayment(
  deps: CreateDeps,
  principal: Principal,
  body: PaymentCreate,
  claim: Claim | undefined,
  origin: { ip: string | null; requestId: string | null; action: string; actorType?: 'api_key' | 'system' },
): Promise<StoredResponse & { audited?: boolean }> {
  const { db, publicUrl } = deps;
  const createdAt = deps.now();
  const today = localDate(createdAt);
  const errors = crossFieldErrors(body, today);
  if (errors.length) throw domainErrors.invalid(errors);
  checkReturnUrl(body.return_url, principal, new URL(publicUrl).origin);
  if (body.budget && !(await deps.isTreasuryAccount(body.budget.treasury_account as string))) {
    throw new DomainError(
      'unknown_budget_code',
      `Treasury account ${body.budget.treasury_account} is not in the state-budget index in force.`,
      [{ field: 'budget.treasury_account', message: 'is not a treasury account in force' }],
    );
  }

  const row = paymentRow(principal, body, createdAt, today);
  const response: StoredResponse = {
    status: 201,
    body: paymentJson(
      {
        ...row,
        amount_refunded: '0',
        last_error: null,
        cancellation_reason: null,
        updated_at: createdAt,
        revision: 0,
      },
      publicUrl,
    ),
  };
  const outcome = await deps.insert({
    row,
    claim: claim && { ...claim, ...response },
    audit: { actorId: principal.keyId, ...origin },
  });
  if (outcome.error !== undefined) {
    if (isPgError(outcome.error, PG.uniqueViolation, 'payments_open_reference'))
      throw await referenceInUse(db, principal, body.reference);
    throw outcome.error;
  }
  const inserted = outcome.inserted;
  if (inserted) return { ...response, audited: true };
  // The key was taken: replay its response, or refuse (422 other body, 409 in flight).
  const stored = await existing(db, principal, claim!);
  if (!stored) throw domainErrors.idempotencyKeyInUse();
  return stored;
}
