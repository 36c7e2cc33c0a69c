import type { InboundRequest, ProviderContext } from '../../../adapters/types.ts';
import { vietqrAdapter } from '../../../adapters/vietqr/index.ts';
import { parseVietQr } from '../../../adapters/vietqr/payload.ts';
import { type CamtEntry, camt053, feedHeaders } from '../../fakes/bank/camt.ts';
import type { Attempt, Harness, StandInHub } from '../conformance.ts';

const CREDENTIALS = {
  bank_bin: '970415',
  account_no: '0011001932418',
  account_name: 'SO TU PHAP HA NOI',
  feed_secret: 'conformance-feed-secret',
};

/**
 * VietQR has no provider in between: the "simulator" is the agency's bank, which books the
 * citizen's transfer, pushes a signed credit notification (the bank feed) and sends the day's
 * camt.053 statement. There is no browser return, no status query and no refund API.
 */
export function vietqrHarness(): Harness {
  let hub: StandInHub;
  const booked = new Map<string, CamtEntry>();
  const referenceOf = (attempt: Attempt) => attempt.result.providerReference ?? '';
  return {
    adapter: vietqrAdapter,
    async start(standIn) {
      hub = standIn;
    },
    async stop() {},
    context: (): ProviderContext => ({
      credentials: CREDENTIALS,
      publicUrl: hub.url,
      mode: 'test',
      now: () => new Date(),
    }),
    // Nothing the citizen sees is signed: the QR only names the account, the amount and the reference.
    forgedContext: () => null,
    async opened(attempt) {
      if (attempt.result.kind !== 'page') return false;
      const qr = parseVietQr(String(attempt.result.data.qr_payload));
      return (
        qr.accountNo === CREDENTIALS.account_no &&
        qr.amount === attempt.request.amount &&
        qr.purpose === referenceOf(attempt)
      );
    },
    async pay(attempt, outcome) {
      // A citizen who gives up simply never transfers.
      if (outcome === 'succeeded') {
        booked.set(attempt.request.attemptId, {
          amount: attempt.request.amount,
          memo: `MBVCB.1234567.${referenceOf(attempt)}.CT tu NGUYEN VAN A`,
          bankReference: `FT26${String(booked.size + 1).padStart(10, '0')}`,
          bookedAt: new Date().toISOString(),
        });
      }
      return null;
    },
    async notify(attempt, options = {}) {
      const entry = booked.get(attempt.request.attemptId);
      if (!entry) throw new Error('the bank booked no transfer for this attempt');
      const fields = {
        account: CREDENTIALS.account_no,
        amount: Number(entry.amount),
        memo: entry.memo,
        bank_reference: entry.bankReference,
        booked_at: entry.bookedAt,
      };
      const body = JSON.stringify(fields);
      const headers = feedHeaders(CREDENTIALS.feed_secret, body);
      await fetch(`${hub.url}/bank-feed/vietqr`, {
        method: 'POST',
        headers,
        body: options.tamper ? JSON.stringify({ ...fields, amount: fields.amount * 10 }) : body,
      });
    },
    tamper: (request: InboundRequest) => request,
    settlement: () => camt053(CREDENTIALS.account_no, [...booked.values()]),
  };
}
