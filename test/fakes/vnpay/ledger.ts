import { randomBytes } from 'node:crypto';

/** The simulator's memory of orders, as VNPay's side would keep it. Amounts in vnp units (đồng × 100). */

export interface SimRefund {
  transactionNo: string;
  amount: bigint;
  type: '02' | '03';
  at: Date;
  status: string;
}

export interface SimOrder {
  txnRef: string;
  amount: bigint;
  createDate: string;
  orderInfo: string;
  returnUrl: string;
  locale: string;
  state: 'open' | 'paid' | 'failed';
  transactionNo?: string;
  responseCode?: string;
  transactionStatus?: string;
  payDate?: Date;
  /** The signed Return URL / IPN fields, once the order is settled. */
  result?: Record<string, string>;
  refunds: SimRefund[];
}

export class Ledger {
  readonly orders = new Map<string, SimOrder>();
  readonly requestIds = new Set<string>();
  private nextNo = 14_000_000 + (randomBytes(2).readUInt16BE() % 1000) * 1000;

  /** VNPay's transaction numbers are plain decimal numbers, increasing. */
  transactionNo(): string {
    this.nextNo += 1;
    return String(this.nextNo);
  }

  refunded(order: SimOrder): bigint {
    return order.refunds.reduce((sum, r) => (r.status === '09' ? sum : sum + r.amount), 0n);
  }

  get(txnRef: string): SimOrder {
    const order = this.orders.get(txnRef);
    if (!order) throw new Error(`the VNPay simulator has no order ${txnRef}`);
    return order;
  }
}

/** Whole đồng from vnp units, which the simulator only ever stores as multiples of 100. */
export function dong(vnpAmount: bigint): string {
  return (vnpAmount / 100n).toString();
}
