import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * VNPay 2.1.0 signing (PROVIDERS.md §1.3, §1.7, §1.8). Two procedures:
 * - pay URL, Return URL and IPN: HMAC-SHA512 over the sorted, form-encoded `vnp_*` query;
 * - querydr and refund (JSON): HMAC-SHA512 over raw values joined with `|`, in a fixed order.
 */

/**
 * Form encoding as PHP `urlencode` does (VNPay's demos): space → `+`, and `!'()*~`, which
 * `encodeURIComponent` leaves alone, percent-encoded. Java's URLEncoder agrees except for `*`.
 */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The parameters that are signed: every non-empty `vnp_*` except the hash itself. */
export function signedKeys(params: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(params)
    .filter((k) => k.startsWith('vnp_') && k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType')
    .filter((k) => params[k] !== undefined && params[k] !== '')
    .sort();
}

/** The string that is hashed; VNPay uses the very same string as the query string. */
export function hashData(params: Readonly<Record<string, string | undefined>>): string {
  return signedKeys(params)
    .map((k) => `${formEncode(k)}=${formEncode(params[k] as string)}`)
    .join('&');
}

export function hmacSha512(secret: string, data: string): string {
  return createHmac('sha512', Buffer.from(secret, 'utf8')).update(Buffer.from(data, 'utf8')).digest('hex');
}

/** The query string with vnp_SecureHash appended last, as VNPay expects. */
export function signedQuery(secret: string, params: Readonly<Record<string, string | undefined>>): string {
  const data = hashData(params);
  return `${data}&vnp_SecureHash=${hmacSha512(secret, data)}`;
}

/** Constant-time comparison of two hex digests, case-insensitive (VNPay sends upper or lower). */
export function sameHex(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length || !/^[0-9a-fA-F]+$/.test(given)) {
    return false;
  }
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
}

/** Checks vnp_SecureHash of a Return URL or IPN call. */
export function verifyParams(secret: string, params: Readonly<Record<string, string | undefined>>): boolean {
  try {
    return sameHex(hmacSha512(secret, hashData(params)), params.vnp_SecureHash);
  } catch {
    // encodeURIComponent throws on a lone surrogate: such input was not signed by VNPay.
    return false;
  }
}

export const QUERYDR_REQUEST_FIELDS = [
  'vnp_RequestId',
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_TransactionDate',
  'vnp_CreateDate',
  'vnp_IpAddr',
  'vnp_OrderInfo',
] as const;

export const REFUND_REQUEST_FIELDS = [
  'vnp_RequestId',
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_TransactionType',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_TransactionNo',
  'vnp_TransactionDate',
  'vnp_CreateBy',
  'vnp_CreateDate',
  'vnp_IpAddr',
  'vnp_OrderInfo',
] as const;

export const REFUND_RESPONSE_FIELDS = [
  'vnp_ResponseId',
  'vnp_Command',
  'vnp_ResponseCode',
  'vnp_Message',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_BankCode',
  'vnp_PayDate',
  'vnp_TransactionNo',
  'vnp_TransactionType',
  'vnp_TransactionStatus',
  'vnp_OrderInfo',
] as const;

/** querydr's response checksum is the refund one plus the promotion fields. */
export const QUERYDR_RESPONSE_FIELDS = [
  ...REFUND_RESPONSE_FIELDS,
  'vnp_PromotionCode',
  'vnp_PromotionAmount',
] as const;

/** Raw values in the given order joined with `|`; an absent field counts as empty, as in the SDK. */
export function pipeData(fields: readonly string[], body: Readonly<Record<string, unknown>>): string {
  return fields
    .map((f) => {
      const v = body[f];
      return v === undefined || v === null ? '' : String(v);
    })
    .join('|');
}

export function pipeChecksum(
  secret: string,
  fields: readonly string[],
  body: Readonly<Record<string, unknown>>,
): string {
  return hmacSha512(secret, pipeData(fields, body));
}

export function verifyPipeChecksum(
  secret: string,
  fields: readonly string[],
  body: Readonly<Record<string, unknown>>,
): boolean {
  return sameHex(pipeChecksum(secret, fields, body), body.vnp_SecureHash);
}
