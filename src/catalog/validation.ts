import { MAX_AMOUNT } from '../money.ts';

const MAX_AMOUNT_BIG = BigInt(MAX_AMOUNT.toFixed(0));

import type { Budget, FieldProblem } from './model.ts';

/** The national procedure code (mã thủ tục hành chính), e.g. 1.002309, with optional local parts. */
export const PROCEDURE_CODE = /^[0-9]\.[0-9]{6}(\.[0-9A-Z]{1,8}){0,4}$/;

/** Mục lục NSNN formats (DESIGN.md § Money): chapter 3 digits, sub-item 4, treasury 4, account 4, area ≤5. */
const BUDGET_FORMATS: Record<keyof Budget, RegExp> = {
  treasury_code: /^\d{4}$/,
  treasury_account: /^\d{4}$/,
  chapter_code: /^\d{3}$/,
  economic_code: /^\d{4}$/,
  revenue_agency_code: /^\d{1,7}$/,
  area_code: /^\d{1,5}$/,
};
const REQUIRED_BUDGET: (keyof Budget)[] = [
  'treasury_code',
  'treasury_account',
  'chapter_code',
  'economic_code',
];

/**
 * An amount typed or sent: a JSON integer, or digits a person typed (with "." or spaces grouping
 * thousands, as "150.000" is written in Vietnamese). Null when it is not a whole amount in range.
 */
export function parseAmount(value: unknown): string | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return null;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim().replace(/[.\s]/g, '');
    if (!/^\d{1,12}$/.test(text)) return null;
  } else return null;
  // Whole đồng of at most 12 digits: compared exactly as BigInt (no arithmetic, no float).
  const amount = BigInt(text);
  if (amount <= 0n || amount > MAX_AMOUNT_BIG) return null;
  return amount.toString();
}

export const problem = (field: string, code: string, message: string): FieldProblem => ({
  field,
  code,
  message,
});

/** Budget codes as typed: blank fields dropped; null when none was given. */
export function parseBudget(value: unknown, problems: FieldProblem[]): Budget | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') {
    problems.push(problem('budget', 'invalid', 'must be an object of budget codes'));
    return null;
  }
  const given = Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== ''),
  );
  if (Object.keys(given).length === 0) return null;
  const budget: Record<string, string> = {};
  for (const [key, raw] of Object.entries(given)) {
    const format = BUDGET_FORMATS[key as keyof Budget];
    if (!format) {
      problems.push(problem(`budget.${key}`, 'unknown_field', 'is not a budget code'));
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (!format.test(text))
      problems.push(problem(`budget.${key}`, `format_${key}`, `does not match ${format.source}`));
    else budget[key] = text;
  }
  for (const key of REQUIRED_BUDGET)
    if (!(key in given)) problems.push(problem(`budget.${key}`, 'required', 'is required'));
  return budget as unknown as Budget;
}
