/**
 * VietQR (NAPAS 247) bank-transfer payloads: an EMVCo merchant-presented QR whose tag 38 names
 * the beneficiary bank (BIN) and account. See PROVIDERS.md §3 for the tag layout and sources.
 */
import { decodeEmv, type EmvField, emvText, encodeEmv } from './emv.ts';

export const VIETQR_GUID = 'A000000727';
/** Transfer to an account number; QRIBFTTC (to a card number) is read but never built. */
export const SERVICE_TO_ACCOUNT = 'QRIBFTTA';
export const PURPOSE_MAX_LENGTH = 25;
/** EMV tag 54 holds at most 13 characters. */
export const AMOUNT_MAX_DIGITS = 13;

/**
 * What we put in the transfer purpose: ASCII letters, digits, space and . , - _ / : ( ).
 * Banking apps copy the purpose into the transfer memo, and some of them drop or reject
 * diacritics and other symbols; the memo is how a transfer is matched to a payment, so we only
 * emit characters every app keeps.
 */
export const PURPOSE_PATTERN = /^[A-Za-z0-9 .,\-_/:()]+$/;

export interface VietQrInput {
  /** The bank's 6-digit NAPAS BIN, e.g. "970415" (VietinBank). */
  bin: string;
  /** Account number: up to 19 letters or digits. */
  accountNo: string;
  /** Whole đồng as a decimal string or bigint ("150000"); a JS number is not accepted. */
  amount?: string | bigint;
  purpose?: string;
}

export interface VietQr {
  bin: string;
  accountNo: string;
  /** Whole đồng, plain digits. */
  amount?: string;
  purpose?: string;
  /** Initiation method 12 (single use, with amount) rather than 11 (static). */
  dynamic: boolean;
  serviceCode: string;
}

function checkBin(bin: unknown): string {
  if (typeof bin !== 'string' || !/^\d{6}$/.test(bin)) {
    throw new Error(`VietQR BIN must be 6 digits, got ${JSON.stringify(bin)}`);
  }
  return bin;
}

function checkAccount(accountNo: unknown): string {
  if (typeof accountNo !== 'string' || !/^[A-Za-z0-9]{1,19}$/.test(accountNo)) {
    throw new Error(`VietQR account number must be 1–19 letters or digits, got ${JSON.stringify(accountNo)}`);
  }
  return accountNo;
}

/** Plain digits of whole đồng. "10.000" is rejected: in Vietnam that dot groups thousands. */
export function normalizeAmount(amount: string | bigint): string {
  let value: bigint;
  if (typeof amount === 'bigint') {
    value = amount;
  } else if (typeof amount === 'string' && /^-?\d+$/.test(amount)) {
    value = BigInt(amount);
  } else if (typeof amount === 'string' && /^-?\d+[.,]\d+$/.test(amount)) {
    throw new Error(
      `VietQR amount must be whole đồng as plain digits (no decimals or thousand separators), got "${amount}"`,
    );
  } else {
    throw new Error(
      `VietQR amount must be a string of digits or a bigint, got ${JSON.stringify(String(amount))}`,
    );
  }
  if (value <= 0n) throw new Error(`VietQR amount must be positive, got ${value}`);
  const digits = value.toString();
  if (digits.length > AMOUNT_MAX_DIGITS) {
    throw new Error(`VietQR amount has ${digits.length} digits; EMV tag 54 allows ${AMOUNT_MAX_DIGITS}`);
  }
  return digits;
}

function checkPurpose(purpose: unknown): string {
  if (typeof purpose !== 'string' || purpose.length === 0) {
    throw new Error('VietQR purpose must be a non-empty string (omit it for none)');
  }
  if (purpose.length > PURPOSE_MAX_LENGTH) {
    throw new Error(`VietQR purpose is ${purpose.length} characters; at most ${PURPOSE_MAX_LENGTH}`);
  }
  if (!PURPOSE_PATTERN.test(purpose)) {
    throw new Error(
      `VietQR purpose may hold only ASCII letters, digits, spaces and . , - _ / : ( ) ` +
        `(no diacritics), got ${JSON.stringify(purpose)}`,
    );
  }
  return purpose;
}

/** The payload string to render as a QR code. */
export function buildVietQr(input: VietQrInput): string {
  const bin = checkBin(input.bin);
  const accountNo = checkAccount(input.accountNo);
  const amount = input.amount === undefined ? undefined : normalizeAmount(input.amount);
  const purpose = input.purpose === undefined ? undefined : checkPurpose(input.purpose);

  const fields: EmvField[] = [
    { id: '00', value: '01' },
    { id: '01', value: amount === undefined ? '11' : '12' },
    {
      id: '38',
      value: [
        { id: '00', value: VIETQR_GUID },
        {
          id: '01',
          value: [
            { id: '00', value: bin },
            { id: '01', value: accountNo },
          ],
        },
        { id: '02', value: SERVICE_TO_ACCOUNT },
      ],
    },
    { id: '53', value: '704' },
  ];
  if (amount !== undefined) fields.push({ id: '54', value: amount });
  fields.push({ id: '58', value: 'VN' });
  if (purpose !== undefined) fields.push({ id: '62', value: [{ id: '08', value: purpose }] });
  return encodeEmv(fields);
}

/**
 * Reads a VietQR payload (CRC verified). Throws for anything that is not a NAPAS VietQR in
 * VND: another GUID (VNPAY-QR uses A000000775 under tag 26), another currency or country.
 * The purpose is returned as sent, in EMV's printable ASCII, which is wider than what we emit.
 */
export function parseVietQr(payload: string): VietQr {
  const fields = decodeEmv(payload);

  const method = emvText(fields, '01');
  if (method !== '11' && method !== '12') {
    throw new Error(`VietQR initiation method (tag 01) must be 11 or 12, got ${JSON.stringify(method)}`);
  }
  const guid = emvText(fields, '38', '00');
  if (guid === undefined) throw new Error('not a VietQR: no tag 38 with a GUID');
  if (guid !== VIETQR_GUID) throw new Error(`not a VietQR: tag 38 GUID is ${guid}, expected ${VIETQR_GUID}`);
  const bin = checkBin(emvText(fields, '38', '01', '00'));
  const accountNo = checkAccount(emvText(fields, '38', '01', '01'));
  const serviceCode = emvText(fields, '38', '02');
  if (serviceCode === undefined) throw new Error('VietQR tag 38 has no service code (02)');

  const currency = emvText(fields, '53');
  if (currency !== '704') throw new Error(`VietQR currency (tag 53) must be 704 (VND), got ${currency}`);
  const country = emvText(fields, '58');
  if (country !== 'VN') throw new Error(`VietQR country (tag 58) must be VN, got ${country}`);

  const result: VietQr = { bin, accountNo, dynamic: method === '12', serviceCode };
  const amount = emvText(fields, '54');
  if (amount !== undefined) {
    // EMV permits a decimal point here; VND has no minor unit, so an amount we would misread is refused.
    if (!/^[1-9]\d{0,12}$/.test(amount)) {
      throw new Error(`VietQR amount (tag 54) is not whole đồng of at most 13 digits: "${amount}"`);
    }
    result.amount = amount;
  }
  const purpose = emvText(fields, '62', '08');
  if (purpose !== undefined) result.purpose = purpose;
  return result;
}
