/** The settlement report's rows and what it rests on, as plain data; and its totals, a plain function. */
import { money } from '../money.ts';
import type { Scope } from './queries.ts';

export interface ReportRow {
  business_date: string;
  agency_code: string;
  agency_name: string;
  treasury_code: string;
  treasury_account: string;
  chapter_code: string;
  economic_code: string;
  count: number;
  gross: string;
  refunds: string;
  fees: string;
  net: string;
  /** False when a budget code is missing: the row cannot be remitted and is not in the net total. */
  remittable: boolean;
}

export interface ReportFilter {
  date: string;
  provider?: string;
  mode: 'test' | 'live';
  scope: Scope;
  /** Providers without a settlement file, whose collections come from bank credits (VietQR). */
  bankProviders: readonly string[];
}

export interface ProviderTotal {
  provider: string;
  count: number;
  gross: string;
  refunds: string;
  fees: string;
  net: string;
}

export interface OpenBreak {
  source: 'reconciliation' | 'bank_credit';
  id: string;
  provider: string;
  category: string;
  status: string;
  amount: string | null;
  agency_code: string | null;
  run: string | null;
}

export interface UnsettledRefund {
  id: string;
  provider: string;
  kind: string;
  status: string;
  amount: string;
  agency_code: string;
  payment: string;
}

export interface ReportSource {
  kind: 'settlement_run' | 'bank_statement';
  id: string;
  provider: string;
  file_name: string | null;
  sha256: string | null;
}

/** What the report rests on beside its rows: per provider totals, open breaks, unsettled refunds, files. */
export interface ReportContext {
  mode: 'test' | 'live';
  generated_at: string;
  providers: ProviderTotal[];
  open_breaks: OpenBreak[];
  unsettled_refunds: UnsettledRefund[];
  sources: ReportSource[];
}

/** Totals; `net` is what can be remitted (rows with every budget code), `unremittable` the rest. */
export function totalsOf(rows: readonly ReportRow[]) {
  const sum = (key: 'gross' | 'refunds' | 'fees' | 'net', of = rows) =>
    of.reduce((total, r) => total.plus(r[key]), money(0)).toFixed(0);
  return {
    count: rows.reduce((n, r) => n + r.count, 0),
    gross: sum('gross'),
    refunds: sum('refunds'),
    fees: sum('fees'),
    net: sum(
      'net',
      rows.filter((r) => r.remittable),
    ),
    unremittable: sum(
      'net',
      rows.filter((r) => !r.remittable),
    ),
  };
}
