import type {
  HttpReply,
  NotificationVerdict,
  ProviderAdapter,
  ProviderOutcome,
  RefundOutcome,
} from '../types.ts';
import { callbackOutcome, readCallback } from './callback.ts';
import {
  checkAnswerSource,
  credentialsOf,
  isRequestError,
  MAX_AMOUNT,
  MIN_AMOUNT,
  MomoError,
  newRequestId,
  ORDER_ID,
  ORDER_ID_MAX,
  paymentStatus,
  postJson,
  resultMessage,
  text,
  toMomoAmount,
} from './protocol.ts';
import { parseSettlement } from './settlement.ts';
import { CREATE_KEYS, QUERY_KEYS, REFUND_KEYS, sign } from './signature.ts';

export { MomoError } from './protocol.ts';

/** orderInfo is String(255) at MoMo; counted in code points so a Vietnamese letter is never split. */
function orderInfoOf(description: string, fallback: string): string {
  const info = Array.from(description.trim()).slice(0, 255).join('');
  return info || fallback;
}

/**
 * MoMo's orderExpireTime is in whole minutes from now; rounded down so MoMo stops taking money
 * before the payment expires (for a fine or tax, before midnight changes the amount).
 */
function expiryMinutes(now: Date, expiresAt: Date): number {
  const minutes = Math.floor((expiresAt.getTime() - now.getTime()) / 60_000);
  if (minutes < 1) throw new MomoError('expired', 'Less than a minute left before the payment expires');
  return minutes;
}

function checkOrderId(orderId: string): string {
  if (orderId.length > ORDER_ID_MAX || !ORDER_ID.test(orderId)) {
    throw new MomoError('order_id', `"${orderId}" is not a valid MoMo orderId`);
  }
  return orderId;
}

/**
 * MoMo needs only a 2xx: it retries the IPN on anything else. Accepted and already-processed
 * notifications get 204 so retries stop; an unverified or mismatched one gets a non-2xx so it
 * is never acknowledged and stays visible (and retried) on MoMo's side until someone looks.
 */
const REPLY_STATUS: Record<NotificationVerdict, number> = {
  accepted: 204,
  already_processed: 204,
  invalid_signature: 400,
  amount_mismatch: 400,
  not_found: 404,
  error: 500,
};

export const momoAdapter: ProviderAdapter<Record<string, unknown>> = {
  name: 'momo',
  displayName: { vi: 'Ví MoMo', en: 'MoMo e-wallet' },
  limits: { minAmount: String(MIN_AMOUNT), maxAmount: String(MAX_AMOUNT) },
  capabilities: { refund: true, partialRefund: true, queryStatus: true },
  credentialNames: ['partner_code', 'access_key', 'secret_key', 'endpoint'],
  requiredCredentials: ['partner_code', 'access_key', 'secret_key'],

  async createCheckout(ctx, request) {
    const creds = credentialsOf(ctx);
    const fields = {
      accessKey: creds.accessKey,
      amount: toMomoAmount(request.amount, MIN_AMOUNT, MAX_AMOUNT),
      extraData: '',
      ipnUrl: request.notifyUrl,
      orderId: checkOrderId(request.attemptId),
      orderInfo: orderInfoOf(request.description, request.attemptId),
      partnerCode: creds.partnerCode,
      redirectUrl: request.returnUrl,
      requestId: newRequestId(ctx),
      requestType: 'captureWallet',
    };
    const { accessKey: _accessKey, ...body } = fields;
    const reply = await postJson(`${creds.endpoint}/create`, {
      ...body,
      orderExpireTime: expiryMinutes(ctx.now(), request.expiresAt),
      lang: request.language,
      signature: sign(creds.secretKey, CREATE_KEYS, fields),
    });
    const code = text(reply.resultCode)!;
    if (code !== '0') {
      throw new MomoError(
        code,
        `MoMo refused the payment (resultCode ${code}): ${resultMessage(code, reply.message)}`,
      );
    }
    if (
      text(reply.orderId) !== fields.orderId ||
      typeof reply.payUrl !== 'string' ||
      !/^https?:\/\//.test(reply.payUrl)
    ) {
      throw new MomoError(
        'bad_response',
        'MoMo accepted the payment but its answer lacks our orderId or a payUrl',
      );
    }
    return { kind: 'redirect', url: reply.payUrl, providerReference: fields.orderId };
  },

  readCallback,

  verifyReturn(ctx, callback) {
    return callbackOutcome(credentialsOf(ctx), callback.fields);
  },

  verifyNotification(ctx, callback) {
    return callbackOutcome(credentialsOf(ctx), callback.fields);
  },

  notificationReply(verdict): HttpReply {
    const status = REPLY_STATUS[verdict];
    if (status === 204) return { status };
    return {
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: verdict }),
    };
  },

  /**
   * MoMo documents no signature on query answers, so none can be checked: the answer must come
   * over TLS from the endpoint and echo our partnerCode, requestId, orderId and amount. A refusal of the query itself (13, 40, 99…) says
   * nothing about the payment, so it throws and the attempt stays as it is.
   */
  async queryStatus(ctx, request): Promise<ProviderOutcome> {
    const creds = credentialsOf(ctx);
    const fields = {
      accessKey: creds.accessKey,
      orderId: checkOrderId(request.attemptId),
      partnerCode: creds.partnerCode,
      requestId: newRequestId(ctx),
    };
    const { accessKey: _accessKey, ...body } = fields;
    const reply = await postJson(`${creds.endpoint}/query`, {
      ...body,
      lang: 'vi',
      signature: sign(creds.secretKey, QUERY_KEYS, fields),
    });
    const code = text(reply.resultCode)!;
    if (isRequestError(code)) {
      throw new MomoError(
        code,
        `MoMo refused the query (resultCode ${code}): ${resultMessage(code, reply.message)}`,
      );
    }
    checkAnswerSource(ctx, creds, reply, fields.requestId);
    if (text(reply.orderId) !== fields.orderId) {
      throw new MomoError('bad_response', 'MoMo answered the query about another order');
    }
    if (text(reply.amount) !== request.amount) {
      throw new MomoError(
        'amount_mismatch',
        `MoMo reports ${text(reply.amount)} đồng, the attempt is ${request.amount}`,
      );
    }
    const status = paymentStatus(code);
    const transId = text(reply.transId);
    // responseTime is when MoMo answered this query; lastUpdated, when the transaction last
    // changed (its payment), which is what decides lateness. Older answers lack it.
    const responseTime = text(reply.lastUpdated) ?? text(reply.responseTime);
    return {
      attemptId: fields.orderId,
      status,
      amount: request.amount,
      providerTransactionId: transId && transId !== '0' ? transId : undefined,
      paidAt: status === 'succeeded' && responseTime ? new Date(Number(responseTime)) : undefined,
      failure: status === 'succeeded' ? undefined : { code, message: resultMessage(code, reply.message) },
      raw: reply,
    };
  },

  async refund(ctx, request): Promise<RefundOutcome> {
    const creds = credentialsOf(ctx);
    const transId = request.providerTransactionId ?? '';
    // transId is a JSON Long at MoMo: digits only, exact as a number.
    if (!/^[1-9]\d*$/.test(transId) || !Number.isSafeInteger(Number(transId))) {
      return {
        status: 'failed',
        failure: { code: 'no_trans_id', message: 'MoMo refunds need the payment transId.' },
        raw: {},
      };
    }
    const fields = {
      accessKey: creds.accessKey,
      amount: toMomoAmount(request.amount),
      description: Array.from(request.reason.trim()).slice(0, 255).join(''),
      // MoMo wants a fresh orderId per refund: the hub's refund id is unique and fits the regex.
      orderId: checkOrderId(request.refundId),
      partnerCode: creds.partnerCode,
      requestId: newRequestId(ctx),
      transId,
    };
    const { accessKey: _accessKey, ...body } = fields;
    const reply = await postJson(`${creds.endpoint}/refund`, {
      ...body,
      transId: Number(transId),
      lang: 'vi',
      signature: sign(creds.secretKey, REFUND_KEYS, fields),
    });
    // Unsigned: neither a success nor a refusal is believed unless it is our endpoint's answer to us.
    checkAnswerSource(ctx, creds, reply, fields.requestId);
    const code = text(reply.resultCode)!;
    const failure = { code, message: resultMessage(code, reply.message) };
    if (code === '0') {
      if (text(reply.orderId) !== fields.orderId || text(reply.amount) !== String(fields.amount))
        throw new MomoError('bad_response', 'MoMo answered another refund');
      return { status: 'succeeded', providerRefundId: text(reply.transId), raw: reply };
    }
    // 41: MoMo already holds a refund with this orderId, so calling it failed could refund twice.
    if (['1000', '7000', '7002', '41'].includes(code)) return { status: 'pending', failure, raw: reply };
    return { status: 'failed', failure, raw: reply };
  },

  parseSettlement,
};
