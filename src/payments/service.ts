import type { Principal } from '../agencies/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { DomainError, domainErrors } from '../errors.ts';
import { recordEvent } from '../events/service.ts';
import type { Claim, StoredResponse } from '../idempotency/store.ts';
import { receiptRefs } from '../receipts/service.ts';
import { attemptsOf } from './attempt-queries.ts';
import {
  type CreateDeps,
  createPayment,
  createStatement,
  type PaymentCreate,
  treasuryAccountCache,
} from './create.ts';
import * as q from './queries.ts';
import { type PaymentJson, paymentJson } from './view.ts';

export type { PaymentCreate };

export interface PaymentsDeps {
  db: Db;
  publicUrl: string;
  now?: () => Date;
}

interface ReadDeps {
  db: Db;
  publicUrl: string;
  now: () => Date;
}

export async function getPayment(deps: ReadDeps, principal: Principal, id: string): Promise<PaymentJson> {
  const { db, publicUrl } = deps;
  const row = (await q.paymentById(db, principal.agencyId, principal.mode, id)).rows[0];
  if (!row) throw domainErrors.notFound('payment', id);
  const receipt = (await receiptRefs(db, [row.id], publicUrl)).get(row.id) ?? null;
  return paymentJson(row, publicUrl, (await attemptsOf(db, [row.id])).rows, receipt);
}

export async function listPayments(deps: ReadDeps, principal: Principal, filter: q.ListFilter) {
  const { db, publicUrl } = deps;
  const { rows } = await q.listPayments(db, principal.agencyId, principal.mode, filter);
  const page = rows.slice(0, filter.limit);
  const attempts = page.length
    ? (
        await attemptsOf(
          db,
          page.map((p) => p.id),
        )
      ).rows
    : [];
  const receipts = await receiptRefs(
    db,
    page.map((p) => p.id),
    publicUrl,
  );
  return {
    object: 'list' as const,
    data: page.map((row) => paymentJson(row, publicUrl, attempts, receipts.get(row.id) ?? null)),
    has_more: rows.length > filter.limit,
  };
}

/** created → cancelled, with its event, in one transaction (plus the idempotent response). */
export async function cancelPayment(
  deps: ReadDeps,
  principal: Principal,
  id: string,
  reason: string | null,
  remember: (tx: Queryable, response: StoredResponse) => Promise<void>,
): Promise<StoredResponse> {
  const { db, publicUrl } = deps;
  const response = await db.transaction(async (tx) => {
    const row = (await q.cancelPayment(tx, principal.agencyId, principal.mode, id, reason, deps.now()))
      .rows[0];
    if (!row) return null;
    const body = paymentJson(row, publicUrl, (await attemptsOf(tx, [row.id])).rows);
    await recordEvent(tx, {
      agencyId: principal.agencyId,
      mode: principal.mode,
      type: 'payment.cancelled',
      objectId: id,
      data: body,
    });
    const response = { status: 200, body };
    await remember(tx, response);
    return response;
  });
  if (response) return response;
  const current = (await q.paymentById(db, principal.agencyId, principal.mode, id)).rows[0];
  if (!current) throw domainErrors.notFound('payment', id);
  const why = current.status === 'created' ? 'it has expired' : `its status is ${current.status}`;
  throw new DomainError(
    'payment_not_cancellable',
    `Payment ${id} cannot be cancelled: ${why}. Only a payment waiting for the citizen (created) can be.`,
  );
}

/** Payments, wired once per hub: the module functions given their dependencies. */
export function paymentsService(deps: PaymentsDeps) {
  const read: ReadDeps = { db: deps.db, publicUrl: deps.publicUrl, now: deps.now ?? (() => new Date()) };
  const creating: CreateDeps = {
    ...read,
    isTreasuryAccount: treasuryAccountCache(deps.db),
    insert: createStatement(deps.db),
  };
  return {
    create: (
      principal: Principal,
      body: PaymentCreate,
      claim: Claim | undefined,
      origin: {
        ip: string | null;
        requestId: string | null;
        action: string;
        actorType?: 'api_key' | 'system';
      },
    ) => createPayment(creating, principal, body, claim, origin),
    get: (principal: Principal, id: string) => getPayment(read, principal, id),
    list: (principal: Principal, filter: q.ListFilter) => listPayments(read, principal, filter),
    cancel: (
      principal: Principal,
      id: string,
      reason: string | null,
      remember: (tx: Queryable, response: StoredResponse) => Promise<void>,
    ) => cancelPayment(read, principal, id, reason, remember),
  };
}

export type PaymentsService = ReturnType<typeof paymentsService>;
