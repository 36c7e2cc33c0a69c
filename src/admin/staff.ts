import { createHmac, timingSafeEqual } from 'node:crypto';
import { agencyByCode } from '../agencies/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { newToken, sha256, ulid } from '../ids.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';

export const ROLES = ['finance', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A staff user's input refused, with the field at fault (the CLI prints the detail). */
const invalid = (field: string, detail: string) =>
  new DomainError('staff_invalid', detail, [{ field, message: detail }]);

/** Sessions last a working day; staff sign in again the next morning. */
export const SESSION_HOURS = 12;

export interface Staff {
  id: string;
  email: string;
  role: Role;
  agencyId: string | null;
  agencyCode: string | null;
  /** Agency ids the staff member may see (the agency and its children); null: the whole hub. */
  scope: string[] | null;
}

/** The signed-in staff member, set on res.locals by the admin API's session check. */
export const staffOf = (locals: Record<string, unknown>) => locals.staff as Staff;

/**
 * Finance staff and auditors see money: one without an agency would see the whole hub, so that
 * takes an explicit choice (--hub-wide, hub_wide: true), never a forgotten --agency.
 */
export function scopeChoiceMissing(input: { role: string; agencyCode?: string; hubWide?: boolean }): boolean {
  return (input.role === 'finance' || input.role === 'auditor') && !input.agencyCode && !input.hubWide;
}

export async function createStaffUser(
  db: Queryable,
  input: { email: string; role: string; agencyCode?: string; password: string },
) {
  const email = input.email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw invalid('email', `"${input.email}" is not an e-mail address`);
  if (!ROLES.includes(input.role as Role)) throw invalid('role', `--role must be one of ${ROLES.join(', ')}`);
  if (input.password.length < 12) throw invalid('password', 'the password must be at least 12 characters');
  if (input.password.length > 1024) throw invalid('password', 'the password is longer than 1024 characters');
  const agency = input.agencyCode ? await agencyByCode(db, input.agencyCode) : null;
  const id = `usr_${ulid()}`;
  const hash = await hashPassword(input.password);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO staff_users (id, email, role, agency_id, password_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (email) DO NOTHING RETURNING id`,
    [id, email, input.role, agency?.id ?? null, hash],
  );
  if (!rows[0]) throw new DomainError('staff_user_exists', `a staff user ${email} already exists`);
  return { id, email, role: input.role as Role, agency: agency?.code ?? null };
}

export interface StaffUserRow {
  id: string;
  email: string;
  role: Role;
  agency_id: string | null;
  agency_code: string | null;
  created_at: Date;
  disabled_at: Date | null;
}

const USER_COLUMNS = `u.id, u.email, u.role, u.agency_id, a.code AS agency_code, u.created_at, u.disabled_at`;

/** Staff users an admin may manage: those of agencies in its scope (null: all). */
export async function listStaffUsers(db: Queryable, scope: string[] | null): Promise<StaffUserRow[]> {
  const { rows } = await db.query<StaffUserRow>(
    `SELECT ${USER_COLUMNS} FROM staff_users u LEFT JOIN agencies a ON a.id = u.agency_id
      WHERE $1::text[] IS NULL OR u.agency_id = ANY($1::text[])
      ORDER BY u.email`,
    [scope],
  );
  return rows;
}

export async function staffUserById(db: Queryable, scope: string[] | null, id: string) {
  const { rows } = await db.query<StaffUserRow>(
    `SELECT ${USER_COLUMNS} FROM staff_users u LEFT JOIN agencies a ON a.id = u.agency_id
      WHERE u.id = $1 AND ($2::text[] IS NULL OR u.agency_id = ANY($2::text[]))`,
    [id, scope],
  );
  return rows[0];
}

/** Disables a staff user and ends its sessions, in the caller's transaction. False if already disabled. */
export async function disableStaffUser(tx: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    'UPDATE staff_users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL',
    [id],
  );
  await tx.query('UPDATE staff_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [
    id,
  ]);
  return rowCount > 0;
}

/** A new role or agency; the user's sessions end, so the new scope applies from its next sign-in. */
export async function changeStaffUser(tx: Queryable, id: string, role: Role, agencyId: string | null) {
  await tx.query('UPDATE staff_users SET role = $2, agency_id = $3 WHERE id = $1', [id, role, agencyId]);
  await tx.query('UPDATE staff_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [
    id,
  ]);
}

async function staffById(db: Db, userId: string): Promise<Staff | null> {
  const { rows } = await db.query<{
    id: string;
    email: string;
    role: Role;
    agency_id: string | null;
    agency_code: string | null;
    scope: string[] | null;
  }>(
    `WITH RECURSIVE tree AS (
       SELECT a.id FROM agencies a JOIN staff_users u ON u.agency_id = a.id WHERE u.id = $1
       UNION SELECT c.id FROM agencies c JOIN tree ON c.parent_id = tree.id
     )
     SELECT u.id, u.email, u.role, u.agency_id, a.code AS agency_code,
            CASE WHEN u.agency_id IS NULL THEN NULL ELSE (SELECT array_agg(id) FROM tree) END AS scope
     FROM staff_users u LEFT JOIN agencies a ON a.id = u.agency_id
     WHERE u.id = $1 AND u.disabled_at IS NULL`,
    [userId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    agencyId: row.agency_id,
    agencyCode: row.agency_code,
    scope: row.scope,
  };
}

/** Sign-in: a new session token (kept only as its SHA-256) for a right e-mail and password. */
export async function signIn(db: Db, email: string, password: string) {
  const { rows } = await db.query<{ id: string; password_hash: string }>(
    'SELECT id, password_hash FROM staff_users WHERE email = $1 AND disabled_at IS NULL',
    [email.trim().toLowerCase()],
  );
  const user = rows[0];
  const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !ok) return null;
  const token = newToken();
  const expiresAt = new Date(Date.now() + SESSION_HOURS * 3_600_000);
  await db.query('INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
    sha256(token),
    user.id,
    expiresAt,
  ]);
  return { token, expiresAt, staff: (await staffById(db, user.id))! };
}

export async function staffForSession(db: Db, token: string): Promise<Staff | null> {
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM staff_sessions WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()',
    [sha256(token)],
  );
  return rows[0] ? staffById(db, rows[0].user_id) : null;
}

export async function signOut(db: Db, token: string): Promise<void> {
  await db.query(
    'UPDATE staff_sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL',
    [sha256(token)],
  );
}

/**
 * The CSRF token of a session: an HMAC of the session token under the hub's secret. The page
 * reads it from a (non-HttpOnly) cookie or the sign-in answer and echoes it in X-CSRF-Token; a
 * forged cross-site request carries the session cookie but cannot know this value.
 */
export function csrfTokenFor(secret: string, sessionToken: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionToken}`).digest('base64url');
}

export function csrfMatches(secret: string, sessionToken: string, sent: string | undefined): boolean {
  if (!sent) return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionToken));
  const given = Buffer.from(sent);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
