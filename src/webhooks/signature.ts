import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks: a secret is "whsec_" + base64 of random bytes (24–64; we use 32). */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The webhook-signature header: "v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>", keyed
 * with the base64-decoded secret (after its "whsec_" prefix).
 */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** While a rotated secret overlaps, each delivery carries a signature by each (space-separated). */
export function signatures(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => signature(secret, id, timestamp, body)).join(' ');
}
