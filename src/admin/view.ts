import { toJsonAmount } from '../money.ts';
import type { CategoryTotal } from '../reconciliation/matching.ts';
import type { ActionRow, ItemRow, LineRow, RunRow } from '../reconciliation/model.ts';
import type { Staff } from './staff.ts';

const amount = (v: string | null) => (v === null ? null : toJsonAmount(v));
const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

export function staffJson(s: Staff) {
  return { object: 'staff_user', id: s.id, email: s.email, role: s.role, agency: s.agencyCode };
}

export function runJson(run: RunRow, categories: CategoryTotal[]) {
  return {
    id: run.id,
    object: 'reconciliation_run',
    provider: run.provider,
    business_date: run.business_date,
    status: run.status,
    file_sha256: run.file_sha256,
    file_name: run.file_name,
    source: run.source,
    created_by: run.created_by,
    line_count: run.line_count,
    carry_days: run.carry_days,
    fee_rule: run.fee_rule,
    supersedes: run.supersedes,
    superseded_by: run.superseded_by,
    summary: categories.map((c) => ({
      category: c.category,
      status: c.status,
      count: c.count,
      line_amount: toJsonAmount(c.line_amount),
      line_fee: toJsonAmount(c.line_fee),
      hub_amount: toJsonAmount(c.hub_amount),
    })),
    rejection: run.rejection,
    created_at: iso(run.created_at),
  };
}

export function itemJson(i: ItemRow) {
  return {
    id: `ri_${i.id}`,
    object: 'reconciliation_item',
    run: i.run_id,
    run_status: i.run_status,
    provider: i.provider,
    business_date: i.business_date,
    category: i.category,
    status: i.status,
    carry_until: i.carry_until,
    resolution: i.resolution,
    type: i.type,
    agency: i.agency_id,
    payment: i.payment_id,
    attempt: i.attempt_id,
    refund: i.refund_id,
    line:
      i.line_no === null
        ? null
        : {
            line_no: i.line_no,
            provider_transaction_id: i.provider_transaction_id,
            merchant_reference: i.merchant_reference,
            amount: amount(i.line_amount),
            fee: amount(i.line_fee),
            status: i.line_status,
            occurred_at: iso(i.occurred_at),
          },
    hub: i.hub_status === null ? null : { amount: amount(i.hub_amount), status: i.hub_status },
    expected_fee: amount(i.expected_fee),
  };
}

export function actionJson(a: ActionRow) {
  return {
    id: a.id,
    object: 'reconciliation_action',
    item: `ri_${a.item_id}`,
    action: a.action,
    note: a.note,
    actor: a.actor,
    result: a.result,
    created_at: iso(a.created_at),
  };
}

export function lineJson(runId: string, l: LineRow) {
  return {
    object: 'settlement_line',
    run: runId,
    line_no: l.line_no,
    provider_transaction_id: l.provider_transaction_id,
    reference: l.merchant_reference,
    type: l.type,
    amount: toJsonAmount(l.amount),
    fee: toJsonAmount(l.fee),
    status: l.status,
    occurred_at: iso(l.occurred_at),
    category: l.category,
    item: l.item_id === null ? null : `ri_${l.item_id}`,
    payment: l.payment_id,
    agency: l.agency_code,
  };
}
