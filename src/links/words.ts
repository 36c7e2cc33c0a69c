import type { LinkRefusal } from './model.ts';

/** The citizen pages' words (payment links, the catalogue page, statistics): Vietnamese first. */
export type Lang = 'vi' | 'en';

export const langOf = (value: unknown): Lang => (value === 'en' ? 'en' : 'vi');

const vi = {
  portal: 'Cổng thanh toán dịch vụ công',
  skip: 'Bỏ qua, đến nội dung chính',
  switchLang: 'English',
  payTo: 'Đơn vị thu',
  item: 'Thủ tục',
  procedureCode: 'Mã thủ tục',
  type: 'Loại khoản thu',
  amount: 'Số tiền',
  amountRange: (min: string, max: string) => `Từ ${min} đến ${max}`,
  reference: 'Mã hồ sơ',
  referenceHint: 'Mã hồ sơ ghi trên giấy tiếp nhận hồ sơ.',
  name: 'Họ và tên người nộp',
  amountHint: 'Số tiền bằng đồng, không có phần thập phân, ví dụ 150000.',
  expires: 'Hiệu lực đến',
  continue: 'Tiếp tục thanh toán',
  errorSummary: 'Có lỗi cần sửa',
  linkTitle: 'Thanh toán',
  agencyTitle: (name: string) => `Các khoản thu của ${name}`,
  search: 'Tìm thủ tục (tên hoặc mã)',
  searchButton: 'Tìm',
  noItems: 'Không có khoản thu nào phù hợp.',
  pay: 'Nộp tiền',
  doneTitle: 'Đã chuyển sang thanh toán',
  done: 'Cảm ơn bạn. Kết quả thanh toán được hiển thị trên trang thanh toán; biên lai điện tử được cấp khi thanh toán thành công.',
  unknownAgency: 'Không tìm thấy đơn vị thu này.',
  unknownItem: 'Không tìm thấy khoản thu này ở đơn vị.',
  types: {
    fee: 'Phí',
    charge: 'Lệ phí',
    tax: 'Thuế',
    insurance: 'Bảo hiểm (BHXH, BHYT)',
    other: 'Khoản thu khác',
  } as Record<string, string>,
  refusals: {
    tampered:
      'Đường dẫn thanh toán không hợp lệ: có thể đã bị sửa hoặc chép thiếu. Hãy mở lại đường dẫn đơn vị gửi cho bạn.',
    unknown: 'Không tìm thấy đường dẫn thanh toán này.',
    wrong_agency: 'Đường dẫn thanh toán này không thuộc đơn vị thu đã chọn.',
    expired: 'Đường dẫn thanh toán này đã hết hạn. Vui lòng liên hệ đơn vị thu.',
    deactivated: 'Đường dẫn thanh toán này đã bị đơn vị thu ngừng sử dụng.',
    item_inactive: 'Khoản thu này hiện không nhận thanh toán trực tuyến.',
    already_paid: 'Hồ sơ này đã được thanh toán. Mỗi hồ sơ chỉ thanh toán một lần.',
    reference_in_use:
      'Hồ sơ này đang có một khoản thanh toán khác chưa hoàn tất. Vui lòng liên hệ đơn vị thu.',
  } satisfies Record<LinkRefusal, string>,
  problems: {
    reference_required: 'Nhập mã hồ sơ.',
    reference_invalid: 'Mã hồ sơ chỉ gồm chữ không dấu, chữ số và ký hiệu, tối đa 64 ký tự.',
    name_required: 'Nhập họ và tên người nộp.',
    name_too_long: 'Họ và tên dài quá 200 ký tự.',
    amount_required: 'Nhập số tiền.',
    amount_invalid: 'Số tiền phải là số đồng nguyên dương.',
    amount_out_of_range: 'Số tiền nằm ngoài khoảng cho phép của khoản thu này.',
    amount_fixed: 'Số tiền phải đúng bằng mức thu của khoản thu này.',
  } as Record<string, string>,
};

const en: typeof vi = {
  portal: 'Public services payment portal',
  skip: 'Skip to main content',
  switchLang: 'Tiếng Việt',
  payTo: 'Paid to',
  item: 'Service',
  procedureCode: 'Procedure code',
  type: 'Type of payment',
  amount: 'Amount',
  amountRange: (min, max) => `From ${min} to ${max}`,
  reference: 'Dossier reference',
  referenceHint: 'The reference on your dossier receipt.',
  name: "Payer's full name",
  amountHint: 'Whole đồng, no decimals, for example 150000.',
  expires: 'Valid until',
  continue: 'Continue to payment',
  errorSummary: 'There is a problem',
  linkTitle: 'Payment',
  agencyTitle: (name) => `Payments to ${name}`,
  search: 'Search services (name or code)',
  searchButton: 'Search',
  noItems: 'No payable service matches.',
  pay: 'Pay',
  doneTitle: 'Sent to payment',
  done: 'Thank you. The checkout page shows the outcome of your payment; an e-receipt is issued once it succeeds.',
  unknownAgency: 'There is no such agency.',
  unknownItem: 'The agency has no such payable service.',
  types: {
    fee: 'Fee',
    charge: 'Charge',
    tax: 'Tax',
    insurance: 'Insurance contribution',
    other: 'Other payment',
  },
  refusals: {
    tampered:
      'This payment link is not valid: it may have been changed or copied incompletely. Open the link the agency sent you again.',
    unknown: 'There is no such payment link.',
    wrong_agency: 'This payment link belongs to another agency.',
    expired: 'This payment link has expired. Please contact the agency.',
    deactivated: 'The agency has deactivated this payment link.',
    item_inactive: 'This service does not take online payments at the moment.',
    already_paid: 'This dossier has already been paid. A dossier is paid once only.',
    reference_in_use: 'This dossier has another payment in progress. Please contact the agency.',
  },
  problems: {
    reference_required: 'Enter the dossier reference.',
    reference_invalid: 'The reference is letters without accents, digits and symbols, at most 64 characters.',
    name_required: "Enter the payer's full name.",
    name_too_long: 'The name is longer than 200 characters.',
    amount_required: 'Enter the amount.',
    amount_invalid: 'The amount must be a whole number of đồng.',
    amount_out_of_range: "The amount is outside this service's allowed range.",
    amount_fixed: "The amount must be this service's fixed amount.",
  },
};

export const WORDS = { vi, en };
export type Words = typeof vi;
