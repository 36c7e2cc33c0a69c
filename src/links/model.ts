import type { Mode } from '../agencies/service.ts';
import type { FieldProblem } from '../catalog/model.ts';
import type { Db } from '../db/port.ts';

/** What the links service (and its bulk creation) is built from. */
export interface LinksDeps {
  db: Db;
  publicUrl: string;
  secretKey: string;
  now?: () => Date;
}

export interface LinkPayer {
  name: string;
  email?: string;
  phone?: string;
}

export interface PaymentLinkRow {
  id: string;
  agency_id: string;
  agency_code: string;
  catalog_item_id: string;
  mode: Mode;
  nonce: string;
  reusable: boolean;
  amount: string | null;
  reference: string | null;
  payer: LinkPayer | null;
  expires_at: Date | null;
  deactivated_at: Date | null;
  created_by: string | null;
  created_at: Date;
}

export type LinkStatus = 'active' | 'expired' | 'deactivated';

export function linkStatus(
  link: Pick<PaymentLinkRow, 'expires_at' | 'deactivated_at'>,
  now: Date,
): LinkStatus {
  if (link.deactivated_at) return 'deactivated';
  if (link.expires_at && new Date(link.expires_at) <= now) return 'expired';
  return 'active';
}

/** Why a citizen's link cannot be paid as asked; each reason has its words on the page. */
export type LinkRefusal =
  | 'tampered'
  | 'unknown'
  | 'wrong_agency'
  | 'expired'
  | 'deactivated'
  | 'item_inactive'
  | 'already_paid'
  | 'reference_in_use';

export class LinkRefused extends Error {
  constructor(
    readonly reason: LinkRefusal,
    readonly problems: FieldProblem[] = [],
  ) {
    super(reason);
  }
}

/** A bulk CSV row that was refused (row 1 is the header). */
export interface RowProblem {
  row: number;
  field: string;
  /** Stable, for the console's words; `message` is the API's English. */
  code: string;
  message: string;
}
