/**
 * Reconciliation's domain rules as plain functions: the business day, the fee rule, what a
 * settlement line must satisfy to be ingested, and how a line is written for COPY.
 */
import type { SettlementLine } from '../../adapters/types.ts';
import { addDays, isCalendarDate, localMidnight } from '../dates.ts';
import type { DomainError } from '../errors.ts';
import { isSettlementRefusal, settlementRefusal } from './refusals.ts';

export const CATEGORIES = [
  'matched',
  'missing_in_hub',
  'missing_at_provider',
  'amount_mismatch',
  'status_mismatch',
  'duplicate',
  'fee_mismatch',
  'unrelated_credit',
  'bank_debit',
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Lines that are not the hub's money, reported with the run but needing no one (status ok): a
 * credit naming no payment (a bank's interest, an unrelated transfer) and a debit (a bank's
 * fee, a transfer out). matching.ts's CLASSIFY gives them these categories.
 */
export const INFORMATIONAL: readonly Category[] = ['unrelated_credit', 'bank_debit'];

export const ITEM_STATUSES = ['ok', 'open', 'carried', 'resolved'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const ACTIONS = ['confirm_payment', 'refund', 'write_off', 'carry_over', 'reopen'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Line statuses that mean "paid" (or "refunded" on a refund line). Every settlement parser turns
 * its provider's status codes into these words; the hub never reads a provider's code.
 */
export const SUCCESS_STATUSES = ['succeeded'] as const;

/** A business day runs from 00:00 to 24:00 in Asia/Ho_Chi_Minh (GMT+7, no daylight saving). */
export function businessDay(date: string): { start: Date; end: Date } {
  if (!isCalendarDate(date)) throw new Error(`not a date: ${date}`);
  return { start: localMidnight(date), end: localMidnight(addDays(date, 1)) };
}

/**
 * The fee a provider is expected to charge on a payment: `percent` of the amount, at least `min`,
 * rounded half-up to the đồng (done in SQL: round() on numeric). Refund lines carry no fee check.
 */
export interface FeeRule {
  percent: string;
  min: string;
}

/** An adapter's parse error names the line ("… line 7: bad amount …"): keep that number. */
export function parseErrorOf(error: unknown): DomainError {
  if (isSettlementRefusal(error)) return error;
  const message = (error as Error)?.message ?? String(error);
  const line = /line (\d+)/.exec(message);
  return settlementRefusal('malformed_file', message, line ? Number(line[1]) : undefined);
}

/** Every line must belong to the run's business day: a line of another day refuses the file. */
export function checkDay(line: SettlementLine, day: { start: Date; end: Date }, date: string): void {
  const at = line.occurredAt.getTime();
  if (at < day.start.getTime() || at >= day.end.getTime()) {
    throw settlementRefusal(
      'wrong_day',
      `line ${line.lineNo}: ${line.occurredAt.toISOString()} is not on business day ${date} (GMT+7)`,
      line.lineNo,
    );
  }
}

/** COPY text format: backslash, tab, newline and carriage return must be escaped. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)
    : value;
}

export const LINE_COLUMNS = [
  'run_id',
  'line_no',
  'provider_transaction_id',
  'merchant_reference',
  'type',
  'amount',
  'fee',
  'status',
  'occurred_at',
] as const;

const DAY_MS = 86_400_000;
let isoDay = { start: Number.NaN, text: '' };
const pad = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * The instant as toISOString writes it. toISOString costs most of a line's COPY text at a million
 * lines; a file's lines share a day or two, so only the time of day is worked out per line.
 */
export function isoInstant(at: Date): string {
  const t = at.getTime();
  const start = Math.floor(t / DAY_MS) * DAY_MS;
  if (start !== isoDay.start) {
    const iso = at.toISOString();
    isoDay = { start, text: iso.slice(0, iso.indexOf('T') + 1) };
  }
  const clock = t - start;
  const milli = clock % 1000;
  const time = `${pad(Math.floor(clock / 3_600_000))}:${pad(Math.floor(clock / 60_000) % 60)}:${pad(Math.floor(clock / 1000) % 60)}`;
  return `${isoDay.text}${time}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** One settlement_lines row in COPY text format (amounts were checked as whole numbers by the adapter). */
export function copyLine(runId: string, line: SettlementLine): string {
  return `${runId}\t${line.lineNo}\t${copyText(line.providerTransactionId)}\t${copyText(line.merchantReference)}\t${line.type}\t${line.amount}\t${line.fee}\t${copyText(line.status)}\t${isoInstant(line.occurredAt)}\n`;
}

const WHOLE = /^(0|[1-9]\d{0,14})$/;
const LINE_TYPES = new Set<string>(['payment', 'refund', 'credit', 'debit']);

/** Why a line cannot be ingested, or null: what the hub requires whatever the adapter checked. */
function faultOf(line: SettlementLine): string | null {
  if (!WHOLE.test(line.amount) || line.amount === '0')
    return `amount "${line.amount}" is not a positive whole number of đồng`;
  if (!WHOLE.test(line.fee)) return `fee "${line.fee}" is not a whole number of đồng`;
  if (!LINE_TYPES.has(line.type)) return `unknown type "${line.type}"`;
  if (!line.providerTransactionId) return 'missing transaction id';
  // A bank's own credits and debits name no payment; the hub's lines must.
  if (!line.merchantReference && (line.type === 'payment' || line.type === 'refund'))
    return 'missing merchant reference';
  if (Number.isNaN(line.occurredAt.getTime())) return 'bad time';
  return null;
}

/** Refuses a line the hub cannot ingest (no closure per line: a million of them showed in profiles). */
export function checkLine(line: SettlementLine): void {
  const why = faultOf(line);
  if (why) throw settlementRefusal('malformed_file', `line ${line.lineNo}: ${why}`, line.lineNo);
}
