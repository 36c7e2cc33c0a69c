import { parse } from 'csv-parse';
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

/** ISO 8601 with an explicit offset: a bare local time would be ambiguous by 7 hours. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

function fail(lineNo: number, reason: string): never {
  throw new Error(`MoMo settlement line ${lineNo}: ${reason}`);
}

function lineOf(lineNo: number, record: string[]): SettlementLine {
  if (record.length !== SETTLEMENT_HEADER.length) {
    fail(lineNo, `expected ${SETTLEMENT_HEADER.length} columns, got ${record.length}`);
  }
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
  const occurredAt = new Date(responseTime);
  if (!ISO_WITH_OFFSET.test(responseTime) || Number.isNaN(occurredAt.getTime())) {
    fail(lineNo, `bad response_time "${responseTime}" (ISO 8601 with offset)`);
  }
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

function drainedOrClosed(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Streams PayHub's MoMo settlement CSV; the first bad line stops the import, naming its number. */
export async function* parseSettlement(input: AsyncIterable<Buffer | string>): AsyncIterable<SettlementLine> {
  const parser = parse({
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    // Explicit, so a CRLF file does not leave "\r" in the last column and line numbers stay exact.
    record_delimiter: ['\r\n', '\n'],
  });
  (async () => {
    for await (const chunk of input) {
      if (parser.destroyed) return;
      // Backpressure; 'close' too, so a reader that stops early does not leave this waiting.
      if (!parser.write(chunk)) await drainedOrClosed(parser);
    }
    if (!parser.destroyed) parser.end();
  })().catch((error) => parser.destroy(error));

  let headerSeen = false;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!headerSeen) {
        if (record.join(',') !== SETTLEMENT_HEADER.join(',')) {
          fail(info.lines, `header must be ${SETTLEMENT_HEADER.join(',')}`);
        }
        headerSeen = true;
        continue;
      }
      yield lineOf(info.lines, record);
    }
  } catch (error) {
    // csv-parse's own errors (a stray quote…) carry `lines`; ours already name the line.
    const lines = (error as { lines?: number }).lines;
    if (typeof lines === 'number' && !(error as Error).message.startsWith('MoMo settlement')) {
      throw new Error(`MoMo settlement line ${lines}: ${(error as Error).message}`);
    }
    throw error;
  }
  if (!headerSeen) fail(1, `empty file; header must be ${SETTLEMENT_HEADER.join(',')}`);
}
