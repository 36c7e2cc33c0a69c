import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './port.ts';
import { TYPE_OIDS } from './port.ts';

const raw = (value: string) => value;

function wrap(client: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await client.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
  };
}

/** Embedded Postgres (WASM, in-process). `dataDir` undefined keeps everything in memory. */
export async function openPglite(dataDir?: string): Promise<Db> {
  const client = await PGlite.create(dataDir, {
    parsers: { [TYPE_OIDS.int8]: raw, [TYPE_OIDS.date]: raw, [TYPE_OIDS.numeric]: raw },
  });
  const root = wrap(client);
  return {
    kind: 'pglite',
    query: root.query,
    exec: root.exec,
    // PGlite has one connection: its transaction() holds it exclusively until fn settles.
    transaction: (fn) => client.transaction((tx) => fn(wrap(tx))),
    async close() {
      await client.close();
    },
  };
}
