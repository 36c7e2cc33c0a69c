/**
 * Bank transfers confirmed from the bank's side. Every credit the bank reports (feed call,
 * camt.054, camt.053) is first stored once per bank reference, then settled: matched to an
 * attempt by the transfer reference in its memo, its amount checked, and the payment succeeded
 * exactly once through attempts.apply. What cannot pay a payment stays as an exception for
 * finance staff (unmatched, amount_mismatch, late, duplicate): never dropped.
 */
import { createHash } from 'node:crypto';
import { bankTransferAdapters } from '../../adapters/index.ts';
import type {
  BankCredit,
  BankTransferSupport,
  InboundRequest,
  ProviderAdapter,
  StatementItem,
} from '../../adapters/types.ts';
import type { Db, Queryable } from '../db/port.ts';
import { ulid } from '../ids.ts';
import { formatVnd, money } from '../money.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import type { PaymentRow } from '../payments/model.ts';
import { attemptRecord, paymentRecord } from '../payments/records.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import * as q from './queries.ts';

/** Why a statement or a feed call was refused: the routes turn it into problem+json. */
export class BankError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** How long after a payment expired an attempt still waiting for a transfer is given up. */
export const ABANDON_TRANSFER_AFTER_MINUTES = 15;
/** Credits settled while an upload waits; the rest go to the bank.match job. */
const SETTLE_INLINE = 500;
const INSERT_BATCH = 500;

export function bankAdapters(): (ProviderAdapter & { bankTransfer: BankTransferSupport })[] {
  return bankTransferAdapters();
}

export function bankAdapter(name: string) {
  const adapter = bankAdapters().find((a) => a.name === name);
  if (!adapter)
    throw new BankError(
      404,
      'unknown_provider',
      'Unknown provider',
      `${name} is not a bank-transfer provider.`,
    );
  return adapter;
}

export interface StatementSummary {
  object: 'bank_statement';
  id: string;
  provider: string;
  kind: 'camt.053' | 'camt.054';
  message_id: string;
  account_no: string;
  source: 'upload' | 'drop_folder';
  file_name: string | null;
  credits: number;
  new_credits: number;
  credit_statuses: Record<q.CreditStatus, number>;
  created_at: string;
}

export interface BankDeps {
  db: Db;
  attempts: AttemptsService;
  providers: ProviderAccountsService;
  now?: () => Date;
}

export function bankService(deps: BankDeps) {
  const { db, attempts, providers } = deps;
  const now = deps.now ?? (() => new Date());

  /** Matches one stored credit and applies it; returns its final status. Safe to run twice. */
  async function settle(creditId: string): Promise<q.CreditStatus> {
    const credit = (await q.creditById(db, creditId)).rows[0];
    if (!credit) throw new Error(`no bank credit ${creditId}`);
    if (credit.status !== 'received') return credit.status;
    const adapter = bankAdapter(credit.provider);
    const references = adapter.bankTransfer.referencesIn(credit.memo);
    const found = references.length
      ? (await q.attemptsByReference(db, credit.provider, credit.agency_id, references, credit.mode)).rows
      : [];
    // The memo's most plausible reference that names an attempt of this agency.
    const attempt = references.map((r) => found.find((a) => a.provider_reference === r)).find(Boolean);

    const finish = async (
      status: Exclude<q.CreditStatus, 'received'>,
      detail: string | null,
      tx: Queryable = db,
      refundId?: string,
    ) => {
      const done = await q.settleCredit(tx, credit.id, {
        status,
        transferReference: attempt?.provider_reference ?? references[0] ?? null,
        attemptId: attempt?.id ?? null,
        paymentId: attempt?.payment_id ?? null,
        detail,
        refundId,
      });
      return done.rows[0]?.status ?? (await q.creditById(tx, credit.id)).rows[0]!.status;
    };

    if (!attempt) {
      return finish(
        'unmatched',
        references.length
          ? `Reference ${references[0]} names no payment of this agency.`
          : 'No transfer reference in the memo.',
      );
    }
    if (!money(credit.amount).eq(attempt.amount)) {
      const partial = money(credit.amount).lt(attempt.amount);
      return finish(
        'amount_mismatch',
        `${partial ? 'Partial payment' : 'Over-payment'}: received ${formatVnd(credit.amount)}, ` +
          `the payment is ${formatVnd(attempt.amount)}.`,
      );
    }
    const payment = await paymentOf(attempt.payment_id);
    const outcome = {
      attemptId: attempt.id,
      status: 'succeeded' as const,
      amount: credit.amount,
      providerTransactionId: credit.bank_reference,
      paidAt: credit.booked_at,
      raw: {
        bank_credit_id: credit.id,
        bank_reference: credit.bank_reference,
        source: credit.source,
        account_no: credit.account_no,
        memo: credit.memo,
        booked_at: credit.booked_at.toISOString(),
      },
    };
    const settledByThis = async () => {
      const after = (await attemptRecord(db, attempt.id))!;
      return after.status === 'succeeded' && after.provider_transaction_id === credit.bank_reference
        ? after
        : null;
    };

    if (payment.status === 'succeeded') {
      const mine = await settledByThis();
      if (mine && !mine.double_paid) return finish('matched', null);
      // A second transfer for a paid payment. When it names an attempt that had not succeeded,
      // apply() records the double payment (refund, finance).
      if (attempt.status !== 'succeeded') {
        await attempts.apply(credit.provider, outcome);
        return finish(
          'duplicate',
          `Payment ${payment.id} was already paid; this transfer is a double payment.`,
        );
      }
      // The payer sent the same reference's money twice: the credit and the double payment it
      // makes (suspense, its refund, the event) are recorded together, so a crash records neither.
      return db.transaction(async (tx) => {
        const locked = (await q.creditForUpdate(tx, credit.id)).rows[0]!;
        if (locked.status !== 'received') return locked.status;
        const refund = await attempts.recordSecondTransfer(tx, attempt.id);
        return finish(
          'duplicate',
          `Payment ${payment.id} was already paid by this reference; this second transfer is a ` +
            `double payment, to be returned by refund ${refund.id}.`,
          tx,
          refund.id,
        );
      });
    }
    if (
      payment.status === 'expired' ||
      payment.status === 'cancelled' ||
      credit.booked_at > payment.expires_at
    ) {
      return finish(
        'late',
        `Booked ${credit.booked_at.toISOString()}, after payment ${payment.id} ` +
          `${payment.status === 'cancelled' ? 'was cancelled' : `expired (${payment.expires_at.toISOString()})`}.`,
      );
    }
    await attempts.apply(credit.provider, outcome);
    const mine = await settledByThis();
    if (mine && !mine.double_paid) return finish('matched', null);
    return finish('duplicate', `Payment ${payment.id} was paid by another transfer or method first.`);
  }

  async function paymentOf(id: string): Promise<PaymentRow> {
    return (await paymentRecord(db, id))!;
  }

  /** Settles credits left `received` (crash recovery; statements beyond what an upload settles inline). */
  async function settlePending(
    options: { olderThanSeconds?: number; limit?: number; statementId?: string } = {},
  ) {
    const pending = (
      await q.creditsToSettle(db, options.olderThanSeconds ?? 30, options.limit ?? 1000, options.statementId)
    ).rows;
    for (const { id } of pending) await settle(id);
    return pending.length;
  }

  /** POST /bank-feed/:provider — one pushed credit, verified with the agency's feed secret. */
  async function receiveFeed(provider: string, request: InboundRequest) {
    const adapter = bankAdapter(provider);
    const account = adapter.bankTransfer.feedAccountOf(request);
    if (!account) {
      throw new BankError(
        400,
        'invalid_request',
        'Invalid request',
        'The body must be a JSON object with an account.',
      );
    }
    // The account is read without trusting it: it only says whose secret must verify the call.
    const candidates = (await providers.configuredFor(provider)).filter(
      (c) =>
        adapter.bankTransfer.accountOf(c.credentials) === account &&
        adapter.bankTransfer.feedConfigured(c.credentials),
    );
    let rejection: { rejected: string; detail: string } = {
      rejected: 'invalid_signature',
      detail: 'The signature does not verify.',
    };
    let verified: { agencyId: string; credit: BankCredit } | undefined;
    for (const candidate of candidates) {
      const verdict = adapter.bankTransfer.verifyFeed(candidate.credentials, request, now());
      if ('credit' in verdict) {
        verified = { agencyId: candidate.agencyId, credit: verdict.credit };
        break;
      }
      if (verdict.rejected !== 'invalid_signature') rejection = verdict;
    }
    if (!verified) {
      if (rejection.rejected === 'invalid_body')
        throw new BankError(400, 'invalid_request', 'Invalid request', rejection.detail);
      if (rejection.rejected === 'stale_timestamp')
        throw new BankError(401, 'stale_timestamp', 'Stale timestamp', rejection.detail);
      throw new BankError(401, 'invalid_signature', 'Invalid signature', rejection.detail);
    }
    const id = `bcr_${ulid()}`;
    const inserted = await q.insertCredits(db, [
      {
        id,
        agencyId: verified.agencyId,
        provider,
        source: 'feed',
        statementId: null,
        mode: null,
        credit: verified.credit,
      },
    ]);
    if (inserted.rows.length === 0) {
      const known = (
        await q.creditByBankReference(db, verified.agencyId, provider, verified.credit.bankReference)
      ).rows[0]!;
      return { received: true, credit_id: known.id, status: known.status, already_recorded: true };
    }
    return { received: true, credit_id: id, status: await settle(id), already_recorded: false };
  }

  /**
   * A camt.053/camt.054 file, streamed: all of it is stored in one transaction or none of it,
   * then its new credits are settled. `agencyId` set (a portal's test upload): the file must be
   * for that agency's account; unset (finance staff, drop folder): the agency is the one whose
   * collection account the file names, and with `scope` it must be one of those agencies.
   */
  async function ingestStatement(input: {
    provider: string;
    source: 'upload' | 'drop_folder';
    agencyId?: string;
    /** Staff uploads: the agencies the staff member acts for (null: the whole hub). */
    scope?: string[] | null;
    /** 'test': uploaded with a test key, whose credits pay only test payments. */
    mode?: 'test';
    fileName?: string;
    body: AsyncIterable<Buffer | string>;
    /** Writes the upload's audit record in the statement's own transaction. */
    record?: (tx: Queryable, statementId: string, agencyId: string) => Promise<void>;
  }): Promise<StatementSummary> {
    const adapter = bankAdapter(input.provider);
    const configured = (await providers.configuredFor(input.provider)).filter(
      (c) => input.agencyId === undefined || c.agencyId === input.agencyId,
    );
    if (input.agencyId && configured.length === 0) {
      throw new BankError(
        409,
        'provider_not_configured',
        'Provider not configured',
        `The agency has no ${input.provider} collection account configured (payhub providers:configure).`,
      );
    }
    const hash = createHash('sha256');
    async function* hashed() {
      for await (const chunk of input.body) {
        hash.update(chunk);
        yield chunk;
      }
    }
    const items = adapter.bankTransfer.parseStatement(hashed())[Symbol.asyncIterator]();
    const next = async (): Promise<IteratorResult<StatementItem>> => {
      try {
        return await items.next();
      } catch (error) {
        if (error instanceof BankError) throw error;
        throw new BankError(422, 'invalid_statement', 'Invalid statement', (error as Error).message);
      }
    };

    const statement = await db.transaction(async (tx) => {
      const first = await next();
      if (first.done || first.value.type !== 'statement') {
        throw new BankError(
          422,
          'invalid_statement',
          'Invalid statement',
          'The file has no statement header.',
        );
      }
      const header = first.value;
      const owner = configured.find(
        (c) => adapter.bankTransfer.accountOf(c.credentials) === header.accountNo,
      );
      if (input.scope && !(owner && input.scope.includes(owner.agencyId))) {
        // Another agency's account (or none): to scoped staff, as if it did not exist.
        throw new BankError(
          404,
          'statement_account_unknown',
          'Unknown account',
          `No agency of yours collects into account ${header.accountNo}.`,
        );
      }
      if (!owner) {
        throw new BankError(
          422,
          'statement_account_unknown',
          'Unknown account',
          input.agencyId
            ? `The statement is for account ${header.accountNo}, not the agency's ${input.provider} collection account.`
            : `No agency collects into account ${header.accountNo}.`,
        );
      }
      const row = (
        await q.insertStatement(tx, {
          id: `bst_${ulid()}`,
          agency_id: owner.agencyId,
          provider: input.provider,
          kind: header.kind,
          message_id: header.messageId,
          account_no: header.accountNo,
          source: input.source,
          mode: input.mode ?? null,
          file_name: input.fileName ?? null,
        })
      ).rows[0]!;
      let total = 0;
      let fresh = 0;
      let batch: q.NewCredit[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        fresh += (await q.insertCredits(tx, batch)).rows.length;
        batch = [];
      };
      for (let item = await next(); !item.done; item = await next()) {
        if (item.value.type !== 'credit') continue;
        total++;
        batch.push({
          id: `bcr_${ulid()}`,
          agencyId: owner.agencyId,
          provider: input.provider,
          source: header.kind,
          statementId: row.id,
          mode: input.mode ?? null,
          credit: item.value.credit,
        });
        if (batch.length >= INSERT_BATCH) await flush();
      }
      await flush();
      await input.record?.(tx, row.id, owner.agencyId);
      return (await q.finishStatement(tx, row.id, hash.digest('hex'), total, fresh)).rows[0]!;
    });

    await settlePending({ olderThanSeconds: 0, limit: SETTLE_INLINE, statementId: statement.id });
    return summary(statement);
  }

  async function summary(statement: q.StatementRow): Promise<StatementSummary> {
    const counts = Object.fromEntries(q.CREDIT_STATUSES.map((s) => [s, 0])) as Record<q.CreditStatus, number>;
    for (const { status, n } of (await q.statusesOfStatement(db, statement.id)).rows) counts[status] = n;
    return {
      object: 'bank_statement',
      id: statement.id,
      provider: statement.provider,
      kind: statement.kind,
      message_id: statement.message_id,
      account_no: statement.account_no,
      source: statement.source,
      file_name: statement.file_name,
      credits: statement.credits,
      new_credits: statement.new_credits,
      credit_statuses: counts,
      created_at: statement.created_at.toISOString(),
    };
  }

  /**
   * Attempts still waiting for a transfer well after their payment expired are given up, so the
   * payment can expire; a transfer booked later is kept as a late credit for finance.
   */
  async function abandonUnpaid(limit = 100): Promise<number> {
    const names = bankAdapters().map((a) => a.name);
    const unpaid = (await q.unpaidTransfers(db, names, ABANDON_TRANSFER_AFTER_MINUTES, limit)).rows;
    for (const attempt of unpaid) {
      await attempts.apply(attempt.provider, {
        attemptId: attempt.id,
        status: 'failed',
        amount: attempt.amount,
        failure: {
          code: 'transfer_not_received',
          message: 'No bank transfer was received before the payment expired.',
        },
        raw: {},
      });
    }
    return unpaid.length;
  }

  return { receiveFeed, ingestStatement, settle, settlePending, abandonUnpaid };
}

export type BankService = ReturnType<typeof bankService>;

/** Credits waiting for finance staff in these agencies (null: all) and mode, for the console's dashboard. */
export async function creditsNeedingReviewCount(db: Queryable, scope: string[] | null, mode: string) {
  return (await q.creditsNeedingReviewCount(db, scope, mode)).rows[0]!.count;
}
