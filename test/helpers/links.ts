import { expect } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { createAgency, enableProvider } from '../../src/agencies/service.ts';
import type { TestHub } from './hub.ts';
import { STAFF_PASSWORD, staffSession } from './staff.ts';

/** Staff of PROV-A (admin, finance, auditor), an admin of PROV-B, and the sandbox enabled for A. */
export async function linkStaff(hub: TestHub) {
  await createAgency(hub.db, { code: 'PROV-A-TP', name: 'Sở Tư pháp tỉnh A', parentCode: 'PROV-A' });
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  const users: [string, 'admin' | 'finance' | 'auditor', string][] = [
    ['admin@tinh-a.gov.vn', 'admin', 'PROV-A'],
    ['ketoan@tinh-a.gov.vn', 'finance', 'PROV-A'],
    ['kiemtoan@tinh-a.gov.vn', 'auditor', 'PROV-A'],
    ['admin@tinh-b.gov.vn', 'admin', 'PROV-B'],
  ];
  for (const [email, role, agencyCode] of users)
    await createStaffUser(hub.db, { email, role, agencyCode, password: STAFF_PASSWORD });
}

/** A signed-in staff member's JSON client (CSRF header on every write). */
export async function signedIn(hub: TestHub, email: string) {
  const { agent, csrf, res } = await staffSession(hub.app, email);
  expect(res.status).toBe(201);
  return {
    agent,
    csrf,
    get: (path: string) => agent.get(path),
    post: (path: string, body: object = {}) => agent.post(path).set('X-CSRF-Token', csrf).send(body),
    csv: (path: string, text: string) =>
      agent.post(path).set('X-CSRF-Token', csrf).set('Content-Type', 'text/csv').send(text),
  };
}

export const ITEM = {
  code: '1.002309',
  name: { vi: 'Cấp Phiếu lý lịch tư pháp', en: 'Criminal record certificate' },
  amount: 200000,
  obligation_type: 'charge',
  budget: { treasury_code: '0011', treasury_account: '7111', chapter_code: '418', economic_code: '2652' },
};

export const RANGED_ITEM = {
  code: '2.000488',
  name: { vi: 'Phí thẩm định hồ sơ', en: 'Dossier appraisal fee' },
  amount_min: 50000,
  amount_max: 500000,
  obligation_type: 'fee',
};

export const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;
