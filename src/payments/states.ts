/** The payment state machine of DESIGN.md, as plain data: unit-testable without a database. */
export const PAYMENT_STATUSES = ['created', 'processing', 'succeeded', 'expired', 'cancelled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export type PaymentEvent = 'attempt_started' | 'attempt_failed' | 'attempt_succeeded' | 'expire' | 'cancel';

const TRANSITIONS: Record<PaymentStatus, Partial<Record<PaymentEvent, PaymentStatus>>> = {
  created: {
    attempt_started: 'processing',
    // An earlier attempt the citizen left may still be paid at the provider.
    attempt_succeeded: 'succeeded',
    expire: 'expired',
    cancel: 'cancelled',
  },
  processing: {
    attempt_started: 'processing',
    attempt_failed: 'created',
    attempt_succeeded: 'succeeded',
    expire: 'expired',
  },
  succeeded: {},
  expired: {},
  cancelled: {},
};

/** The status after `event`, or null when the event is not allowed from `status`. */
export function nextStatus(status: PaymentStatus, event: PaymentEvent): PaymentStatus | null {
  return TRANSITIONS[status][event] ?? null;
}

/**
 * May a success pay a payment in this status? The one rule, used by the locked path, the shared
 * statement (rendered as PAYABLE_STATUSES) and the snapshot check alike; otherwise a success is a
 * double payment.
 */
export function canSucceed(status: PaymentStatus): boolean {
  return nextStatus(status, 'attempt_succeeded') === 'succeeded';
}

/** The statuses canSucceed() allows, for SQL. */
export const PAYABLE_STATUSES: readonly PaymentStatus[] = PAYMENT_STATUSES.filter(canSucceed);

export function isFinal(status: PaymentStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

/** Statuses that hold a reference: one dossier, one open or paid payment. */
export const REFERENCE_HOLDING: readonly PaymentStatus[] = ['created', 'processing', 'succeeded'];
