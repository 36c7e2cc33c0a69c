import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastTime = -1;
const lastRandom = Buffer.alloc(10);

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  // 80 bits → 16 base-32 characters, 5 bits at a time.
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/**
 * A ULID: 48-bit millisecond time + 80 random bits, Crockford base 32. Within one millisecond the
 * random part is incremented, so ids made by one process are strictly increasing.
 */
export function ulid(now = Date.now()): string {
  if (now <= lastTime) {
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      lastRandom[i] = (lastRandom[i]! + 1) & 0xff;
      if (lastRandom[i] !== 0) break;
    }
  } else {
    lastTime = now;
    randomBytes(10).copy(lastRandom);
  }
  return encodeTime(lastTime) + encodeRandom(lastRandom);
}

/** Prefixed, time-ordered ids (`pay_01J…`): sortable, so lists paginate on the id alone. */
export function newId(prefix: 'agy' | 'key' | 'pay' | 'evt' | 'att' | 're' | 'we' | 'usr'): string {
  return `${prefix}_${ulid()}`;
}

/** An unguessable token: 32 random bytes (256 bits), URL-safe. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
