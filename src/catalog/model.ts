import { DomainError } from '../errors.ts';

export const OBLIGATION_TYPES = ['fee', 'charge', 'tax', 'insurance', 'other'] as const;
export type ObligationType = (typeof OBLIGATION_TYPES)[number];

export interface Budget {
  treasury_code: string;
  treasury_account: string;
  chapter_code: string;
  economic_code: string;
  revenue_agency_code?: string;
  area_code?: string;
}

export interface CatalogItemRow {
  id: string;
  agency_id: string;
  agency_code: string;
  code: string;
  name_vi: string;
  name_en: string | null;
  amount: string | null;
  amount_min: string | null;
  amount_max: string | null;
  obligation_type: ObligationType;
  budget: Budget | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A checked item, as stored (amounts as numeric strings). */
export interface CatalogItemFields {
  code: string;
  name_vi: string;
  name_en: string | null;
  amount: string | null;
  amount_min: string | null;
  amount_max: string | null;
  obligation_type: ObligationType;
  budget: Budget | null;
  active: boolean;
}

/** A refused field: `code` picks the words (English for the API, vi/en for pages). */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

/**
 * Why a catalogue or link change was refused (nothing was written), as DomainErrors. Their fields
 * are FieldProblems: the API answers each field's message, the console its words for the code.
 */
export const catalogErrors = {
  invalid: (detail: string, problems: FieldProblem[]) => new DomainError('invalid_request', detail, problems),
  notFound: (detail: string) => new DomainError('resource_missing', detail),
  forbidden: (detail: string) => new DomainError('forbidden', detail),
  /** The problem's code (code_taken) is the answer's. */
  conflict: (detail: string, problem: FieldProblem) => new DomainError(problem.code, detail, [problem]),
};

/** A refused change's problems with their codes, for the console's words. */
export function fieldProblemsOf(error: DomainError): FieldProblem[] {
  return (error.fields ?? []).map((f) => ({
    field: f.field,
    code: (f as Partial<FieldProblem>).code ?? '',
    message: f.message,
  }));
}
