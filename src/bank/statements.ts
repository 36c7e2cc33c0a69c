/**
 * A camt.053/camt.054 file, streamed: all of it is stored in one transaction or none of it, then
 * its new credits are settled. The adapter parses; a file it refuses is an invalid_statement.
 */
import { createHash } from 'node:crypto';
import type { StatementItem } from '../../adapters/types.ts';
import type { Db, Queryable } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { ulid } from '../ids.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import { bankAdapter } from './adapters.ts';
import * as q from './queries.ts';
import { type SettleDeps, settlePending } from './settle.ts';

/** Credits settled while an upload waits; the rest go to the bank.match job. */
const SETTLE_INLINE = 500;
const INSERT_BATCH = 500;

export interface StatementDeps extends SettleDeps {
  providers: ProviderAccountsService;
}

export interface StatementInput {
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

type Header = Extract<StatementItem, { type: 'statement' }>;
type Adapter = ReturnType<typeof bankAdapter>;
type Account = Awaited<ReturnType<ProviderAccountsService['configuredFor']>>[number];

/** The file's items, one at a time, hashed as read; whatever the parser refuses is invalid_statement. */
function statementReader(adapter: Adapter, body: AsyncIterable<Buffer | string>) {
  const hash = createHash('sha256');
  async function* hashed() {
    for await (const chunk of body) {
      hash.update(chunk);
      yield chunk;
    }
  }
  const items = adapter.bankTransfer.parseStatement(hashed())[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<StatementItem>> => {
    try {
      return await items.next();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError('invalid_statement', (error as Error).message);
    }
  };
  return { next, digest: () => hash.digest('hex') };
}

/**
 * The agency whose collection account the header names. With `agencyId` (a portal's test upload)
 * only that agency's account is a candidate; with `scope`, the owner must be in it.
 */
function ownerOf(input: StatementInput, adapter: Adapter, configured: Account[], header: Header): Account {
  const owner = configured.find((c) => adapter.bankTransfer.accountOf(c.credentials) === header.accountNo);
  if (input.scope && !(owner && input.scope.includes(owner.agencyId))) {
    // Another agency's account (or none): to scoped staff, as if it did not exist (the staff
    // route answers it 404).
    throw new DomainError(
      'statement_account_unknown',
      `No agency of yours collects into account ${header.accountNo}.`,
    );
  }
  if (!owner) {
    throw new DomainError(
      'statement_account_unknown',
      input.agencyId
        ? `The statement is for account ${header.accountNo}, not the agency's ${input.provider} collection account.`
        : `No agency collects into account ${header.accountNo}.`,
    );
  }
  return owner;
}

/** The file's credits stored in batches; returns how many it holds and how many were new. */
async function storeCredits(
  tx: Queryable,
  next: () => Promise<IteratorResult<StatementItem>>,
  statement: { id: string; agencyId: string; provider: string; kind: Header['kind']; mode: 'test' | null },
): Promise<{ total: number; fresh: number }> {
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
      agencyId: statement.agencyId,
      provider: statement.provider,
      source: statement.kind,
      statementId: statement.id,
      mode: statement.mode,
      credit: item.value.credit,
    });
    if (batch.length >= INSERT_BATCH) await flush();
  }
  await flush();
  return { total, fresh };
}

/** The statement, its credits and the upload's audit record, in one transaction. */
async function storeStatement(
  db: Db,
  input: StatementInput,
  adapter: Adapter,
  configured: Account[],
): Promise<q.StatementRow> {
  const reader = statementReader(adapter, input.body);
  return db.transaction(async (tx) => {
    const first = await reader.next();
    if (first.done || first.value.type !== 'statement') {
      throw new DomainError('invalid_statement', 'The file has no statement header.');
    }
    const header = first.value;
    const owner = ownerOf(input, adapter, configured, header);
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
    const { total, fresh } = await storeCredits(tx, reader.next, {
      id: row.id,
      agencyId: owner.agencyId,
      provider: input.provider,
      kind: header.kind,
      mode: input.mode ?? null,
    });
    await input.record?.(tx, row.id, owner.agencyId);
    return (await q.finishStatement(tx, row.id, reader.digest(), total, fresh)).rows[0]!;
  });
}

/**
 * `agencyId` set (a portal's test upload): the file must be for that agency's account; unset
 * (finance staff, drop folder): the agency is the one whose collection account the file names,
 * and with `scope` it must be one of those agencies.
 */
export async function ingestStatement(deps: StatementDeps, input: StatementInput): Promise<StatementSummary> {
  const adapter = bankAdapter(input.provider);
  const configured = (await deps.providers.configuredFor(input.provider)).filter(
    (c) => input.agencyId === undefined || c.agencyId === input.agencyId,
  );
  if (input.agencyId && configured.length === 0) {
    throw new DomainError(
      'provider_not_configured',
      `The agency has no ${input.provider} collection account configured (payhub providers:configure).`,
    );
  }
  const statement = await storeStatement(deps.db, input, adapter, configured);
  await settlePending(deps, { olderThanSeconds: 0, limit: SETTLE_INLINE, statementId: statement.id });
  return statementSummary(deps.db, statement);
}

async function statementSummary(db: Queryable, statement: q.StatementRow): Promise<StatementSummary> {
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
