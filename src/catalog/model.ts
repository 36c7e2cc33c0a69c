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

/** Why a catalogue or link change was refused; nothing was written. */
export class CatalogError extends Error {
  constructor(
    readonly code: 'invalid' | 'not_found' | 'forbidden' | 'conflict',
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
  }
}
