import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BankCredit, ProviderContext, StatementItem } from '../../adapters/types.ts';
import { parseCamt, StatementError } from '../../adapters/vietqr/camt.ts';
import { FEED_SIGNATURE_HEADER, FEED_TIMESTAMP_HEADER, verifyFeed } from '../../adapters/vietqr/feed.ts';
import { vietqrAdapter } from '../../adapters/vietqr/index.ts';
import { parseVietQr } from '../../adapters/vietqr/payload.ts';
import { isTransferReference, referenceFromBytes } from '../../adapters/vietqr/reference.ts';
import { BILLION_LAUGHS, camt053, camt054, feedHeaders } from '../fakes/bank/camt.ts';

const ACCOUNT = '0011001932418';
/** A valid transfer reference (its check character holds). */
const REFERENCE = referenceFromBytes(Buffer.from([7, 20, 3, 19, 9, 23, 2, 29, 4, 10]));

function ctx(credentials: Record<string, string>): ProviderContext {
  return { credentials, publicUrl: 'http://hub.test', mode: 'test', now: () => new Date() };
}

/** Feeds the text in small chunks, so elements and multi-byte characters straddle chunk edges. */
async function* chunks(text: string, size = 7): AsyncIterable<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(text: string, size?: number): Promise<StatementItem[]> {
  const out: StatementItem[] = [];
  for await (const item of parseCamt(chunks(text, size))) out.push(item);
  return out;
}

const credits = (items: StatementItem[]): BankCredit[] =>
  items.flatMap((i) => (i.type === 'credit' ? [i.credit] : []));

describe('the adapter builds a dynamic VietQR for each attempt', () => {
  it('every payload it generates decodes back to the account, the amount and its transfer reference', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('970415', '970436', '970418', '970416', '970422', '999999'),
        fc.stringMatching(/^[0-9]{6,19}$/),
        fc.bigInt({ min: 1n, max: 499_999_999n }),
        async (bin, accountNo, amount) => {
          const result = await vietqrAdapter.createCheckout(
            ctx({ bank_bin: bin, account_no: accountNo, account_name: 'SO TU PHAP' }),
            {
              attemptId: 'att_01J0000000000000000000000',
              amount: amount.toString(),
              description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
              language: 'vi',
              returnUrl: 'http://hub.test/return/vietqr',
              notifyUrl: 'http://hub.test/notify/vietqr',
              clientIp: '127.0.0.1',
              createdAt: new Date(),
              expiresAt: new Date(Date.now() + 3_600_000),
            },
          );
          expect(result.kind).toBe('page');
          if (result.kind !== 'page') return;
          const data = result.data as Record<string, string>;
          expect(isTransferReference(data.transfer_reference!)).toBe(true);
          expect(result.providerReference).toBe(data.transfer_reference);
          expect(parseVietQr(data.qr_payload!)).toEqual({
            bin,
            accountNo,
            amount: amount.toString(),
            purpose: data.transfer_reference,
            dynamic: true,
            serviceCode: 'QRIBFTTA',
          });
          expect(data.amount).toBe(amount.toString());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names the bank from its BIN and refuses to build without the account', async () => {
    const request = {
      attemptId: 'att_X',
      amount: '150000',
      description: 'x',
      language: 'vi' as const,
      returnUrl: '',
      notifyUrl: '',
      clientIp: '',
      createdAt: new Date(),
      expiresAt: new Date(),
    };
    const page = await vietqrAdapter.createCheckout(
      ctx({ bank_bin: '970436', account_no: '1234567890', account_name: 'KHO BAC' }),
      request,
    );
    expect(page.kind === 'page' && page.data.bank_name).toMatch(/^Vietcombank/);
    await expect(vietqrAdapter.createCheckout(ctx({ bank_bin: '970436' }), request)).rejects.toThrow(
      /account_no/,
    );
  });

  it('has no provider query or refund, and says why', async () => {
    expect(vietqrAdapter.capabilities).toEqual({ refund: false, partialRefund: false, queryStatus: false });
    const refund = await vietqrAdapter.refund(ctx({}), {
      refundId: 're_1',
      attemptId: 'att_1',
      amount: '1',
      attemptAmount: '1',
      attemptCreatedAt: new Date(),
      reason: 'x',
      requestedBy: 'x',
      clientIp: '',
    });
    expect(refund).toMatchObject({ status: 'failed', failure: { code: 'manual_refund' } });
    expect(refund.failure?.message).toMatch(/finance/);
  });
});

describe('camt.054 and camt.053, streamed', () => {
  it('reads the header and the booked credits and debits, skipping pending entries', async () => {
    const xml = camt054(ACCOUNT, [
      {
        amount: '150000',
        memo: 'PH7K3M9Q2X4AB chuyen tien',
        bankReference: 'FT26001',
        bookedAt: '2026-01-02T09:15:00+07:00',
        debtor: 'TRẦN THỊ BÍCH',
      },
      { amount: '20000', side: 'DBIT', bankReference: 'FT26002' },
      { amount: '30000', status: 'PDNG', bankReference: 'FT26003' },
      { amount: '1000000.00', memo: 'Nộp phạt', bankReference: 'FT26004' },
    ]);
    for (const size of [1, 7, 4096]) {
      const items = await collect(xml, size);
      expect(items[0]).toMatchObject({ type: 'statement', kind: 'camt.054', accountNo: ACCOUNT });
      expect(credits(items)).toEqual([
        expect.objectContaining({
          accountNo: ACCOUNT,
          amount: '150000',
          currency: 'VND',
          memo: 'PH7K3M9Q2X4AB chuyen tien',
          bankReference: 'FT26001',
          bookedAt: new Date('2026-01-02T02:15:00Z'),
          payerName: 'TRẦN THỊ BÍCH',
        }),
        expect.objectContaining({ amount: '1000000', memo: 'Nộp phạt', bankReference: 'FT26004' }),
      ]);
      expect(
        items.flatMap((i) => (i.type === 'debit' ? [[i.debit.bankReference, i.debit.amount]] : [])),
      ).toEqual([['FT26002', '20000']]);
    }
  });

  it('reads a camt.053 statement (version 02, plain Sts, booking date only) as a bank sends it', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>VCB20260102EOD</MsgId><CreDtTm>2026-01-02T23:59:59</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-1</Id><ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2026-01-02T23:59:59</CreDtTm>
   <Acct><Id><IBAN>VN12VCB0001234567890</IBAN></Id><Ccy>VND</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">5150000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-02</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="VND">300000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-01-02</Dt></BookgDt><ValDt><Dt>2026-01-02</Dt></ValDt>
    <AcctSvcrRef>5012ABC</AcctSvcrRef>
    <NtryDtls>
     <TxDtls><Refs><TxId>T1</TxId></Refs><Amt Ccy="VND">100000</Amt><RmtInf><Ustrd>PH-7K3M 9Q2X.4AB</Ustrd><Ustrd>ho so 12</Ustrd></RmtInf></TxDtls>
     <TxDtls><Refs><AcctSvcrRef>5012ABD</AcctSvcrRef></Refs><Amt Ccy="VND">200000</Amt><RltdPties><Dbtr><Pty><Nm>LE VAN C</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd><![CDATA[ung ho & nop phi]]></Ustrd></RmtInf></TxDtls>
    </NtryDtls>
   </Ntry>
   <Ntry><Amt Ccy="VND">50000</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>`;
    const items = await collect(xml);
    expect(items[0]).toEqual({
      type: 'statement',
      kind: 'camt.053',
      messageId: 'VCB20260102EOD',
      accountNo: 'VN12VCB0001234567890',
    });
    expect(
      credits(items).map((c) => [c.bankReference, c.amount, c.memo, c.payerName, c.bookedAt.toISOString()]),
    ).toEqual([
      ['5012ABC/1', '100000', 'PH-7K3M 9Q2X.4AB ho so 12', undefined, '2026-01-01T17:00:00.000Z'],
      ['5012ABD', '200000', 'ung ho & nop phi', 'LE VAN C', '2026-01-01T17:00:00.000Z'],
    ]);
  });

  const bad: [string, string, RegExp][] = [
    ['billion laughs', BILLION_LAUGHS, /DOCTYPE declarations are not accepted/],
    [
      'an external entity',
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">&x;</Document>',
      /DOCTYPE/,
    ],
    [
      'another ISO 20022 message',
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>',
      /not a camt\.053 or camt\.054 document/,
    ],
    ['no namespace', '<Document><BkToCstmrStmt/></Document>', /namespace ""/],
    ['an entry without an amount', camt054(ACCOUNT, [{ amount: '1', noAmount: true }]), /entry 1: no amount/],
    ['a currency other than VND', camt054(ACCOUNT, [{ amount: '1', currency: 'USD' }]), /currency "USD"/],
    ['a negative amount', camt054(ACCOUNT, [{ amount: '-5' }]), /not a decimal number/],
    [
      'a missing bank reference',
      camt054(ACCOUNT, [{ amount: '1', bankReference: '' }]).replace(/<NtryRef>\d+<\/NtryRef>/, ''),
      /no bank reference/,
    ],
    [
      'an undeclared entity',
      camt054(ACCOUNT, [{ amount: '1', memo: 'x' }]).replace('<Ustrd>x', '<Ustrd>&boom;'),
      /XML/,
    ],
    ['a truncated file', camt054(ACCOUNT, [{ amount: '1' }]).slice(0, -30), /XML/],
    ['an empty file', '', /root element/],
    [
      'a header without an account',
      camt053(ACCOUNT, [{ amount: '1' }]).replace(/<Acct>.*?<\/Acct>/s, ''),
      /no account/,
    ],
    ['invalid UTF-8', '', /UTF-8/],
  ];
  it.each(bad)('refuses %s with a clear error', async (name, xml, message) => {
    const input =
      name === 'invalid UTF-8'
        ? (async function* () {
            yield Buffer.from(camt054(ACCOUNT, [{ amount: '1' }]).slice(0, 300));
            yield Buffer.from([0xff, 0xfe, 0x41]);
          })()
        : chunks(xml, 64);
    const run = async () => {
      for await (const _ of parseCamt(input)) {
        // consume
      }
    };
    await expect(run()).rejects.toThrow(StatementError);
    await expect(
      (async () => {
        const again =
          name === 'invalid UTF-8'
            ? (async function* () {
                yield Buffer.from(camt054(ACCOUNT, [{ amount: '1' }]).slice(0, 300));
                yield Buffer.from([0xff, 0xfe, 0x41]);
              })()
            : chunks(xml, 64);
        for await (const _ of parseCamt(again)) {
          // consume
        }
      })(),
    ).rejects.toThrow(message);
  });

  it('parseSettlement yields a line per booked entry: transfers by their reference, other credits and debits by kind', async () => {
    const lines = [];
    const xml = camt053(ACCOUNT, [
      {
        amount: '150000',
        memo: `MBVCB.99.${REFERENCE.slice(0, 5).toLowerCase()} ${REFERENCE.slice(5)}.CT`,
        bankReference: 'FT1',
        bookedAt: '2026-01-02T10:00:00+07:00',
      },
      { amount: '5000', side: 'DBIT', bankReference: 'FT2' },
      { amount: '7000', memo: 'no reference here', bankReference: 'FT3' },
    ]);
    for await (const line of vietqrAdapter.parseSettlement(chunks(xml, 100))) lines.push(line);
    expect(lines).toEqual([
      {
        lineNo: 1,
        providerTransactionId: 'FT1',
        merchantReference: REFERENCE,
        type: 'payment',
        amount: '150000',
        fee: '0',
        status: 'succeeded',
        occurredAt: new Date('2026-01-02T03:00:00Z'),
      },
      expect.objectContaining({
        lineNo: 2,
        providerTransactionId: 'FT2',
        merchantReference: '',
        type: 'debit',
        amount: '5000',
        status: 'succeeded',
      }),
      expect.objectContaining({
        lineNo: 3,
        providerTransactionId: 'FT3',
        merchantReference: '',
        type: 'credit',
        amount: '7000',
        status: 'succeeded',
      }),
    ]);
  });
});

describe('the bank-feed signature', () => {
  const secret = 'feed-secret-0123456789';
  const credentials = { account_no: ACCOUNT, feed_secret: secret };
  const body = JSON.stringify({
    account: ACCOUNT,
    amount: 150000,
    memo: 'PH7K3M9Q2X4AB',
    bank_reference: 'FT26001',
    booked_at: '2026-01-02T09:15:00+07:00',
  });
  const at = new Date('2026-01-02T02:15:30Z');
  const ts = Math.floor(at.getTime() / 1000);
  const request = (headers: Record<string, string>, raw = body) => ({
    method: 'POST',
    query: {},
    body: undefined,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    rawBody: Buffer.from(raw),
  });

  it('accepts the documented HMAC over "<timestamp>.<body>" within 5 minutes', () => {
    const verdict = verifyFeed(credentials, request(feedHeaders(secret, body, ts)), at);
    expect(verdict).toMatchObject({
      credit: { amount: '150000', bankReference: 'FT26001', accountNo: ACCOUNT },
    });
    expect(verifyFeed(credentials, request(feedHeaders(secret, body, ts - 299)), at)).toHaveProperty(
      'credit',
    );
  });

  it('refuses a wrong secret, a changed body, a moved timestamp, an old or future call', () => {
    expect(verifyFeed(credentials, request(feedHeaders('other', body, ts)), at)).toMatchObject({
      rejected: 'invalid_signature',
    });
    expect(
      verifyFeed(credentials, request(feedHeaders(secret, body, ts), body.replace('150000', '1500000')), at),
    ).toMatchObject({
      rejected: 'invalid_signature',
    });
    const moved = { ...feedHeaders(secret, body, ts), [FEED_TIMESTAMP_HEADER]: String(ts + 1) };
    expect(verifyFeed(credentials, request(moved), at)).toMatchObject({ rejected: 'invalid_signature' });
    expect(verifyFeed(credentials, request(feedHeaders(secret, body, ts - 301)), at)).toMatchObject({
      rejected: 'stale_timestamp',
    });
    expect(verifyFeed(credentials, request(feedHeaders(secret, body, ts + 301)), at)).toMatchObject({
      rejected: 'stale_timestamp',
    });
    const unsigned = { 'content-type': 'application/json' };
    expect(verifyFeed(credentials, request(unsigned), at)).toMatchObject({ rejected: 'invalid_signature' });
    expect(verifyFeed({ account_no: ACCOUNT }, request(feedHeaders(secret, body, ts)), at)).toMatchObject({
      rejected: 'invalid_signature',
    });
    expect(FEED_SIGNATURE_HEADER).toBe('x-bank-feed-signature');
  });
});
