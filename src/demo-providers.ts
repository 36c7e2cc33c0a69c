/**
 * The embedded demo's payment methods besides the sandbox: VNPay and MoMo against their
 * protocol-faithful simulators (test/fakes/, started here in-process on loopback ports), and
 * VietQR with a demo collection account whose bank feed the test-mode page can play. Only
 * `npm start` with no DATABASE_URL runs this; the simulators are loaded only then.
 */
import { randomBytes } from 'node:crypto';
import type { ProviderAccountsService } from './provider-accounts/service.ts';

const VNPAY = { tmn_code: 'DEMO0001', hash_secret: 'DEMOVNPAYSECRET0123456789ABCDEFGH' };
const MOMO = {
  partner_code: 'MOMODEMO',
  access_key: 'DEMOACCESSKEY01',
  secret_key: 'DEMOMOMOSECRET0123456789abcdefgh',
};
/** A demo collection account at VietinBank (BIN 970415): no money ever reaches it. */
const VIETQR = { bank_bin: '970415', account_no: '100000000001', account_name: 'SO TU PHAP TINH MAU DEMO' };

export interface DemoProviders {
  vnpayUrl: string;
  momoUrl: string;
  /** Where the checkout's form may send the citizen (the CSP's form-action): the simulators' pages. */
  origins: string[];
  /** Points the demo agency's VNPay, MoMo and VietQR settings at these simulators and the demo account. */
  configure(providers: ProviderAccountsService, agencyId: string, agencyCode: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoProviders(): Promise<DemoProviders> {
  const { startVnpaySimulator } = await import('../test/fakes/vnpay/server.ts');
  const { startMomoSimulator } = await import('../test/fakes/momo/server.ts');
  const vnpay = await startVnpaySimulator({ tmnCode: VNPAY.tmn_code, hashSecret: VNPAY.hash_secret });
  const momo = await startMomoSimulator({
    partnerCode: MOMO.partner_code,
    accessKey: MOMO.access_key,
    secretKey: MOMO.secret_key,
  });
  return {
    vnpayUrl: vnpay.url,
    momoUrl: momo.url,
    origins: [vnpay.url, momo.url],
    async configure(providers, agencyId, agencyCode) {
      const current = async (provider: string) =>
        (await providers.configuredFor(provider)).find((c) => c.agencyId === agencyId)?.credentials;
      // The simulators listen on new ports each start: settings that name a previous run's
      // simulator follow them; an operator's own settings (providers:configure) are kept.
      const ours = (url: string | undefined) => url === undefined || new URL(url).hostname === '127.0.0.1';
      const vnpaySettings = await current('vnpay');
      if (!vnpaySettings || ours(vnpaySettings.pay_url))
        await providers.configure(agencyCode, 'vnpay', {
          ...VNPAY,
          pay_url: vnpay.payUrl,
          api_url: vnpay.apiUrl,
        });
      const momoSettings = await current('momo');
      if (!momoSettings || ours(momoSettings.endpoint))
        await providers.configure(agencyCode, 'momo', { ...MOMO, endpoint: momo.endpoint });
      if (!(await current('vietqr')))
        await providers.configure(agencyCode, 'vietqr', {
          ...VIETQR,
          feed_secret: randomBytes(24).toString('hex'),
        });
    },
    async close() {
      await Promise.allSettled([vnpay.close(), momo.close()]);
    },
  };
}
