import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  doublePaymentReceived,
  isBalanced,
  paymentSucceeded,
  providerFee,
  refundSucceeded,
} from '../../src/ledger/postings.ts';
import { money } from '../../src/money.ts';
import { afterFailure, MAX_TRIES } from '../../src/webhooks/service.ts';
import { newSecret, signature } from '../../src/webhooks/signature.ts';
import { checkEndpointUrl, isPublicAddress } from '../../src/webhooks/urls.ts';

describe('postings', () => {
  it('every posting is a balanced double entry, whatever the amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 999_999_999_999n }), (n) => {
        const m = { provider: 'vnpay', agencyId: 'agy_1', amount: n.toString() };
        for (const lines of [
          paymentSucceeded(m),
          doublePaymentReceived(m),
          refundSucceeded({ ...m, kind: 'requested' }),
          refundSucceeded({ ...m, kind: 'double_payment' }),
          providerFee(m),
        ])
          expect(isBalanced(lines)).toBe(true);
      }),
    );
    expect(isBalanced([{ account: 'a', amount: money(1) }])).toBe(false);
    expect(
      isBalanced([
        { account: 'a', amount: money(1) },
        { account: 'b', amount: money(-2) },
      ]),
    ).toBe(false);
  });

  it('a refund is the exact reverse of the payment it refunds', () => {
    const m = { provider: 'momo', agencyId: 'agy_1', amount: '150000' };
    const pay = paymentSucceeded(m);
    const back = refundSucceeded({ ...m, kind: 'requested' });
    const net = new Map<string, string>();
    for (const l of [...pay, ...back])
      net.set(
        l.account,
        money(net.get(l.account) ?? 0)
          .plus(l.amount)
          .toFixed(0),
      );
    expect([...net.values()]).toEqual(['0', '0']);
  });
});

describe('webhook signatures and schedule', () => {
  it('signatures verify with the official Standard Webhooks library, for any body', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 2 ** 31 }), (body, skew) => {
        const secret = newSecret();
        const timestamp = Math.floor(Date.now() / 1000) - (skew % 60);
        const headers = {
          'webhook-id': 'evt_01',
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature(secret, 'evt_01', timestamp, JSON.stringify(body)),
        };
        expect(new Webhook(secret).verify(JSON.stringify(body), headers)).toEqual(body);
      }),
      { numRuns: 50 },
    );
  });

  it('retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', () => {
    const delays = Array.from({ length: MAX_TRIES }, (_, i) => afterFailure(i + 1));
    expect(delays).toEqual([
      ...[5, 300, 1800, 7200, 18000, 36000, 36000].map((inSeconds) => ({ outcome: 'retry', inSeconds })),
      { outcome: 'failed' },
    ]);
  });
});

describe('webhook URL rules', () => {
  it('only public unicast addresses count as public', () => {
    for (const a of ['8.8.8.8', '2606:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '10.0.0.1',
      '172.16.0.1',
      '192.168.0.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '224.0.0.1',
      'not-an-ip',
    ])
      expect(isPublicAddress(a), a).toBe(false);
  });

  it('live mode wants https and public addresses only; test mode allows a local receiver', async () => {
    const resolve = async (host: string) =>
      host === 'rebound.example' ? ['93.184.215.14', '10.0.0.9'] : ['93.184.215.14'];
    await expect(checkEndpointUrl('http://127.0.0.1:9000/x', 'test', resolve, true)).resolves.toBeInstanceOf(
      URL,
    );
    await expect(checkEndpointUrl('https://portal.example/x', 'live', resolve)).resolves.toBeInstanceOf(URL);
    await expect(checkEndpointUrl('http://portal.example/x', 'live', resolve)).rejects.toThrow(/https/);
    // One private address among several is enough to refuse.
    await expect(checkEndpointUrl('https://rebound.example/x', 'live', resolve)).rejects.toThrow(
      /10\.0\.0\.9/,
    );
    await expect(checkEndpointUrl('https://user:pw@portal.example/x', 'live', resolve)).rejects.toThrow(
      /credentials/,
    );
    await expect(checkEndpointUrl('ftp://portal.example/x', 'test', resolve)).rejects.toThrow(/http/);
  });

  it('test mode without PAYHUB_ALLOW_PRIVATE_WEBHOOKS is held to public addresses (http allowed)', async () => {
    const resolve = async (host: string) => (host === 'inside.example' ? ['10.1.2.3'] : ['93.184.215.14']);
    for (const url of [
      'http://127.0.0.1:5432/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:6379/',
      'http://inside.example/x',
    ])
      await expect(checkEndpointUrl(url, 'test', resolve), url).rejects.toThrow(
        /not allowed unless PAYHUB_ALLOW_PRIVATE_WEBHOOKS is on/,
      );
    await expect(checkEndpointUrl('http://portal.example/x', 'test', resolve)).resolves.toBeInstanceOf(URL);
  });
});
