import { type RequestHandler, Router } from 'express';
import { AgencyError, agencyByCode } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import type { Db } from '../db/port.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems } from '../http/problem.ts';
import {
  createStaffUser,
  disableStaffUser,
  listStaffUsers,
  StaffError,
  type StaffUserRow,
  scopeChoiceMissing,
  staffOf,
  staffUserById,
} from './staff.ts';

function staffUserJson(u: StaffUserRow) {
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

/** Why a new staff user was refused, as the console shows it next to the field. */
function refusal(error: unknown): never {
  if (error instanceof AgencyError)
    throw problems.invalidRequest([{ field: 'agency', message: error.message }]);
  if (!(error instanceof StaffError)) throw error;
  if (error.message.includes('already exists'))
    throw new ApiError(409, 'staff_user_exists', 'Staff user exists', `${error.message}.`);
  const field = error.message.includes('password') ? 'password' : 'email';
  throw problems.invalidRequest([{ field, message: error.message }]);
}

/**
 * `/admin/v1/users`, for admins: the staff of their agencies and below (hub-wide admins: all).
 * Mounted behind the staff session and CSRF checks; every change is audited with the change.
 */
export function staffUserRoutes(db: Db): Router {
  const router = Router();
  const adminOnly: RequestHandler = (_req, res, next) => {
    if (staffOf(res.locals).role !== 'admin') throw problems.forbidden('Only admins manage staff users.');
    next();
  };

  router.get('/admin/v1/users', adminOnly, validateRequest('listStaffUsers'), async (_req, res) => {
    const users = await listStaffUsers(db, staffOf(res.locals).scope);
    res.json({ object: 'list', data: users.map(staffUserJson), has_more: false });
  });

  router.post('/admin/v1/users', adminOnly, validateRequest('createStaffUser'), async (req, res) => {
    const admin = staffOf(res.locals);
    const body = req.body as {
      email: string;
      role: string;
      agency?: string;
      hub_wide?: boolean;
      password: string;
    };
    if (admin.scope !== null) {
      // An agency's admin creates staff for its own agencies only, never hub-wide ones.
      if (!body.agency)
        throw problems.forbidden('Name the agency: hub-wide staff are created by hub-wide admins.');
      const agency = await agencyByCode(db, body.agency).catch(refusal);
      if (!admin.scope.includes(agency.id))
        throw problems.forbidden(`Agency ${body.agency} is not one of yours.`);
    }
    if (body.agency && body.hub_wide)
      throw problems.invalidRequest([{ field: 'hub_wide', message: 'cannot be true with an agency' }]);
    if (scopeChoiceMissing({ role: body.role, agencyCode: body.agency, hubWide: body.hub_wide }))
      throw problems.invalidRequest([
        {
          field: 'agency',
          message: `is required for a ${body.role} user; send hub_wide: true for the whole hub`,
        },
      ]);
    const created = await db.transaction(async (tx) => {
      const { hub_wide: _hubWide, ...input } = body;
      const user = await createStaffUser(tx, { ...input, agencyCode: body.agency }).catch(refusal);
      await audit(tx, {
        actorType: 'staff',
        actorId: admin.id,
        action: 'staff_users.create',
        objectId: user.id,
        details: { email: user.email, role: user.role, agency: user.agency },
      });
      return (await staffUserById(tx, null, user.id))!;
    });
    res.status(201).json(staffUserJson(created));
  });

  router.post(
    '/admin/v1/users/:id/disable',
    adminOnly,
    validateRequest('disableStaffUser'),
    async (req, res) => {
      const admin = staffOf(res.locals);
      const id = req.params.id as string;
      if (id === admin.id) {
        throw new ApiError(409, 'cannot_disable_self', 'Cannot disable yourself', 'Ask another admin.');
      }
      const disabled = await db.transaction(async (tx) => {
        const user = await staffUserById(tx, admin.scope, id);
        if (!user) throw problems.notFound('staff user', id);
        if (await disableStaffUser(tx, id)) {
          await audit(tx, {
            actorType: 'staff',
            actorId: admin.id,
            action: 'staff_users.disable',
            objectId: id,
            details: { email: user.email },
          });
        }
        return (await staffUserById(tx, null, id))!;
      });
      res.json(staffUserJson(disabled));
    },
  );

  return router;
}
