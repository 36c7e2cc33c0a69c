import { csvRecords } from '../csv.ts';
import type { SettlementLine } from '../types.ts';
import { transactionOutcome } from './codes.ts';
import { parseVnDate } from './dates.ts';

/**
 * PayHub's VNPay settlement CSV (VNPay's own column layout is not public, PROVIDERS.md §4);
 * the layout is documented in README.md next to this file.
 */
export const SETTLEMENT_HEADER = [
  'transaction_no',
  'txn_ref',
  'type',
  'amount',
  'fee',
  'status',
  'pay_date',
] as const;

const WHOLE = /^(0|[1-9]\d*)$/;

function fail(lineNo: number, why: string): never {
  throw new Error(`VNPay settlement line ${lineNo}: ${why}`);
}

function lineOf(lineNo: number, fields: string[]): SettlementLine {
  const [transactionNo, txnRef, type, amount, fee, status, payDate] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!transactionNo) fail(lineNo, 'missing transaction_no');
  if (!txnRef) fail(lineNo, 'missing txn_ref');
  if (type !== 'payment' && type !== 'refund')
    return fail(lineNo, `unknown type "${type}" (payment or refund)`);
  if (!WHOLE.test(amount) || amount === '0')
    fail(lineNo, `amount "${amount}" is not a positive whole number of đồng`);
  if (!WHOLE.test(fee)) fail(lineNo, `fee "${fee}" is not a whole number of đồng`);
  if (!/^\d{2}$/.test(status)) fail(lineNo, `status "${status}" is not a vnp_TransactionStatus`);
  const occurredAt = parseVnDate(payDate) ?? fail(lineNo, `pay_date "${payDate}" is not yyyyMMddHHmmss`);
  return {
    lineNo,
    providerTransactionId: transactionNo,
    merchantReference: txnRef,
    type,
    amount,
    fee,
    status: transactionOutcome(status),
    occurredAt,
  };
}

/** Streams the file: each line is checked strictly and the first bad one stops the parse, naming it. */
export async function* parseSettlement(input: AsyncIterable<Buffer | string>): AsyncIterable<SettlementLine> {
  for await (const { line, record } of csvRecords(input, {
    header: SETTLEMENT_HEADER,
    error: (line, why) => new Error(`VNPay settlement line ${line}: ${why}`),
    wrongHeader: `expected the header ${SETTLEMENT_HEADER.join(',')}`,
    empty: 'the file is empty (no header)',
  })) {
    yield lineOf(line, record);
  }
}
