/** What the sandbox "bank" records for an attempt and the signed callback it sends back. */
import { sign } from './signature.ts';

export const SANDBOX_OUTCOMES = ['succeeded', 'failed', 'cancelled', 'succeeded_late_notification'] as const;
export type SandboxOutcome = (typeof SANDBOX_OUTCOMES)[number];

/** What the tester chose for an attempt, kept in the provider's state (the sandbox's "bank ledger"). */
export interface SandboxRecord {
  outcome: SandboxOutcome;
  amount: string;
  transactionId: string;
  at: string;
  refunded: string;
}

/** The signed callback the sandbox sends for a record (to /return and /notify alike). */
export function callbackFields(
  secret: string,
  attemptId: string,
  record: SandboxRecord,
  browserReturn = false,
) {
  const status =
    record.outcome === 'succeeded' || (record.outcome === 'succeeded_late_notification' && !browserReturn)
      ? 'succeeded'
      : record.outcome === 'succeeded_late_notification'
        ? 'pending'
        : 'failed';
  const fields: Record<string, string> = {
    attempt_id: attemptId,
    status,
    amount: record.amount,
    transaction_id: record.transactionId,
    at: record.at,
    ...(status === 'failed' ? { reason: record.outcome } : {}),
  };
  return { ...fields, sig: sign(secret, fields) };
}
