import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The simulator's own MoMo signatures, written out from PROVIDERS.md §2 as literal templates and
 * deliberately not shared with adapters/momo: a bug copied into both sides would pass unnoticed.
 */
type Scalar = string | number;

export function hmac(secretKey: string, raw: string): string {
  return createHmac('sha256', secretKey).update(raw, 'utf8').digest('hex');
}

export function createRaw(accessKey: string, b: Record<string, Scalar | undefined>): string {
  return (
    `accessKey=${accessKey}&amount=${b.amount}&extraData=${b.extraData}&ipnUrl=${b.ipnUrl}` +
    `&orderId=${b.orderId}&orderInfo=${b.orderInfo}&partnerCode=${b.partnerCode}` +
    `&redirectUrl=${b.redirectUrl}&requestId=${b.requestId}&requestType=${b.requestType}`
  );
}

export function callbackRaw(accessKey: string, b: Record<string, Scalar | undefined>): string {
  return (
    `accessKey=${accessKey}&amount=${b.amount}&extraData=${b.extraData}&message=${b.message}` +
    `&orderId=${b.orderId}&orderInfo=${b.orderInfo}&orderType=${b.orderType}&partnerCode=${b.partnerCode}` +
    `&payType=${b.payType}&requestId=${b.requestId}&responseTime=${b.responseTime}` +
    `&resultCode=${b.resultCode}&transId=${b.transId}`
  );
}

export function queryRaw(accessKey: string, b: Record<string, Scalar | undefined>): string {
  return `accessKey=${accessKey}&orderId=${b.orderId}&partnerCode=${b.partnerCode}&requestId=${b.requestId}`;
}

export function refundRaw(accessKey: string, b: Record<string, Scalar | undefined>): string {
  return (
    `accessKey=${accessKey}&amount=${b.amount}&description=${b.description}&orderId=${b.orderId}` +
    `&partnerCode=${b.partnerCode}&requestId=${b.requestId}&transId=${b.transId}`
  );
}

export function sameSignature(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}
