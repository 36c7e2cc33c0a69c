/** An agency (tenant), its API keys and contacts, as stored. */
export interface AgencyRow {
  id: string;
  code: string;
  name: string;
  parent_id: string | null;
  return_origins: string[];
  /** Mã số thuế, printed on the agency's receipts. */
  tax_code: string | null;
  address: string | null;
  /** How a citizen reaches the agency: shown on its checkout pages when set. */
  contact_phone: string | null;
  contact_email: string | null;
  contact_website: string | null;
  created_at: Date;
}

export interface KeyOwnerRow {
  key_id: string;
  mode: 'test' | 'live';
  agency_id: string;
  agency_code: string;
  agency_name: string;
  return_origins: string[];
}

export type AgencyContact = Pick<AgencyRow, 'contact_phone' | 'contact_email' | 'contact_website'>;

export interface AgencyListRow extends AgencyRow {
  parent_code: string | null;
}

export interface ApiKeyRow {
  id: string;
  mode: 'test' | 'live';
  hint: string;
  created_at: Date;
  revoked_at: Date | null;
}
