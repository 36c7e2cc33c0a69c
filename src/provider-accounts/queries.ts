import type { Queryable } from '../db/port.ts';

/** agency_providers (an agency's account with a provider, credentials sealed) and provider_state. */

export const enabledAccounts = (db: Queryable, agencyId: string) =>
  db.query<{ provider: string; credentials: Uint8Array | null }>(
    'SELECT provider, credentials FROM agency_providers WHERE agency_id = $1 AND enabled ORDER BY provider',
    [agencyId],
  );

export const accountsFor = (db: Queryable, provider: string) =>
  db.query<{ agency_id: string; credentials: Uint8Array | null }>(
    'SELECT agency_id, credentials FROM agency_providers WHERE provider = $1 AND enabled ORDER BY agency_id',
    [provider],
  );

export const accountsOf = (db: Queryable, agencyId: string) =>
  db.query<{ provider: string; enabled: boolean; credentials: Uint8Array | null }>(
    'SELECT provider, enabled, credentials FROM agency_providers WHERE agency_id = $1 ORDER BY provider',
    [agencyId],
  );

export const lockAccount = (db: Queryable, agencyId: string, provider: string) =>
  db.query<{ credentials: Uint8Array | null }>(
    'SELECT credentials FROM agency_providers WHERE agency_id = $1 AND provider = $2 FOR UPDATE',
    [agencyId, provider],
  );

export const saveAccount = (db: Queryable, agencyId: string, provider: string, sealed: Uint8Array) =>
  db.query(
    `INSERT INTO agency_providers (agency_id, provider, enabled, credentials) VALUES ($1, $2, true, $3)
     ON CONFLICT (agency_id, provider) DO UPDATE SET enabled = true, credentials = EXCLUDED.credentials, updated_at = now()`,
    [agencyId, provider, sealed],
  );

export const stateValue = <T>(db: Queryable, provider: string, key: string) =>
  db.query<{ value: T }>('SELECT value FROM provider_state WHERE provider = $1 AND key = $2', [
    provider,
    key,
  ]);

export const putStateValue = (db: Queryable, provider: string, key: string, value: unknown) =>
  db.query(
    `INSERT INTO provider_state (provider, key, value) VALUES ($1, $2, $3)
     ON CONFLICT (provider, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [provider, key, JSON.stringify(value)],
  );
