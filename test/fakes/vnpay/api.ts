import { randomBytes } from 'node:crypto';
import type { Ledger, SimOrder } from './ledger.ts';
import {
  fromVnTime,
  hashMatches,
  pipeHash,
  QUERYDR_IN,
  QUERYDR_OUT,
  REFUND_IN,
  REFUND_OUT,
  vnTime,
} from './signing.ts';

/** POST /merchant_webapi/api/transaction: querydr and refund, PROVIDERS.md §1.7–§1.8. */

export interface ApiConfig {
  tmnCode: string;
  hashSecret: string;
  now: () => Date;
  /** vnp_TransactionStatus of an accepted refund: 00 done, 05/06 under way, 09 rejected. */
  refundStatus: () => string;
}

type Json = Record<string, unknown>;

/** Messages are the simulator's wording; the codes are VNPay's. */
const MESSAGES: Record<string, string> = {
  '00': 'Success',
  '02': 'Merchant invalid',
  '03': 'Invalid data format',
  '91': 'Transaction not found',
  '94': 'Duplicate request',
  '95': 'Transaction is not successful, refund refused',
  '97': 'Invalid Checksum',
  '99': 'Unknown error',
};

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export function handleApi(config: ApiConfig, ledger: Ledger, body: unknown): Json {
  const request: Json = body && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
  const command = str(request.vnp_Command);
  const isRefund = command === 'refund';
  const reply = (code: string, fields: Json = {}, message = MESSAGES[code] ?? 'Error'): Json => {
    const out: Json = {
      vnp_ResponseId: randomBytes(16).toString('hex'),
      vnp_Command: command,
      vnp_ResponseCode: code,
      vnp_Message: message,
      vnp_TmnCode: str(request.vnp_TmnCode),
      vnp_TxnRef: str(request.vnp_TxnRef),
      ...fields,
    };
    out.vnp_SecureHash = pipeHash(config.hashSecret, isRefund ? REFUND_OUT : QUERYDR_OUT, out);
    return out;
  };

  if (command !== 'querydr' && !isRefund) return reply('03', {}, 'Unknown vnp_Command');
  if (str(request.vnp_TmnCode) !== config.tmnCode) return reply('02');
  const expected = pipeHash(config.hashSecret, isRefund ? REFUND_IN : QUERYDR_IN, request);
  if (!hashMatches(expected, str(request.vnp_SecureHash))) return reply('97');

  const formatError = checkFormat(request, isRefund);
  if (formatError) return reply('03', {}, formatError);
  const requestId = str(request.vnp_RequestId);
  if (ledger.requestIds.has(requestId)) return reply('94');
  ledger.requestIds.add(requestId);

  // VNPay finds the order by TxnRef and the pay request's create date.
  const order = ledger.orders.get(str(request.vnp_TxnRef));
  const transactionNo = str(request.vnp_TransactionNo);
  if (
    !order ||
    order.createDate !== str(request.vnp_TransactionDate) ||
    (transactionNo !== '' && transactionNo !== '0' && transactionNo !== order.transactionNo)
  ) {
    return reply('91');
  }
  return isRefund ? refund(config, ledger, order, request, reply) : querydr(order, reply);
}

function checkFormat(request: Json, isRefund: boolean): string | null {
  if (!/^[A-Za-z0-9]{1,32}$/.test(str(request.vnp_RequestId)))
    return 'vnp_RequestId must be Alphanumeric[1,32]';
  if (str(request.vnp_Version) !== '2.1.0') return 'vnp_Version must be 2.1.0';
  for (const f of ['vnp_TransactionDate', 'vnp_CreateDate']) {
    if (!fromVnTime(str(request[f]))) return `${f} must be yyyyMMddHHmmss`;
  }
  for (const f of ['vnp_TxnRef', 'vnp_IpAddr', 'vnp_OrderInfo'])
    if (!str(request[f])) return `${f} is missing`;
  if (!isRefund) return null;
  if (!['02', '03'].includes(str(request.vnp_TransactionType))) return 'vnp_TransactionType must be 02 or 03';
  if (!/^[1-9]\d{0,11}$/.test(str(request.vnp_Amount))) return 'vnp_Amount must be Numeric[1,12]';
  if (!str(request.vnp_CreateBy)) return 'vnp_CreateBy is missing';
  return null;
}

/**
 * An order's querydr answer: the payment itself (type 01), or, once it has refunds, the latest refund
 * (type 02/03, its amount, number, date and status: §1.6 lists 05/06 as querydr statuses).
 * Simulator choice: VNPay does not document which record it reports when an order has several.
 */
function querydr(order: SimOrder, reply: (code: string, fields: Json) => Json): Json {
  const latest = order.refunds.at(-1);
  if (latest) {
    return reply('00', {
      vnp_Amount: latest.amount.toString(),
      vnp_OrderInfo: order.orderInfo,
      vnp_BankCode: 'NCB',
      vnp_PayDate: vnTime(latest.at),
      vnp_TransactionNo: latest.transactionNo,
      vnp_TransactionType: latest.type,
      vnp_TransactionStatus: latest.status,
      vnp_PromotionCode: '',
      vnp_PromotionAmount: '',
    });
  }
  return reply('00', {
    vnp_Amount: order.amount.toString(),
    vnp_OrderInfo: order.orderInfo,
    vnp_BankCode: order.state === 'open' ? '' : 'NCB',
    vnp_PayDate: order.payDate ? vnTime(order.payDate) : '',
    vnp_TransactionNo: order.transactionNo ?? '',
    vnp_TransactionType: '01',
    vnp_TransactionStatus: order.transactionStatus ?? '01',
    vnp_PromotionCode: '',
    vnp_PromotionAmount: '',
  });
}

function refund(
  config: ApiConfig,
  ledger: Ledger,
  order: SimOrder,
  request: Json,
  reply: (code: string, fields?: Json, message?: string) => Json,
): Json {
  if (order.state !== 'paid') return reply('95');
  const amount = BigInt(str(request.vnp_Amount));
  const type = str(request.vnp_TransactionType) as '02' | '03';
  const remaining = order.amount - ledger.refunded(order);
  // Simulator choice: VNPay's code for an excess refund is not documented; 99 "other error".
  if (amount > remaining) return reply('99', {}, 'Refund amount exceeds the remaining amount');
  if (amount % 100n !== 0n) return reply('03', {}, 'vnp_Amount must be whole đồng × 100');
  if (type === '02' && amount !== order.amount)
    return reply('03', {}, 'A full refund (02) must refund the whole amount');
  const status = config.refundStatus();
  const transactionNo = ledger.transactionNo();
  const at = config.now();
  if (status !== '09') order.refunds.push({ transactionNo, amount, type, at, status });
  return reply('00', {
    vnp_Amount: amount.toString(),
    vnp_BankCode: 'NCB',
    vnp_PayDate: vnTime(at),
    vnp_TransactionNo: transactionNo,
    vnp_TransactionType: type,
    vnp_TransactionStatus: status,
    vnp_OrderInfo: str(request.vnp_OrderInfo),
  });
}
