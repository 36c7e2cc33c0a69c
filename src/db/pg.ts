import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { Db, Queryable, QueryResult } from './port.ts';
import { TYPE_OIDS } from './port.ts';

const raw = (value: string) => value;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TYPE_OIDS.int8 || oid === TYPE_OIDS.date || oid === TYPE_OIDS.numeric) return raw;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export interface PgOptions {
  connectionString: string;
  /** Sets search_path on every connection, so each test file can live in its own schema. */
  schema?: string;
  max?: number;
  /** The server cannot take COPY FROM STDIN (PGlite over its socket): bulk loads become INSERTs. */
  copyByInsert?: boolean;
}

const statementNames = new Map<string, string>();

/**
 * Parameterised statements are prepared once per connection under a name derived from their
 * text: Postgres then skips parsing and planning on every later call (the create-payment CTE
 * costs more to plan than to run).
 */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `ph_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A field of COPY text format: `\N` is NULL, backslash escapes are undone. */
function copyField(text: string): string | null {
  if (text === '\\N') return null;
  return text.replace(/\\(.)/g, (_, c: string) => COPY_ESCAPES[c] ?? c);
}

/**
 * COPY FROM STDIN as INSERTs of a few thousand rows, for a server that cannot take COPY's
 * sub-protocol (PGlite served over pglite-socket): the same COPY text, the same rows.
 */
async function copyAsInserts(
  client: pg.Pool | pg.PoolClient,
  copySql: string,
  chunks: AsyncIterable<string>,
) {
  const target = /^\s*COPY\s+([\w.]+)\s*\(([^)]*)\)\s+FROM\s+STDIN\s*$/i.exec(copySql);
  if (!target) throw new Error(`cannot run as INSERTs: ${copySql}`);
  const [, table, list] = target as unknown as [string, string, string];
  const names = list.split(',').map((c) => c.trim());
  const insert = `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM json_populate_recordset(NULL::${table}, $1::json)`;
  let rows: Record<string, string | null>[] = [];
  let copied = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    await client.query(insert, [JSON.stringify(rows)]);
    copied += rows.length;
    rows = [];
  };
  let rest = '';
  for await (const chunk of chunks) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (line === '') continue;
      const fields = line.split('\t');
      rows.push(Object.fromEntries(names.map((name, i) => [name, copyField(fields[i] ?? '\\N')])));
      if (rows.length >= 5_000) await flush();
    }
  }
  if (rest) throw new Error('COPY text must end with a line break');
  await flush();
  return copied;
}

function wrap(client: pg.Pool | pg.PoolClient, copyByInsert = false): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = params?.length
        ? await client.query({ name: statementName(sql), text: sql, values: params as unknown[] })
        : await client.query(sql);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    async copyFrom(copySql: string, chunks: AsyncIterable<string>): Promise<number> {
      if (copyByInsert) return copyAsInserts(client, copySql, chunks);
      const pooled = client instanceof pg.Pool;
      const connection = pooled ? await client.connect() : (client as pg.PoolClient);
      const onError = () => {};
      if (pooled) connection.on('error', onError);
      let failure: Error | undefined;
      try {
        const sink = connection.query(copyFromStdin(copySql));
        await pipeline(Readable.from(chunks), sink);
        return Number(sink.rowCount ?? 0);
      } catch (error) {
        failure = error as Error;
        throw error;
      } finally {
        if (pooled) {
          connection.off('error', onError);
          (connection as pg.PoolClient).release(failure);
        }
      }
    },
  };
}

export function openPg(options: PgOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    types,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const root = wrap(pool, options.copyByInsert);
  return {
    kind: 'pg',
    query: root.query,
    exec: root.exec,
    copyFrom: root.copyFrom,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A checked-out client has no pool listener: a connection lost between two statements
      // (Postgres restarting) would emit an unhandled 'error' and kill the process. The
      // statement in flight, or the next one, rejects instead.
      const onError = () => {};
      client.on('error', onError);
      let failure: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client, options.copyByInsert));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: Error) => {
          failure = rollback;
        });
        throw error;
      } finally {
        client.off('error', onError);
        // A client whose ROLLBACK failed is broken: destroyed, not returned to the pool.
        client.release(failure);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
