import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { type AppOptions, createApp, createServices, type Services } from '../../src/app.ts';
import { type MomoSimulator, startMomoSimulator } from '../fakes/momo/server.ts';
import { startVnpaySimulator, type VnpaySimulator } from '../fakes/vnpay/server.ts';
import { TEST_SECRET, type TestHub, testHub } from './hub.ts';

export const VNPAY = { tmn_code: 'PAYHUB01', hash_secret: 'JOURNEYSECRET0123456789ABCDEFGHIJ' };
const MOMO = {
  partner_code: 'MOMOPH01',
  access_key: 'F8BBA842ECF85',
  secret_key: 'K951B6PE1waDMi640xX08PD3vg6EkVlz',
};

export interface ProviderHub {
  hub: TestHub;
  /** Where the hub listens: its PUBLIC_URL, so the simulators can reach /notify/<provider>. */
  base: string;
  app: ReturnType<typeof createApp>;
  services: Services;
  vnpay: VnpaySimulator;
  momo: MomoSimulator;
  close(): Promise<void>;
}

/**
 * The hub listening on a real port, with the VNPay and MoMo simulators running and configured for
 * agency PROV-A: what a test needs to drive a provider's whole protocol.
 */
export async function providerHub(options: Pick<AppOptions, 'reconciliation'> = {}): Promise<ProviderHub> {
  const hub = await testHub();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const appOptions = { ...options, db: hub.db, publicUrl: base, secretKey: TEST_SECRET };
  const services = createServices(appOptions);
  const app = createApp({ ...appOptions, logger: pino({ level: 'silent' }), rateLimit: 0 }, services);
  server.on('request', app);
  const vnpay = await startVnpaySimulator({ tmnCode: VNPAY.tmn_code, hashSecret: VNPAY.hash_secret });
  const momo = await startMomoSimulator({
    partnerCode: MOMO.partner_code,
    accessKey: MOMO.access_key,
    secretKey: MOMO.secret_key,
  });
  await services.providers.configure('PROV-A', 'vnpay', {
    ...VNPAY,
    pay_url: vnpay.payUrl,
    api_url: vnpay.apiUrl,
  });
  await services.providers.configure('PROV-A', 'momo', { ...MOMO, endpoint: momo.endpoint });
  return {
    hub,
    base,
    app,
    services,
    vnpay,
    momo,
    async close() {
      await vnpay.close();
      await momo.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await hub.drop();
    },
  };
}
