import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewItemFor, resolveItem, uploadSettlement } from '../../src/admin/reconciliation.ts';
import type { Staff } from '../../src/admin/staff.ts';
import { enableProvider } from '../../src/agencies/service.ts';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { type TestHub, testHub } from '../helpers/hub.ts';
import { type SeededAttempt, seedAttempt } from '../helpers/recon.ts';

const D = '2026-05-04';
let hub: TestHub;
const seeded: Record<string, SeededAttempt> = {};
const staff: Staff = {
  id: 'usr_hq',
  email: 'hq@payhub.gov.vn',
  role: 'finance',
  agencyId: null,
  agencyCode: null,
  scope: null,
};

async function* chunks(text: string) {
  yield Buffer.from(text);
}

/** The lines of every journal entry posted after `afterId`, as the preview shows them. */
async function postedSince(afterId: string) {
  const { rows } = await hub.db.query<{ entry_id: string; account: string; amount: string }>(
    `SELECT entry_id::text, account, amount::text FROM journal_lines WHERE entry_id > $1::bigint ORDER BY entry_id, line_no`,
    [afterId],
  );
  const entries = new Map<string, { account: string; amount: string }[]>();
  for (const r of rows)
    entries.set(r.entry_id, [...(entries.get(r.entry_id) ?? []), { account: r.account, amount: r.amount }]);
  return [...entries.values()];
}

const lastEntry = async () =>
  (await hub.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM journal_entries'))
    .rows[0]!.id;

let runId: string;
const ops = () => ({ db: hub.db, recon: hub.services.recon });

beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  const at = `${D}T10:00:00+07:00`;
  seeded.short = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at });
  seeded.lost = await seedAttempt(hub.db, { agencyCode: 'PROV-A', status: 'processing', completedAt: at });
  const csv = sandboxSettlementCsv(D, [
    { transactionId: 'S1', attemptId: seeded.short!.attemptId, amount: 140000, fee: 1400 },
    { transactionId: 'S2', attemptId: seeded.lost!.attemptId, amount: 150000, fee: 1500 },
  ]);
  const result = await uploadSettlement(ops(), staff, { provider: 'sandbox', date: D, input: chunks(csv) });
  if (result.rejected) throw new Error(result.rejection.detail);
  runId = result.run.id;
});
afterAll(() => hub.drop());

async function itemOf(attemptId: string) {
  const { rows } = await hub.db.query<{ id: string }>(
    'SELECT id::text FROM recon_items WHERE run_id = $1 AND attempt_id = $2',
    [runId, attemptId],
  );
  return `ri_${rows[0]!.id}`;
}

describe('the ledger preview of a resolution is what the resolution posts', () => {
  it('write_off: the short settlement’s gap to write_off, as previewed', async () => {
    const id = await itemOf(seeded.short!.attemptId);
    const preview = await previewItemFor(ops(), staff, id, 'write_off');
    expect(preview.entries).toHaveLength(1);
    expect(preview.entries[0]!.lines).toContainEqual({ account: 'write_off', amount: '10000' });
    const before = await lastEntry();
    await resolveItem(ops(), staff, { id, action: 'write_off', note: 'bank short-paid, accepted' });
    expect(await postedSince(before)).toEqual(preview.entries.map((e) => e.lines));
  });

  it('confirm_payment: the payment’s success and its line’s settlement, as previewed', async () => {
    const id = await itemOf(seeded.lost!.attemptId);
    const preview = await previewItemFor(ops(), staff, id, 'confirm_payment');
    expect(preview.entries.map((e) => e.lines[0]!.account)).toEqual([
      'provider_clearing:sandbox',
      'settlement_bank:sandbox',
    ]);
    const before = await lastEntry();
    await resolveItem(ops(), staff, { id, action: 'confirm_payment', note: 'the provider paid it' });
    const posted = await postedSince(before);
    expect(posted).toEqual(preview.entries.map((e) => e.lines));
  });

  it('carry_over posts nothing, and a preview changes nothing', async () => {
    const id = await itemOf(seeded.short!.attemptId);
    const before = await lastEntry();
    expect((await previewItemFor(ops(), staff, id, 'carry_over')).entries).toEqual([]);
    expect(await lastEntry()).toBe(before);
  });
});
