import fs from 'node:fs';
import path from 'node:path';
import { agencyByCode, createAgency, createApiKey, enableProvider } from './agencies/service.ts';
import type { Db } from './db/port.ts';
import { newToken } from './ids.ts';
import { configureReceiptSigner, hasReceiptSigner } from './receipts/service.ts';
import { selfSignedP12 } from './receipts/signing.ts';
import { loadSecretKey, sealer } from './secrets.ts';

export const DEMO_AGENCY = 'DEMO';

export interface Demo {
  agencyId: string;
  agencyCode: string;
  apiKey: string;
  createdNow: boolean;
}

/**
 * Seeds the demo agency, a test key and the sandbox provider, once. Keys are stored hashed, so the
 * demo key is also kept in the data directory to be shown again on the next start.
 */
export async function seedDemo(
  db: Db,
  options: {
    dataDir: string;
    publicUrl: string;
    secretKey: string | undefined;
    reconciliation?: { settlementDir: string };
  },
): Promise<Demo> {
  const keyFile = path.join(options.dataDir, 'demo-key.json');
  // The sandbox's settlement drop folder, so a demo day reconciles end to end (`payhub sandbox:settlement`).
  if (options.reconciliation)
    fs.mkdirSync(path.join(options.reconciliation.settlementDir, 'sandbox'), { recursive: true });
  let createdNow = false;
  let agency = await agencyByCode(db, DEMO_AGENCY).catch(() => null);
  if (!agency) {
    agency = await createAgency(db, {
      code: DEMO_AGENCY,
      name: 'Sở Tư pháp tỉnh Mẫu (demo)',
      returnOrigins: [...new Set([new URL(options.publicUrl).origin, 'http://localhost:3000'])],
      taxCode: '0100000000',
      address: 'Số 1 đường Mẫu, phường Mẫu, tỉnh Mẫu',
      // Reserved example domains: the demo agency answers nobody.
      contact: { email: 'lienhe@sotuphap.mau.example', website: 'https://sotuphap.mau.example' },
    });
    await enableProvider(db, DEMO_AGENCY, 'sandbox');
    createdNow = true;
  }
  // Its receipts are signed with a self-signed certificate made here (a reader says "issuer unknown").
  if (!(await hasReceiptSigner(db, agency.id))) {
    const password = newToken(16);
    await configureReceiptSigner(db, sealer(loadSecretKey(options)), agency.id, {
      p12: selfSignedP12(`${agency.name} - chứng thư tự ký`, password),
      password,
    });
  }
  if (!createdNow && fs.existsSync(keyFile)) {
    const saved = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { apiKey: string };
    return { agencyId: agency.id, agencyCode: DEMO_AGENCY, apiKey: saved.apiKey, createdNow };
  }
  const { key } = await createApiKey(db, DEMO_AGENCY, 'test');
  fs.mkdirSync(options.dataDir, { recursive: true });
  fs.writeFileSync(keyFile, JSON.stringify({ apiKey: key }), { mode: 0o600 });
  return { agencyId: agency.id, agencyCode: DEMO_AGENCY, apiKey: key, createdNow };
}

export function demoCurl(publicUrl: string, apiKey: string): string {
  const body = (reference: string) =>
    JSON.stringify({
      amount: 150000,
      reference,
      description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
      return_url: `${publicUrl}/`,
      obligation: { type: 'charge', catalog_code: '2.000488' },
      payer: { name: 'Nguyễn Văn An' },
    });
  const [before, after] = body('@@').split('@@');
  return [
    `curl -s ${publicUrl}/v1/payments \\`,
    `  -H "Authorization: Bearer ${apiKey}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -H "Idempotency-Key: demo-$(date +%s%N)" \\`,
    `  -d '${before}HS-'"$(date +%s%N)"'${after}'`,
  ].join('\n');
}
