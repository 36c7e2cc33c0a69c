import { Decimal } from 'decimal.js';
import type { CheckoutRequest, InboundRequest, ProviderContext, ProviderOutcome } from '../types.ts';
import { meaningOf, PAY_RESPONSE_CODES, TRANSACTION_STATUSES } from './codes.ts';
import { formatVnDate, parseVnDate } from './dates.ts';
import { signedQuery, verifyParams } from './signature.ts';

export const VNP_VERSION = '2.1.0';
export const DEFAULT_PAY_URL = 'https://sandbox.vnpayment.vn/paymentv2/vpcpay.html';
export const DEFAULT_API_URL = 'https://sandbox.vnpayment.vn/merchant_webapi/api/transaction';

export interface VnpayConfig {
  tmnCode: string;
  hashSecret: string;
  payUrl: string;
  apiUrl: string;
}

export function configOf(ctx: ProviderContext): VnpayConfig {
  const { tmn_code: tmnCode, hash_secret: hashSecret, pay_url: payUrl, api_url: apiUrl } = ctx.credentials;
  if (!tmnCode || !hashSecret) throw new Error('vnpay needs the tmn_code and hash_secret credentials');
  return { tmnCode, hashSecret, payUrl: payUrl || DEFAULT_PAY_URL, apiUrl: apiUrl || DEFAULT_API_URL };
}

/** vnp_Amount carries đồng × 100 (§1.2); done in decimal so no amount passes through a float. */
export function toVnpAmount(dong: string): string {
  if (!/^\d+$/.test(dong)) throw new Error(`not a whole đồng amount: ${dong}`);
  return new Decimal(dong).times(100).toFixed(0);
}

/** đồng from vnp_Amount, or null when it is not a whole number of đồng. */
export function fromVnpAmount(value: unknown): string | null {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+$/.test(text)) return null;
  const dong = new Decimal(text).dividedBy(100);
  return dong.isInteger() ? dong.toFixed(0) : null;
}

/**
 * vnp_OrderInfo must be "Vietnamese without diacritics, no special characters" (§1.2). We keep
 * letters, digits, spaces and `.,:-` (the official sample carries `:`); brackets and quotes are
 * dropped, anything else becomes a space.
 */
export function toOrderInfo(text: string, fallback = 'Thanh toan'): string {
  const plain = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[()[\]{}<>"'`]/g, '')
    .replace(/[^A-Za-z0-9 .,:-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 255)
    .trim();
  return plain || fallback;
}

/** VNPay wants an IPv4 text; Node reports IPv4 clients on a dual stack as `::ffff:a.b.c.d`. */
export function ipOf(clientIp: string): string {
  const ip = clientIp.replace(/^::ffff:/i, '').trim();
  return ip || '127.0.0.1';
}

export function payParams(config: VnpayConfig, request: CheckoutRequest): Record<string, string> {
  return {
    vnp_Version: VNP_VERSION,
    vnp_Command: 'pay',
    vnp_TmnCode: config.tmnCode,
    vnp_Amount: toVnpAmount(request.amount),
    vnp_CreateDate: formatVnDate(request.createdAt),
    vnp_ExpireDate: formatVnDate(request.expiresAt),
    vnp_CurrCode: 'VND',
    vnp_IpAddr: ipOf(request.clientIp),
    vnp_Locale: request.language === 'en' ? 'en' : 'vn',
    vnp_OrderInfo: toOrderInfo(request.description, `Thanh toan ${request.attemptId}`),
    vnp_OrderType: 'other',
    vnp_ReturnUrl: request.returnUrl,
    vnp_TxnRef: request.attemptId,
  };
}

export function payUrl(config: VnpayConfig, request: CheckoutRequest): string {
  return `${config.payUrl}?${signedQuery(config.hashSecret, payParams(config, request))}`;
}

/** The string fields of a callback: the IPN is a GET like the return (§1.4); a POST body is tolerated. */
export function callbackFields(request: InboundRequest): Record<string, string> {
  const body = request.body;
  const source =
    request.method.toUpperCase() !== 'GET' && body && typeof body === 'object' && 'vnp_TxnRef' in body
      ? (body as Record<string, unknown>)
      : request.query;
  return Object.fromEntries(
    Object.entries(source ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** Return URL and IPN alike: null unless the hash verifies, the terminal is ours and the amount whole. */
export function callbackOutcome(config: VnpayConfig, fields: Record<string, string>): ProviderOutcome | null {
  if (!verifyParams(config.hashSecret, fields)) return null;
  if (fields.vnp_TmnCode !== config.tmnCode) return null;
  const attemptId = fields.vnp_TxnRef;
  const amount = fromVnpAmount(fields.vnp_Amount);
  if (!attemptId || amount === null) return null;
  const code = fields.vnp_ResponseCode ?? '';
  const status = fields.vnp_TransactionStatus ?? '';
  const base = {
    attemptId,
    amount,
    providerTransactionId: fields.vnp_TransactionNo || undefined,
    raw: fields,
  };
  // Paid only when both say 00, as in the official IPN demo (§1.4).
  if (code === '00' && status === '00') {
    return { ...base, status: 'succeeded', paidAt: parseVnDate(fields.vnp_PayDate) ?? undefined };
  }
  if (code !== '00')
    return { ...base, status: 'failed', failure: { code, message: meaningOf(PAY_RESPONSE_CODES, code) } };
  // 00 with no transaction status says nothing final: unknown outcomes are never guessed.
  if (!status)
    return { ...base, status: 'pending', failure: { code, message: 'VNPay sent no transaction status.' } };
  return {
    ...base,
    status: 'failed',
    failure: { code: status, message: meaningOf(TRANSACTION_STATUSES, status) },
  };
}
