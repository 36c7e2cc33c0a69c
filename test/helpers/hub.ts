import pino from 'pino';
import request from 'supertest';
import { expect } from 'vitest';
import { createAgency, createApiKey, revokeApiKey } from '../../src/agencies/service.ts';
import { createApp, createServices, type Services } from '../../src/app.ts';
import { responseValidator, toFieldErrors } from '../../src/http/openapi.ts';
import { type TestDatabase, testDatabase } from './db.ts';

export const PUBLIC_URL = 'http://hub.test';
export const PORTAL = 'https://portal-a.example.vn';
export const TEST_SECRET = 'test-secret-key-0123456789abcdefghijklmnop';

export interface TestHub extends TestDatabase {
  app: ReturnType<typeof createApp>;
  /** The services behind `app` (drive jobs' work directly: deliverDue, executeDue, recoverStale…). */
  services: Services;
  keys: { a: string; aLive: string; b: string };
  keyIds: { a: string };
  api: (key?: string) => {
    get: (path: string) => request.Test;
    delete: (path: string) => request.Test;
    post: (path: string, body?: unknown, idempotencyKey?: string) => request.Test;
  };
  revoke: (keyId: string) => Promise<void>;
}

/** A migrated database, two agencies (A with test and live keys, B with a test key) and the app. */
export async function testHub(
  options: {
    now?: () => Date;
    kind?: 'pglite';
    rateLimit?: number;
    /** PAYHUB_ALLOW_PRIVATE_WEBHOOKS=on: test-mode endpoints may target a receiver on 127.0.0.1. */
    allowPrivateWebhooks?: boolean;
  } = {},
): Promise<TestHub> {
  const database = await testDatabase({ kind: options.kind });
  const { db } = database;
  await createAgency(db, {
    code: 'PROV-A',
    name: 'Tỉnh A',
    returnOrigins: [PORTAL, 'http://localhost:8080'],
  });
  await createAgency(db, { code: 'PROV-B', name: 'Tỉnh B', returnOrigins: ['https://portal-b.example.vn'] });
  const a = await createApiKey(db, 'PROV-A', 'test');
  const aLive = await createApiKey(db, 'PROV-A', 'live');
  const b = await createApiKey(db, 'PROV-B', 'test');
  const appOptions = {
    db,
    publicUrl: PUBLIC_URL,
    secretKey: TEST_SECRET,
    now: options.now,
    allowPrivateWebhooks: options.allowPrivateWebhooks,
  };
  const services = createServices(appOptions);
  const app = createApp(
    { ...appOptions, logger: pino({ level: 'silent' }), rateLimit: options.rateLimit ?? 0 },
    services,
  );
  const api = (key = a.key) => ({
    get: (path: string) => request(app).get(path).set('Authorization', `Bearer ${key}`),
    delete: (path: string) => request(app).delete(path).set('Authorization', `Bearer ${key}`),
    post: (path: string, body?: unknown, idempotencyKey?: string) => {
      let test = request(app).post(path).set('Authorization', `Bearer ${key}`);
      if (idempotencyKey) test = test.set('Idempotency-Key', idempotencyKey);
      return body === undefined ? test : test.send(body as object);
    },
  });
  return {
    ...database,
    app,
    services,
    keys: { a: a.key, aLive: aLive.key, b: b.key },
    keyIds: { a: a.id },
    api,
    revoke: (id) => revokeApiKey(db, id),
  };
}

/** A valid create-payment body; override any field. */
export function paymentBody<T extends Record<string, unknown>>(overrides: T = {} as T) {
  const base = {
    amount: 150000,
    reference: `HS-${Math.random().toString(36).slice(2, 10)}`,
    description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
    return_url: `${PORTAL}/ho-so/1`,
    obligation: { type: 'charge', catalog_code: '2.000488' } as Record<string, unknown>,
  };
  return { ...base, ...overrides } as Omit<typeof base, keyof T> & T;
}

/** The response matches openapi.yaml for its operation and status. */
export function expectContract(res: request.Response, operationId: string) {
  const validate = responseValidator(operationId, res.status);
  const ok = validate(res.body);
  expect(
    ok ? [] : toFieldErrors(validate.errors),
    `${operationId} ${res.status} body matches openapi.yaml`,
  ).toEqual([]);
  if (res.status >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

export async function count(hub: TestDatabase, table: string): Promise<number> {
  const { rows } = await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}
