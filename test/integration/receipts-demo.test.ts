import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo.ts';
import { FINE_FORM_SYMBOL, FORM_SYMBOL, formOf, seriesOf } from '../../src/receipts/service.ts';
import { PUBLIC_URL, paymentBody, TEST_SECRET, type TestHub, testHub } from '../helpers/hub.ts';

let hub: TestHub;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payhub-receipts-demo-'));
beforeAll(async () => {
  hub = await testHub();
});
afterAll(async () => {
  await hub.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('receipt series and forms', () => {
  it('live fees, live fines and test payments each have their own series; a fine its own form', () => {
    expect(seriesOf(2026, { mode: 'live', fine: false })).toBe('PH-26E');
    expect(seriesOf(2026, { mode: 'live', fine: true })).toBe('PT-26E');
    expect(seriesOf(2026, { mode: 'test', fine: false })).toBe('TEST-PH-26E');
    expect(seriesOf(2026, { mode: 'test', fine: true })).toBe('TEST-PT-26E');
    expect(formOf({ fine: false })).toBe(FORM_SYMBOL);
    expect(formOf({ fine: true })).toBe(FINE_FORM_SYMBOL);
    expect(FINE_FORM_SYMBOL).not.toBe(FORM_SYMBOL);
  });
});

describe('the embedded demo', () => {
  it('seeds a self-signed certificate for the demo agency: its receipts verify with pdfsig', async () => {
    const options = { dataDir, publicUrl: PUBLIC_URL, secretKey: TEST_SECRET };
    const demo = await seedDemo(hub.db, options);
    // A second start keeps the certificate it made.
    const before = await hub.db.query<{ sealed: Buffer }>('SELECT sealed FROM receipt_signers');
    await seedDemo(hub.db, options);
    const after = await hub.db.query<{ sealed: Buffer; subject: string }>(
      'SELECT sealed, subject FROM receipt_signers',
    );
    expect(after.rows).toHaveLength(1);
    expect(after.rows[0]!.sealed).toEqual(before.rows[0]!.sealed);
    expect(after.rows[0]!.subject).toBe('So Tu phap tinh Mau (demo) - chung thu tu ky');

    const created = await hub
      .api(demo.apiKey)
      .post('/v1/payments', paymentBody({ return_url: 'http://localhost:3000/' }));
    expect(created.status).toBe(201);
    await hub
      .api(demo.apiKey)
      .post(`/v1/test_helpers/payments/${created.body.id}/complete`, { outcome: 'succeeded' });
    const pdf = await hub
      .api(demo.apiKey)
      .get(`/v1/payments/${created.body.id}/receipt`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    const file = path.join(dataDir, 'demo.pdf');
    fs.writeFileSync(file, pdf.body as Buffer);
    const sig = execFileSync('pdfsig', [file], { encoding: 'utf8' });
    expect(sig).toContain('Signer Certificate Common Name: So Tu phap tinh Mau (demo) - chung thu tu ky');
    expect(sig).toContain('Signature Validation: Signature is Valid.');
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain('0100000000');
    expect(text).toContain('Ký số bởi / Digitally signed by: So Tu phap tinh Mau (demo) - chung thu tu ky');
  });
});
