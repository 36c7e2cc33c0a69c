/**
 * A refusal from a service in the page's language. Every DomainError code (src/http/problem.ts
 * DOMAIN_STATUS) has a Vietnamese sentence here; English is the service's own detail unless a
 * sentence is given. Field messages the services give are matched to Vietnamese too; one not
 * listed reads as a plain "not accepted" in Vietnamese rather than as English on a vi page.
 */
import type { Lang } from './i18n.ts';

interface Sentence {
  vi: string;
  /** Absent: the service's detail, which is English. */
  en?: string;
}

export const REFUSAL_TEXT: Record<string, Sentence> = {
  invalid_request: { vi: 'Yêu cầu có trường chưa hợp lệ; xem các lỗi bên dưới.' },
  resource_missing: { vi: 'Không có đối tượng này trong phạm vi của bạn.' },
  idempotency_key_reused: { vi: 'Khóa Idempotency-Key này đã dùng cho một yêu cầu khác; dùng khóa mới.' },
  idempotency_key_in_use: { vi: 'Một yêu cầu với khóa này đang được xử lý; thử lại sau khi nó xong.' },
  return_url_not_allowed: { vi: 'Địa chỉ quay về không thuộc các địa chỉ đã đăng ký của đơn vị.' },
  unknown_budget_code: { vi: 'Mã mục lục ngân sách không có trong danh mục.' },
  amount_too_large: { vi: 'Số tiền vượt mức cho phép.' },
  reference_in_use: { vi: 'Mã tham chiếu này đã được dùng cho một thanh toán khác.' },
  payment_not_cancellable: { vi: 'Không thể hủy thanh toán ở trạng thái hiện tại.' },
  payment_not_refundable: { vi: 'Không thể hoàn tiền thanh toán ở trạng thái hiện tại.' },
  refund_not_supported: { vi: 'Nhà cung cấp của thanh toán này không hỗ trợ hoàn tiền.' },
  amount_exceeds_refundable: { vi: 'Số tiền vượt quá số tiền còn có thể hoàn.' },
  partial_refund_not_supported: { vi: 'Nhà cung cấp này chỉ hoàn toàn bộ số tiền, không hoàn một phần.' },
  webhook_url_not_allowed: { vi: 'URL webhook không được chấp nhận.' },
  forbidden: { vi: 'Vai trò của bạn không được thực hiện thao tác này.' },
  staff_invalid: { vi: 'Thông tin người dùng chưa hợp lệ.' },
  staff_user_exists: { vi: 'Đã có người dùng với địa chỉ thư điện tử này.' },
  cannot_disable_self: { vi: 'Bạn không thể tự khóa tài khoản của mình; hãy nhờ một quản trị viên khác.' },
  cannot_change_self: { vi: 'Bạn không thể tự đổi vai trò của mình; hãy nhờ một quản trị viên khác.' },
  agency_invalid: { vi: 'Thông tin đơn vị chưa hợp lệ.' },
  agency_missing: { vi: 'Không có đơn vị với mã này.' },
  agency_exists: { vi: 'Đã có đơn vị với mã này.' },
  api_key_missing: { vi: 'Không có khóa API đang hoạt động với mã này.' },
  api_key_revoked: { vi: 'Khóa API này đã bị thu hồi trước đó.' },
  provider_invalid: { vi: 'Nhà cung cấp hoặc thiết lập không được hỗ trợ.' },
  refund_not_manual: {
    vi: 'Không thể ghi nhận hoàn tiền thủ công: khoản hoàn đã thành công, hoặc nhà cung cấp đang tự hoàn tiền.',
  },
  credit_not_open: {
    vi: 'Khoản chuyển khoản đã được xử lý: chỉ khoản chưa khớp, đến muộn hoặc lệch số tiền mới hoàn hoặc xóa sổ được.',
  },
  credit_not_assignable: {
    vi: 'Không thể gán khoản chuyển khoản này: nó đã được xử lý, hoặc thanh toán không nhận.',
  },
  no_transfer_attempt: {
    vi: 'Thanh toán này chưa từng được đề nghị trả bằng chuyển khoản qua nhà cung cấp này.',
  },
  amount_mismatch: { vi: 'Số tiền chuyển khoản không khớp với số tiền của thanh toán.' },
  payment_already_paid: { vi: 'Thanh toán này đã được trả; hãy hoàn lại khoản chuyển khoản này.' },
  provider_refused: { vi: 'Nhà cung cấp từ chối thao tác này.' },
  run_superseded: { vi: 'Mục này thuộc một lần đối soát đã được thay thế; mở lần đối soát mới nhất.' },
  action_not_allowed: {
    vi: 'Không thể thực hiện thao tác này với mục ở trạng thái hiện tại (có thể đã được xử lý); tải lại trang.',
  },
  resolution_moved_money: {
    vi: 'Không thể mở lại: cách xử lý trước đã chuyển tiền (xác nhận thanh toán hoặc hoàn tiền).',
  },
  unknown_provider: { vi: 'Nhà cung cấp này không được hỗ trợ.' },
  provider_not_configured: { vi: 'Đơn vị chưa thiết lập nhà cung cấp này.' },
  invalid_signature: { vi: 'Chữ ký của dữ liệu không hợp lệ.' },
  stale_timestamp: { vi: 'Dữ liệu gửi đã quá hạn (dấu thời gian quá cũ).' },
  invalid_statement: { vi: 'Sao kê không đúng định dạng ISO 20022 (camt.053 hoặc camt.054).' },
  statement_account_unknown: { vi: 'Không có đơn vị nào của bạn nhận tiền vào tài khoản của sao kê này.' },
  payload_too_large: { vi: 'Tệp gửi lên quá lớn.' },
  invalid_date: { vi: 'Ngày nghiệp vụ không hợp lệ (YYYY-MM-DD).' },
  not_found: { vi: 'Không có đối tượng này trong phạm vi của bạn.' },
  receipt_reason_invalid: { vi: 'Lý do hủy biên lai chưa hợp lệ.' },
  receipt_number_invalid: { vi: 'Số biên lai không hợp lệ.' },
  receipt_missing: { vi: 'Không có biên lai với số này.' },
  receipt_already_cancelled: { vi: 'Biên lai này đã bị hủy trước đó.' },
  code_taken: { vi: 'Mã này đã được dùng; chọn một mã khác.' },
  checkout_missing: { vi: 'Không có trang thanh toán này.' },
  payment_not_payable: { vi: 'Thanh toán này không còn trả được (đã trả, đã hủy hoặc đã hết hạn).' },
  method_unavailable: { vi: 'Phương thức thanh toán này không dùng được cho khoản này.' },
  provider_unavailable: { vi: 'Nhà cung cấp thanh toán tạm thời không phản hồi; thử lại sau.' },
};

/** Field messages the services give, in Vietnamese: exact ones, then patterns. */
const FIELD_VI: Record<string, string> = {
  'must not be blank': 'Không được để trống.',
  'must be at most 2000 characters': 'Tối đa 2.000 ký tự.',
  'must be 1–100 characters': 'Nhập từ 1 đến 100 ký tự.',
  'must be test or live': 'Chọn chế độ thử nghiệm hoặc thật.',
  'must name a payment': 'Nhập mã thanh toán.',
  'enter at least one new value': 'Nhập ít nhất một giá trị mới.',
  'cannot be true with an agency': 'Không chọn toàn hệ thống khi đã nhập đơn vị.',
  'the password must be at least 12 characters': 'Mật khẩu phải có ít nhất 12 ký tự.',
  'the password is longer than 1024 characters': 'Mật khẩu dài quá 1.024 ký tự.',
  'is not a URL': 'không phải là một URL',
  'must be http(s)': 'phải là http hoặc https',
  'must not carry credentials': 'không được chứa tên đăng nhập hay mật khẩu',
  'must be https in live mode': 'phải là https ở chế độ thật',
};

const FIELD_VI_PATTERNS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^no such payment in your scope$/, () => 'Không có thanh toán này trong phạm vi của bạn.'],
  [/^no such .+ in your scope$/, () => 'Không có đối tượng này trong phạm vi của bạn.'],
  [/^no agency with code (.+)$/, (m) => `Không có đơn vị mã ${m[1]}.`],
  [/^is required for an? \w+ user/, () => 'Bắt buộc nhập đơn vị cho vai trò này, hoặc chọn toàn hệ thống.'],
  [/^(--role )?must be one of /, () => 'Chọn một vai trò.'],
  [/ is not an e-mail address$/, () => 'Địa chỉ thư điện tử không hợp lệ.'],
  [/^a staff user .+ already exists$/, () => 'Đã có người dùng với địa chỉ thư điện tử này.'],
  [/^unknown provider "(.*)"/, (m) => `Nhà cung cấp "${m[1]}" không được hỗ trợ.`],
  [/^(\S+) has no setting (.+); known/, (m) => `${m[1]} không có thiết lập ${m[2]}.`],
  [/^"(.*)" is not a date/, (m) => `"${m[1]}" không phải là ngày (YYYY-MM-DD).`],
  [/^host (\S+) does not resolve$/, (m) => `tên miền ${m[1]} không phân giải được`],
  [/^resolves to (\S+), a private/, (m) => `trỏ tới ${m[1]}, một địa chỉ nội bộ hoặc dành riêng`],
];

/** Said on a vi page for a code not in the table (an unmapped one is a bug, answered as one). */
export const REFUSAL_VI_FALLBACK = 'Không thực hiện được thao tác này.';

/** Said on a vi page for a field message not listed above. */
export const FIELD_VI_FALLBACK = 'Giá trị này không được chấp nhận.';

/** The sentence for a refusal's code: Vietnamese from the table, English the service's detail. */
export function refusalText(lang: Lang, code: string, detail: string): string {
  const sentence = REFUSAL_TEXT[code];
  if (lang === 'en') return sentence?.en ?? detail;
  return sentence?.vi ?? REFUSAL_VI_FALLBACK;
}

/** A service's field message in the page's language (English: as the service said it). */
export function fieldText(lang: Lang, message: string): string {
  if (lang === 'en') return message;
  const exact = FIELD_VI[message];
  if (exact) return exact;
  for (const [pattern, say] of FIELD_VI_PATTERNS) {
    const match = message.match(pattern);
    if (match) return say(match);
  }
  return FIELD_VI_FALLBACK;
}

/** Why a settlement file was rejected (a rejected run keeps its code), in Vietnamese. */
export const REJECTION_VI: Record<string, string> = {
  malformed_file: 'Tệp không đúng định dạng tệp đối soát của nhà cung cấp.',
  wrong_day: 'Tệp có giao dịch không thuộc ngày nghiệp vụ đã chọn (giờ Việt Nam).',
  duplicate_file: 'Tệp này đã được đối soát trước đó.',
  empty_file: 'Tệp trống, không có cả dòng tiêu đề.',
  file_not_found: 'Không có tệp đối soát của ngày này trong thư mục nhận tệp.',
};

/** A rejected run's reason in the page's language (English: the detail kept with the run). */
export function rejectionText(
  lang: Lang,
  rejection: { code: string; detail: string; line?: number },
): string {
  if (lang === 'en') return rejection.detail;
  const sentence = REJECTION_VI[rejection.code] ?? REFUSAL_VI_FALLBACK;
  return rejection.line ? `${sentence} (dòng ${rejection.line})` : sentence;
}
