import type { Express } from 'express';
import request from 'supertest';

export const STAFF_PASSWORD = 'correct horse battery staple';

/** Signs a staff member in: the agent that keeps the session cookie, the CSRF token, the answer. */
export async function staffSession(app: Express, email: string, password = STAFF_PASSWORD) {
  const agent = request.agent(app);
  const res = await agent.post('/admin/v1/sessions').send({ email, password });
  return { agent, csrf: res.body.csrf_token as string, res };
}
