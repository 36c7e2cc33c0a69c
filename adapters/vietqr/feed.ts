/**
 * Credit notifications pushed by the bank or a bank-feed service (SePay, Casso and the banks'
 * own APIs all push one JSON object per incoming transfer). PayHub's format, documented in
 * adapters/vietqr/README.md:
 *
 *   POST /bank-feed/vietqr
 *   X-Bank-Feed-Timestamp: 1767225600            (Unix seconds)
 *   X-Bank-Feed-Signature: sha256=<hex HMAC-SHA256(feed_secret, "<timestamp>.<raw body>")>
 *   {"account":"0011001932418","amount":150000,"memo":"PH7K3M9Q2X4AB","bank_reference":"FT26001…",
 *    "booked_at":"2026-01-01T09:15:00+07:00"}
 *
 * The timestamp is inside the signature and must be within 5 minutes of the hub's clock, so a
 * captured call cannot be replayed later; a replay within the window carries a bank_reference
 * already recorded, which the hub answers without changing anything.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BankCredit, Credentials, FeedRejection, InboundRequest } from '../types.ts';

export const FEED_TIMESTAMP_HEADER = 'x-bank-feed-timestamp';
export const FEED_SIGNATURE_HEADER = 'x-bank-feed-signature';
export const FEED_TOLERANCE_SECONDS = 300;

export function feedSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

function bodyOf(request: InboundRequest): Record<string, unknown> | null {
  if (!request.rawBody) return null;
  try {
    const parsed = JSON.parse(request.rawBody.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const ACCOUNT = /^[A-Za-z0-9]{1,34}$/;

export function feedAccountOf(request: InboundRequest): string | null {
  const account = bodyOf(request)?.account;
  return typeof account === 'string' && ACCOUNT.test(account) ? account : null;
}

type Verdict = { credit: BankCredit } | { rejected: FeedRejection; detail: string };

function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks the signature and the clock first, then the body: nothing unsigned is even read. */
export function verifyFeed(credentials: Credentials, request: InboundRequest, now: Date): Verdict {
  const secret = credentials.feed_secret;
  const timestamp = request.headers[FEED_TIMESTAMP_HEADER] ?? '';
  const signature = request.headers[FEED_SIGNATURE_HEADER] ?? '';
  if (!secret || !request.rawBody || !/^\d{1,12}$/.test(timestamp)) {
    return { rejected: 'invalid_signature', detail: 'The call is not signed.' };
  }
  if (!signatureMatches(feedSignature(secret, timestamp, request.rawBody), signature)) {
    return { rejected: 'invalid_signature', detail: 'The signature does not verify.' };
  }
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > FEED_TOLERANCE_SECONDS) {
    return {
      rejected: 'stale_timestamp',
      detail: `The timestamp is ${Math.round(skew)} s away from the hub's clock; at most ${FEED_TOLERANCE_SECONDS} s.`,
    };
  }
  const body = bodyOf(request);
  const invalid = (detail: string): Verdict => ({ rejected: 'invalid_body', detail });
  if (!body) return invalid('The body is not a JSON object.');
  const { account, amount, memo, bank_reference, booked_at, currency, payer_name } = body;
  if (typeof account !== 'string' || !ACCOUNT.test(account))
    return invalid('account: 1–34 letters or digits.');
  const digits =
    typeof amount === 'number' && Number.isSafeInteger(amount)
      ? String(amount)
      : typeof amount === 'string'
        ? amount
        : '';
  if (!/^[1-9]\d{0,14}$/.test(digits)) return invalid('amount: a positive whole number of đồng.');
  if (typeof memo !== 'string' || memo.length > 500)
    return invalid('memo: a string of at most 500 characters.');
  if (typeof bank_reference !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(bank_reference)) {
    return invalid('bank_reference: 1–64 printable characters without spaces.');
  }
  if (
    typeof booked_at !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(booked_at) ||
    Number.isNaN(new Date(booked_at).getTime())
  ) {
    return invalid('booked_at: an ISO 8601 date-time with its offset.');
  }
  if (currency !== undefined && currency !== 'VND') return invalid('currency: only VND.');
  return {
    credit: {
      accountNo: account,
      amount: digits,
      currency: 'VND',
      memo,
      bankReference: bank_reference,
      bookedAt: new Date(booked_at),
      ...(typeof payer_name === 'string' && payer_name ? { payerName: payer_name.slice(0, 200) } : {}),
      raw: body,
    },
  };
}

/** The call a bank feed pushes for a credit, signed with the agency's feed secret (test mode's played credit). */
export function testFeedCall(
  credentials: Credentials,
  credit: { amount: string; reference: string; bankReference: string; bookedAt: Date },
): InboundRequest | null {
  const secret = credentials.feed_secret;
  if (!secret || !credentials.account_no) return null;
  const rawBody = Buffer.from(
    JSON.stringify({
      account: credentials.account_no,
      amount: credit.amount,
      // As a payer's bank writes it: its own prefix, the reference, the payer's words.
      memo: `CT DEN:${credit.bankReference.slice(-6)} ${credit.reference} chuyen tien`,
      bank_reference: credit.bankReference,
      booked_at: credit.bookedAt.toISOString(),
    }),
  );
  const timestamp = String(Math.floor(credit.bookedAt.getTime() / 1000));
  return {
    method: 'POST',
    query: {},
    body: undefined,
    headers: {
      'content-type': 'application/json',
      [FEED_TIMESTAMP_HEADER]: timestamp,
      [FEED_SIGNATURE_HEADER]: feedSignature(secret, timestamp, rawBody),
    },
    rawBody,
  };
}
