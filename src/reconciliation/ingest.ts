/**
 * One run's ingest, in one transaction: the adapter's parser streams the file, every line is
 * checked and COPYed into settlement_lines, then matching classifies it all in SQL. A file that
 * fails anywhere leaves nothing behind but a rejected run carrying the reason.
 */
import { createHash } from 'node:crypto';
import type { ProviderAdapter } from '../../adapters/types.ts';
import { addDays } from '../dates.ts';
import type { Db, Queryable } from '../db/port.ts';
import { ulid } from '../ids.ts';
import { money } from '../money.ts';
import { carryResolutionEntries, postRunSettlement, reverseRunSettlement } from './ledger.ts';
import {
  type CategoryTotal,
  type ClassifiedTotal,
  classify,
  inheritResolutions,
  settleCarried,
} from './matching.ts';
import type { RunRow } from './model.ts';
import { runById } from './queries.ts';
import { isSettlementRefusal, rejectionOf, settlementRefusal } from './refusals.ts';
import { dedupeKey, RepeatSieve } from './repeats.ts';
import {
  businessDay,
  checkDay,
  checkLine,
  copyLine,
  type FeeRule,
  LINE_COLUMNS,
  parseErrorOf,
} from './rules.ts';

export interface IngestRequest {
  adapter: ProviderAdapter;
  businessDate: string;
  input: AsyncIterable<Buffer | string>;
  origin: 'cli' | 'upload' | 'job';
  actor: string;
  fileName?: string;
  /** When the caller already hashed the file (a file on disk): an identical re-run is answered before reading it. */
  sha256?: string;
  fee: FeeRule | null;
  carryDays: number;
  onProgress?: (lines: number, bytes: number) => void;
}

export interface IngestResult {
  run: RunRow;
  /** The same file for the same day was already reconciled: its run is returned, nothing changed. */
  idempotent: boolean;
}

class AlreadyReconciled extends Error {
  constructor(readonly runId: string) {
    super('already reconciled');
  }
}

const BATCH = 2_000;

async function copyLines(
  tx: Queryable,
  runId: string,
  request: IngestRequest,
  hash: ReturnType<typeof createHash>,
) {
  const { adapter, businessDate } = request;
  const day = businessDay(businessDate);
  const repeats = new RepeatSieve();
  let count = 0;
  let bytes = 0;
  async function* hashed() {
    for await (const chunk of request.input) {
      // A file on disk was hashed before it was read.
      if (!request.sha256) hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
    if (bytes === 0) throw settlementRefusal('empty_file', 'the file is empty (not even a header line)');
  }
  async function* chunks() {
    let text = '';
    try {
      for await (const line of adapter.parseSettlement(hashed())) {
        checkLine(line);
        checkDay(line, day, businessDate);
        // A bank's own credits and debits are reported, never matched: nothing for them to repeat.
        if (line.type === 'payment' || line.type === 'refund')
          repeats.see(line.type, dedupeKey(line, adapter.settlementReference));
        text += copyLine(runId, line);
        if (++count % BATCH === 0) {
          yield text;
          text = '';
          request.onProgress?.(count, bytes);
        }
      }
    } catch (error) {
      throw parseErrorOf(error);
    }
    if (text) yield text;
    request.onProgress?.(count, bytes);
  }
  if (!tx.copyFrom) throw new Error('this database driver cannot COPY');
  await tx.copyFrom(`COPY settlement_lines (${LINE_COLUMNS.join(', ')}) FROM STDIN`, chunks());
  return { count, repeats: repeats.named() };
}

async function sameFile(q: Queryable, provider: string, date: string, sha: string) {
  const { rows } = await q.query<{ id: string; business_date: string; status: string }>(
    `SELECT id, business_date, status FROM recon_runs
     WHERE provider = $1 AND file_sha256 = $2 AND status <> 'rejected' ORDER BY created_at DESC LIMIT 1`,
    [provider, sha],
  );
  const found = rows[0];
  if (!found) return;
  if (found.business_date === date && found.status === 'completed') throw new AlreadyReconciled(found.id);
  throw settlementRefusal(
    'duplicate_file',
    found.business_date === date
      ? `this file was already reconciled as run ${found.id}, since superseded by a corrected file`
      : `this file was already reconciled for business day ${found.business_date} as run ${found.id}`,
  );
}

/** Phase durations of a run, kept in its summary (where a slow day spent its time). */
function stopwatch() {
  const laps: Record<string, number> = {};
  let last = performance.now();
  return {
    lap(name: string) {
      const now = performance.now();
      laps[name] = Math.round(now - last);
      last = now;
    },
    done() {
      this.lap('after');
      return laps;
    },
  };
}

/** The run's summary: counts and totals per category and status (modes and line types merged). */
function byCategory(totals: readonly ClassifiedTotal[]): CategoryTotal[] {
  const merged = new Map<string, CategoryTotal>();
  for (const t of totals) {
    const key = `${t.category}/${t.status}`;
    const m = merged.get(key);
    if (!m) {
      merged.set(key, {
        category: t.category,
        status: t.status,
        count: t.count,
        line_amount: t.line_amount,
        line_fee: t.line_fee,
        hub_amount: t.hub_amount,
      });
    } else {
      m.count += t.count;
      m.line_amount = money(m.line_amount).plus(t.line_amount).toFixed(0);
      m.line_fee = money(m.line_fee).plus(t.line_fee).toFixed(0);
      m.hub_amount = money(m.hub_amount).plus(t.hub_amount).toFixed(0);
    }
  }
  return [...merged.values()].sort((a, b) =>
    `${a.category}/${a.status}`.localeCompare(`${b.category}/${b.status}`),
  );
}

export async function ingest(db: Db, request: IngestRequest): Promise<IngestResult> {
  const { adapter, businessDate: date } = request;
  const provider = adapter.name;
  const runId = `rrun_${ulid()}`;
  const hash = createHash('sha256');
  let sha = request.sha256;
  try {
    if (sha) await sameFile(db, provider, date, sha);
    await db.transaction(async (tx) => {
      // One ingest per provider and day at a time, across every hub instance.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`payhub.recon:${provider}:${date}`]);
      const timings = stopwatch();
      const { count: lines, repeats } = await copyLines(tx, runId, request, hash);
      timings.lap('ingest');
      sha ??= hash.digest('hex');
      await sameFile(tx, provider, date, sha);
      const previous = (
        await tx.query<{ id: string }>(
          `UPDATE recon_runs SET status = 'superseded'
           WHERE provider = $1 AND business_date = $2 AND status = 'completed' RETURNING id`,
          [provider, date],
        )
      ).rows[0];
      await tx.query(
        `INSERT INTO recon_runs (id, provider, business_date, status, file_sha256, file_name, source, created_by,
           supersedes, line_count, carry_days, fee_rule)
         VALUES ($1, $2, $3, 'completed', $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          runId,
          provider,
          date,
          sha,
          request.fileName ?? null,
          request.origin,
          request.actor,
          previous?.id ?? null,
          lines,
          request.carryDays,
          request.fee ? JSON.stringify(request.fee) : null,
        ],
      );
      if (previous) {
        await tx.query('UPDATE recon_runs SET superseded_by = $1 WHERE id = $2', [runId, previous.id]);
        await reverseRunSettlement(tx, previous.id, runId);
      }
      const day = businessDay(date);
      const classified = await classify(tx, {
        runId,
        provider,
        businessDate: date,
        fee: request.fee,
        carryUntil: request.carryDays > 0 ? addDays(date, request.carryDays) : null,
        dayStart: day.start,
        dayEnd: day.end,
        repeats,
        reference: adapter.settlementReference ?? 'attempt_id',
      });
      timings.lap('matching');
      if (previous) {
        await inheritResolutions(tx, runId, previous.id);
        await carryResolutionEntries(tx, previous.id, runId);
      }
      await postRunSettlement(tx, runId, provider, classified);
      const carried = await settleCarried(tx, runId, provider, date);
      await tx.query('UPDATE recon_runs SET summary = $2 WHERE id = $1', [
        runId,
        JSON.stringify({ categories: byCategory(classified), ...carried, timings_ms: timings.done() }),
      ]);
    });
    return { run: (await runById(db, runId))!, idempotent: false };
  } catch (error) {
    if (error instanceof AlreadyReconciled)
      return { run: (await runById(db, error.runId))!, idempotent: true };
    if (!isSettlementRefusal(error)) throw error;
    const refused = error;
    await db.query(
      `INSERT INTO recon_runs (id, provider, business_date, status, file_sha256, file_name, source, created_by,
         carry_days, rejection)
       VALUES ($1, $2, $3, 'rejected', $4, $5, $6, $7, $8, $9)`,
      [
        runId,
        provider,
        date,
        sha ?? null,
        request.fileName ?? null,
        request.origin,
        request.actor,
        request.carryDays,
        JSON.stringify(rejectionOf(refused)),
      ],
    );
    return { run: (await runById(db, runId))!, idempotent: false };
  }
}
