/**
 * `npm test`: picks the database, then runs the whole suite with vitest.
 * TEST_DATABASE_URL if set (`pglite` forces the embedded database); else the Postgres at 127.0.0.1:5432 if one answers; else embedded PGlite.
 */
import pg from 'pg';
import { startVitest } from 'vitest/node';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function chooseDatabase(): Promise<string> {
  const explicit = process.env.TEST_DATABASE_URL;
  if (explicit === 'pglite') return 'pglite';
  if (explicit) {
    if (!(await answers(explicit))) throw new Error(`TEST_DATABASE_URL does not answer: ${explicit}`);
    return explicit;
  }
  const local = 'postgres://postgres@127.0.0.1:5432/test';
  if (await answers(local)) return local;
  return 'pglite';
}

const database = await chooseDatabase();
process.env.PAYHUB_TEST_DB = database;
const why = process.env.TEST_DATABASE_URL === 'pglite' ? 'TEST_DATABASE_URL=pglite' : 'No Postgres answered';
console.log(
  database === 'pglite'
    ? `${why}: running the suite on embedded PGlite (tests that need several connections are skipped).`
    : `Running the suite against Postgres at ${database.replace(/\/\/[^@]*@/, '//')}`,
);

const vitest = await startVitest('test', process.argv.slice(2), { run: true, watch: false });
interface TaskLike {
  type?: string;
  mode?: string;
  tasks?: TaskLike[];
  result?: { state?: string };
}
const collect = (task: TaskLike): TaskLike[] =>
  task.type === 'test' ? [task] : (task.tasks ?? []).flatMap(collect);
const tests = (vitest?.state.getFiles() ?? []).flatMap((file) => collect(file as TaskLike));
const passed = tests.filter((t) => t.result?.state === 'pass').length;
const failed = tests.filter((t) => t.result?.state === 'fail').length;
const skipped = tests.filter(
  (t) => t.mode === 'skip' || t.mode === 'todo' || t.result?.state === 'skip',
).length;
await vitest?.close();
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || process.exitCode ? 1 : 0);
