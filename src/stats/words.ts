import type { Lang } from '../links/words.ts';

const vi = {
  title: 'Thống kê thanh toán trực tuyến dịch vụ công',
  intro: (min: number) =>
    `Các khoản thanh toán thành công theo ngày, đơn vị thu, loại khoản thu và kênh thanh toán. Ô có dưới ${min} khoản được ẩn số liệu để không lộ thông tin cá nhân; biểu đồ và tổng chỉ gồm các ô được công bố.`,
  period: 'Khoảng thời gian',
  from: 'Từ ngày',
  to: 'Đến ngày',
  show: 'Xem',
  download: 'Tải dữ liệu',
  amountChart: 'Số tiền thu được mỗi ngày (đồng)',
  countChart: 'Số khoản thanh toán mỗi ngày',
  day: 'Ngày',
  agency: 'Đơn vị thu',
  type: 'Loại khoản thu',
  provider: 'Kênh thanh toán',
  count: 'Số khoản',
  amount: 'Số tiền',
  suppressed: 'ẩn (dưới 5 khoản)',
  none: 'Không có khoản thanh toán nào trong khoảng thời gian này.',
  badDate:
    'Ngày không hợp lệ: dùng dạng NNNN-TT-NN, khoảng tối đa 366 ngày, ngày bắt đầu không sau ngày kết thúc.',
  types: {
    fee: 'Phí',
    charge: 'Lệ phí',
    tax: 'Thuế',
    fine: 'Tiền phạt',
    insurance: 'Bảo hiểm',
    other: 'Khác',
  } as Record<string, string>,
};

const en: typeof vi = {
  title: 'Online payments for public services: statistics',
  intro: (min) =>
    `Succeeded payments by day, agency, type of payment and payment channel. Cells of fewer than ${min} payments are published without figures, so that no person can be singled out; the charts and totals count published cells only.`,
  period: 'Period',
  from: 'From',
  to: 'To',
  show: 'Show',
  download: 'Download the data',
  amountChart: 'Amount collected per day (đồng)',
  countChart: 'Payments per day',
  day: 'Day',
  agency: 'Agency',
  type: 'Type of payment',
  provider: 'Payment channel',
  count: 'Payments',
  amount: 'Amount',
  suppressed: 'suppressed (under 5)',
  none: 'No payment in this period.',
  badDate: 'Invalid period: use YYYY-MM-DD, at most 366 days, the start not after the end.',
  types: { fee: 'Fee', charge: 'Charge', tax: 'Tax', fine: 'Fine', insurance: 'Insurance', other: 'Other' },
};

export const STATS_WORDS: Record<Lang, typeof vi> = { vi, en };
