import { expect } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import { paymentBody, type TestHub } from './hub.ts';

/** A paid test payment of PROV-A (key a) or PROV-B (key b), through the sandbox's test helper. */
export async function paidConsolePayment(
  hub: TestHub,
  agency: 'a' | 'b',
  overrides: Record<string, unknown> = {},
) {
  const key = agency === 'a' ? hub.keys.a : hub.keys.b;
  const returnUrl = agency === 'b' ? { return_url: 'https://portal-b.example.vn/x' } : {};
  const created = await hub.api(key).post('/v1/payments', paymentBody({ ...returnUrl, ...overrides }));
  expect(created.status).toBe(201);
  const paid = await hub.api(key).post(`/v1/test_helpers/payments/${created.body.id}/complete`, {
    outcome: 'succeeded',
  });
  expect(paid.body.status).toBe('succeeded');
  return created.body as { id: string; reference: string; amount: number };
}

/** Sandbox on for both agencies and a webhook endpoint for PROV-A (its deliveries stay pending: nothing sends them). */
export async function consoleFixtures(hub: TestHub) {
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await enableProvider(hub.db, 'PROV-B', 'sandbox');
  const endpoint = await hub
    .api()
    .post('/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hook' }, 'console-ep');
  expect(endpoint.status).toBe(201);
  return { endpointId: endpoint.body.id as string };
}
