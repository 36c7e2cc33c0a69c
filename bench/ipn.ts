import os from 'node:os';
import pg from 'pg';
import { providerAccountsService } from '../src/provider-accounts/service.ts';
import { sealer } from '../src/secrets.ts';
import { signQuery, vnTime } from '../test/fakes/vnpay/signing.ts';
import { benchDatabase, ceilingThenHub, load, row, startBareAndHub } from './lib.ts';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Attempts waiting for their notification: more than the hub can take in the run. */
const PREPARED = Number(process.env.BENCH_IPN_ATTEMPTS ?? 60_000);
const WARM_UP = 5_000;
const SECRET = 'bench-secret-key-0123456789abcdefghijklmno';
const TMN = 'BENCH001';
const HASH_SECRET = 'BENCHHASHSECRET0123456789ABCDEFGH';
const AMOUNT = 150_000;

const attemptId = (k: number) => `att_bench${String(k).padStart(8, '0')}`;

/** A VNPay IPN for attempt k, signed with the simulator's own code (not the adapter's). */
function ipnPath(k: number): string {
  return `/notify/vnpay?${signQuery(HASH_SECRET, {
    vnp_Amount: String(AMOUNT * 100),
    vnp_BankCode: 'NCB',
    vnp_BankTranNo: `VNP${20_000_000 + k}`,
    vnp_CardType: 'ATM',
    vnp_OrderInfo: 'Le phi cap Phieu ly lich tu phap',
    vnp_PayDate: vnTime(new Date()),
    vnp_ResponseCode: '00',
    vnp_TmnCode: TMN,
    vnp_TransactionNo: String(20_000_000 + k),
    vnp_TransactionStatus: '00',
    vnp_TxnRef: attemptId(k),
  })}`;
}

/**
 * VNPay IPNs on the real hub (signature verified, attempt and payment locked, transition,
 * ledger entry, event and queued receipt, one commit each) against the bare Express + pg one-INSERT ceiling.
 */
export async function benchIpn(): Promise<boolean> {
  const { db, key } = await benchDatabase((store) =>
    providerAccountsService({
      db: store,
      sealer: sealer(SECRET),
      publicUrl: 'http://127.0.0.1',
      signingSecret: SECRET,
    })
      .configure('BENCH', 'vnpay', { tmn_code: TMN, hash_secret: HASH_SECRET })
      .then(() => {}),
  );

  const servers = await startBareAndHub(db.url, { PAYHUB_SECRET_KEY: SECRET });
  const { hubUrl } = servers;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    // One payment and one VNPay attempt made the ordinary way, then cloned in SQL.
    const created = await fetch(`${hubUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        amount: AMOUNT,
        reference: 'BENCH-TEMPLATE',
        description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
        return_url: 'https://portal.example.vn/ho-so',
        obligation: { type: 'charge' },
      }),
    });
    const template = (await created.json()) as { id: string; checkout_url: string };
    const chose = await fetch(`${hubUrl}${new URL(template.checkout_url).pathname}/attempts`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'method=vnpay',
      redirect: 'manual',
    });
    if (chose.status !== 303) throw new Error(`choosing VNPay answered ${chose.status}`);
    await client.query(
      `INSERT INTO payments
       SELECT (jsonb_populate_record(NULL::payments, to_jsonb(p) || jsonb_build_object(
                'id', 'pay_bench' || lpad(g::text, 8, '0'),
                'reference', 'BENCH-' || g,
                'checkout_token', rpad('bench' || g, 43, 'x')))).*
         FROM payments p, generate_series(1, $2::int) g WHERE p.id = $1`,
      [template.id, PREPARED],
    );
    await client.query(
      `INSERT INTO attempts
       SELECT (jsonb_populate_record(NULL::attempts, to_jsonb(a) || jsonb_build_object(
                'id', 'att_bench' || lpad(g::text, 8, '0'),
                'provider_reference', 'att_bench' || lpad(g::text, 8, '0'),
                'payment_id', 'pay_bench' || lpad(g::text, 8, '0')))).*
         FROM attempts a, generate_series(1, $2::int) g WHERE a.payment_id = $1`,
      [template.id, PREPARED],
    );
    await client.query('ANALYZE payments; ANALYZE attempts');
    // Signed before the clock starts: the load generator's HMAC work is not the hub's.
    const paths = Array.from({ length: PREPARED + 1 }, (_, k) => ipnPath(k));

    await load({
      url: `${servers.bareUrl}/payments`,
      headers: {},
      body: (i) => ({ amount: AMOUNT, reference: `W-${i}` }),
      connections: 10,
      seconds: 2,
    });
    await load({
      url: hubUrl,
      headers: {},
      path: (i) => paths[Math.min(i, WARM_UP)]!,
      connections: 10,
      seconds: 2,
    });
    const {
      ceiling,
      hub: ipn,
      cpu,
    } = await ceilingThenHub(
      servers,
      {
        url: `${servers.bareUrl}/payments`,
        headers: {},
        body: (i) => ({ amount: AMOUNT, reference: `B-${i}` }),
        connections: CONNECTIONS,
        seconds: SECONDS,
      },
      {
        url: hubUrl,
        headers: {},
        path: (i) => paths[Math.min(WARM_UP + i, PREPARED)]!,
        connections: CONNECTIONS,
        seconds: SECONDS,
      },
    );
    if (WARM_UP + ipn.total + CONNECTIONS > PREPARED) {
      throw new Error(`more notifications than prepared attempts: raise BENCH_IPN_ATTEMPTS`);
    }
    // Every notification of the measured run must have been applied, each exactly once.
    const { rows } = await client.query<{ paid: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM payments WHERE status = 'succeeded'
                 AND id > 'pay_bench' || lpad($1::text, 8, '0') AND id LIKE 'pay_bench%') AS paid,
              (SELECT count(*)::int FROM events WHERE type = 'payment.succeeded'
                 AND object_id > 'pay_bench' || lpad($1::text, 8, '0') AND object_id LIKE 'pay_bench%') AS events`,
      [WARM_UP],
    );
    const applied = rows[0]!;
    const ratio = ipn.requestsPerSecond / ceiling.requestsPerSecond;
    // Requests still in flight when the clock stops may commit without being counted.
    const consistent =
      applied.events === applied.paid && applied.paid >= ipn.total && applied.paid <= ipn.total + CONNECTIONS;
    const ok = ratio >= 0.4 && consistent && ipn.non2xx === 0 && ipn.errors === 0;
    console.log(
      `\nVNPay IPN processing — ${CONNECTIONS} connections, ${SECONDS} s each, ${os.cpus().length} cores, Postgres`,
    );
    console.log(row('bare Express + pg INSERT (ceiling)', ceiling));
    console.log(row('PayHub GET /notify/vnpay', ipn));
    console.log(cpu);
    console.log(
      `applied: ${applied.paid} payments succeeded and ${applied.events} events for ${ipn.total} answered notifications (${consistent ? 'each once' : 'MISMATCH'})`,
    );
    console.log(
      `ratio ${(ratio * 100).toFixed(1)} % of the ceiling (target ≥ 40 %): ${ok ? 'MET' : 'MISSED'}`,
    );
    return ok;
  } finally {
    await client.end();
    await servers.stop();
    await db.drop();
  }
}
