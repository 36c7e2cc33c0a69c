import fc from 'fast-check';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { crc16 } from '../../adapters/vietqr/crc.ts';
import { decodeEmv, encodeEmv, encodeTlv } from '../../adapters/vietqr/emv.ts';
import { qrPng, qrSvg } from '../../adapters/vietqr/image.ts';
import { buildVietQr, parseVietQr, type VietQrInput } from '../../adapters/vietqr/payload.ts';

// PROVIDERS.md §3.4: published payloads, CRCs re-verified independently.
const STATIC_ACB =
  '00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F';
const DYNAMIC_ACB =
  '00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN62150811Chuyen tien630453E6';
const DYNAMIC_VIETINBANK =
  '00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C';

const VECTORS: { payload: string; input: VietQrInput }[] = [
  { payload: STATIC_ACB, input: { bin: '970416', accountNo: '257678859' } },
  {
    payload: DYNAMIC_ACB,
    input: { bin: '970416', accountNo: '257678859', amount: '10000', purpose: 'Chuyen tien' },
  },
  {
    payload: DYNAMIC_VIETINBANK,
    input: { bin: '970415', accountNo: '0011001932418', amount: 120000n, purpose: 'ung ho lu lut' },
  },
];

/** A body with its CRC field appended, to test structure errors behind a valid CRC. */
function withCrc(body: string): string {
  return `${body}6304${crc16(`${body}6304`)}`;
}

const vietQrInput = fc.record(
  {
    bin: fc.stringMatching(/^\d{6}$/),
    accountNo: fc.stringMatching(/^[A-Za-z0-9]{1,19}$/),
    amount: fc.oneof(
      fc.bigInt({ min: 1n, max: 10n ** 13n - 1n }),
      fc.bigInt({ min: 1n, max: 10n ** 13n - 1n }).map(String),
    ),
    purpose: fc.stringMatching(/^[A-Za-z0-9 .,\-_/:()]{1,25}$/),
  },
  { requiredKeys: ['bin', 'accountNo'] },
);

describe('CRC-16/CCITT-FALSE', () => {
  it('has the catalogued check value', () => {
    expect(crc16('123456789')).toBe('29B1');
    expect(crc16('')).toBe('FFFF');
  });
});

describe('VietQR published payloads', () => {
  it.each(VECTORS)(
    'decodes $input.bin/$input.accountNo and rebuilds it byte for byte',
    ({ payload, input }) => {
      const fields = decodeEmv(payload);
      expect(encodeEmv(fields)).toBe(payload);
      expect(buildVietQr(input)).toBe(payload);

      const parsed = parseVietQr(payload);
      expect(parsed).toEqual({
        bin: input.bin,
        accountNo: input.accountNo,
        ...(input.amount === undefined ? {} : { amount: String(input.amount) }),
        ...(input.purpose === undefined ? {} : { purpose: input.purpose }),
        dynamic: input.amount !== undefined,
        serviceCode: 'QRIBFTTA',
      });
    },
  );

  it('exposes the nested tag tree', () => {
    expect(decodeEmv(DYNAMIC_VIETINBANK)).toEqual([
      { id: '00', value: '01' },
      { id: '01', value: '12' },
      {
        id: '38',
        value: [
          { id: '00', value: 'A000000727' },
          {
            id: '01',
            value: [
              { id: '00', value: '970415' },
              { id: '01', value: '0011001932418' },
            ],
          },
          { id: '02', value: 'QRIBFTTA' },
        ],
      },
      { id: '53', value: '704' },
      { id: '54', value: '120000' },
      { id: '58', value: 'VN' },
      { id: '62', value: [{ id: '08', value: 'ung ho lu lut' }] },
    ]);
  });

  it('rejects a payload with one character changed, wherever it is', () => {
    expect(() => decodeEmv(DYNAMIC_ACB.replace('10000', '90000'))).toThrow(
      /CRC mismatch: payload says 53E6, computed [0-9A-F]{4}/,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...VECTORS.map((v) => v.payload)),
        fc.nat(),
        fc.integer({ min: 0x20, max: 0x7e }),
        (payload, at, code) => {
          const index = at % payload.length;
          const replacement = String.fromCharCode(code);
          fc.pre(payload[index] !== replacement);
          const corrupted = payload.slice(0, index) + replacement + payload.slice(index + 1);
          expect(() => decodeEmv(corrupted)).toThrow(/CRC/);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('EMV TLV errors', () => {
  it('names what is wrong', () => {
    expect(() => decodeEmv('000201010211')).toThrow(/must end with the CRC field/);
    expect(() => decodeEmv(STATIC_ACB.replace(/AE9F$/, 'ae9f'))).toThrow(/uppercase hex/);
    expect(() => decodeEmv(withCrc('000201621008116789ab'))).toThrow(
      /tag 62\.08 .* truncated: declares 11 characters, 6 remain/,
    );
    expect(() => decodeEmv(withCrc('00020101AB11'))).toThrow(/tag 01 .* bad length "AB"/);
    expect(() => decodeEmv(withCrc('0002010100'))).toThrow(/bad length "00"/);
    expect(() => decodeEmv(withCrc('000201X10211'))).toThrow(/ID at character 6 .* not 2 digits/);
    expect(() => decodeEmv(withCrc('0102110002' + '01'))).toThrow(/must start with tag 00/);
    expect(() => decodeEmv(withCrc('00020101021101021 '))).toThrow(/tag 01 appears twice/);
    // The final "6304…" sits inside tag 59's value, so tag 63 is not really the last field.
    const hidden = '0002015912abcd6304';
    expect(() => decodeEmv(hidden + crc16(hidden))).toThrow(/tag 63 \(CRC\) must be the last field/);
  });

  it('rejects characters EMV does not allow, counting length in characters', () => {
    // "Chuyển tiền" is 11 characters (the length says 11) but not ASCII.
    expect(() => decodeEmv(withCrc('00020101021162150811Chuyển tiền'))).toThrow(
      /tag 62\.08 .*U\+1EC3 is not allowed/,
    );
    expect(() => decodeEmv(withCrc('0002010102115902a\n'))).toThrow(/U\+000A/);
    // The language template (64) is where EMV allows the merchant name in Vietnamese.
    const fields = decodeEmv(withCrc('00020101021164160002vi0106Hà Nội'));
    expect(fields.at(-1)).toEqual({
      id: '64',
      value: [
        { id: '00', value: 'vi' },
        { id: '01', value: 'Hà Nội' },
      ],
    });
  });

  it('will not encode a value over 99 characters or an empty one', () => {
    expect(() => encodeTlv([{ id: '59', value: 'x'.repeat(100) }])).toThrow(
      /tag 59 value is 100 characters; it must be 1–99/,
    );
    expect(() => encodeTlv([{ id: '62', value: [{ id: '05', value: 'x'.repeat(96) }] }])).toThrow(
      /tag 62 value is 100/,
    );
    expect(() => encodeTlv([{ id: '59', value: '' }])).toThrow(/1–99/);
    expect(encodeTlv([{ id: '59', value: 'x'.repeat(99) }])).toBe(`5999${'x'.repeat(99)}`);
  });
});

describe('buildVietQr', () => {
  const base = { bin: '970415', accountNo: '0011001932418' };

  it('rejects a bad BIN or account', () => {
    expect(() => buildVietQr({ ...base, bin: '97041' })).toThrow(/BIN must be 6 digits/);
    expect(() => buildVietQr({ ...base, bin: '97041A' })).toThrow(/BIN must be 6 digits/);
    expect(() => buildVietQr({ ...base, bin: 970415 as unknown as string })).toThrow(/BIN/);
    expect(() => buildVietQr({ ...base, accountNo: '' })).toThrow(/1–19 letters or digits/);
    expect(() => buildVietQr({ ...base, accountNo: '1'.repeat(20) })).toThrow(/1–19 letters or digits/);
    expect(() => buildVietQr({ ...base, accountNo: '0011-0019' })).toThrow(/1–19 letters or digits/);
  });

  it('takes whole đồng only', () => {
    for (const amount of ['0', '-5', 0n, -1n]) {
      expect(() => buildVietQr({ ...base, amount })).toThrow(/must be positive/);
    }
    expect(() => buildVietQr({ ...base, amount: '10000.5' })).toThrow(/whole đồng as plain digits/);
    // A Vietnamese "10.000" means ten thousand; refusing it beats guessing.
    expect(() => buildVietQr({ ...base, amount: '10.000' })).toThrow(/thousand separators/);
    expect(() => buildVietQr({ ...base, amount: '1e5' })).toThrow(/string of digits or a bigint/);
    expect(() => buildVietQr({ ...base, amount: 100000 as unknown as string })).toThrow(
      /string of digits or a bigint/,
    );
    expect(() => buildVietQr({ ...base, amount: '12345678901234' })).toThrow(
      /14 digits; EMV tag 54 allows 13/,
    );
    expect(parseVietQr(buildVietQr({ ...base, amount: '9999999999999' })).amount).toBe('9999999999999');
    expect(parseVietQr(buildVietQr({ ...base, amount: '00150000' })).amount).toBe('150000');
  });

  it('keeps the purpose to 25 safe ASCII characters', () => {
    expect(() => buildVietQr({ ...base, purpose: 'x'.repeat(26) })).toThrow(/26 characters; at most 25/);
    expect(() => buildVietQr({ ...base, purpose: 'Chuyển tiền' })).toThrow(/no diacritics/);
    expect(() => buildVietQr({ ...base, purpose: 'HS#12' })).toThrow(/only ASCII letters/);
    expect(() => buildVietQr({ ...base, purpose: '' })).toThrow(/non-empty/);
    expect(parseVietQr(buildVietQr({ ...base, purpose: 'HS 12/24 (le phi) a-b_c:d' })).purpose).toBe(
      'HS 12/24 (le phi) a-b_c:d',
    );
  });

  it('round-trips any valid input, with a CRC that verifies', () => {
    fc.assert(
      fc.property(vietQrInput, (input) => {
        const payload = buildVietQr(input);
        expect(payload.slice(-8, -4)).toBe('6304');
        expect(crc16(payload.slice(0, -4))).toBe(payload.slice(-4));
        const expected: Record<string, unknown> = {
          bin: input.bin,
          accountNo: input.accountNo,
          dynamic: input.amount !== undefined,
          serviceCode: 'QRIBFTTA',
        };
        if (input.amount !== undefined) expected.amount = String(input.amount);
        if (input.purpose !== undefined) expected.purpose = input.purpose;
        expect(parseVietQr(payload)).toStrictEqual(expected);
        expect(encodeEmv(decodeEmv(payload))).toBe(payload);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseVietQr', () => {
  const beneficiary = [
    { id: '00', value: '970415' },
    { id: '01', value: '113366668888' },
  ];

  it('rejects QR codes that are not VietQR transfers in VND', () => {
    const vnpayQr = encodeEmv([
      { id: '00', value: '01' },
      { id: '01', value: '11' },
      { id: '26', value: [{ id: '00', value: 'A000000775' }] },
      { id: '53', value: '704' },
      { id: '58', value: 'VN' },
    ]);
    expect(() => parseVietQr(vnpayQr)).toThrow(/not a VietQR: no tag 38/);

    const otherGuid = (guid: string, currency = '704') =>
      encodeEmv([
        { id: '00', value: '01' },
        { id: '01', value: '11' },
        {
          id: '38',
          value: [
            { id: '00', value: guid },
            { id: '01', value: beneficiary },
            { id: '02', value: 'QRIBFTTA' },
          ],
        },
        { id: '53', value: currency },
        { id: '58', value: 'VN' },
      ]);
    expect(() => parseVietQr(otherGuid('A000000775'))).toThrow(/GUID is A000000775, expected A000000727/);
    expect(() => parseVietQr(otherGuid('A000000727', '840'))).toThrow(/must be 704/);
    expect(parseVietQr(otherGuid('A000000727')).accountNo).toBe('113366668888');
  });

  it('refuses an amount with decimals rather than misreading it', () => {
    const payload = encodeEmv([
      { id: '00', value: '01' },
      { id: '01', value: '12' },
      {
        id: '38',
        value: [
          { id: '00', value: 'A000000727' },
          { id: '01', value: beneficiary },
          { id: '02', value: 'QRIBFTTA' },
        ],
      },
      { id: '53', value: '704' },
      { id: '54', value: '10000.00' },
      { id: '58', value: 'VN' },
    ]);
    expect(() => parseVietQr(payload)).toThrow(/not whole đồng/);
  });
});

describe('QR image', () => {
  it('renders a PNG whose size follows the symbol, scale 8 and a 4-module quiet zone', async () => {
    const png = await qrPng(DYNAMIC_VIETINBANK);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('ascii', 12, 16)).toBe('IHDR');
    const modules = QRCode.create(DYNAMIC_VIETINBANK, { errorCorrectionLevel: 'M' }).modules.size;
    const side = (modules + 2 * 4) * 8;
    expect(png.readUInt32BE(16)).toBe(side);
    expect(png.readUInt32BE(20)).toBe(side);
    expect(png.length).toBeGreaterThan(500);
    expect(png.length).toBeLessThan(20_000);
  });

  it('renders an SVG', async () => {
    const svg = await qrSvg(STATIC_ACB);
    const modules = QRCode.create(STATIC_ACB, { errorCorrectionLevel: 'M' }).modules.size;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain(`viewBox="0 0 ${modules + 8} ${modules + 8}"`);
  });
});
