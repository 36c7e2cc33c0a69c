import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * PAYHUB_SECRET_KEY, or for the embedded default a key generated once into the data directory
 * (production refuses to start without one: see config.ts).
 */
export function loadSecretKey(config: Pick<Config, 'secretKey' | 'dataDir'>): string {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, 'secret.key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
  return key;
}

/** AES-256-GCM with a key derived from the secret; output = iv(12) ‖ tag(16) ‖ ciphertext. */
export function sealer(secret: string) {
  const key = createHash('sha256').update(`payhub:credentials:${secret}`).digest();
  return {
    seal(plain: unknown): Buffer {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open<T>(sealed: Uint8Array): T {
      const data = Buffer.from(sealed);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    },
  };
}
export type Sealer = ReturnType<typeof sealer>;
