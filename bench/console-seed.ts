import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { SQL_DIR } from '../src/db/migrate.ts';

/** Payments a day: growing the hub adds history (more days), as a hub grows, not a busier day. */
export const PER_DAY = 22_223;
/** Card providers settle by file: a run a day each. */
export const FILE_PROVIDERS = ['vnpay', 'momo'] as const;
const PROVIDERS = ['vnpay', 'momo', 'sandbox', 'vietqr'];
const TYPES = ['charge', 'fee', 'fine', 'tax'];
const NAMES = ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Văn Cường', 'Phạm Minh Châu', 'Hoàng Thị Dung'];
const CHUNK = 250_000;

/**
 * Payments `from`..`to` (exclusive), set-based with generate_series: payment n was made n × (one
 * day / PER_DAY) before `now`; one in ten expired after a failed attempt, the rest succeeded.
 * `prefix` keeps ids time-ordered across batches (older history sorts first). Foreign keys and
 * triggers are off (session_replication_role = replica) while seeding: the roll-ups are then built
 * by migration 100's own backfill, see rebuildRollups.
 */
export async function seedPayments(
  client: pg.Client,
  input: { from: number; to: number; prefix: string; agencies: string[] },
) {
  const step = 86_400_000 / PER_DAY;
  await client.query('SET session_replication_role = replica');
  try {
    for (let lo = input.from; lo < input.to; lo += CHUNK) {
      const hi = Math.min(input.to, lo + CHUNK);
      const suffix = `lpad((999999999999 - n)::text, 25, '0')`;
      const agency = `($3::text[])[1 + n % ${input.agencies.length}]`;
      await client.query(
        `INSERT INTO payments (id, agency_id, mode, status, currency, principal, amount, reference, description,
           return_url, obligation, budget, payer, language, checkout_token, expires_at, created_at, updated_at,
           succeeded_attempt_id, paid_at)
         SELECT 'pay_${input.prefix}' || ${suffix}, ${agency}, 'live',
                CASE WHEN n % 10 = 0 THEN 'expired' ELSE 'succeeded' END, 'VND',
                10000 + n % 500 * 1000, 10000 + n % 500 * 1000, 'R' || n, 'Lệ phí', 'https://portal.example.vn/',
                jsonb_build_object('type', ($4::text[])[1 + n % 4]),
                '{"treasury_code":"0011","treasury_account":"7111","chapter_code":"418","economic_code":"2662"}',
                jsonb_build_object('name', ($5::text[])[1 + n % 5]), 'vi', 'tok${input.prefix}' || n,
                t + interval '1 day', t, t,
                CASE WHEN n % 10 = 0 THEN NULL ELSE 'att_${input.prefix}' || ${suffix} END,
                CASE WHEN n % 10 = 0 THEN NULL ELSE t + interval '1 minute' END
           FROM generate_series($1::bigint, $2::bigint) n,
                LATERAL (SELECT now() - n * interval '${step} milliseconds' - interval '1 minute' AS t) x`,
        [lo, hi - 1, input.agencies, TYPES, NAMES],
      );
      await client.query(
        `INSERT INTO attempts (id, payment_id, agency_id, mode, provider, status, amount, provider_transaction_id,
           created_at, updated_at, completed_at)
         SELECT 'att_${input.prefix}' || ${suffix}, 'pay_${input.prefix}' || ${suffix}, ${agency}, 'live',
                ($4::text[])[1 + (n / 10) % 4], CASE WHEN n % 10 = 0 THEN 'failed' ELSE 'succeeded' END,
                10000 + n % 500 * 1000, 'tx${input.prefix}' || n, t, t + interval '1 minute', t + interval '1 minute'
           FROM generate_series($1::bigint, $2::bigint) n,
                LATERAL (SELECT now() - n * interval '${step} milliseconds' - interval '1 minute' AS t) x`,
        [lo, hi - 1, input.agencies, PROVIDERS],
      );
    }
  } finally {
    await client.query('SET session_replication_role = DEFAULT');
  }
}

/**
 * A completed run per file provider and day for days `fromDay`..`toDay` back (1 = yesterday), its
 * lines copied from that day's succeeded attempts; every 500th line settled at another amount,
 * an open break.
 */
export async function seedRuns(client: pg.Client, fromDay: number, toDay: number) {
  await client.query(
    `INSERT INTO recon_runs (id, provider, business_date, status, source, carry_days, line_count, created_at)
     SELECT 'rrun_' || p || lpad(d::text, 20, '0'), p,
            (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date - d, 'completed', 'job', 2, 0, now()
       FROM generate_series($1::int, $2::int) d, unnest($3::text[]) p`,
    [fromDay, toDay, [...FILE_PROVIDERS]],
  );
  await client.query(
    `INSERT INTO settlement_lines (run_id, line_no, provider_transaction_id, merchant_reference, type, amount, fee,
       status, occurred_at)
     SELECT run_id, line_no, provider_transaction_id, id, 'payment',
            CASE WHEN line_no % 500 = 0 THEN amount + 1000 ELSE amount END, 0, 'success', completed_at
       FROM (SELECT r.id AS run_id, row_number() OVER (PARTITION BY r.id ORDER BY a.id)::int AS line_no,
                    a.provider_transaction_id, a.id, a.amount, a.completed_at
               FROM recon_runs r
               JOIN attempts a ON a.provider = r.provider AND a.status = 'succeeded'
                AND a.completed_at >= (r.business_date::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')
                AND a.completed_at < ((r.business_date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')
              WHERE r.id = ANY (SELECT 'rrun_' || p || lpad(d::text, 20, '0')
                                  FROM generate_series($1::int, $2::int) d, unnest($3::text[]) p)) s`,
    [fromDay, toDay, [...FILE_PROVIDERS]],
  );
  await client.query(
    `INSERT INTO recon_items (run_id, provider, business_date, category, status, agency_id, attempt_id, payment_id,
       type, line_no, provider_transaction_id, merchant_reference, line_amount, line_fee, line_status, occurred_at,
       hub_amount, hub_status)
     SELECT l.run_id, r.provider, r.business_date, 'amount_mismatch', 'open', a.agency_id, a.id, a.payment_id,
            'payment', l.line_no, l.provider_transaction_id, l.merchant_reference, l.amount, l.fee, l.status,
            l.occurred_at, a.amount, a.status
       FROM settlement_lines l JOIN recon_runs r ON r.id = l.run_id JOIN attempts a ON a.id = l.merchant_reference
      WHERE l.amount <> a.amount
        AND l.run_id = ANY (SELECT 'rrun_' || p || lpad(d::text, 20, '0')
                              FROM generate_series($1::int, $2::int) d, unnest($3::text[]) p)`,
    [fromDay, toDay, [...FILE_PROVIDERS]],
  );
  await client.query(
    `UPDATE recon_runs r SET line_count = (SELECT count(*) FROM settlement_lines l WHERE l.run_id = r.id)
      WHERE line_count = 0`,
  );
}

/** The daily roll-ups rebuilt by migration 100's backfill statements: the same SQL a live hub ran once. */
export async function rebuildRollups(client: pg.Client) {
  const sql = fs.readFileSync(path.join(SQL_DIR, '100_daily_totals.sql'), 'utf8');
  await client.query('TRUNCATE daily_totals, daily_attempts');
  await client.query(sql.slice(sql.indexOf('-- The rows already there.')));
  await client.query('ANALYZE');
}
