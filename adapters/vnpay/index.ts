import type { NotificationVerdict, ProviderAdapter, ProviderCallback, ProviderContext } from '../types.ts';
import { queryStatus, refund } from './api.ts';
import { callbackFields, callbackOutcome, configOf, payUrl, type VnpayConfig } from './protocol.ts';
import { parseSettlement } from './settlement.ts';

/** IPN replies of the official demo (PROVIDERS.md §1.4): always HTTP 200, the verdict in RspCode. */
const IPN_REPLIES: Record<NotificationVerdict, { RspCode: string; Message: string }> = {
  accepted: { RspCode: '00', Message: 'Confirm Success' },
  already_processed: { RspCode: '02', Message: 'Order already confirmed' },
  invalid_signature: { RspCode: '97', Message: 'Invalid signature' },
  not_found: { RspCode: '01', Message: 'Order not found' },
  amount_mismatch: { RspCode: '04', Message: 'Invalid amount' },
  // Sic: the demo's spelling, which VNPay's side may compare.
  error: { RspCode: '99', Message: 'Unknow error' },
};

/** Without credentials nothing can be verified, so nothing is believed. */
function outcomeOf(ctx: ProviderContext, callback: ProviderCallback<Record<string, string>>) {
  let config: VnpayConfig;
  try {
    config = configOf(ctx);
  } catch {
    return null;
  }
  return callbackOutcome(config, callback.fields);
}

export const vnpayAdapter: ProviderAdapter<Record<string, string>> = {
  name: 'vnpay',
  displayName: { vi: 'VNPAY (thẻ ATM, QR ngân hàng)', en: 'VNPAY (bank card, banking QR)' },
  // 5,000 to under 1 billion đồng: the range integrators report VNPay enforcing (not in the
  // official pages we found), so a conservative choice; vnp_Amount Numeric[1,12] alone allows more.
  limits: { minAmount: '5000', maxAmount: '999999999' },
  capabilities: { refund: true, partialRefund: true, queryStatus: true },
  credentialNames: ['tmn_code', 'hash_secret', 'pay_url', 'api_url'],
  requiredCredentials: ['tmn_code', 'hash_secret'],

  async createCheckout(ctx, request) {
    return { kind: 'redirect', url: payUrl(configOf(ctx), request), providerReference: request.attemptId };
  },

  readCallback(request) {
    const fields = callbackFields(request);
    const ref = fields.vnp_TxnRef;
    return ref && /^[A-Za-z0-9_-]{1,100}$/.test(ref) ? { attemptId: ref, fields } : null;
  },

  verifyReturn: outcomeOf,
  verifyNotification: outcomeOf,

  notificationReply(verdict) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(IPN_REPLIES[verdict]),
    };
  },

  queryStatus: (ctx, request) => queryStatus(configOf(ctx), ctx, request),
  refund: (ctx, request) => refund(configOf(ctx), ctx, request),
  parseSettlement,
};
