/** A receipt as stored (receipts). */
export interface ReceiptRow {
  payment_id: string;
  form_symbol: string;
  series: string;
  number: number;
  verify_code: string;
  issued_at: Date;
  cancelled_at: Date | null;
  cancellation_reason: string | null;
}
