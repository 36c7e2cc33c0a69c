/**
 * Provider answers move money only when they can be verified (DESIGN.md "What may move money"):
 * the hub on a real port, the VNPay and MoMo simulators answering as the providers do, and a man
 * in the middle (the simulators' alterAnswers) stripping or changing what they sent.
 */
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/app.ts';
import type { MomoSimulator } from '../fakes/momo/server.ts';
import type { VnpaySimulator } from '../fakes/vnpay/server.ts';
import { pipeHash, REFUND_OUT } from '../fakes/vnpay/signing.ts';
import { paymentBody, type TestHub } from '../helpers/hub.ts';
import { type ProviderHub, providerHub, VNPAY } from '../helpers/provider-hub.ts';

let hub: TestHub;
let app: ProviderHub['app'];
let services: Services;
let vnpay: VnpaySimulator;
let momo: MomoSimulator;
let providers: ProviderHub;

beforeAll(async () => {
  providers = await providerHub();
  ({ hub, app, services, vnpay, momo } = providers);
});
afterEach(() => {
  vnpay.setRefundStatus('00');
  vnpay.alterAnswers(null);
  momo.alterAnswers(null);
});
afterAll(() => providers?.close());

const get = async (id: string) => (await hub.api().get(`/v1/payments/${id}`)).body;

/** A payment whose citizen chose `method` and opened the provider's page; its attempt id. */
async function inFlight(method: 'vnpay' | 'momo') {
  const created = await hub.api().post('/v1/payments', paymentBody());
  expect(created.status).toBe(201);
  const checkout = new URL(created.body.checkout_url).pathname;
  const chose = await request(app).post(`${checkout}/attempts`).type('form').send({ method });
  expect(chose.status).toBe(303);
  const location = new URL(chose.headers.location as string);
  expect((await fetch(location)).status).toBe(200);
  const attemptId =
    method === 'vnpay'
      ? location.searchParams.get('vnp_TxnRef')!
      : decodeURIComponent(location.pathname.split('/').pop()!);
  return { id: created.body.id as string, attemptId };
}

/** A changed refund answer signed again, as VNPay would have signed it. */
const resign = (answer: Record<string, unknown>) => ({
  ...answer,
  vnp_SecureHash: pipeHash(VNPAY.hash_secret, REFUND_OUT, answer),
});

const unsigned = (answer: Record<string, unknown>) => {
  const { vnp_SecureHash: _hash, ...rest } = answer;
  return rest;
};

describe('VNPay querydr during lost-notification recovery', () => {
  it('an unsigned success answer does not succeed the attempt; the signed one then does', async () => {
    const { id, attemptId } = await inFlight('vnpay');
    vnpay.pay(attemptId);
    vnpay.alterAnswers(unsigned);
    const unverified = await services.attempts.recoverStale(0);
    expect(unverified.unanswered).toContainEqual({
      attempt: attemptId,
      reason: expect.stringMatching(/checksum/),
    });
    expect((await get(id)).status).toBe('processing');
    vnpay.alterAnswers(null);
    await services.attempts.recoverStale(0);
    expect((await get(id)).status).toBe('succeeded');
  });

  it('an unsigned "not found" (91) after expiry does not abandon the attempt', async () => {
    const { id, attemptId } = await inFlight('vnpay');
    await hub.db.query(`UPDATE payments SET expires_at = now() - interval '20 minutes' WHERE id = $1`, [id]);
    vnpay.alterAnswers((answer) => unsigned({ ...answer, vnp_ResponseCode: '91' }));
    const unverified = await services.attempts.recoverStale(0);
    expect(unverified.unanswered.map((u) => u.attempt)).toContain(attemptId);
    const still = await get(id);
    expect(still.attempts[0].status).toBe('processing');
    expect(still.last_error).toBeNull();
  });
});

describe('VNPay refund answers', () => {
  it('an unsigned refusal leaves the refund pending, asked again; the signed answer then settles it', async () => {
    const { id, attemptId } = await inFlight('vnpay');
    vnpay.pay(attemptId);
    await services.attempts.recoverStale(0);
    expect((await get(id)).status).toBe('succeeded');
    // VNPay rejects this one (09, nothing refunded); on the way, its answer loses its checksum.
    vnpay.setRefundStatus('09');
    vnpay.alterAnswers((answer) => unsigned({ ...answer, vnp_ResponseCode: '99' }));
    const asked = await hub.api().post(`/v1/payments/${id}/refunds`, { reason: 'Nộp nhầm' }, `rf-${id}`);
    expect(asked.status).toBe(201);
    expect(asked.body.status).toBe('pending');
    vnpay.setRefundStatus('00');
    vnpay.alterAnswers(null);
    await hub.db.query(`UPDATE refunds SET next_attempt_at = now() WHERE id = $1`, [asked.body.id]);
    await services.refunds.executeDue();
    const settled = (await hub.api().get(`/v1/refunds/${asked.body.id}`)).body;
    expect(settled.status).toBe('succeeded');
  });
});

describe('VNPay refunds sent again', () => {
  /** A succeeded VNPay payment of 150,000 ₫: its id and its order at the simulator. */
  async function paid() {
    const { id, attemptId } = await inFlight('vnpay');
    vnpay.pay(attemptId);
    await services.attempts.recoverStale(0);
    expect((await get(id)).status).toBe('succeeded');
    return { id, order: vnpay.orders.get(attemptId)! };
  }
  const askRefund = async (id: string, amount?: number) => {
    const res = await hub
      .api()
      .post(
        `/v1/payments/${id}/refunds`,
        { reason: 'Nộp nhầm', ...(amount ? { amount } : {}) },
        `rf-${id}-${Math.random()}`,
      );
    expect(res.status).toBe(201);
    return res.body as { id: string; status: string };
  };
  /** The refund job's next round, with this refund due now. */
  async function nextRound(refundId: string) {
    await hub.db.query(`UPDATE refunds SET next_attempt_at = now() WHERE id = $1`, [refundId]);
    await services.refunds.executeDue();
    return (await hub.api().get(`/v1/refunds/${refundId}`)).body;
  }

  it('VNPay refunded but its answer was lost: the retry asks querydr first and settles it, refunded once', async () => {
    const { id, order } = await paid();
    vnpay.loseNextAnswer();
    const asked = await askRefund(id);
    expect(asked.status).toBe('pending');
    expect(order.refunds).toHaveLength(1);
    const settled = await nextRound(asked.id);
    expect(settled.status).toBe('succeeded');
    expect(settled.provider_refund_id).toBe(order.refunds[0]!.transactionNo);
    expect(order.refunds).toHaveLength(1);
  });

  it('a refund under way (05) is asked about, never sent again, until VNPay finishes it', async () => {
    const { id, order } = await paid();
    vnpay.setRefundStatus('05');
    const asked = await askRefund(id);
    expect(asked.status).toBe('pending');
    expect((await nextRound(asked.id)).status).toBe('pending');
    vnpay.finishRefunds('00');
    expect((await nextRound(asked.id)).status).toBe('succeeded');
    expect(order.refunds).toHaveLength(1);
  });

  it('"already being processed" (94) is not a refusal: the refund stays pending', async () => {
    const { id } = await paid();
    vnpay.alterAnswers((answer) =>
      answer.vnp_Command === 'refund' ? resign({ ...answer, vnp_ResponseCode: '94' }) : answer,
    );
    const asked = await askRefund(id);
    expect(asked.status).toBe('pending');
  });

  it('a retry that cannot tell its refund from an earlier one stays pending; one older than it is sent again', async () => {
    const { id, order } = await paid();
    const first = await askRefund(id, 50000);
    expect(first.status).toBe('succeeded');
    vnpay.dropNextRequest();
    const second = await askRefund(id, 50000);
    expect(second.status).toBe('pending');
    // VNPay's latest record is the first refund, same amount, this minute: it might be this one.
    expect((await nextRound(second.id)).status).toBe('pending');
    expect(order.refunds).toHaveLength(1);
    // Dated well before this refund was first sent, the record cannot be it: this one never arrived.
    order.refunds[0]!.at = new Date(Date.now() - 5 * 60_000);
    expect((await nextRound(second.id)).status).toBe('succeeded');
    expect(order.refunds.map((r) => r.amount)).toEqual([5000000n, 5000000n]);
  });
});

describe('MoMo query during lost-notification recovery', () => {
  it('an answer to another request (replayed or forged) does not succeed the attempt', async () => {
    const { id, attemptId } = await inFlight('momo');
    momo.pay(attemptId);
    momo.alterAnswers((path, answer) =>
      path.endsWith('/query') ? { ...answer, requestId: 'replayed-1' } : answer,
    );
    const unverified = await services.attempts.recoverStale(0);
    expect(unverified.unanswered.map((u) => u.attempt)).toContain(attemptId);
    expect((await get(id)).status).toBe('processing');
    momo.alterAnswers(null);
    await services.attempts.recoverStale(0);
    expect((await get(id)).status).toBe('succeeded');
  });
});
