/**
 * The process that reconciles, on its own, so its peak RSS is the ingest's alone:
 * `tsx bench/recon-ingest.ts <database url> <file> <date>` prints one JSON line.
 */
import { openPg } from '../src/db/pg.ts';
import { reconciliationService } from '../src/reconciliation/service.ts';

const [url, file, date] = process.argv.slice(2) as [string, string, string];
const db = openPg({ connectionString: url, max: 2 });
const recon = reconciliationService({
  db,
  // Neither is used by a run (only by resolution actions).
  attempts: undefined as never,
  providers: undefined as never,
  settings: { carryDays: 2, fees: { sandbox: { percent: '1', min: '0' } }, settlementDir: '' },
});
const started = performance.now();
const { run } = await recon.reconcileFile({
  provider: 'sandbox',
  date,
  path: file,
  origin: 'cli',
  actor: 'bench',
});
const ms = performance.now() - started;
await db.close();
process.stdout.write(
  `${JSON.stringify({
    ms,
    maxRssKb: process.resourceUsage().maxRSS,
    status: run.status,
    lines: run.line_count,
    rejection: run.rejection,
    summary: run.summary.categories,
    timings: run.summary.timings_ms,
  })}\n`,
);
