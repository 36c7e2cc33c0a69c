import { VN_TIME_ZONE } from '../dates.ts';
import { formatVnd, money } from '../money.ts';
import { LATE_RATE_PER_DAY } from '../payments/penalty.ts';
import { amountInVietnameseWords } from './words.ts';

/** Everything printed on one e-receipt (biên lai điện tử), already read from the payment and its attempt. */
export interface ReceiptData {
  /** Số biên lai. */
  receiptNo: string;
  /** Ký hiệu biên lai. */
  series: string;
  /** Ký hiệu mẫu biên lai. */
  formSymbol: string;
  issuedAt: Date;
  agency: { name: string; code: string; taxCode?: string; address?: string };
  payer: { name: string; idNumber?: string } | null;
  obligation: { type: string; description: string; catalogCode?: string; fineDecisionNo?: string };
  budget: ReceiptBudget | null;
  /** Whole đồng, as stored: amount = principal + latePenalty. */
  amount: string;
  principal: string;
  latePenalty: string;
  lateDays: number;
  /** Printed as given: the caller passes the name the citizen saw at checkout. */
  provider: string;
  providerTransactionId: string;
  paymentId: string;
  reference: string;
  verifyUrl: string;
  /** The payment's language; the receipt stays Vietnamese-first either way (see receiptLines). */
  language: 'vi' | 'en';
  /** A test payment's receipt: marked TEST on the page and in the text, never a real receipt. */
  test?: boolean;
  /** The signing certificate's subject, when the agency has one configured. */
  signedBy?: string;
}

/** Printed across a test receipt (and so in its text). */
export const TEST_MARK: BilingualText = {
  vi: 'TEST — BIÊN LAI THỬ NGHIỆM, KHÔNG CÓ GIÁ TRỊ',
  en: 'TEST — test payment, not a valid receipt',
};

/** Mục lục NSNN codes, as in openapi.yaml (Budget). */
export interface ReceiptBudget {
  treasury_code: string;
  treasury_account: string;
  chapter_code: string;
  economic_code: string;
  revenue_agency_code?: string;
  area_code?: string;
}

export interface BilingualText {
  vi: string;
  en: string;
}

export type ReceiptLineKey =
  | 'agency'
  | 'agencyCode'
  | 'agencyTaxCode'
  | 'agencyAddress'
  | 'payer'
  | 'payerId'
  | 'obligationType'
  | 'description'
  | 'catalogCode'
  | 'fineDecisionNo'
  | 'budget'
  | 'principal'
  | 'latePenalty'
  | 'amount'
  | 'amountInWords'
  | 'provider'
  | 'providerTransactionId'
  | 'paymentId'
  | 'reference'
  | 'issuedAt';

export interface ReceiptField {
  /** Vietnamese first; the English is printed smaller beside or beneath it. */
  label: BilingualText;
  value: string;
  emphasis?: boolean;
}

export interface ReceiptLine extends ReceiptField {
  key: ReceiptLineKey;
}

const OBLIGATION_TYPES: Record<string, BilingualText> = {
  fee: { vi: 'Phí', en: 'Fee' },
  charge: { vi: 'Lệ phí', en: 'Charge' },
  tax: { vi: 'Thuế', en: 'Tax' },
  fine: { vi: 'Tiền phạt vi phạm hành chính', en: 'Administrative fine' },
  insurance: { vi: 'Bảo hiểm (BHXH/BHYT)', en: 'Social / health insurance' },
  other: { vi: 'Khoản thu khác', en: 'Other revenue' },
};

/** openapi.yaml restricts the type to the keys above; anything else is printed as "other". */
export function obligationTypeName(type: string): BilingualText {
  return OBLIGATION_TYPES[type] ?? (OBLIGATION_TYPES.other as BilingualText);
}

/**
 * Fees and charges get the receipt name of Decree 123/2020/ND-CP, a fine the receipt for
 * administrative fines (biên lai thu tiền phạt); other revenue a plain "receipt".
 */
export function receiptTitle(data: Pick<ReceiptData, 'obligation'>): BilingualText {
  const type = data.obligation.type;
  if (type === 'fine')
    return { vi: 'BIÊN LAI THU TIỀN PHẠT', en: 'Electronic receipt for administrative fines' };
  return type === 'fee' || type === 'charge'
    ? { vi: 'BIÊN LAI THU TIỀN PHÍ, LỆ PHÍ', en: 'Electronic receipt for fees and charges' }
    : { vi: 'BIÊN LAI THU', en: 'Electronic receipt' };
}

/** The top-right block, in the order Vietnamese receipts print it: Mẫu số / Ký hiệu / Số. */
export function receiptHeader(
  data: Pick<ReceiptData, 'formSymbol' | 'series' | 'receiptNo'>,
): ReceiptField[] {
  return [
    { label: { vi: 'Mẫu số', en: 'Form' }, value: data.formSymbol },
    { label: { vi: 'Ký hiệu', en: 'Series' }, value: data.series },
    { label: { vi: 'Số', en: 'No.' }, value: data.receiptNo, emphasis: true },
  ];
}

const issuedAtFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: VN_TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** dd/MM/yyyy HH:mm in Vietnam, whatever the server's zone. */
export function formatIssuedAt(instant: Date): string {
  const parts = Object.fromEntries(issuedAtFormat.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

/** "0.0005" → "0,05%": the daily rate written as the laws write it, decimal comma. */
export function formatRatePercent(ratePerDay: string): string {
  return `${money(ratePerDay).times(100).toString().replace('.', ',')}%`;
}

function lateRateOf(type: string): string | null {
  return type === 'fine' || type === 'tax' ? LATE_RATE_PER_DAY[type] : null;
}

/**
 * The label/value lines of the receipt body, in print order. Optional facts (tax code, payer ID,
 * catalogue code, decision number, budget codes) only appear when known; a receipt without a payer
 * prints "—" so the blank is visibly intentional. The principal and the late penalty (tiền chậm nộp)
 * are only itemised when there is a penalty. With language 'en' the obligation type also carries
 * its English name; the amount in words stays Vietnamese, as the legal amount.
 */
export function receiptLines(data: ReceiptData): ReceiptLine[] {
  const amount = money(data.amount);
  const principal = money(data.principal);
  const penalty = money(data.latePenalty);
  // A receipt whose figures do not add up must never be issued.
  if (!principal.plus(penalty).eq(amount)) {
    throw new RangeError(
      `receipt ${data.receiptNo}: principal ${data.principal} + penalty ${data.latePenalty} ≠ ${data.amount}`,
    );
  }

  const lines: ReceiptLine[] = [];
  const add = (key: ReceiptLineKey, vi: string, en: string, value: string, emphasis = false) => {
    lines.push(emphasis ? { key, label: { vi, en }, value, emphasis } : { key, label: { vi, en }, value });
  };

  add('agency', 'Đơn vị thu', 'Collecting agency', data.agency.name);
  add('agencyCode', 'Mã đơn vị thu', 'Agency code', data.agency.code);
  if (data.agency.taxCode) add('agencyTaxCode', 'Mã số thuế', 'Tax code', data.agency.taxCode);
  if (data.agency.address) add('agencyAddress', 'Địa chỉ', 'Address', data.agency.address);
  add('payer', 'Người nộp tiền', 'Payer', data.payer?.name ?? '—');
  if (data.payer?.idNumber) add('payerId', 'Số CCCD/CMND', 'ID number', data.payer.idNumber);

  const type = obligationTypeName(data.obligation.type);
  add(
    'obligationType',
    'Loại khoản thu',
    'Type of payment',
    data.language === 'en' ? `${type.vi} (${type.en})` : type.vi,
  );
  add('description', 'Nội dung thu', 'Description', data.obligation.description);
  if (data.obligation.catalogCode)
    add('catalogCode', 'Mã thủ tục', 'Procedure code', data.obligation.catalogCode);
  if (data.obligation.fineDecisionNo) {
    add('fineDecisionNo', 'Số quyết định xử phạt', 'Penalty decision no.', data.obligation.fineDecisionNo);
  }
  if (data.budget) add('budget', 'Mục lục NSNN', 'Budget classification', budgetText(data.budget));

  if (penalty.gt(0)) {
    add('principal', 'Số tiền gốc', 'Principal', formatVnd(principal));
    const rate = lateRateOf(data.obligation.type);
    const basis = rate ? `${data.lateDays} ngày × ${formatRatePercent(rate)}/ngày` : `${data.lateDays} ngày`;
    add('latePenalty', 'Tiền chậm nộp', 'Late payment penalty', `${formatVnd(penalty)} (${basis})`);
  }
  add('amount', 'Tổng số tiền', 'Total amount', formatVnd(amount), true);
  add('amountInWords', 'Bằng chữ', 'In words', amountInVietnameseWords(data.amount));

  add('provider', 'Hình thức thanh toán', 'Paid via', data.provider);
  add('providerTransactionId', 'Mã giao dịch', 'Transaction ID', data.providerTransactionId);
  add('paymentId', 'Mã thanh toán', 'Payment ID', data.paymentId);
  add('reference', 'Mã hồ sơ', 'Reference', data.reference);
  add('issuedAt', 'Ngày thu', 'Date', formatIssuedAt(data.issuedAt));
  return lines;
}

function budgetText(b: ReceiptBudget): string {
  const parts = [
    `KBNN ${b.treasury_code}`,
    `TK ${b.treasury_account}`,
    `Chương ${b.chapter_code}`,
    `Tiểu mục ${b.economic_code}`,
  ];
  if (b.revenue_agency_code) parts.push(`CQ thu ${b.revenue_agency_code}`);
  if (b.area_code) parts.push(`Địa bàn ${b.area_code}`);
  return parts.join(' · ');
}
