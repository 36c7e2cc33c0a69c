import type { Queryable } from '../db/port.ts';

export type ActorType = 'api_key' | 'staff' | 'operator' | 'system';

export interface AuditEntry {
  actorType: ActorType;
  /** The API key id, the staff user id, the operator's OS user; null for the hub itself. */
  actorId?: string | null;
  /** What was done: "POST /v1/payments/:id/refunds", "keys:create", "payment.succeeded"… */
  action: string;
  objectType?: string | null;
  objectId?: string | null;
  agencyId?: string | null;
  mode?: string | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown> | null;
}

/** Appends one record to the audit log (the database refuses to change or delete it later). */
export async function audit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_type, actor_id, action, object_type, object_id, agency_id, mode, ip, request_id, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      entry.actorType,
      entry.actorId ?? null,
      entry.action,
      entry.objectType ?? (entry.objectId ? objectTypeOf(entry.objectId) : null),
      entry.objectId ?? null,
      entry.agencyId ?? null,
      entry.mode ?? null,
      entry.ip ?? null,
      entry.requestId ?? null,
      entry.details ? JSON.stringify(entry.details) : null,
    ],
  );
}

const PREFIXES: Record<string, string> = {
  pay: 'payment',
  re: 'refund',
  we: 'webhook_endpoint',
  evt: 'event',
  att: 'attempt',
  key: 'api_key',
  agy: 'agency',
  usr: 'staff_user',
  bst: 'bank_statement',
};

/** `pay_01J…` → payment: every PayHub id carries its type. */
export function objectTypeOf(id: string): string | null {
  return PREFIXES[id.split('_')[0] ?? ''] ?? null;
}
