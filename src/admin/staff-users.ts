/**
 * Staff users, for admins (`/admin/v1/users`, `/console/users`): the staff of their agencies and
 * below (hub-wide admins: all). Every change is audited in the transaction of the change.
 */
import { agencyByCode } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { mustAdmin, refuse } from './errors.ts';
import {
  changeStaffUser,
  createStaffUser,
  disableStaffUser,
  listStaffUsers,
  ROLES,
  type Role,
  type Staff,
  type StaffUserRow,
  scopeChoiceMissing,
  staffUserById,
} from './staff.ts';

export function staffUserJson(u: StaffUserRow) {
  return {
    object: 'staff_user' as const,
    id: u.id,
    email: u.email,
    role: u.role,
    agency: u.agency_code,
    created_at: new Date(u.created_at).toISOString(),
    disabled_at: u.disabled_at ? new Date(u.disabled_at).toISOString() : null,
  };
}

export type StaffUserJson = ReturnType<typeof staffUserJson>;

/** Why a staff user was refused, with the field at fault. */
function refusal(error: unknown): never {
  if (!(error instanceof DomainError)) throw error;
  if (error.code === 'agency_missing') throw refuse.invalid([{ field: 'agency', message: error.detail }]);
  if (error.code === 'staff_user_exists')
    throw new DomainError('staff_user_exists', `${error.detail}.`, [
      { field: 'email', message: error.detail },
    ]);
  if (error.code === 'staff_invalid') throw refuse.invalid(error.fields ?? []);
  throw error;
}

export async function listUsersFor(db: Db, admin: Staff) {
  mustAdmin(admin, 'staff users');
  return (await listStaffUsers(db, admin.scope)).map(staffUserJson);
}

/** An agency's admin names agencies of its own only, never the whole hub. */
async function checkAgencyChoice(db: Queryable, admin: Staff, agency: string | undefined, hubWide?: boolean) {
  if (admin.scope !== null) {
    if (!agency) throw refuse.forbidden('Name the agency: hub-wide staff are created by hub-wide admins.');
    const row = await agencyByCode(db, agency).catch(refusal);
    if (!admin.scope.includes(row.id)) throw refuse.forbidden(`Agency ${agency} is not one of yours.`);
  }
  if (agency && hubWide)
    throw refuse.invalid([{ field: 'hub_wide', message: 'cannot be true with an agency' }]);
}

export async function createUserFor(
  db: Db,
  admin: Staff,
  body: { email: string; role: string; agency?: string; hub_wide?: boolean; password: string },
) {
  mustAdmin(admin, 'staff users');
  await checkAgencyChoice(db, admin, body.agency, body.hub_wide);
  if (scopeChoiceMissing({ role: body.role, agencyCode: body.agency, hubWide: body.hub_wide }))
    throw refuse.invalid([
      {
        field: 'agency',
        message: `is required for a ${body.role} user; send hub_wide: true for the whole hub`,
      },
    ]);
  return db.transaction(async (tx) => {
    const user = await createStaffUser(tx, { ...body, agencyCode: body.agency }).catch(refusal);
    await audit(tx, {
      actorType: 'staff',
      actorId: admin.id,
      action: 'staff_users.create',
      objectId: user.id,
      details: { email: user.email, role: user.role, agency: user.agency },
    });
    return staffUserJson((await staffUserById(tx, null, user.id))!);
  });
}

export async function disableUserFor(db: Db, admin: Staff, id: string) {
  mustAdmin(admin, 'staff users');
  if (id === admin.id) throw new DomainError('cannot_disable_self', 'Ask another admin.');
  return db.transaction(async (tx) => {
    const user = await staffUserById(tx, admin.scope, id);
    if (!user) throw refuse.notFound('staff user', id);
    if (await disableStaffUser(tx, id)) {
      await audit(tx, {
        actorType: 'staff',
        actorId: admin.id,
        action: 'staff_users.disable',
        objectId: id,
        details: { email: user.email },
      });
    }
    return staffUserJson((await staffUserById(tx, null, id))!);
  });
}

/**
 * A new role or agency for a staff user; its sessions end, so the new scope applies from its
 * next sign-in and never half-way through a page.
 */
export async function changeUserFor(
  db: Db,
  admin: Staff,
  id: string,
  change: { role: string; agency?: string; hub_wide?: boolean },
) {
  mustAdmin(admin, 'staff users');
  if (id === admin.id) throw new DomainError('cannot_change_self', 'Ask another admin.');
  if (!ROLES.includes(change.role as Role))
    throw refuse.invalid([{ field: 'role', message: `must be one of ${ROLES.join(', ')}` }]);
  await checkAgencyChoice(db, admin, change.agency, change.hub_wide);
  if (scopeChoiceMissing({ role: change.role, agencyCode: change.agency, hubWide: change.hub_wide }))
    throw refuse.invalid([{ field: 'agency', message: `is required for a ${change.role} user` }]);
  return db.transaction(async (tx) => {
    const user = await staffUserById(tx, admin.scope, id);
    if (!user || user.disabled_at) throw refuse.notFound('staff user', id);
    const agency = change.agency ? await agencyByCode(tx, change.agency).catch(refusal) : null;
    await changeStaffUser(tx, id, change.role as Role, agency?.id ?? null);
    await audit(tx, {
      actorType: 'staff',
      actorId: admin.id,
      action: 'staff_users.change',
      objectId: id,
      details: {
        email: user.email,
        from: { role: user.role, agency: user.agency_code },
        to: { role: change.role, agency: agency?.code ?? null },
      },
    });
    return staffUserJson((await staffUserById(tx, null, id))!);
  });
}
