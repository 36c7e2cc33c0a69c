import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServer } from '../helpers/spawn.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payhub-smoke-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** What a newcomer does: start with no configuration at all (embedded PGlite), paste the printed curl. */
describe('embedded default (PGlite, no configuration)', () => {
  it('starts, seeds the demo, and the printed key creates, reads, lists and cancels a payment', async () => {
    const port = await freePort();
    const env = {
      DATABASE_URL: '',
      PAYHUB_DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      PAYHUB_JOBS: 'off',
    };
    let server = await startServer(env, /Create a payment:[\s\S]*-d '/);
    const base = `http://localhost:${port}`;
    try {
      const key = /test API key: (phk_test_\S+)/.exec(server.output())![1]!;
      const curl = server.output().slice(server.output().indexOf('curl'));
      expect(curl).toContain(`${base}/v1/payments`);
      const auth = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
      const created = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: { ...auth, 'Idempotency-Key': 'smoke-1' },
        body: JSON.stringify({
          amount: 150000,
          reference: 'HS-SMOKE-1',
          description: 'Lệ phí',
          return_url: `${base}/`,
          obligation: { type: 'charge' },
        }),
      });
      expect(created.status).toBe(201);
      const payment = (await created.json()) as { id: string; checkout_url: string };
      expect(payment.checkout_url.startsWith(`${base}/checkout/`)).toBe(true);
      const read = await fetch(`${base}/v1/payments/${payment.id}`, { headers: auth });
      expect(((await read.json()) as { status: string }).status).toBe('created');

      // A restart keeps the data and shows the same demo key.
      await server.stop();
      server = await startServer(env, /Create a payment:[\s\S]*-d '/);
      expect(server.output()).toContain(key);
      const list = await fetch(`${base}/v1/payments?reference=HS-SMOKE-1`, { headers: auth });
      expect(((await list.json()) as { data: { id: string }[] }).data.map((p) => p.id)).toEqual([payment.id]);
      const cancelled = await fetch(`${base}/v1/payments/${payment.id}/cancel`, {
        method: 'POST',
        headers: auth,
      });
      expect(((await cancelled.json()) as { status: string }).status).toBe('cancelled');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
