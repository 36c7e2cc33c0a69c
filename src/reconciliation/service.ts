/**
 * Reconciliation as the hub wires it: runs started from a settlement file (runs.ts), breaks
 * resolved (resolve.ts), and the stored runs, items, lines and actions read back (queries.ts).
 */
import type { Queryable } from '../db/port.ts';
import { type ReconDeps, reconContext } from './context.ts';
import * as q from './queries.ts';
import { itemOf, type ResolveRequest, resolve } from './resolve.ts';
import {
  type ReconcileFileRequest,
  type ReconcileRequest,
  reconcile,
  reconcileFile,
  recordMissingFile,
} from './runs.ts';

export type { ReconDeps, ReconSettings } from './context.ts';
export { isReconRefusal, type ReconRefusal, reconRefusal } from './refusals.ts';
export type { ResolveRequest } from './resolve.ts';

export function reconciliationService(deps: ReconDeps) {
  const ctx = reconContext(deps);
  const { db, settings } = ctx;
  return {
    settings,
    reconcile: (request: ReconcileRequest) => reconcile(db, settings, request),
    /** The daily job found no file: recorded as a rejected run, once per day and provider. */
    recordMissingFile: (provider: string, date: string, fileName: string) =>
      recordMissingFile(db, settings, { provider, date, fileName }),
    reconcileFile: (request: ReconcileFileRequest) => reconcileFile(db, settings, request),
    resolve: (request: ResolveRequest) => resolve(ctx, request),
    item: (scope: q.Scope, id: string) => itemOf(db, scope, id),
    runById: (id: string) => q.runById(db, id),
    listRuns: (filter: q.RunFilter) => q.listRuns(db, filter),
    listItems: (scope: q.Scope, filter: q.ItemFilter) => q.listItems(db, scope, filter),
    runLines: (scope: q.Scope, runId: string, filter: q.LineFilter) => q.runLines(db, scope, runId, filter),
    actionsOf: (itemId: string) => q.actionsOf(db, itemId),
  };
}

export type ReconciliationService = ReturnType<typeof reconciliationService>;

/** Open breaks of these agencies (null: all), for the console's dashboard. */
export async function openBreakCount(db: Queryable, scope: q.Scope): Promise<number> {
  return (await q.openBreakCount(db, scope)).rows[0]!.count;
}
