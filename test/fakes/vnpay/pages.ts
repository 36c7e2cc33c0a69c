import type { Ledger, SimOrder } from './ledger.ts';
import { fromVnTime, hashMatches, hmac512, queryHashData } from './signing.ts';

/**
 * GET /paymentv2/vpcpay.html: the checks VNPay makes before it shows its payment page. The error
 * codes 70 (Sai chữ ký) and 71 (unknown website) are the ones VNPay's error page shows; the
 * others, and the exact wording, are the simulator's.
 */

export class PayPageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const REQUIRED = [
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_Amount',
  'vnp_CreateDate',
  'vnp_CurrCode',
  'vnp_IpAddr',
  'vnp_Locale',
  'vnp_OrderInfo',
  'vnp_OrderType',
  'vnp_ReturnUrl',
  'vnp_TxnRef',
  'vnp_ExpireDate',
];

/** Validates a pay request and records (or refreshes) its order. */
export function acceptPayRequest(
  config: { tmnCode: string; hashSecret: string; now: () => Date },
  ledger: Ledger,
  search: URLSearchParams,
): SimOrder {
  const params = new Map<string, string>();
  for (const [k, v] of search) {
    if (params.has(k)) throw new PayPageError('03', `Tham số ${k} bị lặp (duplicate parameter)`);
    params.set(k, v);
  }
  const get = (k: string) => params.get(k) ?? '';
  if (get('vnp_TmnCode') !== config.tmnCode) {
    throw new PayPageError('71', 'Website này chưa được phê duyệt (unknown vnp_TmnCode)');
  }
  if (!hashMatches(hmac512(config.hashSecret, queryHashData(params)), params.get('vnp_SecureHash'))) {
    throw new PayPageError('70', 'Sai chữ ký (invalid signature)');
  }
  for (const k of REQUIRED)
    if (!get(k)) throw new PayPageError('03', `Thiếu tham số ${k} (missing parameter)`);
  if (get('vnp_Version') !== '2.1.0' || get('vnp_Command') !== 'pay' || get('vnp_CurrCode') !== 'VND') {
    throw new PayPageError('03', 'Dữ liệu gửi sang không đúng định dạng (version, command or currency)');
  }
  if (!['vn', 'en'].includes(get('vnp_Locale')))
    throw new PayPageError('03', 'vnp_Locale phải là vn hoặc en');

  const raw = get('vnp_Amount');
  const amount = /^[1-9]\d{0,11}$/.test(raw) ? BigInt(raw) : -1n;
  // vnp_Amount is đồng × 100; integrators report 5,000 to under 1 billion đồng as the accepted range.
  if (amount < 500_000n || amount >= 100_000_000_000n || amount % 100n !== 0n) {
    throw new PayPageError('03', 'Số tiền giao dịch không hợp lệ (invalid amount)');
  }
  const created = fromVnTime(get('vnp_CreateDate'));
  const expires = fromVnTime(get('vnp_ExpireDate'));
  if (!created || !expires || expires <= created) {
    throw new PayPageError(
      '03',
      'vnp_CreateDate / vnp_ExpireDate không đúng định dạng yyyyMMddHHmmss (GMT+7)',
    );
  }
  if (expires <= config.now())
    throw new PayPageError('11', 'Giao dịch đã quá thời gian chờ thanh toán (expired)');
  // "Vietnamese without diacritics, no special characters".
  if (!/^[A-Za-z0-9 .,:_\-/#]{1,255}$/.test(get('vnp_OrderInfo'))) {
    throw new PayPageError('03', 'vnp_OrderInfo phải là tiếng Việt không dấu, không ký tự đặc biệt');
  }
  if (!/^https?:\/\/\S+$/.test(get('vnp_ReturnUrl')))
    throw new PayPageError('03', 'vnp_ReturnUrl không hợp lệ');

  const txnRef = get('vnp_TxnRef');
  const known = ledger.orders.get(txnRef);
  if (known && known.state !== 'open')
    throw new PayPageError('02', 'Giao dịch đã tồn tại (order already settled)');
  const order: SimOrder = {
    txnRef,
    amount,
    createDate: get('vnp_CreateDate'),
    orderInfo: get('vnp_OrderInfo'),
    returnUrl: get('vnp_ReturnUrl'),
    locale: get('vnp_Locale'),
    state: 'open',
    refunds: [],
  };
  ledger.orders.set(txnRef, order);
  return order;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function errorPage(error: PayPageError): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Thông báo lỗi - VNPAY</title></head>
<body><h1>Thông báo</h1><p id="code">code=${escapeHtml(error.code)}</p><p id="message">${escapeHtml(error.message)}</p></body></html>`;
}

/** VNPay's payment page in the language the merchant asked for (vnp_Locale vn or en). */
export function orderPage(order: SimOrder): string {
  const en = order.locale === 'en';
  const dong = (order.amount / 100n).toString();
  const form = (action: string, label: string) =>
    `<form method="post" action="/paymentv2/simulate"><input type="hidden" name="txnRef" value="${escapeHtml(order.txnRef)}">` +
    `<input type="hidden" name="action" value="${action}"><button type="submit">${label}</button></form>`;
  return `<!doctype html><html lang="${en ? 'en' : 'vi'}"><head><meta charset="utf-8"><title>${en ? 'VNPAY payment gateway' : 'Cổng thanh toán VNPAY'} (simulator)</title></head>
<body><h1>${en ? 'Pay with NCB bank' : 'Thanh toán qua Ngân hàng NCB'}</h1>
<p>${en ? 'Order' : 'Đơn hàng'}: <span id="txnRef">${escapeHtml(order.txnRef)}</span></p>
<p>${en ? 'Amount' : 'Số tiền'}: <span id="amount">${dong}</span> VND</p>
<p>${en ? 'Description' : 'Nội dung'}: <span id="orderInfo">${escapeHtml(order.orderInfo)}</span></p>
${form('pay', en ? 'Pay' : 'Thanh toán')}${form('cancel', en ? 'Cancel payment' : 'Hủy thanh toán')}</body></html>`;
}
