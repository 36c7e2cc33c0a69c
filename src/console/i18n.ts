/**
 * The console's shared words (Vietnamese first, English on request). Each page family keeps its
 * own words in its own module, so no two families edit one dictionary.
 */
import type { Role } from '../admin/staff.ts';

export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];

export function isLang(value: unknown): value is Lang {
  return value === 'vi' || value === 'en';
}

const vi = {
  console: 'Bảng điều hành tài chính',
  skip: 'Bỏ qua, đến nội dung chính',
  nav: 'Điều hướng chính',
  signIn: 'Đăng nhập',
  signOut: 'Đăng xuất',
  signedInAs: 'Đang đăng nhập',
  email: 'Thư điện tử',
  password: 'Mật khẩu',
  wrongPassword: 'Thư điện tử hoặc mật khẩu không đúng.',
  emailRequired: 'Nhập địa chỉ thư điện tử.',
  passwordRequired: 'Nhập mật khẩu.',
  tooManyAttempts: 'Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau một phút.',
  sessionEnded: 'Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.',
  signedOut: 'Bạn đã đăng xuất.',
  errorSummary: 'Có lỗi cần sửa',
  wholeHub: 'Toàn hệ thống',
  scope: 'Phạm vi',
  role: 'Vai trò',
  roles: { admin: 'Quản trị', finance: 'Tài chính', auditor: 'Kiểm toán' } satisfies Record<Role, string>,
  testMode: 'CHẾ ĐỘ THỬ NGHIỆM — dữ liệu trên trang này là dữ liệu thử, không phải tiền thật.',
  language: 'Ngôn ngữ',
  otherLang: 'English',
  notFoundTitle: 'Không tìm thấy trang',
  notFound: 'Không có trang hoặc đối tượng này trong phạm vi của bạn.',
  forbiddenTitle: 'Không được phép',
  forbidden: 'Vai trò của bạn không được thực hiện thao tác này.',
  csrfTitle: 'Biểu mẫu không hợp lệ',
  csrf: 'Biểu mẫu đã hết hạn hoặc không đến từ trang này. Không có gì bị thay đổi. Vui lòng tải lại trang và thử lại.',
  errorTitle: 'Đã có lỗi',
  error: 'Hệ thống gặp lỗi khi xử lý yêu cầu. Không có gì bị thay đổi.',
  backHome: 'Về trang tổng quan',
  next: 'Trang sau',
  first: 'Trang đầu',
  search: 'Tìm kiếm',
  none: 'Không có dữ liệu.',
  footer: 'PayHub — cổng thanh toán dùng chung cho dịch vụ công',
  pages: {
    dashboard: 'Tổng quan',
    payments: 'Thanh toán',
    reconciliation: 'Đối soát',
    bankCredits: 'Chuyển khoản ngân hàng',
    reports: 'Báo cáo',
    refunds: 'Hoàn tiền',
    links: 'Đường dẫn thanh toán',
    audit: 'Nhật ký',
    users: 'Người dùng',
    agencies: 'Đơn vị',
  },
};

export type ConsoleWords = typeof vi;

const en: ConsoleWords = {
  console: 'Finance console',
  skip: 'Skip to main content',
  nav: 'Main navigation',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: 'Signed in as',
  email: 'E-mail',
  password: 'Password',
  wrongPassword: 'The e-mail or password is wrong.',
  emailRequired: 'Enter your e-mail address.',
  passwordRequired: 'Enter your password.',
  tooManyAttempts: 'Too many failed sign-ins. Try again in a minute.',
  sessionEnded: 'Your session has ended. Please sign in again.',
  signedOut: 'You have signed out.',
  errorSummary: 'There is a problem',
  wholeHub: 'Whole hub',
  scope: 'Scope',
  role: 'Role',
  roles: { admin: 'Admin', finance: 'Finance', auditor: 'Auditor' },
  testMode: 'TEST MODE — the data on this page is test data, not real money.',
  language: 'Language',
  otherLang: 'Tiếng Việt',
  notFoundTitle: 'Page not found',
  notFound: 'There is no such page or object in your scope.',
  forbiddenTitle: 'Not allowed',
  forbidden: 'Your role may not do this.',
  csrfTitle: 'Form not accepted',
  csrf: 'The form has expired or did not come from this page. Nothing was changed. Reload the page and try again.',
  errorTitle: 'Something went wrong',
  error: 'The hub could not handle the request. Nothing was changed.',
  backHome: 'Back to the dashboard',
  next: 'Next page',
  first: 'First page',
  search: 'Search',
  none: 'Nothing to show.',
  footer: 'PayHub — shared payment hub for public services',
  pages: {
    dashboard: 'Dashboard',
    payments: 'Payments',
    reconciliation: 'Reconciliation',
    bankCredits: 'Bank transfers',
    reports: 'Reports',
    refunds: 'Refunds',
    links: 'Payment links',
    audit: 'Audit log',
    users: 'Users',
    agencies: 'Agencies',
  },
};

export const WORDS: Record<Lang, ConsoleWords> = { vi, en };

/** A family's own dictionary, typed from its Vietnamese words: `const t = words({ vi, en })(lang)`. */
export function words<T>(dict: { vi: T; en: T }): (lang: Lang) => T {
  return (lang) => dict[lang];
}

/** Dates and times as staff read them: in Vietnam's time, in the page's language. */
export function formatDateTime(lang: Lang, value: Date | string | null): string {
  if (value === null) return '—';
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'medium',
    timeZone: 'Asia/Ho_Chi_Minh',
  }).format(new Date(value));
}

/** Counts with the page language's grouping (1.234 / 1,234). */
export function formatCount(lang: Lang, n: number): string {
  return new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB').format(n);
}
