import { toJsonAmount } from '../money.ts';
import { linkStatus, type PaymentLinkRow } from './model.ts';

/** The API representation of a payment link (openapi.yaml, PaymentLink). */
export function paymentLinkJson(row: PaymentLinkRow, url: string, now: Date) {
  return {
    id: row.id,
    object: 'payment_link' as const,
    agency: row.agency_code,
    catalog_item: row.catalog_item_id,
    mode: row.mode,
    reusable: row.reusable,
    amount: row.amount === null ? null : toJsonAmount(row.amount),
    reference: row.reference,
    payer: row.payer,
    status: linkStatus(row, now),
    url,
    expires_at: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    deactivated_at: row.deactivated_at ? new Date(row.deactivated_at).toISOString() : null,
    created_at: new Date(row.created_at).toISOString(),
  };
}
