import type { InboundRequest, ProviderContext } from '../../../adapters/types.ts';
import { vnpayAdapter } from '../../../adapters/vnpay/index.ts';
import { startVnpaySimulator, type VnpaySimulator } from '../../fakes/vnpay/server.ts';
import { vnTime } from '../../fakes/vnpay/signing.ts';
import { type Attempt, browserReturn, type Harness, type StandInHub } from '../conformance.ts';

const TMN = 'PAYHUB01';
const SECRET = 'SIMSECRET9876543210ZYXWVUTSRQPON';

/** VNPay 2.1.0 against its simulator (test/fakes/vnpay): pay page, Return URL, IPN, querydr, refund, CSV. */
export function vnpayHarness(): Harness {
  let sim: VnpaySimulator;
  let hub: StandInHub;
  const context = (hashSecret = SECRET): ProviderContext => ({
    credentials: { tmn_code: TMN, hash_secret: hashSecret, pay_url: sim.payUrl, api_url: sim.apiUrl },
    publicUrl: hub.url,
    mode: 'test',
    now: () => new Date(),
  });
  const urlOf = (attempt: Attempt) => {
    if (attempt.result.kind !== 'redirect') throw new Error('VNPay checks out by redirect');
    return attempt.result.url;
  };
  const opened = async (attempt: Attempt) => (await fetch(urlOf(attempt))).status === 200;
  return {
    adapter: vnpayAdapter,
    async start(standIn) {
      hub = standIn;
      sim = await startVnpaySimulator({ tmnCode: TMN, hashSecret: SECRET });
    },
    stop: () => sim.close(),
    context: () => context(),
    forgedContext: () => context('ANOTHERSECRET0123456789ABCDEFGHI'),
    opened,
    async pay(attempt, outcome) {
      if (!sim.orders.has(attempt.request.attemptId) && !(await opened(attempt)))
        throw new Error('VNPay refused the pay URL');
      const returned = sim.pay(attempt.request.attemptId, outcome === 'failed' ? { responseCode: '24' } : {});
      return browserReturn(returned);
    },
    async notify(attempt, options = {}) {
      await sim.sendIpn(attempt.request.attemptId, { ipnUrl: attempt.request.notifyUrl, ...options });
    },
    tamper(request: InboundRequest) {
      const amount = BigInt(request.query.vnp_Amount ?? '0') * 10n;
      return { ...request, query: { ...request.query, vnp_Amount: amount.toString() } };
    },
    settlement(at) {
      const day = vnTime(at).slice(0, 8);
      return sim.settlementCsv(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`);
    },
  };
}
