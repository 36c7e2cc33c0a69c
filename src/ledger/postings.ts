import { type Money, money } from '../money.ts';

/** The chart of accounts of DESIGN.md. A debit is a positive line amount, a credit a negative one. */
export const accounts = {
  /** Money a provider holds for the hub until it settles to the bank. */
  providerClearing: (provider: string) => `provider_clearing:${provider}`,
  /** What the hub owes an agency (to remit to the State Treasury). */
  agencyPayable: (agencyId: string) => `agency_payable:${agencyId}`,
  /** Money received that is not the agency's: a double payment, held until its refund. */
  suspense: (agencyId: string) => `suspense:${agencyId}`,
  providerFees: 'provider_fees',
  settlementBank: (provider: string) => `settlement_bank:${provider}`,
  /** Breaks finance wrote off: a credit is money held that no payment owns, a debit money that never came. */
  writeOff: 'write_off',
} as const;

export interface Line {
  account: string;
  amount: Money;
}

const debit = (account: string, amount: Money): Line => ({ account, amount });
const credit = (account: string, amount: Money): Line => ({ account, amount: amount.negated() });

/** True when the lines form a double entry: at least two, none zero, summing to zero. */
export function isBalanced(lines: readonly Line[]): boolean {
  return (
    lines.length >= 2 &&
    lines.every((l) => !l.amount.isZero()) &&
    lines.reduce((sum, l) => sum.plus(l.amount), money(0)).isZero()
  );
}

interface Move {
  provider: string;
  agencyId: string;
  amount: string | Money;
}

/** A citizen's payment succeeded: the provider holds it, the agency is owed it. */
export const paymentSucceeded = (m: Move): Line[] => [
  debit(accounts.providerClearing(m.provider), money(m.amount)),
  credit(accounts.agencyPayable(m.agencyId), money(m.amount)),
];

/** A second success for an already settled payment: held in suspense until refunded. */
export const doublePaymentReceived = (m: Move): Line[] => [
  debit(accounts.providerClearing(m.provider), money(m.amount)),
  credit(accounts.suspense(m.agencyId), money(m.amount)),
];

/**
 * A refund succeeded at the provider: the reverse of what it refunds. A requested refund gives
 * back the agency's money; the others (double payment, reconciliation) money held in suspense.
 */
export const refundSucceeded = (
  m: Move & { kind: 'requested' | 'double_payment' | 'reconciliation' },
): Line[] => [
  debit(
    m.kind === 'requested' ? accounts.agencyPayable(m.agencyId) : accounts.suspense(m.agencyId),
    money(m.amount),
  ),
  credit(accounts.providerClearing(m.provider), money(m.amount)),
];

/** A provider's fee, once known (settlement files): it comes out of what the provider holds. */
export const providerFee = (m: { provider: string; amount: string | Money }): Line[] => [
  debit(accounts.providerFees, money(m.amount)),
  credit(accounts.providerClearing(m.provider), money(m.amount)),
];

/** The provider paid out to the hub's bank account. */
export const providerSettled = (m: { provider: string; amount: string | Money }): Line[] => [
  debit(accounts.settlementBank(m.provider), money(m.amount)),
  credit(accounts.providerClearing(m.provider), money(m.amount)),
];
