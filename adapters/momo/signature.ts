import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * MoMo v2 signs a fixed list of fields per message, joined as `key=value&…` with keys a–z and
 * values raw (not URL-encoded), HMAC-SHA256 with the secretKey, lowercase hex. accessKey is in
 * every raw string but never in the body: each side uses its own copy (PROVIDERS.md 2.2–2.5).
 */
export const CREATE_KEYS = [
  'accessKey',
  'amount',
  'extraData',
  'ipnUrl',
  'orderId',
  'orderInfo',
  'partnerCode',
  'redirectUrl',
  'requestId',
  'requestType',
] as const;

/** The IPN and the browser redirect carry the same fields and the same signature. */
export const CALLBACK_KEYS = [
  'accessKey',
  'amount',
  'extraData',
  'message',
  'orderId',
  'orderInfo',
  'orderType',
  'partnerCode',
  'payType',
  'requestId',
  'responseTime',
  'resultCode',
  'transId',
] as const;

export const QUERY_KEYS = ['accessKey', 'orderId', 'partnerCode', 'requestId'] as const;

export const REFUND_KEYS = [
  'accessKey',
  'amount',
  'description',
  'orderId',
  'partnerCode',
  'requestId',
  'transId',
] as const;

export type SignedFields<K extends readonly string[]> = Record<K[number], string | number>;

/** The documented raw string: the keys in the listed (a–z) order, values as they are. */
export function rawString<K extends readonly string[]>(keys: K, fields: SignedFields<K>): string {
  return keys.map((key) => `${key}=${fields[key as K[number]]}`).join('&');
}

export function hmacHex(secretKey: string, raw: string): string {
  return createHmac('sha256', secretKey).update(raw, 'utf8').digest('hex');
}

export function sign<K extends readonly string[]>(
  secretKey: string,
  keys: K,
  fields: SignedFields<K>,
): string {
  return hmacHex(secretKey, rawString(keys, fields));
}

/** Constant-time comparison; anything that is not 64 hex digits is refused before comparing. */
export function signatureMatches(expectedHex: string, given: unknown): boolean {
  if (typeof given !== 'string' || !/^[0-9a-fA-F]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}
