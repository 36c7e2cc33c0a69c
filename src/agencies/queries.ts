import type { Queryable } from '../db/port.ts';
import type { AgencyContact, AgencyListRow, AgencyRow, ApiKeyRow, KeyOwnerRow } from './model.ts';

export type { AgencyContact, AgencyListRow, AgencyRow, ApiKeyRow, KeyOwnerRow };

export const insertAgency = (db: Queryable, a: Omit<AgencyRow, 'created_at'>) =>
  db.query<AgencyRow>(
    `INSERT INTO agencies (id, code, name, parent_id, return_origins, tax_code, address,
                           contact_phone, contact_email, contact_website)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
    [
      a.id,
      a.code,
      a.name,
      a.parent_id,
      a.return_origins,
      a.tax_code,
      a.address,
      a.contact_phone,
      a.contact_email,
      a.contact_website,
    ],
  );

/** Sets the contact fields given (undefined keeps the stored value, null clears it). */
export const updateAgencyContact = (db: Queryable, code: string, c: Partial<AgencyContact>) =>
  db.query<AgencyRow>(
    `UPDATE agencies SET
       contact_phone   = CASE WHEN $2 THEN $3 ELSE contact_phone END,
       contact_email   = CASE WHEN $4 THEN $5 ELSE contact_email END,
       contact_website = CASE WHEN $6 THEN $7 ELSE contact_website END
     WHERE code = $1 RETURNING *`,
    [
      code,
      c.contact_phone !== undefined,
      c.contact_phone ?? null,
      c.contact_email !== undefined,
      c.contact_email ?? null,
      c.contact_website !== undefined,
      c.contact_website ?? null,
    ],
  );

export const agencyById = (db: Queryable, id: string) =>
  db.query<AgencyRow>('SELECT * FROM agencies WHERE id = $1', [id]);

export const agencyByCode = (db: Queryable, code: string) =>
  db.query<AgencyRow>('SELECT * FROM agencies WHERE code = $1', [code]);

export const insertApiKey = (
  db: Queryable,
  k: { id: string; agency_id: string; mode: string; hint: string; secret_hash: string },
) =>
  db.query(
    `INSERT INTO api_keys (id, agency_id, mode, hint, secret_hash) VALUES ($1, $2, $3, $4, decode($5, 'hex'))`,
    [k.id, k.agency_id, k.mode, k.hint, k.secret_hash],
  );

export const revokeApiKey = (db: Queryable, id: string) =>
  db.query<{ id: string }>(
    'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
    [id],
  );

export const keyOwner = (db: Queryable, secretHash: string) =>
  db.query<KeyOwnerRow>(
    `SELECT k.id AS key_id, k.mode, a.id AS agency_id, a.code AS agency_code, a.name AS agency_name, a.return_origins
       FROM api_keys k JOIN agencies a ON a.id = k.agency_id
      WHERE k.secret_hash = decode($1, 'hex') AND k.revoked_at IS NULL`,
    [secretHash],
  );

export const upsertProvider = (
  db: Queryable,
  agencyId: string,
  provider: string,
  credentials: Buffer | null,
) =>
  db.query(
    `INSERT INTO agency_providers (agency_id, provider, enabled, credentials) VALUES ($1, $2, true, $3)
     ON CONFLICT (agency_id, provider) DO UPDATE SET enabled = true,
       credentials = COALESCE(EXCLUDED.credentials, agency_providers.credentials), updated_at = now()`,
    [agencyId, provider, credentials],
  );

export const listAgencies = (db: Queryable) =>
  db.query<AgencyListRow>(
    `SELECT a.*, p.code AS parent_code FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id ORDER BY a.code`,
  );

export const apiKeysOf = (db: Queryable, agencyId: string) =>
  db.query<ApiKeyRow>(
    'SELECT id, mode, hint, created_at, revoked_at FROM api_keys WHERE agency_id = $1 ORDER BY created_at, id',
    [agencyId],
  );
