import { momoAdapter } from '../../../adapters/momo/index.ts';
import type { InboundRequest, ProviderContext } from '../../../adapters/types.ts';
import { ictIso } from '../../fakes/momo/ledger.ts';
import { type MomoSimulator, startMomoSimulator } from '../../fakes/momo/server.ts';
import { type Attempt, browserReturn, type Harness, type StandInHub } from '../conformance.ts';

const KEYS = {
  partnerCode: 'MOMOSIM000000001',
  accessKey: 'simAccessKey0001',
  secretKey: 'simSecretKey00000000000000000001',
};

/** MoMo AIO v2 against its simulator (test/fakes/momo): create, redirect, IPN, query, refund, CSV. */
export function momoHarness(): Harness {
  let sim: MomoSimulator;
  let hub: StandInHub;
  const context = (secretKey = KEYS.secretKey): ProviderContext => ({
    credentials: {
      partner_code: KEYS.partnerCode,
      access_key: KEYS.accessKey,
      secret_key: secretKey,
      endpoint: sim.endpoint,
    },
    publicUrl: hub.url,
    mode: 'test',
    now: () => new Date(),
  });
  return {
    adapter: momoAdapter,
    async start(standIn) {
      hub = standIn;
      sim = await startMomoSimulator(KEYS);
    },
    stop: () => sim.close(),
    context: () => context(),
    forgedContext: () => context('anotherSecretKey0000000000000001'),
    async opened(attempt: Attempt) {
      if (attempt.result.kind !== 'redirect') return false;
      return (await fetch(attempt.result.url)).status === 200;
    },
    async pay(attempt, outcome) {
      return browserReturn(
        sim.pay(attempt.request.attemptId, { resultCode: outcome === 'failed' ? 1006 : 0 }),
      );
    },
    async notify(attempt, options = {}) {
      await sim.sendIpn(attempt.request.attemptId, options);
    },
    tamper(request: InboundRequest) {
      return { ...request, query: { ...request.query, amount: `${request.query.amount}0` } };
    },
    settlement: (at) => sim.settlementCsv(ictIso(at.getTime()).slice(0, 10)),
  };
}
