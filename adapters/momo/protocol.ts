import { randomBytes } from 'node:crypto';
import type { OutcomeStatus, ProviderContext } from '../types.ts';

export const TEST_ENDPOINT = 'https://test-payment.momo.vn/v2/gateway/api';
export const LIVE_ENDPOINT = 'https://payment.momo.vn/v2/gateway/api';

/** captureWallet limits (PROVIDERS.md 2.2). */
export const MIN_AMOUNT = 1_000;
export const MAX_AMOUNT = 50_000_000;

/** MoMo's orderId rule; PayHub's `att_01J…` and `re_01J…` ids satisfy it (one `_` between alphanumerics). */
export const ORDER_ID = /^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$/;
export const ORDER_ID_MAX = 50;

/** MoMo asks for a client timeout of at least 30 s (PROVIDERS.md 2.2). */
export const TIMEOUT_MS = 30_000;

export interface MomoCredentials {
  partnerCode: string;
  accessKey: string;
  secretKey: string;
  endpoint: string;
}

export function credentialsOf(ctx: ProviderContext): MomoCredentials {
  const {
    partner_code: partnerCode,
    access_key: accessKey,
    secret_key: secretKey,
    endpoint,
  } = ctx.credentials;
  if (!partnerCode || !accessKey || !secretKey) {
    throw new Error('MoMo needs partner_code, access_key and secret_key');
  }
  // Live keys never work on the test host, so a live agency without an endpoint goes to production.
  const base = endpoint || (ctx.mode === 'live' ? LIVE_ENDPOINT : TEST_ENDPOINT);
  return { partnerCode, accessKey, secretKey, endpoint: base.replace(/\/+$/, '') };
}

/** A refusal or unexpected answer from MoMo; `resultCode` is MoMo's own when it gave one. */
export class MomoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MomoError';
  }
}

/**
 * MoMo's `amount` is a JSON Long. PayHub amounts are decimal strings; only whole đồng within
 * `max` are converted, so the number is always exact (far below 2^53).
 */
export function toMomoAmount(amount: string, min = 1, max = MAX_AMOUNT): number {
  if (!/^[1-9]\d{0,8}$/.test(amount))
    throw new MomoError('amount', `MoMo needs a whole đồng amount, got "${amount}"`);
  const value = Number(amount);
  if (value < min || value > max) {
    throw new MomoError('amount', `MoMo accepts ${min}–${max} đồng, got ${amount}`);
  }
  return value;
}

/** requestId is MoMo's idempotency key (String(50)): clock for ordering, random for uniqueness. */
export function newRequestId(ctx: ProviderContext): string {
  return `${ctx.now().getTime()}${randomBytes(8).toString('hex')}`;
}

/** resultCode meanings (PROVIDERS.md 2.6, completed from MoMo's result code page). */
export const RESULT_MESSAGES: Readonly<Record<string, string>> = {
  '0': 'Successful.',
  '9000': 'Transaction authorized successfully.',
  '8000': 'Waiting for the user to confirm the payment again.',
  '7000': 'Transaction is being processed.',
  '7002': 'Transaction is being processed by the payment-method provider.',
  '1000': 'Transaction initiated, waiting for user confirmation.',
  '10': 'System is under maintenance.',
  '11': 'Access denied.',
  '12': 'Unsupported API version for this request.',
  '13': 'Merchant authentication failed (credentials or signature).',
  '20': 'Bad request format.',
  '21': 'Invalid transaction amount.',
  '22': 'Transaction amount out of range.',
  '40': 'Duplicated requestId.',
  '41': 'Duplicated orderId.',
  '42': 'Invalid orderId or orderId not found.',
  '43': 'An analogous transaction is being processed.',
  '99': 'Unknown error.',
  '1001': 'Insufficient funds.',
  '1002': 'Rejected by the issuer of the payment method.',
  '1003': 'Transaction cancelled.',
  '1004': 'Amount exceeds the payment limit.',
  '1005': 'Payment URL or QR code expired.',
  '1006': 'User denied to confirm the payment.',
  '1007': "User's account is inactive or does not exist.",
  '1080': 'Refund failed during processing.',
  '1081': 'Refund rejected: already refunded or above the refundable amount.',
  '1088': 'Refund rejected: the payment is not eligible for refund.',
};

export function resultMessage(code: string, fallback?: unknown): string {
  return (
    RESULT_MESSAGES[code] ?? (typeof fallback === 'string' && fallback ? fallback : `MoMo resultCode ${code}`)
  );
}

const PENDING = new Set(['1000', '7000', '7002', '8000']);

/** 9000 is "authorized"; PayHub never sends autoCapture=0, so MoMo captures it by itself. */
export function paymentStatus(code: string): OutcomeStatus {
  if (code === '0' || code === '9000') return 'succeeded';
  return PENDING.has(code) ? 'pending' : 'failed';
}

/** Codes below 1000 (other than 0) are about the request, not the payment: 13, 20, 40, 42, 99… */
export function isRequestError(code: string): boolean {
  return code !== '0' && Number(code) < 1000;
}

/** A JSON scalar as the text MoMo signed: JSON numbers (amount, transId…) in plain decimal. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** POSTs JSON to MoMo. MoMo answers refusals as JSON too (often HTTP 200), so the body decides. */
export async function postJson(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=UTF-8', accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
    // An answer is believed for where it came from (query and refund answers are unsigned), so a
    // redirect to another host is never followed.
    redirect: 'error',
  });
  const raw = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new MomoError(`http_${response.status}`, `MoMo answered HTTP ${response.status} without JSON`);
  }
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    text((parsed as Record<string, unknown>).resultCode) === undefined
  ) {
    throw new MomoError(
      `http_${response.status}`,
      `MoMo answered HTTP ${response.status} without a resultCode`,
    );
  }
  return parsed as Record<string, unknown>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * MoMo signs neither its query nor its refund answers (PROVIDERS.md §2.4–2.5; developers.momo.vn
 * "Check Transaction Status" lists no response signature), so per DESIGN.md "What may move money"
 * such an answer counts only when it came over TLS from the configured endpoint and names our
 * merchant and our request. Plain HTTP is accepted only for a loopback endpoint with test keys
 * (the simulator). Anything else throws: the answer says nothing, the caller asks again later.
 */
export function checkAnswerSource(
  ctx: ProviderContext,
  creds: MomoCredentials,
  reply: Record<string, unknown>,
  requestId: string,
): void {
  const url = new URL(creds.endpoint);
  const tls = url.protocol === 'https:';
  if (!tls && !(ctx.mode === 'test' && LOOPBACK.has(url.hostname))) {
    throw new MomoError('unverified_answer', `MoMo answer not over TLS (${url.origin}): not believed`);
  }
  if (text(reply.partnerCode) !== creds.partnerCode || text(reply.requestId) !== requestId) {
    throw new MomoError('unverified_answer', 'MoMo answer names another merchant or request: not believed');
  }
}
