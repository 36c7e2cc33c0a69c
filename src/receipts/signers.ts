/** Each agency's receipt signing certificate (receipt_signers), sealed at rest. */
import type { Db, Queryable } from '../db/port.ts';
import type { Sealer } from '../secrets.ts';
import { type ReceiptSigner, signerName } from './signing.ts';

/**
 * Stores an agency's signing certificate (`payhub receipts:configure`), sealed at rest. Refuses a
 * file that is not PKCS#12, a wrong password, an expired certificate or one without its key.
 */
export async function configureReceiptSigner(
  db: Db,
  sealer: Sealer,
  agencyId: string,
  signer: ReceiptSigner,
): Promise<{ subject: string }> {
  const subject = signerName(signer);
  await db.query(
    `INSERT INTO receipt_signers (agency_id, sealed, subject) VALUES ($1, $2, $3)
     ON CONFLICT (agency_id) DO UPDATE SET sealed = EXCLUDED.sealed, subject = EXCLUDED.subject, updated_at = now()`,
    [agencyId, sealer.seal({ p12: signer.p12.toString('base64'), password: signer.password }), subject],
  );
  return { subject };
}

export async function hasReceiptSigner(db: Queryable, agencyId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM receipt_signers WHERE agency_id = $1', [agencyId]);
  return rows.length > 0;
}

/** The agency's signer, opened from its sealed row; null when none is configured (or no sealer). */
export async function signerOf(
  db: Queryable,
  sealer: Sealer | undefined,
  agencyId: string,
): Promise<ReceiptSigner | null> {
  if (!sealer) return null;
  const { rows } = await db.query<{ sealed: Uint8Array }>(
    'SELECT sealed FROM receipt_signers WHERE agency_id = $1',
    [agencyId],
  );
  if (!rows[0]) return null;
  const opened = sealer.open<{ p12: string; password: string }>(rows[0].sealed);
  return { p12: Buffer.from(opened.p12, 'base64'), password: opened.password };
}
