import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { adapterNamed } from '../../adapters/index.ts';
import type { Config } from '../config.ts';
import { addDays, localMidnight } from '../dates.ts';
import type { Db } from '../db/port.ts';
import { formatVnd } from '../money.ts';
import type { CategoryTotal } from './matching.ts';
import { movementsBetween } from './queries.ts';
import { reconRefusal } from './refusals.ts';
import type { ReconciliationService } from './service.ts';

/** Where the daily job and the CLI look for a provider's file: <dir>/<provider>/<date>.csv */
export function dropFile(dir: string, provider: string, date: string): string {
  return path.join(dir, provider, `${date}.csv`);
}

function table(rows: CategoryTotal[]): string {
  const head = ['category', 'status', 'count', 'settled', 'hub'];
  const body = rows.map((r) => [
    r.category,
    r.status,
    String(r.count),
    formatVnd(r.line_amount),
    formatVnd(r.hub_amount),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** `payhub reconcile`: a progress bar on a terminal, a summary table at the end. */
export async function reconcileCommand(
  recon: ReconciliationService,
  config: Config,
  options: { provider: string; date: string; file?: string; json: boolean },
) {
  const file = options.file ?? dropFile(config.reconciliation.settlementDir, options.provider, options.date);
  if (!existsSync(file)) throw reconRefusal('not_found', `no settlement file at ${file}`);
  const bar =
    process.stderr.isTTY && !options.json
      ? new cliProgress.SingleBar(
          {
            format: 'reconciling |{bar}| {percentage}% · {lines} lines',
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(statSync(file).size, 0, { lines: 0 });
  let result: Awaited<ReturnType<ReconciliationService['reconcileFile']>>;
  try {
    result = await recon.reconcileFile({
      provider: options.provider,
      date: options.date,
      path: file,
      origin: 'cli',
      actor: 'cli',
      onProgress: (lines, bytes) => bar?.update(bytes, { lines }),
    });
  } finally {
    bar?.stop();
  }
  const { run, idempotent } = result;
  if (run.status === 'rejected') {
    const r = run.rejection!;
    throw reconRefusal(
      'action_not_allowed',
      `settlement file rejected (${r.code}, run ${run.id}): ${r.detail}`,
    );
  }
  const categories = (run.summary.categories ?? []) as CategoryTotal[];
  return {
    json: {
      id: run.id,
      provider: run.provider,
      business_date: run.business_date,
      status: run.status,
      idempotent,
      line_count: run.line_count,
      supersedes: run.supersedes,
      summary: categories,
    },
    text: [
      `run ${run.id} · ${run.provider} · ${run.business_date} · ${run.line_count} lines${idempotent ? ' · already reconciled with this file, nothing changed' : ''}${run.supersedes ? ` · supersedes ${run.supersedes}` : ''}`,
      '',
      table(categories),
    ].join('\n'),
  };
}

/**
 * `payhub sandbox:settlement`: the file the sandbox "bank" would send for a business day, written
 * from the hub's own sandbox attempts and refunds (by default into the drop folder, where
 * `payhub reconcile` and the daily job look).
 */
export async function sandboxSettlementCommand(
  db: Db,
  config: Config,
  options: { date: string; out?: string },
) {
  const from = localMidnight(options.date);
  const to = localMidnight(addDays(options.date, 1));
  const movements = await movementsBetween(db, 'sandbox', from, to);
  const file = path.resolve(
    options.out ?? dropFile(config.reconciliation.settlementDir, 'sandbox', options.date),
  );
  const sandbox = adapterNamed('sandbox');
  if (!sandbox?.settlementFile) throw reconRefusal('not_found', 'the sandbox writes no settlement file');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    sandbox.settlementFile(
      movements.map((m) => ({
        type: m.type,
        transactionId: m.transaction_id,
        reference: m.reference,
        amount: m.amount,
        occurredAt: new Date(m.completed_at),
      })),
    ),
  );
  const payments = movements.filter((m) => m.type === 'payment').length;
  return {
    json: { file, business_date: options.date, payments, refunds: movements.length - payments },
    text: `wrote ${file}: ${payments} payments, ${movements.length - payments} refunds of ${options.date}`,
  };
}
