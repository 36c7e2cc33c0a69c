/**
 * Starting a run: one provider's business day reconciled from a stream of its settlement file, a
 * file on disk, or recorded as rejected when the daily job found no file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { adapterNamed } from '../../adapters/index.ts';
import { isCalendarDate } from '../dates.ts';
import type { Db } from '../db/port.ts';
import { ulid } from '../ids.ts';
import type { ReconSettings } from './context.ts';
import { ingest } from './ingest.ts';
import * as q from './queries.ts';
import { reconRefusal } from './refusals.ts';

export function adapterFor(provider: string) {
  const adapter = adapterNamed(provider);
  if (!adapter) throw reconRefusal('unknown_provider', `unknown provider "${provider}"`);
  return adapter;
}

function checkDate(date: string) {
  if (!isCalendarDate(date)) throw reconRefusal('invalid_date', `"${date}" is not a date (YYYY-MM-DD)`);
}

export interface ReconcileRequest {
  provider: string;
  date: string;
  input: AsyncIterable<Buffer | string>;
  origin: 'cli' | 'upload' | 'job';
  actor: string;
  fileName?: string;
  sha256?: string;
  onProgress?: (lines: number, bytes: number) => void;
}

/** Reconciles one provider's business day from a stream of its settlement file. */
export async function reconcile(db: Db, settings: ReconSettings, request: ReconcileRequest) {
  const adapter = adapterFor(request.provider);
  checkDate(request.date);
  return ingest(db, {
    adapter,
    businessDate: request.date,
    input: request.input,
    origin: request.origin,
    actor: request.actor,
    fileName: request.fileName,
    sha256: request.sha256,
    fee: settings.fees[adapter.name] ?? null,
    carryDays: settings.carryDays,
    onProgress: request.onProgress,
  });
}

export interface ReconcileFileRequest {
  provider: string;
  date: string;
  path: string;
  origin: 'cli' | 'job';
  actor: string;
  onProgress?: (lines: number, bytes: number) => void;
}

/** Reconciles from a file on disk (CLI, daily job): hashed first, so a re-run reads nothing twice. */
export async function reconcileFile(db: Db, settings: ReconSettings, request: ReconcileFileRequest) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(request.path)) hash.update(chunk as Buffer);
  return reconcile(db, settings, {
    ...request,
    // Opened only when read: an identical re-run is answered from the hash alone.
    input: (async function* () {
      yield* createReadStream(request.path, { highWaterMark: 256 * 1024 });
    })(),
    fileName: request.path.split(/[\\/]/).pop(),
    sha256: hash.digest('hex'),
  });
}

/** The daily job found no file: recorded as a rejected run, once per day and provider. */
export async function recordMissingFile(
  db: Db,
  settings: ReconSettings,
  request: { provider: string; date: string; fileName: string },
) {
  const { provider, date, fileName } = request;
  adapterFor(provider);
  checkDate(date);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO recon_runs (id, provider, business_date, status, file_name, source, created_by, carry_days, rejection)
     SELECT $1, $2, $3, 'rejected', $4, 'job', 'job', $5, $6
     WHERE NOT EXISTS (SELECT 1 FROM recon_runs WHERE provider = $2 AND business_date = $3
                         AND (status = 'completed' OR rejection->>'code' = 'file_not_found'))
     RETURNING id`,
    [
      `rrun_${ulid()}`,
      provider,
      date,
      fileName,
      settings.carryDays,
      JSON.stringify({
        code: 'file_not_found',
        detail: `no settlement file ${fileName} in the drop folder`,
      }),
    ],
  );
  return rows[0] ? q.runById(db, rows[0].id) : undefined;
}
