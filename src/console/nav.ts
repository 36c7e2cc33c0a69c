import type { Role } from '../admin/staff.ts';
import type { ConsoleWords } from './i18n.ts';

export type NavKey = keyof ConsoleWords['pages'];

/** Every console page family, in menu order, with the roles that may open it. */
export const NAV: { key: NavKey; path: string; roles: readonly Role[] }[] = [
  { key: 'dashboard', path: '/console', roles: ['admin', 'finance', 'auditor'] },
  { key: 'payments', path: '/console/payments', roles: ['admin', 'finance', 'auditor'] },
  { key: 'reconciliation', path: '/console/reconciliation', roles: ['admin', 'finance', 'auditor'] },
  { key: 'bankCredits', path: '/console/bank-credits', roles: ['admin', 'finance', 'auditor'] },
  { key: 'reports', path: '/console/reports', roles: ['admin', 'finance', 'auditor'] },
  { key: 'refunds', path: '/console/refunds', roles: ['admin', 'finance', 'auditor'] },
  { key: 'links', path: '/console/links', roles: ['admin', 'finance', 'auditor'] },
  { key: 'audit', path: '/console/audit', roles: ['admin', 'finance', 'auditor'] },
  { key: 'users', path: '/console/users', roles: ['admin'] },
  { key: 'agencies', path: '/console/agencies', roles: ['admin'] },
];

export function navFor(role: Role) {
  return NAV.filter((item) => item.roles.includes(role));
}
