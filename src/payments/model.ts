/** The payment and its attempts as stored: the rows every folder reads through the payments service. */
import type { PaymentStatus } from './states.ts';

export interface PaymentRow {
  id: string;
  agency_id: string;
  mode: 'test' | 'live';
  status: PaymentStatus;
  currency: string;
  principal: string;
  late_penalty: string;
  late_days: number;
  amount: string;
  amount_refunded: string;
  reference: string;
  description: string;
  return_url: string;
  obligation: Record<string, unknown> & { type: string };
  budget: Record<string, string> | null;
  payer: Record<string, string> | null;
  language: 'vi' | 'en';
  metadata: Record<string, string>;
  checkout_token: string;
  last_error: { code: string; message: string } | null;
  cancellation_reason: string | null;
  succeeded_attempt_id?: string | null;
  paid_at?: Date | null;
  /** Counts changes to the payment and its attempts (one-statement transitions check it). */
  revision: number;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

export type NewPaymentRow = Omit<
  PaymentRow,
  'amount_refunded' | 'last_error' | 'updated_at' | 'cancellation_reason' | 'revision'
>;

export interface AttemptRow {
  id: string;
  payment_id: string;
  agency_id: string;
  mode: 'test' | 'live';
  provider: string;
  status: 'processing' | 'succeeded' | 'failed';
  amount: string;
  provider_transaction_id: string | null;
  failure: { code: string; message: string } | null;
  double_paid: boolean;
  /** Money taken after the payment's amount changed: held in suspense, the payment not paid by it. */
  underpaid: boolean;
  provider_data: Record<string, unknown> | null;
  provider_reference: string | null;
  /** A page of the hub's own the checkout shows while the attempt is in flight (bank transfer). */
  checkout_page: { view: string; data: Record<string, unknown> } | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}
