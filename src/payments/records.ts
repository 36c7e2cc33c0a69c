/**
 * Payments and attempts as other folders read them (checkout, bank transfers, refunds, the
 * ledger): through these functions of the payments service, never the payments SQL.
 */
import type { Queryable } from '../db/port.ts';
import * as aq from './attempt-queries.ts';
import type { AttemptRow, PaymentRow } from './model.ts';
import * as q from './queries.ts';

export {
  type PaymentListRow,
  type PaymentSearch,
  paymentInScope,
  searchPayments,
} from './search-queries.ts';

/** A payment of this agency and mode, or undefined (another agency's payment is not found). */
export async function paymentOf(
  db: Queryable,
  owner: { agencyId: string; mode: string },
  id: string,
): Promise<PaymentRow | undefined> {
  return (await q.paymentById(db, owner.agencyId, owner.mode, id)).rows[0];
}

/** A payment by id, whoever owns it (background work that already holds a trusted id). */
export async function paymentRecord(db: Queryable, id: string): Promise<PaymentRow | undefined> {
  return (await q.paymentWithId(db, id)).rows[0];
}

export async function paymentByCheckoutToken(db: Queryable, token: string): Promise<PaymentRow | undefined> {
  return (await aq.paymentByToken(db, token)).rows[0];
}

export async function attemptRecord(db: Queryable, id: string): Promise<AttemptRow | undefined> {
  return (await aq.attemptById(db, id)).rows[0];
}

/** The payment's attempts, oldest first. */
export async function attemptsOfPayment(db: Queryable, paymentId: string): Promise<AttemptRow[]> {
  return (await aq.attemptsOf(db, [paymentId])).rows;
}
