/**
 * Reconciliation's refusals, as DomainErrors (src/errors.ts): a request the caller must fix (the
 * admin services map its code to their answer, the CLI prints its detail), and why a settlement
 * file is refused (kept as the rejected run's reason, never thrown to a client).
 */
import { DomainError } from '../errors.ts';

export const RECON_REFUSALS = [
  'unknown_provider',
  'invalid_date',
  'not_found',
  'run_superseded',
  'action_not_allowed',
  'resolution_moved_money',
  'provider_refused',
] as const;
export type ReconRefusal = (typeof RECON_REFUSALS)[number];

const reconCodes = new Set<string>(RECON_REFUSALS);

export function reconRefusal(code: ReconRefusal, detail: string): DomainError {
  return new DomainError(code, detail);
}

/** A refusal of reconciliation's own (not one of another folder's DomainErrors passing through). */
export function isReconRefusal(error: unknown): error is DomainError & { code: ReconRefusal } {
  return error instanceof DomainError && reconCodes.has(error.code);
}

export const SETTLEMENT_REFUSALS = [
  'malformed_file',
  'wrong_day',
  'duplicate_file',
  'empty_file',
  'file_not_found',
] as const;
export type SettlementRefusal = (typeof SETTLEMENT_REFUSALS)[number];

const settlementCodes = new Set<string>(SETTLEMENT_REFUSALS);

/** Why a file is refused; `line` is the 1-based line of the file at fault, when there is one. */
export function settlementRefusal(code: SettlementRefusal, detail: string, line?: number): DomainError {
  return new DomainError(code, detail, undefined, line === undefined ? undefined : { line });
}

export function isSettlementRefusal(error: unknown): error is DomainError & { code: SettlementRefusal } {
  return error instanceof DomainError && settlementCodes.has(error.code);
}

/** A refused file's reason as the rejected run keeps it (recon_runs.rejection). */
export function rejectionOf(error: DomainError): { code: string; detail: string; line?: number } {
  const line = error.extensions?.line as number | undefined;
  return { code: error.code, detail: error.detail, ...(line ? { line } : {}) };
}
