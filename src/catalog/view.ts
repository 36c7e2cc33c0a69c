import { toJsonAmount } from '../money.ts';
import type { CatalogItemRow } from './model.ts';

/** The API representation of a catalogue item (openapi.yaml, CatalogItem). */
export function catalogItemJson(row: CatalogItemRow) {
  const amount = (v: string | null) => (v === null ? null : toJsonAmount(v));
  return {
    id: row.id,
    object: 'catalog_item' as const,
    agency: row.agency_code,
    code: row.code,
    name: { vi: row.name_vi, en: row.name_en },
    amount: amount(row.amount),
    amount_min: amount(row.amount_min),
    amount_max: amount(row.amount_max),
    currency: 'VND' as const,
    obligation_type: row.obligation_type,
    budget: row.budget,
    active: row.active,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
