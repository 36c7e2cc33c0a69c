import { type RequestHandler, Router } from 'express';
import type { Db } from '../db/port.ts';
import { validateRequest } from '../http/openapi.ts';
import { problems } from '../http/problem.ts';
import { staffOf } from './staff.ts';
import { createUserFor, disableUserFor, listUsersFor } from './staff-users.ts';

/** `/admin/v1/users`, for admins; mounted behind the staff session and CSRF checks. */
export function staffUserRoutes(db: Db): Router {
  const router = Router();
  const adminOnly: RequestHandler = (_req, res, next) => {
    if (staffOf(res.locals).role !== 'admin') throw problems.forbidden('Only admins manage staff users.');
    next();
  };

  router.get('/admin/v1/users', adminOnly, validateRequest('listStaffUsers'), async (_req, res) => {
    res.json({ object: 'list', data: await listUsersFor(db, staffOf(res.locals)), has_more: false });
  });

  router.post('/admin/v1/users', adminOnly, validateRequest('createStaffUser'), async (req, res) => {
    const body = req.body as {
      email: string;
      role: string;
      agency?: string;
      hub_wide?: boolean;
      password: string;
    };
    res.status(201).json(await createUserFor(db, staffOf(res.locals), body));
  });

  router.post(
    '/admin/v1/users/:id/disable',
    adminOnly,
    validateRequest('disableStaffUser'),
    async (req, res) => {
      res.json(await disableUserFor(db, staffOf(res.locals), req.params.id as string));
    },
  );

  return router;
}
