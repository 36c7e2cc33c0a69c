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
    // PGlite reads COPY input from a Blob at /dev/blob; slices of ~8 MB keep memory bounded.
    async copyFrom(copySql: string, chunks: AsyncIterable<string>): Promise<number> {
      const sql = copySql.replace(/FROM\s+STDIN/i, "FROM '/dev/blob'");
      let parts: string[] = [];
      let size = 0;
      let copied = 0;
      const flush = async () => {
        if (size === 0) return;
        const result = await client.query(sql, [], { blob: new Blob(parts) });
        copied += result.affectedRows ?? 0;
        parts = [];
        size = 0;
      };
      for await (const chunk of chunks) {
        parts.push(chunk);
        size += chunk.length;
        if (size >= 8_000_000) await flush();
      }
      await flush();
      return copied;
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
    copyFrom: root.copyFrom,
    // PGlite has one connection: its transaction() holds it exclusively until fn settles.
    transaction: (fn) => client.transaction((tx) => fn(wrap(tx))),
    async close() {
      await client.close();
    },
  };
}
