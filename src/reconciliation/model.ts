import type { SettlementLineType } from '../../adapters/types.ts';

/** A reconciliation run, its items (breaks and waiting hub items), their actions and the file's lines, as stored. */
export interface RunRow {
  id: string;
  provider: string;
  business_date: string;
  status: 'completed' | 'superseded' | 'rejected';
  file_sha256: string | null;
  file_name: string | null;
  source: string;
  created_by: string | null;
  supersedes: string | null;
  superseded_by: string | null;
  line_count: number;
  carry_days: number;
  fee_rule: { percent: string; min: string } | null;
  summary: {
    categories?: unknown[];
    settledLater?: number;
    becameBreaks?: number;
    timings_ms?: Record<string, number>;
  };
  rejection: { code: string; detail: string; line?: number } | null;
  created_at: Date;
}

export interface ItemRow {
  id: string;
  run_id: string;
  provider: string;
  business_date: string;
  category: string;
  status: string;
  carry_until: string | null;
  agency_id: string | null;
  attempt_id: string | null;
  payment_id: string | null;
  refund_id: string | null;
  type: SettlementLineType;
  line_no: number | null;
  provider_transaction_id: string | null;
  merchant_reference: string | null;
  line_amount: string | null;
  line_fee: string | null;
  line_status: string | null;
  occurred_at: Date | null;
  hub_amount: string | null;
  hub_status: string | null;
  expected_fee: string | null;
  resolution: string | null;
  run_status: string;
}

export interface ActionRow {
  id: string;
  item_id: string;
  action: string;
  note: string;
  actor: string;
  result: Record<string, unknown>;
  created_at: Date;
}

export interface LineRow {
  line_no: number;
  provider_transaction_id: string;
  merchant_reference: string;
  type: SettlementLineType;
  amount: string;
  fee: string;
  status: string;
  occurred_at: Date;
  category: string;
  item_id: string | null;
  payment_id: string | null;
  agency_code: string | null;
}

/** Which items a list shows: filters a finance officer sets on the breaks page or the API. */
export interface ItemFilter {
  runId?: string;
  category?: string;
  status?: string;
  provider?: string;
  date?: string;
  /** Items whose line (else hub) amount is within these bounds, in đồng. */
  minAmount?: string;
  maxAmount?: string;
  /** Items of business days at least this many days before today (how long a break has waited). */
  minAgeDays?: number;
  /** Only items of current (not superseded) runs, unless a run is named. */
  limit: number;
  startingAfter?: string;
}
