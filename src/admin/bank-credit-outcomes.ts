/**
 * The other two ends of a bank credit that paid nothing (DESIGN.md § What may move money, 4):
 * finance sends it back by hand from the collection account, or keeps it and writes it off.
 * No entry recorded such a credit so far (it paid nothing), so each outcome posts what happened
 * to the money at the bank: written off, it stays there and belongs to `write_off`; refunded, it
 * came in and went out through the agency's suspense account, which nets to zero.
 */
import { audit } from '../audit/service.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { accounts, postEntry } from '../ledger/journal.ts';
import { type Line, paymentSucceeded } from '../ledger/postings.ts';
import { money } from '../money.ts';
import { ASSIGNABLE, assignmentTarget, type BankCreditRow, bankCreditFor } from './bank-credits.ts';
import { mustWrite, noteOf, refuse } from './errors.ts';
import type { Staff } from './staff.ts';

export type CreditAction = 'assign' | 'refund' | 'write_off';

interface Entry {
  kind: string;
  lines: Line[];
}

const bank = (c: BankCreditRow) => accounts.settlementBank(c.provider);

/** The entries an outcome posts (assignment: the payment's success, as attempts.apply posts it). */
function entriesOf(credit: BankCreditRow, action: CreditAction): Entry[] {
  const amount = money(credit.amount);
  switch (action) {
    case 'assign':
      return [
        {
          kind: 'payment',
          lines: paymentSucceeded({ provider: credit.provider, agencyId: credit.agency_id, amount }),
        },
      ];
    case 'write_off':
      return [
        {
          kind: 'bank_credit_write_off',
          lines: [
            { account: bank(credit), amount },
            { account: accounts.writeOff, amount: amount.negated() },
          ],
        },
      ];
    case 'refund':
      return [
        {
          kind: 'bank_credit_received',
          lines: [
            { account: bank(credit), amount },
            { account: accounts.suspense(credit.agency_id), amount: amount.negated() },
          ],
        },
        {
          kind: 'bank_credit_refund',
          lines: [
            { account: accounts.suspense(credit.agency_id), amount },
            { account: bank(credit), amount: amount.negated() },
          ],
        },
      ];
  }
}

/** What an action on the credit will post, for the confirmation step; the same checks as the action, nothing changed. */
export async function previewCreditAction(
  db: Db,
  staff: Staff,
  request: { id: string; action: CreditAction; payment?: string },
) {
  const credit = await bankCreditFor(db, staff, request.id);
  if (request.action === 'assign') {
    if (!request.payment) throw refuse.invalid([{ field: 'payment', message: 'must name a payment' }]);
    await assignmentTarget(db, credit, request.payment);
  } else if (!ASSIGNABLE.includes(credit.status)) throw settled(credit);
  return {
    credit,
    entries: entriesOf(credit, request.action).map((e) => ({
      when: 'now' as const,
      lines: e.lines.map((l) => ({ account: l.account, amount: l.amount.toFixed(0) })),
    })),
  };
}

const settled = (credit: BankCreditRow) =>
  new DomainError(
    'credit_not_open',
    `Bank credit ${credit.id} is ${credit.status}: only unmatched, late or mismatched credits can be refunded or written off.`,
  );

/** Refund made by hand (the outgoing transfer's bank reference) or write-off: the credit's status, entries and audit record in one transaction. */
export async function closeBankCredit(
  db: Db,
  staff: Staff,
  request: { id: string; action: 'refund' | 'write_off'; note: string; bankReference?: string; ip?: string },
) {
  mustWrite(staff);
  const note = noteOf(request.note);
  const reference = request.bankReference?.trim() ?? '';
  if (request.action === 'refund' && (!reference || reference.length > 100))
    throw refuse.invalid([{ field: 'bank_reference', message: 'must be 1–100 characters' }]);
  const credit = await bankCreditFor(db, staff, request.id);
  const status = request.action === 'refund' ? 'refunded' : 'written_off';
  return db.transaction(async (tx) => {
    const updated = await tx.query(
      `UPDATE bank_credits SET status = $2, detail = $3 WHERE id = $1 AND status = ANY($4::text[]) RETURNING id`,
      [
        credit.id,
        status,
        (request.action === 'refund'
          ? `Refunded by hand (${reference}): ${note}`
          : `Written off: ${note}`
        ).slice(0, 500),
        ASSIGNABLE,
      ],
    );
    if (updated.rowCount === 0) throw settled(credit);
    const entries: string[] = [];
    for (const entry of entriesOf(credit, request.action))
      entries.push(
        await postEntry(tx, {
          kind: entry.kind,
          mode: credit.mode ?? 'live',
          agencyId: credit.agency_id,
          memo: `bank credit ${credit.id}${reference ? `, bank reference ${reference}` : ''}`,
          lines: entry.lines,
        }),
      );
    await audit(tx, {
      actorType: 'staff',
      actorId: staff.id,
      action: request.action === 'refund' ? 'bank_credit.refund_manual' : 'bank_credit.write_off',
      objectType: 'bank_credit',
      objectId: credit.id,
      agencyId: credit.agency_id,
      mode: credit.mode ?? 'live',
      ip: request.ip,
      details: {
        note,
        previous_status: credit.status,
        entries,
        ...(reference ? { bank_reference: reference } : {}),
      },
    });
    return { id: credit.id, status, entries };
  });
}
