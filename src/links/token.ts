import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A link's token is a 128-bit random nonce and a 128-bit MAC of it under the hub's key, both
 * base64url (22 + 22 characters). Only the nonce is stored: a token changed by hand fails the MAC
 * before any lookup, and a copy of the database alone cannot mint working URLs.
 */
const TOKEN = /^[A-Za-z0-9_-]{44}$/;

export const newNonce = () => randomBytes(16).toString('base64url');

/** Many nonces from one call to the random source (a bulk file's worth). */
export function newNonces(count: number): string[] {
  const pool = randomBytes(16 * count);
  return Array.from({ length: count }, (_, i) => pool.subarray(i * 16, i * 16 + 16).toString('base64url'));
}

function mac(secret: string, nonce: string): string {
  return createHmac('sha256', secret)
    .update(`payment_link:${nonce}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

export const tokenFor = (secret: string, nonce: string) => nonce + mac(secret, nonce);

/** The nonce of a well-formed, untampered token; null for anything else. */
export function nonceOf(secret: string, token: string): string | null {
  if (!TOKEN.test(token)) return null;
  const nonce = token.slice(0, 22);
  const expected = Buffer.from(mac(secret, nonce));
  const given = Buffer.from(token.slice(22));
  return expected.length === given.length && timingSafeEqual(expected, given) ? nonce : null;
}
