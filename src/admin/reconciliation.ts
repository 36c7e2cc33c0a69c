/**
 * Reconciliation as staff see it, shared by `/admin/v1` and `/console`: runs and their lines
 * within the staff member's scope, settlement-file uploads, breaks, and resolving them.
 */
import { audit } from '../audit/service.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { summarize } from '../reconciliation/matching.ts';
import type { ItemFilter, RunRow } from '../reconciliation/model.ts';
import { previewResolution } from '../reconciliation/preview.ts';
import type { Action } from '../reconciliation/rules.ts';
import { isReconRefusal, type ReconciliationService } from '../reconciliation/service.ts';
import { mustWrite, noteOf, refuse } from './errors.ts';
import type { Staff } from './staff.ts';
import { actionJson, itemJson, lineJson, runJson } from './view.ts';

export interface ReconOps {
  db: Db;
  recon: ReconciliationService;
}

export type RunView = ReturnType<typeof runJson>;

/** The reconciliation service's refusals, in the staff services' terms. */
export function opsErrorOf(error: unknown): never {
  if (!isReconRefusal(error)) throw error;
  switch (error.code) {
    case 'not_found':
      throw new DomainError('resource_missing', error.message);
    case 'unknown_provider':
    case 'invalid_date':
      throw refuse.invalid([
        { field: error.code === 'invalid_date' ? 'business_date' : 'provider', message: error.message },
      ]);
    case 'provider_refused':
      throw new DomainError('provider_refused', error.message);
    default:
      throw new DomainError(error.code, error.message);
  }
}

/**
 * A run is one provider file for the whole hub. Staff of an agency see a run only if it holds
 * lines or items of their agencies, with counts (and line_count) over those alone; a rejected
 * run kept nothing of the file, so only hub-wide staff see it. Null: not theirs to see.
 */
export async function runView(db: Db, run: RunRow, staff: Staff): Promise<RunView | null> {
  if (staff.scope === null)
    return runJson(run, run.status === 'rejected' ? [] : await summarize(db, run.id, null));
  if (run.status === 'rejected') return null;
  const summary = await summarize(db, run.id, staff.scope);
  if (!summary.some((c) => c.count > 0)) return null;
  // Hub items the file lacks (missing_at_provider) are no line of it.
  const lineCount = summary
    .filter((c) => c.category !== 'missing_at_provider')
    .reduce((n, c) => n + c.count, 0);
  return runJson({ ...run, line_count: lineCount }, summary);
}

export interface RunQuery {
  provider?: string;
  business_date?: string;
  status?: string;
  limit?: number;
  starting_after?: string;
}

/** Runs newest first; runs out of the staff's scope are skipped, so a page is filled from further rows. */
export async function listRunsFor(ops: ReconOps, staff: Staff, query: RunQuery) {
  const limit = query.limit ?? 20;
  const data: RunView[] = [];
  let after = query.starting_after;
  let exhausted = false;
  while (data.length <= limit && !exhausted) {
    const rows = await ops.recon.listRuns({
      provider: query.provider,
      date: query.business_date,
      status: query.status,
      limit,
      startingAfter: after,
    });
    exhausted = rows.length <= limit;
    after = rows.at(-1)?.id;
    for (const view of await Promise.all(rows.map((r) => runView(ops.db, r, staff))))
      if (view) data.push(view);
  }
  return { data: data.slice(0, limit), hasMore: data.length > limit };
}

export async function runFor(ops: ReconOps, staff: Staff, id: string): Promise<RunView> {
  const run = await ops.recon.runById(id);
  const view = run && (await runView(ops.db, run, staff));
  if (!view) throw refuse.notFound('reconciliation run', id);
  return view;
}

export async function runLinesFor(
  ops: ReconOps,
  staff: Staff,
  runId: string,
  query: { reference?: string; category?: string; limit?: number; starting_after?: number },
) {
  await runFor(ops, staff, runId);
  const limit = query.limit ?? 20;
  const rows = await ops.recon.runLines(staff.scope, runId, {
    reference: query.reference,
    category: query.category,
    startingAfter: query.starting_after,
    limit,
  });
  return { data: rows.slice(0, limit).map((l) => lineJson(runId, l)), hasMore: rows.length > limit };
}

export type UploadResult =
  | { rejected: false; run: RunView; idempotent: boolean }
  | { rejected: true; runId: string; rejection: NonNullable<RunRow['rejection']> };

/** A settlement file uploaded by staff. A provider's file holds every agency's lines: hub-wide staff only. */
export async function uploadSettlement(
  ops: ReconOps,
  staff: Staff,
  request: { provider: string; date: string; input: AsyncIterable<Buffer | string>; fileName?: string },
): Promise<UploadResult> {
  mustWrite(staff);
  if (staff.scope !== null)
    throw refuse.forbidden('Only hub-wide finance staff can reconcile a provider file.');
  const result = await ops.recon
    .reconcile({
      provider: request.provider,
      date: request.date,
      input: request.input,
      origin: 'upload',
      actor: staff.id,
      fileName: request.fileName,
    })
    .catch(opsErrorOf);
  // The ingest kept the run (a rejected one too): who uploaded which file, for the audit log.
  await audit(ops.db, {
    actorType: 'staff',
    actorId: staff.id,
    action: 'reconciliation.upload',
    objectType: 'reconciliation_run',
    objectId: result.run.id,
    details: {
      provider: request.provider,
      business_date: request.date,
      file_name: request.fileName ?? null,
      status: result.run.status,
      idempotent: result.idempotent,
    },
  });
  if (result.run.status === 'rejected')
    return { rejected: true, runId: result.run.id, rejection: result.run.rejection! };
  return { rejected: false, run: (await runView(ops.db, result.run, staff))!, idempotent: result.idempotent };
}

export type BreakQuery = Omit<ItemFilter, 'limit' | 'startingAfter'> & {
  limit?: number;
  startingAfter?: string;
};

export async function listItemsFor(ops: ReconOps, staff: Staff, query: BreakQuery) {
  const limit = query.limit ?? 20;
  const rows = await ops.recon.listItems(staff.scope, {
    ...query,
    limit,
    startingAfter: query.startingAfter?.replace(/^ri_/, ''),
  });
  return { data: rows.slice(0, limit).map(itemJson), hasMore: rows.length > limit };
}

export async function itemFor(ops: ReconOps, staff: Staff, id: string) {
  const item = await ops.recon.item(staff.scope, id.replace(/^ri_/, '')).catch(opsErrorOf);
  const actions = await ops.recon.actionsOf(item.id);
  return { ...itemJson(item), actions: actions.map(actionJson) };
}

export async function resolveItem(
  ops: ReconOps,
  staff: Staff,
  request: { id: string; action: Action; note: string; days?: number },
) {
  mustWrite(staff);
  const note = noteOf(request.note);
  const done = await ops.recon
    .resolve({
      itemId: request.id.replace(/^ri_/, ''),
      action: request.action,
      note,
      days: request.days,
      actor: staff.id,
      scope: staff.scope,
    })
    .catch(opsErrorOf);
  const actions = await ops.recon.actionsOf(done.item.id);
  return { ...itemJson(done.item), actions: actions.map(actionJson) };
}

/** What resolving the item with `action` will post, for the confirmation step (nothing is changed). */
export async function previewItemFor(ops: ReconOps, staff: Staff, id: string, action: Action) {
  const item = await ops.recon.item(staff.scope, id.replace(/^ri_/, '')).catch(opsErrorOf);
  return { item: itemJson(item), entries: await previewResolution(ops.db, item, action) };
}
