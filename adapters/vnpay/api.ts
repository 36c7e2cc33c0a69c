import { randomBytes } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type {
  ProviderContext,
  ProviderOutcome,
  QueryRequest,
  RefundOutcome,
  RefundRequest,
} from '../types.ts';
import { API_RESPONSE_CODES, meaningOf, TRANSACTION_STATUSES } from './codes.ts';
import { formatVnDate, parseVnDate } from './dates.ts';
import { fromVnpAmount, ipOf, toOrderInfo, toVnpAmount, VNP_VERSION, type VnpayConfig } from './protocol.ts';
import {
  pipeChecksum,
  QUERYDR_REQUEST_FIELDS,
  QUERYDR_RESPONSE_FIELDS,
  REFUND_REQUEST_FIELDS,
  REFUND_RESPONSE_FIELDS,
  verifyPipeChecksum,
} from './signature.ts';

/** querydr and refund (§1.7, §1.8): JSON POSTs to api_url with pipe-joined checksums both ways. */

const TIMEOUT_MS = 30_000;

type Body = Record<string, unknown>;

/** Alphanumeric[1,32], unique within the day: 128 random bits. */
function requestId(): string {
  return randomBytes(16).toString('hex');
}

async function post(url: string, body: Body): Promise<Body> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`VNPay ${body.vnp_Command} answered HTTP ${response.status}`);
  const json: unknown = await response.json();
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`VNPay ${body.vnp_Command} answered something other than a JSON object`);
  }
  return json as Body;
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** An answer that cannot be verified: it says nothing, so the caller asks again later. */
export class UnverifiedAnswer extends Error {
  override name = 'UnverifiedAnswer';
}

/**
 * Every querydr and refund answer carries vnp_SecureHash over its pipe-joined fields
 * (PROVIDERS.md §1.7, §1.8): one that is missing or does not verify is not VNPay's word, whatever
 * its code, so it neither succeeds nor fails anything. A verified 00 must name our terminal and order.
 */
function checkResponse(config: VnpayConfig, fields: readonly string[], body: Body, txnRef: string): string {
  const code = text(body.vnp_ResponseCode);
  if (!verifyPipeChecksum(config.hashSecret, fields, body)) {
    throw new UnverifiedAnswer(
      `VNPay ${text(body.vnp_Command) || 'response'} answer without a valid checksum (code ${code || 'none'})`,
    );
  }
  if (code === '00' && (text(body.vnp_TmnCode) !== config.tmnCode || text(body.vnp_TxnRef) !== txnRef)) {
    throw new UnverifiedAnswer('VNPay answered about another terminal or order');
  }
  return code;
}

/** What querydr needs to find an order: VNPay finds it by TxnRef and the pay request's vnp_CreateDate. */
interface OrderRef {
  attemptId: string;
  attemptCreatedAt: Date;
  providerTransactionId?: string;
  clientIp: string;
}

/** One verified querydr round trip: the answer's vnp_ResponseCode and the answer. */
async function querydr(config: VnpayConfig, ctx: ProviderContext, order: OrderRef) {
  const body: Body = {
    vnp_RequestId: requestId(),
    vnp_Version: VNP_VERSION,
    vnp_Command: 'querydr',
    vnp_TmnCode: config.tmnCode,
    vnp_TxnRef: order.attemptId,
    vnp_OrderInfo: toOrderInfo(`Truy van giao dich ${order.attemptId}`),
    ...(order.providerTransactionId ? { vnp_TransactionNo: order.providerTransactionId } : {}),
    vnp_TransactionDate: formatVnDate(order.attemptCreatedAt),
    vnp_CreateDate: formatVnDate(ctx.now()),
    vnp_IpAddr: ipOf(order.clientIp),
  };
  body.vnp_SecureHash = pipeChecksum(config.hashSecret, QUERYDR_REQUEST_FIELDS, body);
  const reply = await post(config.apiUrl, body);
  return { code: checkResponse(config, QUERYDR_RESPONSE_FIELDS, reply, order.attemptId), reply };
}

/** vnp_TransactionType of a refund record: 02 full, 03 partial (§1.8); 01 is the payment itself. */
const REFUND_TYPES = ['02', '03'];

export async function queryStatus(
  config: VnpayConfig,
  ctx: ProviderContext,
  request: QueryRequest,
): Promise<ProviderOutcome> {
  const { code, reply } = await querydr(config, ctx, request);
  const base = { attemptId: request.attemptId, amount: request.amount, raw: reply };
  // 91: VNPay has no such order (the citizen never reached it). Only the caller knows whether the
  // attempt has expired, so it stays pending here and the caller decides after expiry.
  if (code === '91')
    return { ...base, status: 'pending', failure: { code, message: meaningOf(API_RESPONSE_CODES, code) } };
  if (code !== '00') throw new Error(`VNPay querydr refused: ${code} ${meaningOf(API_RESPONSE_CODES, code)}`);

  const status = text(reply.vnp_TransactionStatus);
  const failure = { code: status, message: meaningOf(TRANSACTION_STATUSES, status) };
  // An order with a refund on record was paid; its answer describes the refund, so it decides nothing here.
  if (REFUND_TYPES.includes(text(reply.vnp_TransactionType))) return { ...base, status: 'pending', failure };
  if (status === '00') {
    const amount = fromVnpAmount(reply.vnp_Amount);
    if (amount === null) throw new Error(`VNPay querydr reported a bad amount: ${text(reply.vnp_Amount)}`);
    return {
      ...base,
      status: 'succeeded',
      amount,
      providerTransactionId: text(reply.vnp_TransactionNo) || undefined,
      paidAt: parseVnDate(text(reply.vnp_PayDate)) ?? undefined,
    };
  }
  if (['02', '04', '07', '09'].includes(status)) {
    return { ...base, status: 'failed', amount: fromVnpAmount(reply.vnp_Amount) ?? request.amount, failure };
  }
  return { ...base, status: 'pending', failure };
}

/**
 * A refund's outcome from its status word (§1.6): 00 done, 09 rejected, 05/06 (or anything else)
 * still under way.
 */
function refundOutcome(status: string, providerRefundId: string | undefined, raw: Body): RefundOutcome {
  const failure = { code: status, message: meaningOf(TRANSACTION_STATUSES, status) };
  if (status === '00') return { status: 'succeeded', providerRefundId, raw };
  return { status: status === '09' ? 'failed' : 'pending', providerRefundId, failure, raw };
}

/** VNPay's dates have whole seconds and its clock is not ours: a record this close to the first send may be it. */
const CLOCK_SLACK_MS = 60_000;

/**
 * Before a refund is sent again, querydr (§1.7) says what VNPay holds: an order with a refund on
 * record answers with that refund's type (02/03), amount, number and status (§1.6: 05, 06 are refund
 * states). This refund's record settles it; no refund at all, or only one older than this refund's
 * first send, means it never arrived (null: send it); any other record cannot be told apart from
 * this one, so the refund stays pending rather than risk paying the citizen twice.
 */
async function refundOnRecord(
  config: VnpayConfig,
  ctx: ProviderContext,
  request: RefundRequest,
  previous: NonNullable<RefundRequest['previousTry']>,
): Promise<RefundOutcome | null> {
  const { code, reply } = await querydr(config, ctx, request);
  const unclear: RefundOutcome = {
    status: 'pending',
    providerRefundId: previous.providerRefundId ?? undefined,
    failure: { code: 'refund_unconfirmed', message: 'VNPay shows no record that is this refund yet.' },
    raw: reply,
  };
  if (code !== '00') return previous.providerRefundId ? unclear : null;
  const number = text(reply.vnp_TransactionNo);
  if (!REFUND_TYPES.includes(text(reply.vnp_TransactionType)))
    return previous.providerRefundId ? unclear : null;
  if (previous.providerRefundId) {
    return number === previous.providerRefundId
      ? refundOutcome(text(reply.vnp_TransactionStatus), number, reply)
      : unclear;
  }
  const recordedAt = parseVnDate(text(reply.vnp_PayDate));
  if (recordedAt && recordedAt.getTime() < previous.firstSentAt.getTime() - CLOCK_SLACK_MS) return null;
  const amount = fromVnpAmount(reply.vnp_Amount);
  const ours =
    amount !== null &&
    new Decimal(amount).eq(request.amount) &&
    !previous.otherProviderRefundIds.includes(number);
  return ours ? refundOutcome(text(reply.vnp_TransactionStatus), number || undefined, reply) : unclear;
}

export async function refund(
  config: VnpayConfig,
  ctx: ProviderContext,
  request: RefundRequest,
): Promise<RefundOutcome> {
  if (request.previousTry) {
    const known = await refundOnRecord(config, ctx, request, request.previousTry);
    if (known) return known;
  }
  const full = new Decimal(request.amount).eq(request.attemptAmount);
  const body: Body = {
    vnp_RequestId: requestId(),
    vnp_Version: VNP_VERSION,
    vnp_Command: 'refund',
    vnp_TmnCode: config.tmnCode,
    vnp_TransactionType: full ? '02' : '03',
    vnp_TxnRef: request.attemptId,
    vnp_Amount: toVnpAmount(request.amount),
    vnp_OrderInfo: toOrderInfo(`Hoan tien ${request.reason}`, `Hoan tien ${request.refundId}`),
    // The SDK sends "0" when the VNPay transaction number is unknown.
    vnp_TransactionNo: request.providerTransactionId || '0',
    vnp_TransactionDate: formatVnDate(request.attemptCreatedAt),
    vnp_CreateBy: request.requestedBy,
    vnp_CreateDate: formatVnDate(ctx.now()),
    vnp_IpAddr: ipOf(request.clientIp),
  };
  body.vnp_SecureHash = pipeChecksum(config.hashSecret, REFUND_REQUEST_FIELDS, body);
  const reply = await post(config.apiUrl, body);
  const code = checkResponse(config, REFUND_RESPONSE_FIELDS, reply, request.attemptId);
  // 94: a refund of this order is already being processed (§1.8): not a refusal, ask again later.
  if (code === '94') {
    return { status: 'pending', failure: { code, message: meaningOf(API_RESPONSE_CODES, code) }, raw: reply };
  }
  if (code !== '00') {
    return { status: 'failed', failure: { code, message: meaningOf(API_RESPONSE_CODES, code) }, raw: reply };
  }
  return refundOutcome(text(reply.vnp_TransactionStatus), text(reply.vnp_TransactionNo) || undefined, reply);
}
