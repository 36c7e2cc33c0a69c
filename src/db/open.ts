import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type Config, ConfigError } from '../config.ts';
import { type DataLock, type LockOwner, lockDataDir } from './data-lock.ts';
import { serveEmbedded } from './embedded.ts';
import { openPg } from './pg.ts';
import { openPglite } from './pglite.ts';
import type { Db } from './port.ts';

/** How long a second process waits for the folder's owner to come up or (a CLI) to finish. */
const WAIT_MS = 30_000;

/**
 * `DATABASE_URL` set → a pg pool; unset → embedded PGlite under the data directory, which one
 * process owns at a time. The hub (`serve`) owns it and serves it on a local socket, refusing to
 * start if another process owns it; the CLI goes through a running hub's socket, or else owns
 * the folder itself for the length of its command.
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  options: { serve?: boolean } = {},
): Promise<Db> {
  if (config.databaseUrl) return openPg({ connectionString: config.databaseUrl, max: 20 });
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const taken = lockDataDir(config.dataDir, options.serve ? 'server' : 'cli');
    if ('lock' in taken) return ownEmbedded(config.dataDir, taken.lock, options.serve === true);
    const { owner } = taken;
    if (owner.role === 'server' && owner.host && !options.serve) {
      const db = await throughOwner(owner);
      if (db) return db;
    }
    // A server never waits for another server; a hub starting up, or a CLI command, is waited for.
    if ((options.serve && owner.role === 'server') || Date.now() > deadline)
      throw busy(config.dataDir, owner);
    await delay(100);
  }
}

function busy(dataDir: string, owner: LockOwner): ConfigError {
  return new ConfigError(
    owner.role === 'server'
      ? `the data folder ${dataDir} is in use by PayHub (pid ${owner.pid}); stop it first or set PAYHUB_DATA_DIR to another folder`
      : `the data folder ${dataDir} is in use by a payhub command (pid ${owner.pid}); try again when it has finished`,
  );
}

async function ownEmbedded(dataDir: string, lock: DataLock, serve: boolean): Promise<Db> {
  let db: Awaited<ReturnType<typeof openPglite>>;
  try {
    db = await openPglite(path.join(dataDir, 'pgdata'));
  } catch (error) {
    lock.release();
    throw error;
  }
  const served = serve ? await serveEmbedded(db, dataDir) : null;
  if (served) lock.publish({ host: served.host, port: served.port });
  return {
    ...db,
    async close() {
      try {
        await served?.stop();
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}

/** One connection: PGlite is one session, which the hub lends a socket client whole. */
async function throughOwner(owner: LockOwner): Promise<Db | null> {
  const url = new URL('postgresql://postgres@localhost/postgres');
  url.searchParams.set('host', owner.host!);
  url.searchParams.set('port', String(owner.port));
  const db = openPg({ connectionString: url.toString(), max: 1, copyByInsert: true });
  try {
    await db.query('SELECT 1');
    return db;
  } catch (error) {
    await db.close().catch(() => {});
    // Not listening (yet, or any more): the caller looks at the lock again.
    if (['ECONNREFUSED', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? '')) return null;
    throw error;
  }
}
