import type { Db, Queryable } from '../db/port.ts';
import { isPgError, PG } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { newId, newToken, sha256 } from '../ids.ts';
import * as q from './queries.ts';

export type Mode = 'test' | 'live';

/** What an API key grants: one agency, in one mode. */
export interface Principal {
  keyId: string;
  mode: Mode;
  agencyId: string;
  agencyCode: string;
  agencyName: string;
  returnOrigins: string[];
}

/** An agency's input refused: `agency_invalid` names the field at fault (the CLI prints the detail). */
const invalid = (field: string, detail: string) =>
  new DomainError('agency_invalid', detail, [{ field, message: detail }]);
const noAgency = (code: string) => new DomainError('agency_missing', `no agency with code ${code}`);

/** An origin is scheme://host[:port] and nothing more; anything else is refused. */
export function normalizeOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('return_origins', `not an origin: "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalid('return_origins', `not an http(s) origin: "${value}"`);
  if (url.origin !== value.replace(/\/$/, ''))
    throw invalid('return_origins', `an origin has no path, query or credentials: "${value}"`);
  return url.origin;
}

export interface NewAgency {
  code: string;
  name: string;
  parentCode?: string;
  returnOrigins?: string[];
  /** Mã số thuế: 10 digits, or 10-3 for a dependent unit. */
  taxCode?: string;
  address?: string;
  /** How citizens reach the agency, on its checkout pages. */
  contact?: ContactInput;
}

export interface ContactInput {
  phone?: string;
  email?: string;
  website?: string;
}

const TAX_CODE = /^[0-9]{10}(-[0-9]{3})?$/;

export async function createAgency(db: Db, input: NewAgency): Promise<q.AgencyRow> {
  if (!/^[A-Z0-9][A-Z0-9_.-]{0,31}$/.test(input.code)) {
    throw invalid('code', 'code must be 1–32 characters: capital letters, digits, "_", "." or "-"');
  }
  if (!input.name.trim() || input.name.length > 200) throw invalid('name', 'name must be 1–200 characters');
  if (input.taxCode !== undefined && !TAX_CODE.test(input.taxCode))
    throw invalid('tax_code', 'tax code must be 10 digits, or 10 digits "-" 3 digits (mã số thuế)');
  const address = input.address?.trim();
  if (address !== undefined && (!address || address.length > 300))
    throw invalid('address', 'address must be 1–300 characters');
  const contact = checkedContact(input.contact ?? {});
  const origins = (input.returnOrigins ?? []).map(normalizeOrigin);
  let parentId: string | null = null;
  if (input.parentCode) {
    const parent = (await q.agencyByCode(db, input.parentCode)).rows[0];
    if (!parent) throw noAgency(input.parentCode);
    parentId = parent.id;
  }
  try {
    const { rows } = await q.insertAgency(db, {
      id: newId('agy'),
      code: input.code,
      name: input.name.trim(),
      parent_id: parentId,
      return_origins: origins,
      tax_code: input.taxCode ?? null,
      address: address ?? null,
      contact_phone: contact.contact_phone ?? null,
      contact_email: contact.contact_email ?? null,
      contact_website: contact.contact_website ?? null,
    });
    return rows[0]!;
  } catch (error) {
    if (isPgError(error, PG.uniqueViolation))
      throw new DomainError('agency_exists', `an agency with code ${input.code} exists`);
    throw error;
  }
}

const PHONE = /^\+?[0-9][0-9 .()-]{2,24}$/;
const EMAIL = /^[^@\s]{1,64}@[^@\s]{1,190}$/;
const WEBSITE = /^https?:\/\/\S{1,250}$/;

/** The contact fields given, checked; an empty string clears one. */
function checkedContact(input: ContactInput): Partial<q.AgencyContact> {
  const field = (value: string | undefined, pattern: RegExp, name: string, what: string) => {
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (trimmed === '') return null;
    if (!pattern.test(trimmed)) throw invalid(name, `${what} is not valid: "${value}"`);
    return trimmed;
  };
  return {
    contact_phone: field(input.phone, PHONE, 'phone', 'phone'),
    contact_email: field(input.email, EMAIL, 'email', 'e-mail address'),
    contact_website: field(input.website, WEBSITE, 'website', 'website (http(s) URL)'),
  };
}

/** `payhub agencies:contact`: the phone, e-mail and website its checkout pages show. */
export async function setAgencyContact(db: Db, code: string, input: ContactInput): Promise<q.AgencyRow> {
  const agency = (await q.updateAgencyContact(db, code, checkedContact(input))).rows[0];
  if (!agency) throw noAgency(code);
  return agency;
}

export async function agencyById(db: Queryable, id: string): Promise<q.AgencyRow | undefined> {
  return (await q.agencyById(db, id)).rows[0];
}

export async function findAgencyByCode(db: Queryable, code: string): Promise<q.AgencyRow | undefined> {
  return (await q.agencyByCode(db, code)).rows[0];
}

export async function agencyByCode(db: Queryable, code: string): Promise<q.AgencyRow> {
  const agency = (await q.agencyByCode(db, code)).rows[0];
  if (!agency) throw noAgency(code);
  return agency;
}

/** Creates a key and returns its secret: the only time it is ever shown. */
export async function createApiKey(
  db: Queryable,
  agencyCode: string,
  mode: Mode,
): Promise<{ id: string; key: string }> {
  if (mode !== 'test' && mode !== 'live') throw invalid('mode', 'mode must be test or live');
  const agency = await agencyByCode(db, agencyCode);
  const key = `phk_${mode}_${newToken(32)}`;
  const id = newId('key');
  await q.insertApiKey(db, {
    id,
    agency_id: agency.id,
    mode,
    hint: key.slice(0, 13),
    secret_hash: sha256(key),
  });
  return { id, key };
}

/** Every agency, by code, with its parent's code (`payhub agencies:list`). */
export async function listAgencies(db: Queryable): Promise<q.AgencyListRow[]> {
  return (await q.listAgencies(db)).rows;
}

/** An agency's keys, revoked ones included: ids and hints, never a secret (`payhub keys:list`). */
export async function listApiKeys(db: Queryable, agencyCode: string): Promise<q.ApiKeyRow[]> {
  const agency = await agencyByCode(db, agencyCode);
  return (await q.apiKeysOf(db, agency.id)).rows;
}

export async function revokeApiKey(db: Queryable, id: string): Promise<void> {
  if ((await q.revokeApiKey(db, id)).rowCount === 0)
    throw new DomainError('api_key_missing', `no active key ${id}`);
}

const KEY_SHAPE = /^phk_(test|live)_[A-Za-z0-9_-]{43}$/;

export async function principalForKey(db: Db, key: string): Promise<Principal | null> {
  if (!KEY_SHAPE.test(key)) return null;
  const row = (await q.keyOwner(db, sha256(key))).rows[0];
  if (!row) return null;
  return {
    keyId: row.key_id,
    mode: row.mode,
    agencyId: row.agency_id,
    agencyCode: row.agency_code,
    agencyName: row.agency_name,
    returnOrigins: row.return_origins,
  };
}

export async function enableProvider(
  db: Db,
  agencyCode: string,
  provider: string,
  credentials: Buffer | null = null,
) {
  const agency = await agencyByCode(db, agencyCode);
  await q.upsertProvider(db, agency.id, provider, credentials);
}
