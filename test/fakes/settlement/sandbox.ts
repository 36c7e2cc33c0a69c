/**
 * The sandbox's settlement file (adapters/sandbox parseSettlement):
 * transaction_id,attempt_id,type,amount,fee,status,occurred_at — times in ISO 8601 with +07:00.
 */
export interface SandboxSettlementLine {
  transactionId: string;
  attemptId: string;
  type?: 'payment' | 'refund';
  amount: string | number;
  fee?: string | number;
  status?: string;
  /** ISO 8601; defaults to noon of the business day in Vietnam. */
  at?: string;
}

export const SANDBOX_HEADER = 'transaction_id,attempt_id,type,amount,fee,status,occurred_at';

export function sandboxSettlementCsv(date: string, lines: readonly SandboxSettlementLine[]): string {
  const rows = lines.map((l) =>
    [
      l.transactionId,
      l.attemptId,
      l.type ?? 'payment',
      l.amount,
      l.fee ?? 0,
      l.status ?? 'succeeded',
      l.at ?? `${date}T12:00:00+07:00`,
    ].join(','),
  );
  return `${[SANDBOX_HEADER, ...rows].join('\n')}\n`;
}

/** Yields the file in small chunks, as a network upload or a file stream would. */
export async function* chunked(text: string, size = 97): AsyncIterable<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
