import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The simulator's own VNPay signing, written apart from adapters/vnpay/signature.ts on purpose:
 * a byte-by-byte copy of PHP `urlencode` (VNPay's demo) instead of patching encodeURIComponent,
 * so a slip in either implementation shows up as "Sai chữ ký" in the tests.
 */

const UNRESERVED = new Set('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.'.split(''));

/** PHP urlencode: alphanumerics and `-_.` stay, space → `+`, every other UTF-8 byte → `%XX`. */
export function phpUrlencode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (UNRESERVED.has(ch)) out += ch;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** ksort: keys compared as bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The hashed string of the pay URL, Return URL and IPN: PROVIDERS.md §1.3 steps 1–3. */
export function queryHashData(
  params: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): string {
  const entries = params instanceof Map ? [...params.entries()] : Object.entries(params);
  const kept = entries.filter(
    ([k, v]) =>
      k.slice(0, 4) === 'vnp_' && v.length > 0 && k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType',
  );
  kept.sort(([a], [b]) => byteOrder(a, b));
  const parts: string[] = [];
  for (const [k, v] of kept) parts.push(`${phpUrlencode(k)}=${phpUrlencode(v)}`);
  return parts.join('&');
}

export function hmac512(secret: string, data: string): string {
  return createHmac('sha512', secret).update(data, 'utf8').digest('hex');
}

export function hashMatches(expectedHex: string, given: string | undefined): boolean {
  if (!given || !/^[0-9a-f]{128}$/i.test(given)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}

/** A signed query string, vnp_SecureHash last (what VNPay appends to the merchant's return URL). */
export function signQuery(secret: string, params: Readonly<Record<string, string>>): string {
  const data = queryHashData(params);
  return `${data}&vnp_SecureHash=${hmac512(secret, data)}`;
}

export const QUERYDR_IN =
  'vnp_RequestId vnp_Version vnp_Command vnp_TmnCode vnp_TxnRef vnp_TransactionDate vnp_CreateDate vnp_IpAddr vnp_OrderInfo'.split(
    ' ',
  );
export const REFUND_IN =
  'vnp_RequestId vnp_Version vnp_Command vnp_TmnCode vnp_TransactionType vnp_TxnRef vnp_Amount vnp_TransactionNo vnp_TransactionDate vnp_CreateBy vnp_CreateDate vnp_IpAddr vnp_OrderInfo'.split(
    ' ',
  );
export const REFUND_OUT =
  'vnp_ResponseId vnp_Command vnp_ResponseCode vnp_Message vnp_TmnCode vnp_TxnRef vnp_Amount vnp_BankCode vnp_PayDate vnp_TransactionNo vnp_TransactionType vnp_TransactionStatus vnp_OrderInfo'.split(
    ' ',
  );
export const QUERYDR_OUT = `${REFUND_OUT.join(' ')} vnp_PromotionCode vnp_PromotionAmount`.split(' ');

/** The API checksum: raw values in the listed order, `|` between them, missing ones empty. */
export function pipeHash(
  secret: string,
  order: readonly string[],
  body: Readonly<Record<string, unknown>>,
): string {
  let data = '';
  order.forEach((field, i) => {
    const v = body[field];
    data += (i > 0 ? '|' : '') + (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  });
  return hmac512(secret, data);
}

/** yyyyMMddHHmmss in Vietnam's time zone, through ICU rather than offset arithmetic. */
export function vnTime(date: Date): string {
  return date.toLocaleString('sv-SE', { timeZone: 'Asia/Ho_Chi_Minh', hour12: false }).replace(/\D/g, '');
}

export function fromVnTime(value: string): Date | null {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(value);
  if (!m) return null;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+07:00`);
  return Number.isNaN(date.getTime()) || vnTime(date) !== value ? null : date;
}
