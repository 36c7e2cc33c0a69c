import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { adapterNamed } from '../../adapters/index.ts';
import { audit } from '../audit/service.ts';
import { addDays, isCalendarDate, localDate } from '../dates.ts';
import type { Db, Queryable } from '../db/port.ts';
import { ulid } from '../ids.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import { refundUnkept } from '../refunds/service.ts';
import { ingest } from './ingest.ts';
import { postConfirmedLine, postRefundedLine, postWriteOff, reverseEntries } from './ledger.ts';
import * as q from './queries.ts';
import type { Action, FeeRule } from './rules.ts';

export interface ReconSettings {
  /** Days an unsettled hub item waits for the provider's file before it is a break. */
  carryDays: number;
  /** Fee rule per provider; a provider without one has its fees not checked. */
  fees: Readonly<Record<string, FeeRule>>;
  /** Drop folder: <dir>/<provider>/<YYYY-MM-DD>.csv */
  settlementDir: string;
}

/** A request the caller must fix: the route maps `code` to its problem, the CLI prints the message. */
export class ReconError extends Error {
  constructor(
    readonly code:
      | 'unknown_provider'
      | 'invalid_date'
      | 'not_found'
      | 'run_superseded'
      | 'action_not_allowed'
      | 'resolution_moved_money'
      | 'provider_refused',
    message: string,
  ) {
    super(message);
  }
}

export interface ResolveRequest {
  itemId: string;
  action: Action;
  note: string;
  actor: string;
  scope: q.Scope;
  /** carry_over: days to wait (default: the configured carry days, at least 1). */
  days?: number;
}

export interface ReconDeps {
  db: Db;
  attempts: AttemptsService;
  providers: ProviderAccountsService;
  settings: ReconSettings;
  now?: () => Date;
}

const OPEN = new Set(['open', 'carried']);

export function reconciliationService(deps: ReconDeps) {
  const { db, settings } = deps;
  const now = deps.now ?? (() => new Date());

  function adapterFor(provider: string) {
    const adapter = adapterNamed(provider);
    if (!adapter) throw new ReconError('unknown_provider', `unknown provider "${provider}"`);
    return adapter;
  }

  function checkDate(date: string) {
    if (!isCalendarDate(date)) throw new ReconError('invalid_date', `"${date}" is not a date (YYYY-MM-DD)`);
  }

  /** Reconciles one provider's business day from a stream of its settlement file. */
  async function reconcile(request: {
    provider: string;
    date: string;
    input: AsyncIterable<Buffer | string>;
    origin: 'cli' | 'upload' | 'job';
    actor: string;
    fileName?: string;
    sha256?: string;
    onProgress?: (lines: number, bytes: number) => void;
  }) {
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

  /** Reconciles from a file on disk (CLI, daily job): hashed first, so a re-run reads nothing twice. */
  async function reconcileFile(request: {
    provider: string;
    date: string;
    path: string;
    origin: 'cli' | 'job';
    actor: string;
    onProgress?: (lines: number, bytes: number) => void;
  }) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(request.path)) hash.update(chunk as Buffer);
    return reconcile({
      ...request,
      // Opened only when read: an identical re-run is answered from the hash alone.
      input: (async function* () {
        yield* createReadStream(request.path, { highWaterMark: 256 * 1024 });
      })(),
      fileName: request.path.split(/[\\/]/).pop(),
      sha256: hash.digest('hex'),
    });
  }

  async function item(scope: q.Scope, id: string) {
    const found = await q.itemById(db, scope, id);
    if (!found) throw new ReconError('not_found', `no such reconciliation item: '${id}'`);
    return found;
  }

  /** Applies a resolution action: the item's state changes, the action row is appended, never edited. */
  async function resolve(request: ResolveRequest) {
    const current = await item(request.scope, request.itemId);
    if (current.run_status !== 'completed') {
      throw new ReconError('run_superseded', `item ${current.id} belongs to a ${current.run_status} run`);
    }
    const refuse = (why: string): never => {
      throw new ReconError(
        'action_not_allowed',
        `${request.action} on a ${current.status} ${current.category} item: ${why}`,
      );
    };
    if (current.status === 'ok') refuse('it is matched, there is nothing to resolve');
    if (request.action !== 'reopen' && !OPEN.has(current.status))
      refuse('it is already resolved (reopen it first)');
    if (request.action === 'reopen' && current.status === 'open') refuse('it is already open');

    let result: Record<string, unknown> = {};
    let next: { status: string; resolution: string | null; carryUntil: string | null } = {
      status: 'resolved',
      resolution: request.action,
      carryUntil: null,
    };
    switch (request.action) {
      case 'confirm_payment': {
        // Only a payment the provider says is paid and the hub still waits for can be confirmed.
        if (current.type !== 'payment' || !current.attempt_id || !current.line_amount)
          refuse('only a settled payment line of a known attempt can be confirmed');
        if (current.hub_status !== 'processing')
          refuse(`the hub's attempt is ${current.hub_status}, not in flight`);
        const verdict = await deps.attempts.apply(current.provider, {
          attemptId: current.attempt_id!,
          status: 'succeeded',
          amount: current.line_amount!,
          providerTransactionId: current.provider_transaction_id ?? undefined,
          paidAt: current.occurred_at ?? undefined,
          raw: { source: 'reconciliation', run_id: current.run_id, line_no: current.line_no },
        });
        if (verdict !== 'accepted' && verdict !== 'already_processed')
          throw new ReconError('provider_refused', `the attempt could not be confirmed: ${verdict}`);
        result = { attempt_id: current.attempt_id, verdict };
        break;
      }
      case 'refund': {
        // Money the provider collected that the hub will not keep: returned through the provider,
        // by a refund created with this action (executed after the commit, like any other).
        if (current.type !== 'payment' || !current.attempt_id || !current.agency_id || !current.line_amount)
          refuse('only a settled payment line of a known attempt can be refunded through its provider');
        if (current.hub_status === 'succeeded')
          refuse('the hub keeps this payment; refund it through the payment instead');
        const adapter = adapterFor(current.provider);
        const mode = (
          await db.query<{ mode: 'test' | 'live' }>('SELECT mode FROM attempts WHERE id = $1', [
            current.attempt_id,
          ])
        ).rows[0]!.mode;
        const ctx = await deps.providers.contextFor(current.agency_id!, mode, current.provider);
        if (!adapter.capabilities.refund || !ctx) refuse(`${current.provider} cannot refund for this agency`);
        const earlier = await db.query<{ id: string }>(
          `SELECT id FROM refunds WHERE attempt_id = $1 AND kind = 'reconciliation'`,
          [current.attempt_id],
        );
        if (earlier.rows[0]) refuse(`it was refunded already (${earlier.rows[0].id})`);
        break;
      }
      case 'write_off':
        break;
      case 'carry_over': {
        const days = request.days ?? Math.max(1, settings.carryDays);
        const until = addDays(localDate(now()), days);
        next = { status: 'carried', resolution: 'carry_over', carryUntil: until };
        result = { carry_until: until };
        break;
      }
      case 'reopen':
        // A confirmed payment succeeded (receipt, webhooks, the agency's money) and a refund went
        // to the provider: neither is undone by reopening the item. A write-off's entries are reversed.
        if (current.resolution === 'confirm_payment' || current.resolution === 'refund')
          throw new ReconError(
            'resolution_moved_money',
            `item ri_${current.id} was resolved by ${current.resolution}, which moved money: ` +
              (current.resolution === 'refund'
                ? 'the refund stands; reopening cannot take it back'
                : 'the payment succeeded; refund it through the payment instead of reopening'),
          );
        next = { status: 'open', resolution: null, carryUntil: null };
        result = { previous_status: current.status, previous_resolution: current.resolution };
        break;
    }
    return db.transaction(async (tx) => {
      const locked = (await q.itemById(tx, request.scope, request.itemId, true))!;
      if (locked.status !== current.status) refuse('it changed meanwhile; reload it');
      if (request.action === 'refund') {
        const { rows } = await tx.query<{ id: string; agency_id: string; mode: 'test' | 'live' }>(
          'SELECT p.id, p.agency_id, p.mode FROM attempts a JOIN payments p ON p.id = a.payment_id WHERE a.id = $1',
          [current.attempt_id],
        );
        const refund = await refundUnkept(
          tx,
          rows[0]!,
          { id: current.attempt_id!, provider: current.provider },
          {
            kind: 'reconciliation',
            amount: current.line_amount!,
            reason: request.note.slice(0, 200),
            requestedBy: request.actor,
          },
        );
        result = { refund_id: refund.id, status: refund.status };
      }
      await q.setItemState(tx, current.id, next);
      if (request.action === 'confirm_payment') await postConfirmedLine(tx, current);
      if (request.action === 'refund') await postRefundedLine(tx, current);
      if (request.action === 'write_off') {
        const entries = await postWriteOff(tx, current);
        result = { entries, moved_money: entries.length > 0 };
      }
      if (request.action === 'reopen' && current.resolution === 'write_off') {
        const last = (await q.actionsOf(tx, current.id)).filter((a) => a.action === 'write_off').pop();
        const posted = (last?.result.entries as string[] | undefined) ?? [];
        result = {
          ...result,
          reversed_entries: await reverseEntries(tx, posted, `reopened ri_${current.id}`),
        };
      }
      await audit(tx, {
        actorType: 'staff',
        actorId: request.actor,
        action: `reconciliation.${request.action}`,
        objectType: 'reconciliation_item',
        objectId: `ri_${current.id}`,
        agencyId: current.agency_id,
        details: { run: current.run_id, category: current.category, note: request.note, result },
      });
      const action = await q.insertAction(tx, {
        id: `ract_${ulid()}`,
        itemId: current.id,
        action: request.action,
        note: request.note,
        actor: request.actor,
        result,
      });
      return { action, item: (await q.itemById(tx, request.scope, request.itemId))! };
    });
  }

  /** The daily job found no file: recorded as a rejected run, once per day and provider. */
  async function recordMissingFile(provider: string, date: string, fileName: string) {
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

  return {
    settings,
    reconcile,
    recordMissingFile,
    reconcileFile,
    resolve,
    item,
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
