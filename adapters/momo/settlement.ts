import { csvRecords, instantWithOffset } from '../csv.ts';
import type { SettlementLine } from '../types.ts';
import { ORDER_ID, paymentStatus } from './protocol.ts';

/** MoMo publishes no settlement layout, so PayHub defines this one (adapters/momo/README.md). */
export const SETTLEMENT_HEADER = [
  'trans_id',
  'order_id',
  'type',
  'amount',
  'fee',
  'result_code',
  'response_time',
];

function fail(lineNo: number, reason: string): never {
  throw new Error(`MoMo settlement line ${lineNo}: ${reason}`);
}

function lineOf(lineNo: number, record: string[]): SettlementLine {
  const [transId, orderId, type, amount, fee, resultCode, responseTime] = record as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d{1,20}$/.test(transId)) fail(lineNo, `bad trans_id "${transId}"`);
  if (!ORDER_ID.test(orderId)) fail(lineNo, `bad order_id "${orderId}"`);
  if (type !== 'payment' && type !== 'refund') fail(lineNo, `unknown type "${type}"`);
  if (!/^[1-9]\d{0,14}$/.test(amount)) fail(lineNo, `bad amount "${amount}" (whole đồng, above zero)`);
  if (!/^(0|[1-9]\d{0,14})$/.test(fee)) fail(lineNo, `bad fee "${fee}" (whole đồng)`);
  if (!/^-?\d{1,6}$/.test(resultCode)) fail(lineNo, `bad result_code "${resultCode}"`);
  const occurredAt =
    instantWithOffset(responseTime) ??
    fail(lineNo, `bad response_time "${responseTime}" (ISO 8601 with offset)`);
  return {
    lineNo,
    providerTransactionId: transId,
    merchantReference: orderId,
    type,
    amount,
    fee,
    status: paymentStatus(resultCode),
    occurredAt,
  };
}

/** Streams PayHub's MoMo settlement CSV; the first bad line stops the import, naming its number. */
export async function* parseSettlement(input: AsyncIterable<Buffer | string>): AsyncIterable<SettlementLine> {
  for await (const { line, record } of csvRecords(input, {
    header: SETTLEMENT_HEADER,
    error: (line, why) => new Error(`MoMo settlement line ${line}: ${why}`),
    wrongHeader: `header must be ${SETTLEMENT_HEADER.join(',')}`,
    empty: `empty file; header must be ${SETTLEMENT_HEADER.join(',')}`,
  })) {
    yield lineOf(line, record);
  }
}
