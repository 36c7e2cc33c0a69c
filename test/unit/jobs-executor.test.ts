import PgBoss from 'pg-boss';
import { describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../src/db/port.ts';
import { executor, transactionExecutor } from '../../src/jobs/executor.ts';

type Call = [string, ...unknown[]];

function fakeDb(kind: Db['kind'], calls: Call[]): Db {
  const queryable = (prefix: string): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      calls.push([`${prefix}query`, sql, params]);
      return { rows: [{ version: 24 }] as R[], rowCount: 1 };
    },
    async exec(sql: string) {
      calls.push([`${prefix}exec`, sql]);
    },
  });
  return {
    kind,
    ...queryable(''),
    async transaction(fn) {
      calls.push(['transaction']);
      return fn(queryable('tx.'));
    },
    close: async () => {},
  };
}

describe("pg-boss's executeSql over the Db port", () => {
  it('parameterised and single parameterless statements go to query, and their rows come back', async () => {
    for (const kind of ['pg', 'pglite'] as const) {
      const calls: Call[] = [];
      const run = executor(fakeDb(kind, calls));
      expect(
        (await run.executeSql('SELECT * FROM pgboss.job WHERE name = $1', ['receipt'])).rows,
      ).toHaveLength(1);
      expect((await run.executeSql('SELECT version from pgboss.version')).rows).toEqual([{ version: 24 }]);
      expect(calls).toEqual([
        ['query', 'SELECT * FROM pgboss.job WHERE name = $1', ['receipt']],
        ['query', 'SELECT version from pgboss.version', undefined],
      ]);
    }
  });

  it('its install SQL runs as one exec on pg, and as the body of a Db transaction on PGlite', async () => {
    const install = PgBoss.getConstructionPlans('pgboss');
    const pg: Call[] = [];
    await executor(fakeDb('pg', pg)).executeSql(install);
    expect(pg).toEqual([['exec', install]]);

    const pglite: Call[] = [];
    await executor(fakeDb('pglite', pglite)).executeSql(install);
    expect(pglite.map((c) => c[0])).toEqual(['transaction', 'tx.exec']);
    const body = pglite[1]![1] as string;
    expect(body).toContain('CREATE TABLE pgboss.job');
    expect(body).toContain('pg_advisory_xact_lock');
    expect(body).not.toMatch(/^\s*BEGIN;|COMMIT;\s*$/);
  });

  it('recognises every multi-statement plan pg-boss sends (install and migrations are transaction-wrapped)', () => {
    const locked = /^\s*BEGIN;[\s\S]*COMMIT;\s*$/;
    expect(PgBoss.getConstructionPlans('pgboss')).toMatch(locked);
    expect(PgBoss.getMigrationPlans('pgboss', '23')).toMatch(locked);
  });

  it("in a caller's transaction, everything goes through that transaction's query", async () => {
    const calls: Call[] = [];
    const tx: Queryable = {
      async query<R>(sql: string, params?: readonly unknown[]) {
        calls.push(['tx.query', sql, params]);
        return { rows: [] as R[], rowCount: 0 };
      },
      exec: async () => {},
    };
    await transactionExecutor(tx).executeSql('INSERT INTO pgboss.job (name) VALUES ($1)', ['outbox']);
    expect(calls).toEqual([['tx.query', 'INSERT INTO pgboss.job (name) VALUES ($1)', ['outbox']]]);
  });
});
