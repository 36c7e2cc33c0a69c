/**
 * VietQR (NAPAS 247) bank transfer. The citizen scans a dynamic QR with any banking app and
 * transfers straight into the agency's collection account; there is no provider in between to
 * redirect to, notify us or refund. The checkout shows a page of the hub's own (QR, account,
 * amount, transfer reference), and the payment is confirmed from the bank's side: credit
 * notifications (bank feed) and ISO 20022 statements, matched on the transfer reference.
 */
import type {
  HttpReply,
  NotificationVerdict,
  ProviderAdapter,
  ProviderContext,
  SettlementLine,
} from '../types.ts';
import { bankByBin } from './banks.ts';
import { parseCamt } from './camt.ts';
import { feedAccountOf, testFeedCall, verifyFeed } from './feed.ts';
import { buildVietQr } from './payload.ts';
import { findTransferReferences, newTransferReference } from './reference.ts';

/** The page the checkout renders for a bank transfer (view "bank_transfer"). */
export interface BankTransferPage {
  qr_payload: string;
  bank_bin: string;
  bank_name: string;
  account_no: string;
  account_name: string;
  amount: string;
  transfer_reference: string;
}

function config(ctx: ProviderContext) {
  const { bank_bin: bin, account_no: accountNo, account_name: accountName } = ctx.credentials;
  if (!bin || !accountNo || !accountName) {
    throw new Error('vietqr needs bank_bin, account_no and account_name (payhub providers:configure)');
  }
  return { bin, accountNo, accountName };
}

function bankName(bin: string): string {
  const bank = bankByBin(bin);
  return bank ? `${bank.shortName} — ${bank.name}` : `NAPAS BIN ${bin}`;
}

const NO_CALLBACKS =
  'VietQR has no provider callbacks: transfers are confirmed by the bank feed and bank statements';

export const vietqrAdapter: ProviderAdapter = {
  name: 'vietqr',
  displayName: {
    vi: 'Chuyển khoản ngân hàng (VietQR, NAPAS 247)',
    en: 'Bank transfer (VietQR, NAPAS 247)',
  },
  // NAPAS 247 takes instant transfers below 500 million đồng each.
  limits: { minAmount: '1', maxAmount: '499999999' },
  // No status query and no refund API: a bank transfer is refunded by finance staff with an
  // outgoing transfer from the collection account, and recorded in the hub by hand.
  capabilities: { refund: false, partialRefund: false, queryStatus: false },
  credentialNames: ['bank_bin', 'account_no', 'account_name', 'feed_secret'],
  requiredCredentials: ['bank_bin', 'account_no', 'account_name'],

  async createCheckout(ctx, request) {
    const { bin, accountNo, accountName } = config(ctx);
    const reference = newTransferReference();
    // The purpose (tag 62.08) is the reference alone: banking apps copy it into the memo, and
    // anything else there only gives them more to truncate.
    const payload = buildVietQr({ bin, accountNo, amount: request.amount, purpose: reference });
    const page: BankTransferPage = {
      qr_payload: payload,
      bank_bin: bin,
      bank_name: bankName(bin),
      account_no: accountNo,
      account_name: accountName,
      amount: request.amount,
      transfer_reference: reference,
    };
    return { kind: 'page', view: 'bank_transfer', data: { ...page }, providerReference: reference };
  },

  // No callbacks: paid by bank transfer, confirmed from the bank's side (bankTransfer).
  readCallback: () => null,
  verifyReturn: () => null,
  verifyNotification: () => null,

  notificationReply(verdict: NotificationVerdict): HttpReply {
    const status = verdict === 'accepted' || verdict === 'already_processed' ? 200 : 404;
    return {
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ result: verdict, detail: NO_CALLBACKS }),
    };
  },

  async queryStatus() {
    throw new Error(`${NO_CALLBACKS}; there is no status query`);
  },

  async refund() {
    return {
      status: 'failed',
      failure: {
        code: 'manual_refund',
        message:
          'A bank transfer is refunded by finance staff with an outgoing transfer from the collection account; VietQR has no refund API.',
      },
      raw: {},
    };
  },

  /**
   * The end-of-day camt.053 statement, every booked entry a line (no fee on a transfer). A credit
   * whose memo carries a transfer reference is a payment, named by that reference (the attempt's
   * provider reference) and its bank reference; a credit naming none (interest, an unrelated
   * transfer) and every debit (the bank's fees, transfers out) are reported as they are.
   */
  settlementReference: 'provider_reference',
  async *parseSettlement(input): AsyncIterable<SettlementLine> {
    let lineNo = 0;
    for await (const item of parseCamt(input)) {
      if (item.type === 'statement') continue;
      lineNo++;
      const move = item.type === 'credit' ? item.credit : item.debit;
      const reference = item.type === 'credit' ? findTransferReferences(move.memo)[0] : undefined;
      yield {
        lineNo,
        providerTransactionId: move.bankReference,
        merchantReference: reference ?? '',
        type: item.type === 'debit' ? 'debit' : reference ? 'payment' : 'credit',
        amount: move.amount,
        fee: '0',
        // Only booked (BOOK) entries come out of the statement: money on the account.
        status: 'succeeded',
        occurredAt: move.bookedAt,
      };
    }
  },

  bankTransfer: {
    accountOf: (credentials) => credentials.account_no,
    feedConfigured: (credentials) => Boolean(credentials.feed_secret),
    feedAccountOf,
    verifyFeed,
    parseStatement: parseCamt,
    referencesIn: findTransferReferences,
    testFeedCall,
  },
};
