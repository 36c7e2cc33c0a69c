import { randomBytes } from 'node:crypto';
import { csvRecords, instantWithOffset } from '../csv.ts';
import type {
  InboundRequest,
  NotificationVerdict,
  ProviderAdapter,
  ProviderCallback,
  ProviderContext,
  ProviderOutcome,
  SettlementLine,
} from '../types.ts';
import { sandboxPages, settle } from './pages.tsx';
import { callbackFields, SANDBOX_OUTCOMES, type SandboxOutcome, type SandboxRecord } from './protocol.ts';
import { SETTLEMENT_HEADER, sandboxSettlementCsv } from './settlement.ts';
import { sign, verify } from './signature.ts';

export { callbackFields, SANDBOX_OUTCOMES, type SandboxOutcome, type SandboxRecord };

const WHOLE = /^\d{1,15}$/;

function secretOf(ctx: ProviderContext): string {
  if (!ctx.signingSecret) throw new Error('the sandbox needs the hub signing secret');
  return ctx.signingSecret;
}

/** The string fields of a callback: the signed fields of callbackFields(), as the sandbox sent them. */
type SandboxFields = Record<string, string>;

function fieldsOf(request: InboundRequest): SandboxFields {
  const source = request.method === 'GET' ? request.query : (request.body as Record<string, unknown>);
  if (!source || typeof source !== 'object') return {};
  return Object.fromEntries(
    Object.entries(source).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

const FAILURES: Record<string, { code: string; message: string }> = {
  failed: { code: 'card_declined', message: 'The sandbox declined the payment.' },
  cancelled: { code: 'cancelled_by_payer', message: 'The payer cancelled at the sandbox.' },
};

/** Return and notification alike: null unless the fields are signed with the hub's secret. */
function outcomeOf(
  ctx: ProviderContext,
  { fields }: ProviderCallback<SandboxFields>,
): ProviderOutcome | null {
  if (!verify(secretOf(ctx), fields)) return null;
  const { attempt_id: attemptId, status, amount } = fields;
  if (!attemptId || !amount || !/^\d+$/.test(amount)) return null;
  if (status !== 'succeeded' && status !== 'failed' && status !== 'pending') return null;
  return {
    attemptId,
    status,
    amount,
    providerTransactionId: fields.transaction_id || undefined,
    paidAt: status === 'succeeded' && fields.at ? new Date(fields.at) : undefined,
    failure: status === 'failed' ? (FAILURES[fields.reason ?? 'failed'] ?? FAILURES.failed) : undefined,
    raw: fields,
  };
}

export const sandboxAdapter: ProviderAdapter<SandboxFields> = {
  name: 'sandbox',
  testOnly: true,
  displayName: { vi: 'Thanh toán thử nghiệm (sandbox)', en: 'Test payment (sandbox)' },
  limits: { minAmount: '1', maxAmount: '999999999999' },
  capabilities: { refund: true, partialRefund: true, queryStatus: true },
  credentialNames: [],
  requiredCredentials: [],

  async createCheckout(ctx, request) {
    const fields: Record<string, string> = {
      attempt_id: request.attemptId,
      amount: request.amount,
      description: request.description.slice(0, 200),
      language: request.language,
      return_url: request.returnUrl,
      expires_at: request.expiresAt.toISOString(),
    };
    const query = new URLSearchParams({ ...fields, sig: sign(secretOf(ctx), fields) });
    return {
      kind: 'redirect',
      url: `${ctx.publicUrl}/sandbox/pay?${query}`,
      providerReference: request.attemptId,
    };
  },

  readCallback(request) {
    const fields = fieldsOf(request);
    const id = fields.attempt_id;
    return id && /^att_[0-9A-Z]{26}$/.test(id) ? { attemptId: id, fields } : null;
  },

  verifyReturn: outcomeOf,
  verifyNotification: outcomeOf,

  notificationReply(verdict: NotificationVerdict) {
    const status = {
      accepted: 200,
      already_processed: 200,
      invalid_signature: 401,
      not_found: 404,
      amount_mismatch: 422,
      error: 500,
    }[verdict];
    return {
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ result: verdict }),
    };
  },

  async queryStatus(ctx, request) {
    const record = await ctx.state?.get<SandboxRecord>(`attempt:${request.attemptId}`);
    if (!record) return { attemptId: request.attemptId, status: 'pending', amount: request.amount, raw: {} };
    const fields = callbackFields(secretOf(ctx), request.attemptId, record, false);
    const outcome = outcomeOf(ctx, { attemptId: request.attemptId, fields });
    if (!outcome) throw new Error('sandbox record failed its own signature');
    return outcome;
  },

  async refund(ctx, request) {
    const key = `attempt:${request.attemptId}`;
    const record = await ctx.state?.get<SandboxRecord>(key);
    if (!record || (record.outcome !== 'succeeded' && record.outcome !== 'succeeded_late_notification')) {
      return {
        status: 'failed',
        failure: { code: 'not_paid', message: 'Nothing was paid on this attempt.' },
        raw: {},
      };
    }
    const refunded = BigInt(record.refunded) + BigInt(request.amount);
    if (refunded > BigInt(record.amount)) {
      return {
        status: 'failed',
        failure: { code: 'exceeds_paid', message: 'Refunds would exceed the amount paid.' },
        raw: {},
      };
    }
    await ctx.state?.put(key, { ...record, refunded: refunded.toString() });
    return {
      status: 'succeeded',
      providerRefundId: `SBR${randomBytes(6).toString('hex').toUpperCase()}`,
      raw: {},
    };
  },

  /** PayHub's sandbox settlement CSV: transaction_id,attempt_id,type,amount,fee,status,occurred_at. */
  async *parseSettlement(input): AsyncIterable<SettlementLine> {
    for await (const { line: lineNo, record } of csvRecords(input, {
      header: SETTLEMENT_HEADER.split(','),
      error: (line, why) => new Error(`line ${line}: ${why}`),
      wrongHeader: `the header must be ${SETTLEMENT_HEADER}`,
    })) {
      const [transaction_id, attempt_id, type, amount, fee, status, occurred_at] = record as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      if (!transaction_id || !attempt_id || (type !== 'payment' && type !== 'refund')) {
        throw new Error(`line ${lineNo}: missing transaction_id/attempt_id or unknown type`);
      }
      if (!WHOLE.test(amount) || !WHOLE.test(fee)) throw new Error(`line ${lineNo}: bad amount or fee`);
      const occurredAt = instantWithOffset(occurred_at);
      if (!occurredAt) throw new Error(`line ${lineNo}: bad occurred_at "${occurred_at}"`);
      yield {
        lineNo,
        providerTransactionId: transaction_id,
        merchantReference: attempt_id,
        type,
        amount,
        fee,
        status,
        occurredAt,
      };
    }
  },

  settlementFile: sandboxSettlementCsv,

  routes: (host) => sandboxPages(host),

  async completeForTest(host, ctx, attempt, outcome) {
    if (!SANDBOX_OUTCOMES.includes(outcome as SandboxOutcome))
      throw new Error(`unknown sandbox outcome ${outcome}`);
    await settle(host, ctx, attempt, outcome as SandboxOutcome);
  },
};
