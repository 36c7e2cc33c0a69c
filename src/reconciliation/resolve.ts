/**
 * Resolving a break: what each action requires of the item (checked before anything changes),
 * then one transaction in which the item's state changes, its money moves and the action row is
 * appended, never edited.
 */
import { audit } from '../audit/service.ts';
import { addDays, localDate } from '../dates.ts';
import type { Queryable } from '../db/port.ts';
import { ulid } from '../ids.ts';
import { refundUnkept } from '../refunds/service.ts';
import type { ReconContext } from './context.ts';
import { postConfirmedLine, postRefundedLine, postWriteOff, reverseEntries } from './ledger.ts';
import type { ItemRow } from './model.ts';
import * as q from './queries.ts';
import { reconRefusal } from './refusals.ts';
import type { Action } from './rules.ts';
import { adapterFor } from './runs.ts';

export interface ResolveRequest {
  itemId: string;
  action: Action;
  note: string;
  actor: string;
  scope: q.Scope;
  /** carry_over: days to wait (default: the configured carry days, at least 1). */
  days?: number;
}

interface ItemState {
  status: string;
  resolution: string | null;
  carryUntil: string | null;
}

/** What the action will do: the item's next state and the result it records (until money moves). */
interface Plan {
  next: ItemState;
  result: Record<string, unknown>;
}

const OPEN = new Set(['open', 'carried']);

/** An item within the scope, or a not_found refusal. */
export async function itemOf(db: Queryable, scope: q.Scope, id: string): Promise<ItemRow> {
  const found = await q.itemById(db, scope, id);
  if (!found) throw reconRefusal('not_found', `no such reconciliation item: '${id}'`);
  return found;
}

function refuse(request: ResolveRequest, item: ItemRow, why: string): never {
  throw reconRefusal(
    'action_not_allowed',
    `${request.action} on a ${item.status} ${item.category} item: ${why}`,
  );
}

/** Refused whatever the action: a superseded run, a matched item, resolving twice, reopening an open item. */
function checkResolvable(request: ResolveRequest, current: ItemRow): void {
  if (current.run_status !== 'completed') {
    throw reconRefusal('run_superseded', `item ${current.id} belongs to a ${current.run_status} run`);
  }
  if (current.status === 'ok') refuse(request, current, 'it is matched, there is nothing to resolve');
  if (request.action !== 'reopen' && !OPEN.has(current.status))
    refuse(request, current, 'it is already resolved (reopen it first)');
  if (request.action === 'reopen' && current.status === 'open')
    refuse(request, current, 'it is already open');
}

/** Only a payment the provider says is paid and the hub still waits for can be confirmed. */
async function confirmPayment(ctx: ReconContext, request: ResolveRequest, current: ItemRow) {
  if (current.type !== 'payment' || !current.attempt_id || !current.line_amount)
    refuse(request, current, 'only a settled payment line of a known attempt can be confirmed');
  if (current.hub_status !== 'processing')
    refuse(request, current, `the hub's attempt is ${current.hub_status}, not in flight`);
  const verdict = await ctx.attempts.apply(current.provider, {
    attemptId: current.attempt_id!,
    status: 'succeeded',
    amount: current.line_amount!,
    providerTransactionId: current.provider_transaction_id ?? undefined,
    paidAt: current.occurred_at ?? undefined,
    raw: { source: 'reconciliation', run_id: current.run_id, line_no: current.line_no },
  });
  if (verdict !== 'accepted' && verdict !== 'already_processed')
    throw reconRefusal('provider_refused', `the attempt could not be confirmed: ${verdict}`);
  return { attempt_id: current.attempt_id, verdict };
}

/**
 * Money the provider collected that the hub will not keep: returned through the provider, by a
 * refund created with this action (executed after the commit, like any other). Checked here.
 */
async function checkRefundable(ctx: ReconContext, request: ResolveRequest, current: ItemRow) {
  if (current.type !== 'payment' || !current.attempt_id || !current.agency_id || !current.line_amount)
    refuse(
      request,
      current,
      'only a settled payment line of a known attempt can be refunded through its provider',
    );
  if (current.hub_status === 'succeeded')
    refuse(request, current, 'the hub keeps this payment; refund it through the payment instead');
  const adapter = adapterFor(current.provider);
  const mode = (
    await ctx.db.query<{ mode: 'test' | 'live' }>('SELECT mode FROM attempts WHERE id = $1', [
      current.attempt_id,
    ])
  ).rows[0]!.mode;
  const provider = await ctx.providers.contextFor(current.agency_id!, mode, current.provider);
  if (!adapter.capabilities.refund || !provider)
    refuse(request, current, `${current.provider} cannot refund for this agency`);
  const earlier = await ctx.db.query<{ id: string }>(
    `SELECT id FROM refunds WHERE attempt_id = $1 AND kind = 'reconciliation'`,
    [current.attempt_id],
  );
  if (earlier.rows[0]) refuse(request, current, `it was refunded already (${earlier.rows[0].id})`);
}

/**
 * A confirmed payment succeeded (receipt, webhooks, the agency's money) and a refund went to the
 * provider: neither is undone by reopening the item. A write-off's entries are reversed.
 */
function reopening(current: ItemRow): Plan {
  if (current.resolution === 'confirm_payment' || current.resolution === 'refund')
    throw reconRefusal(
      'resolution_moved_money',
      `item ri_${current.id} was resolved by ${current.resolution}, which moved money: ` +
        (current.resolution === 'refund'
          ? 'the refund stands; reopening cannot take it back'
          : 'the payment succeeded; refund it through the payment instead of reopening'),
    );
  return {
    next: { status: 'open', resolution: null, carryUntil: null },
    result: { previous_status: current.status, previous_resolution: current.resolution },
  };
}

async function plan(ctx: ReconContext, request: ResolveRequest, current: ItemRow): Promise<Plan> {
  const resolved: ItemState = { status: 'resolved', resolution: request.action, carryUntil: null };
  switch (request.action) {
    case 'confirm_payment':
      return { next: resolved, result: await confirmPayment(ctx, request, current) };
    case 'refund':
      await checkRefundable(ctx, request, current);
      return { next: resolved, result: {} };
    case 'write_off':
      return { next: resolved, result: {} };
    case 'carry_over': {
      const days = request.days ?? Math.max(1, ctx.settings.carryDays);
      const until = addDays(localDate(ctx.now()), days);
      return {
        next: { status: 'carried', resolution: 'carry_over', carryUntil: until },
        result: { carry_until: until },
      };
    }
    case 'reopen':
      return reopening(current);
  }
}

/** The reconciliation refund of the item's payment, out of suspense through its provider. */
async function refundThroughProvider(tx: Queryable, request: ResolveRequest, current: ItemRow) {
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
  return { refund_id: refund.id, status: refund.status };
}

/** The action's ledger entries; a write-off and the reopening of one record them in the result. */
async function postResolution(
  tx: Queryable,
  request: ResolveRequest,
  current: ItemRow,
  result: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  if (request.action === 'confirm_payment') await postConfirmedLine(tx, current);
  if (request.action === 'refund') await postRefundedLine(tx, current);
  if (request.action === 'write_off') {
    const entries = await postWriteOff(tx, current);
    return { entries, moved_money: entries.length > 0 };
  }
  if (request.action === 'reopen' && current.resolution === 'write_off') {
    const last = (await q.actionsOf(tx, current.id)).filter((a) => a.action === 'write_off').pop();
    const posted = (last?.result.entries as string[] | undefined) ?? [];
    return { ...result, reversed_entries: await reverseEntries(tx, posted, `reopened ri_${current.id}`) };
  }
  return result;
}

/** One transaction: the item locked and unchanged since it was checked, then everything the action does. */
async function commit(ctx: ReconContext, request: ResolveRequest, current: ItemRow, planned: Plan) {
  return ctx.db.transaction(async (tx) => {
    const locked = (await q.itemById(tx, request.scope, request.itemId, true))!;
    if (locked.status !== current.status) refuse(request, current, 'it changed meanwhile; reload it');
    let result = planned.result;
    if (request.action === 'refund') result = await refundThroughProvider(tx, request, current);
    await q.setItemState(tx, current.id, planned.next);
    result = await postResolution(tx, request, current, result);
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

/** Applies a resolution action: the item's state changes, the action row is appended, never edited. */
export async function resolve(ctx: ReconContext, request: ResolveRequest) {
  const current = await itemOf(ctx.db, request.scope, request.itemId);
  checkResolvable(request, current);
  return commit(ctx, request, current, await plan(ctx, request, current));
}
