/**
 * What resolving a break will post to the ledger, computed by the same line builders the
 * resolution posts with, so the console's confirmation step shows exactly what is applied.
 */
import type { Queryable } from '../db/port.ts';
import { doublePaymentReceived, type Line, paymentSucceeded, refundSucceeded } from '../ledger/postings.ts';
import { confirmedLines, lineSettlementLines, writeOffLines } from './ledger.ts';
import type { ItemRow } from './queries.ts';
import type { Action } from './rules.ts';

export interface PreviewEntry {
  /** `now`: posted with the action; `on_refund`: posted when the provider's refund succeeds. */
  when: 'now' | 'on_refund';
  lines: { account: string; amount: string }[];
}

const shown = (when: PreviewEntry['when'], lines: readonly Line[]): PreviewEntry[] =>
  lines.length < 2
    ? []
    : [{ when, lines: lines.map((l) => ({ account: l.account, amount: l.amount.toFixed(0) })) }];

export async function previewResolution(
  q: Queryable,
  item: ItemRow,
  action: Action,
): Promise<PreviewEntry[]> {
  const amount = item.line_amount;
  switch (action) {
    case 'confirm_payment':
      // The attempt succeeds (the agency is owed it), and its line settles like a matched one.
      if (!amount || !item.agency_id) return [];
      return [
        ...shown('now', paymentSucceeded({ provider: item.provider, agencyId: item.agency_id, amount })),
        ...shown('now', confirmedLines(item)),
      ];
    case 'refund':
      // Received into suspense, the line settles, and the refund empties suspense once it succeeds.
      if (!amount || !item.agency_id) return [];
      return [
        ...shown('now', doublePaymentReceived({ provider: item.provider, agencyId: item.agency_id, amount })),
        ...shown('now', lineSettlementLines(item)),
        ...shown(
          'on_refund',
          refundSucceeded({
            provider: item.provider,
            agencyId: item.agency_id,
            amount,
            kind: 'reconciliation',
          }),
        ),
      ];
    case 'write_off':
      return shown('now', await writeOffLines(q, item));
    default:
      return [];
  }
}
