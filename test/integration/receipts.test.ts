import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedP12 } from '../../src/receipts/signing.ts';
import { type CliDatabase, cliDatabase } from '../helpers/cli.ts';
import { onPglite } from '../helpers/db.ts';
import { TEST_SECRET } from '../helpers/hub.ts';
import { freePort, payhub, startServer } from '../helpers/spawn.ts';

/**
 * Issue #15, e-receipts, as the hub runs: an agency set up with the CLI (tax code, address, its
 * PKCS#12), the server started, payments paid through the sandbox, receipts read back with
 * poppler (pdfsig, pdftotext) and the public verification page.
 */
const PORTAL = 'https://portal.example.vn';
const P12_PASSWORD = 'mật khẩu p12';
const YY = String(new Date().getFullYear()).slice(-2);

let cli: CliDatabase;
let env: Record<string, string>;
let base: string;
let key: string;
let server: Awaited<ReturnType<typeof startServer>> | undefined;

const run = (args: string[], input?: string) => payhub(args, env, input);

// No keep-alive: the CLI runs synchronously (spawnSync), and a POST on a socket the server closed
// meanwhile would fail rather than be retried.
const noKeepAlive = new Agent({ pipelining: 0 });
const fetch = (url: string, init: Parameters<typeof undiciFetch>[1] = {}) =>
  undiciFetch(url, { ...init, dispatcher: noKeepAlive });

async function start() {
  server = await startServer(env, /PayHub listening at/);
}
async function stop() {
  await server?.stop();
  server = undefined;
}

beforeAll(async () => {
  cli = await cliDatabase('payhub-receipts-');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    ...cli.env,
    PAYHUB_SECRET_KEY: TEST_SECRET,
    PUBLIC_URL: base,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PAYHUB_JOBS: 'off',
  };
  const created = run([
    'agencies:create',
    '--code',
    'STP-MAU',
    '--name',
    'Sở Tư pháp tỉnh Mẫu',
    '--tax-code',
    '0101234567',
    '--address',
    '12 Lê Lợi, phường Bến Nghé, tỉnh Mẫu',
    '--return-origins',
    PORTAL,
  ]);
  expect(created.stderr).toBe('');
  expect(run(['providers:configure', '--agency', 'STP-MAU', '--provider', 'sandbox']).status).toBe(0);
  key = JSON.parse(run(['keys:create', '--agency', 'STP-MAU', '--json']).stdout).key;
  const p12 = path.join(cli.dataDir, 'agency.p12');
  fs.writeFileSync(p12, selfSignedP12('So Tu phap tinh Mau', P12_PASSWORD));
  const configured = run(
    ['receipts:configure', '--agency', 'STP-MAU', '--p12', p12, '--json'],
    `${P12_PASSWORD}\n`,
  );
  expect(configured.stderr).toBe('');
  expect(JSON.parse(configured.stdout).subject).toBe('So Tu phap tinh Mau');
  await start();
}, 180_000);

afterAll(async () => {
  await stop();
  await noKeepAlive.close();
  await cli?.drop();
});

const auth = () => ({ Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' });

interface ApiBody {
  id: string;
  status: string;
  reference: string;
  receipt: { number: string; series: string; form: string; verify_url: string } | null;
  data: { receipt: unknown }[];
}

async function api(method: string, route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: auth(),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as ApiBody };
}

const charge = () => ({
  amount: 150000,
  reference: `HS-${Math.random().toString(36).slice(2, 10)}`,
  description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
  return_url: `${PORTAL}/ho-so/1`,
  obligation: { type: 'charge', catalog_code: '2.000488' },
  payer: { name: 'Nguyễn Văn An' },
});

const fine = () => ({
  ...charge(),
  amount: 2500000,
  description: 'Nộp phạt vi phạm hành chính',
  obligation: {
    type: 'fine',
    fine: { decision_no: '123/QĐ-XPHC', decided_on: '2026-01-05', due_on: '2099-12-31' },
  },
});

async function paid(body: object): Promise<string> {
  const created = await api('POST', '/v1/payments', body);
  expect(created.status).toBe(201);
  const done = await api('POST', `/v1/test_helpers/payments/${created.body.id}/complete`, {
    outcome: 'succeeded',
  });
  expect(done.body.status).toBe('succeeded');
  return created.body.id;
}

async function receiptPdf(id: string): Promise<string> {
  const res = await fetch(`${base}/v1/payments/${id}/receipt`, { headers: auth() });
  expect(res.status).toBe(200);
  const file = path.join(cli.dataDir, `${id}.pdf`);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

const pdfsig = (file: string) => {
  try {
    return execFileSync('pdfsig', [file], { encoding: 'utf8' });
  } catch (error) {
    // pdfsig exits non-zero when a signature does not verify: show what it said.
    return String((error as { stdout?: string }).stdout ?? error);
  }
};
const pdftotext = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });

async function page(verifyUrl: string, lang?: 'en') {
  const res = await fetch(lang ? `${verifyUrl}?lang=en` : verifyUrl);
  expect(res.status).toBe(200);
  return res.text();
}

describe('e-receipts of a started hub', () => {
  it('a charge receipt is signed by the agency (pdfsig verifies it) and says form, series, number, amount in words, tax code, address and TEST', async () => {
    const created = await api('POST', '/v1/payments', charge());
    expect(created.body.receipt).toBeNull();
    const id = created.body.id as string;
    await api('POST', `/v1/test_helpers/payments/${id}/complete`, { outcome: 'succeeded' });
    const file = await receiptPdf(id);

    const sig = pdfsig(file);
    expect(sig).toContain('Signer Certificate Common Name: So Tu phap tinh Mau');
    expect(sig).toContain('Signing Hash Algorithm: SHA-256');
    expect(sig).toContain('Signature Type: ETSI.CAdES.detached');
    expect(sig).toContain('Total document signed');
    expect(sig).toContain('Signature Validation: Signature is Valid.');

    const text = pdftotext(file);
    expect(text).toContain('BIÊN LAI THU TIỀN PHÍ, LỆ PHÍ');
    expect(text).toContain('01BLP0-001');
    expect(text).toContain(`TEST-PH-${YY}E`);
    expect(text).toContain('0000001');
    expect(text).toContain('Một trăm năm mươi nghìn đồng');
    expect(text).toContain('0101234567');
    expect(text).toContain('12 Lê Lợi, phường Bến Nghé, tỉnh Mẫu');
    expect(text).toContain('TEST — BIÊN LAI THỬ NGHIỆM, KHÔNG CÓ GIÁ TRỊ');

    // The portal learns the receipt from the payment object, without reading the PDF.
    const read = await api('GET', `/v1/payments/${id}`);
    expect(read.body.receipt).toEqual({
      number: '0000001',
      series: `TEST-PH-${YY}E`,
      form: '01BLP0-001',
      verify_url: expect.stringMatching(new RegExp(`^${base}/receipts/[A-Za-z0-9_-]{16}$`)),
    });
    expect(text).toContain(read.body.receipt!.verify_url);
    const list = await api('GET', `/v1/payments?reference=${created.body.reference}`);
    expect(list.body.data[0]?.receipt).toEqual(read.body.receipt);

    // A test receipt's page never says valid.
    const vi = await page(read.body.receipt!.verify_url);
    expect(vi).toContain('TEST — biên lai thử nghiệm, không có giá trị');
    expect(vi).not.toContain('Biên lai hợp lệ');
    expect(vi).toContain('data-test="true"');
    const en = await page(read.body.receipt!.verify_url, 'en');
    expect(en).toContain('TEST — test payment, not a valid receipt');
    expect(en).toContain('<html lang="en">');
  });

  it('a fine gets the fine receipt form, numbered in its own series', async () => {
    const id = await paid(fine());
    const text = pdftotext(await receiptPdf(id));
    expect(text).toContain('BIÊN LAI THU TIỀN PHẠT');
    expect(text).not.toContain('PHÍ, LỆ PHÍ');
    expect(text).toContain('01BLTP-001');
    expect(text).toContain('123/QĐ-XPHC');
    expect(text).toContain('Hai triệu năm trăm nghìn đồng');
    const { body } = await api('GET', `/v1/payments/${id}`);
    expect(body.receipt).toMatchObject({ number: '0000001', series: `TEST-PT-${YY}E`, form: '01BLTP-001' });
  });

  it('the verification page says partly refunded, then refunded, with the amount', async () => {
    const id = await paid(charge());
    await receiptPdf(id);
    const { body } = await api('GET', `/v1/payments/${id}`);
    const url = body.receipt!.verify_url;
    expect(await page(url)).toContain('data-state="valid"');

    expect(
      (await api('POST', `/v1/payments/${id}/refunds`, { amount: 50000, reason: 'Hoàn một phần' })).status,
    ).toBe(201);
    const partly = await page(url);
    expect(partly).toContain('data-state="partially_refunded"');
    expect(partly).toContain('Biên lai hợp lệ, đã hoàn trả một phần');
    expect(partly).toMatch(/Đã hoàn trả<\/dt><dd>50\.000 ₫/);

    expect((await api('POST', `/v1/payments/${id}/refunds`, { reason: 'Hồ sơ bị từ chối' })).status).toBe(
      201,
    );
    const full = await page(url);
    expect(full).toContain('data-state="refunded"');
    expect(full).toContain('Biên lai đã hoàn trả toàn bộ');
    expect(full).toMatch(/Đã hoàn trả<\/dt><dd>150\.000 ₫/);
    expect(await page(url, 'en')).toContain('Refunded in full');
  });

  it('receipts:cancel cancels a receipt (audited); its page then says cancelled; bad input changes nothing', async () => {
    const id = await paid(charge());
    await receiptPdf(id);
    const { body } = await api('GET', `/v1/payments/${id}`);
    const { series, number, verify_url } = body.receipt!;
    // PGlite is one process's database: the CLI runs while the server is stopped.
    if (onPglite) await stop();
    const refused = run([
      'receipts:cancel',
      '--agency',
      'STP-MAU',
      '--series',
      series,
      '--number',
      '9999',
      '--reason',
      'x',
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`no receipt ${series} 0009999`);
    const cancelled = run([
      'receipts:cancel',
      '--agency',
      'STP-MAU',
      '--series',
      series,
      '--number',
      number,
      '--reason',
      'Lập nhầm',
      '--json',
    ]);
    expect(cancelled.stderr).toBe('');
    expect(JSON.parse(cancelled.stdout).id).toBe(id);
    const again = run([
      'receipts:cancel',
      '--agency',
      'STP-MAU',
      '--series',
      series,
      '--number',
      number,
      '--reason',
      'x',
    ]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/was cancelled on/);
    if (onPglite) await start();
    if (cli.database) {
      const { rows } = await cli.database.db.query<{ object_id: string; details: Record<string, unknown> }>(
        `SELECT object_id, details FROM audit_log WHERE action = 'receipts:cancel'`,
      );
      // One entry, for the cancellation that happened (refusals change nothing).
      expect(rows).toEqual([
        { object_id: id, details: expect.objectContaining({ reason: 'Lập nhầm', number }) },
      ]);
    }

    const vi = await page(verify_url);
    expect(vi).toContain('data-state="cancelled"');
    expect(vi).toContain('Biên lai đã bị hủy');
    expect(vi).toContain('Ngày hủy');
    expect(await page(verify_url, 'en')).toContain('Cancelled receipt: no longer valid');
  }, 120_000);

  it('receipts:configure refuses a wrong password or a file that is not PKCS#12', async () => {
    if (onPglite) await stop();
    const p12 = path.join(cli.dataDir, 'agency.p12');
    const wrong = run(['receipts:configure', '--agency', 'STP-MAU', '--p12', p12], 'wrong\n');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/not a PKCS#12 file or wrong password/);
    const notP12 = path.join(cli.dataDir, 'not.p12');
    fs.writeFileSync(notP12, 'hello');
    expect(
      run(['receipts:configure', '--agency', 'STP-MAU', '--p12', notP12], `${P12_PASSWORD}\n`).status,
    ).toBe(2);
    const missing = run(['receipts:configure', '--agency', 'STP-MAU', '--p12', '/nonexistent.p12'], 'x\n');
    expect(missing.stderr).toMatch(/--p12: cannot read/);
    expect(run(['agencies:create', '--code', 'BAD-TAX', '--name', 'X', '--tax-code', '12ab']).stderr).toMatch(
      /tax code must be 10 digits/,
    );
    if (onPglite) await start();
    if (server?.child.exitCode !== null) throw new Error(`server exited:\n${server?.output()}`);
    // Receipts are still signed with the configured certificate.
    const file = await receiptPdf(await paid(charge()));
    expect(pdfsig(file)).toContain('Signature Validation: Signature is Valid.');
  }, 120_000);
});
