/**
 * Receipts as the hub wires them: the document of a payment's receipt (document.ts), its
 * verification (verification.ts), numbering (queue.ts, series.ts), signers (signers.ts) and
 * cancelling (cancel.ts). Other folders import from here.
 */
import type { Db } from '../db/port.ts';
import type { PaymentRow } from '../payments/model.ts';
import type { Sealer } from '../secrets.ts';
import { receiptPdf } from './document.ts';
import { issuePending } from './queue.ts';
import { receiptByVerifyCode } from './verification.ts';

export { cancelReceipt, isReceiptRefusal, type ReceiptRefusal } from './cancel.ts';
export { issuePending } from './queue.ts';
export { FINE_FORM_SYMBOL, FORM_SYMBOL, formOf, seriesOf } from './series.ts';
export { configureReceiptSigner, hasReceiptSigner } from './signers.ts';
export { ReceiptSignerError } from './signing.ts';
export { type ReceiptRef, type ReceiptState, receiptRefs, receiptState } from './verification.ts';

export function receiptsService(deps: { db: Db; publicUrl: string; sealer?: Sealer }) {
  const { db } = deps;
  const listeners = new Set<() => void>();
  return {
    /** The PDF of a payment's receipt, or null when it has none (not succeeded). */
    pdf: (payment: PaymentRow) => receiptPdf(deps, payment),
    byVerifyCode: (code: string) => receiptByVerifyCode(db, code),
    fileName: (payment: PaymentRow) => `bien-lai-${payment.id}.pdf`,
    /** Numbers every queued receipt (the receipts.issue job). */
    issueDue: () => issuePending(db),
    /** Called after a success commits: wakes the numbering job. */
    nudge() {
      for (const listener of listeners) listener();
    },
    onNudge(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type ReceiptsService = ReturnType<typeof receiptsService>;
