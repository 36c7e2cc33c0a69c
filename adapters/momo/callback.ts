import type { InboundRequest, ProviderCallback, ProviderOutcome } from '../types.ts';
import {
  type MomoCredentials,
  ORDER_ID,
  ORDER_ID_MAX,
  paymentStatus,
  resultMessage,
  text,
} from './protocol.ts';
import { CALLBACK_KEYS, sign, signatureMatches } from './signature.ts';

/** The redirect arrives as a GET query, the IPN as a POST JSON body; both carry the same fields. */
function callbackSource(request: InboundRequest): Record<string, unknown> {
  const source = request.method === 'GET' ? request.query : request.body;
  return source && typeof source === 'object' ? (source as Record<string, unknown>) : {};
}

/** The callback's fields and the orderId they claim (read without trusting them), or null. */
export function readCallback(request: InboundRequest): ProviderCallback<Record<string, unknown>> | null {
  const fields = callbackSource(request);
  const orderId = text(fields.orderId);
  return orderId && orderId.length <= ORDER_ID_MAX && ORDER_ID.test(orderId)
    ? { attemptId: orderId, fields }
    : null;
}

/** Absent in some MoMo callbacks (payType for some methods, extraData when unset): signed as "". */
const OPTIONAL = new Set(['extraData', 'message', 'orderInfo', 'orderType', 'payType']);

/**
 * Verifies a redirect or IPN against the agency's own accessKey and secretKey; null unless the
 * signature, the partnerCode and the shape of every signed field check out.
 */
export function callbackOutcome(
  credentials: MomoCredentials,
  source: Record<string, unknown>,
): ProviderOutcome | null {
  const fields: Record<string, string> = { accessKey: credentials.accessKey };
  for (const key of CALLBACK_KEYS) {
    if (key === 'accessKey') continue;
    const value = source[key] === undefined && OPTIONAL.has(key) ? '' : text(source[key]);
    if (value === undefined) return null;
    fields[key] = value;
  }
  const expected = sign(
    credentials.secretKey,
    CALLBACK_KEYS,
    fields as Record<(typeof CALLBACK_KEYS)[number], string>,
  );
  if (!signatureMatches(expected, source.signature)) return null;
  if (fields.partnerCode !== credentials.partnerCode) return null;

  const { orderId, amount, resultCode, transId, responseTime } = fields as Record<string, string>;
  if (!orderId || !ORDER_ID.test(orderId)) return null;
  if (!/^\d+$/.test(amount!) || !/^-?\d+$/.test(resultCode!) || !/^\d+$/.test(responseTime!)) return null;

  const status = paymentStatus(resultCode!);
  return {
    attemptId: orderId,
    status,
    amount: amount!,
    providerTransactionId: transId && transId !== '0' ? transId : undefined,
    paidAt: status === 'succeeded' ? new Date(Number(responseTime)) : undefined,
    failure:
      status === 'succeeded'
        ? undefined
        : { code: resultCode!, message: resultMessage(resultCode!, fields.message) },
    raw: { ...source },
  };
}
