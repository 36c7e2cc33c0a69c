/** A refund as stored. */
export interface RefundRow {
  id: string;
  payment_id: string;
  attempt_id: string;
  agency_id: string;
  mode: 'test' | 'live';
  provider: string;
  kind: 'requested' | 'double_payment' | 'reconciliation';
  amount: string;
  reason: string;
  status: 'pending' | 'succeeded' | 'failed';
  provider_refund_id: string | null;
  failure: { code: string; message: string } | null;
  requested_by: string;
  tries: number;
  next_attempt_at: Date;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}
