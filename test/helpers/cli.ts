import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onPglite, type TestDatabase, testDatabase } from './db.ts';
import { TEST_SECRET } from './hub.ts';

export interface CliDatabase {
  /** The environment the payhub CLI runs with: its own schema, or its own embedded database. */
  env: Record<string, string>;
  /** The Postgres schema (null on PGlite, where the CLI's data directory holds the database). */
  database: TestDatabase | null;
  dataDir: string;
  drop(): Promise<void>;
}

/** A database and data directory for CLI tests, unmigrated: the CLI migrates it as an operator would. */
export async function cliDatabase(prefix: string): Promise<CliDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let database: TestDatabase | null = null;
  let env: Record<string, string>;
  if (onPglite) {
    env = { PAYHUB_DATA_DIR: dataDir, DATABASE_URL: '' };
  } else {
    database = await testDatabase({ migrated: false });
    const url = new URL(database.url!);
    url.searchParams.set('options', `-c search_path=${database.schema}`);
    // A shared database needs its key (config.ts refuses DATABASE_URL without one).
    env = { DATABASE_URL: url.toString(), PAYHUB_DATA_DIR: dataDir, PAYHUB_SECRET_KEY: TEST_SECRET };
  }
  return {
    env,
    database,
    dataDir,
    async drop() {
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
