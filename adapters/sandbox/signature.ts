import { createHmac, timingSafeEqual } from 'node:crypto';

/** The sandbox signs what it sends like a real provider: HMAC-SHA256 over the sorted fields. */
export function sandboxKey(signingSecret: string): Buffer {
  return createHmac('sha256', signingSecret).update('payhub-sandbox').digest();
}

export function canonical(fields: Record<string, string>): string {
  return Object.keys(fields)
    .filter((k) => k !== 'sig')
    .sort()
    .map((k) => `${k}=${encodeURIComponent(fields[k] as string)}`)
    .join('&');
}

export function sign(signingSecret: string, fields: Record<string, string>): string {
  return createHmac('sha256', sandboxKey(signingSecret)).update(canonical(fields)).digest('hex');
}

export function verify(signingSecret: string, fields: Record<string, string>): boolean {
  const given = fields.sig;
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(sign(signingSecret, fields), 'hex'), Buffer.from(given, 'hex'));
}
