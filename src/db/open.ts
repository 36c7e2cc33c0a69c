import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { openPg } from './pg.ts';
import { openPglite } from './pglite.ts';
import type { Db } from './port.ts';

/** `DATABASE_URL` set → a pg pool; unset → embedded PGlite under the data directory. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Db> {
  if (config.databaseUrl) return openPg({ connectionString: config.databaseUrl, max: 20 });
  const dir = path.join(config.dataDir, 'pgdata');
  fs.mkdirSync(dir, { recursive: true });
  return openPglite(dir);
}
