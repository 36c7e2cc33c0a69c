import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.ts';
import { openPg } from '../../src/db/pg.ts';
import { openPglite } from '../../src/db/pglite.ts';
import type { Db } from '../../src/db/port.ts';

/** Set by test/run.ts: a Postgres URL, or "pglite". */
export const TEST_DB = process.env.PAYHUB_TEST_DB ?? process.env.TEST_DATABASE_URL ?? 'pglite';
export const onPglite = TEST_DB === 'pglite';
/** For tests that need several connections at once: skipped, visibly, on PGlite. */
export const MULTI_CONNECTION_SKIP = onPglite ? 'needs several database connections (PGlite has one)' : false;

export interface TestDatabase {
  db: Db;
  /** Opens another pool on the same schema (another "instance" of the hub). */
  another(): Db;
  schema: string | null;
  url: string | null;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file: its own schema on Postgres, its own PGlite in memory. */
export async function testDatabase(
  options: { migrated?: boolean; kind?: 'pglite' } = {},
): Promise<TestDatabase> {
  if (onPglite || options.kind === 'pglite') {
    const db = await openPglite();
    if (options.migrated !== false) await migrate(db);
    return {
      db,
      another: () => {
        throw new Error('PGlite has one connection');
      },
      schema: null,
      url: null,
      drop: () => db.close(),
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DB });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const opened: Db[] = [];
  const another = () => {
    const db = openPg({ connectionString: TEST_DB, schema, max: 10 });
    opened.push(db);
    return db;
  };
  const db = another();
  if (options.migrated !== false) await migrate(db);
  return {
    db,
    another,
    schema,
    url: TEST_DB,
    async drop() {
      await Promise.all(opened.map((d) => d.close().catch(() => {})));
      const cleanup = new pg.Client({ connectionString: TEST_DB });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}
