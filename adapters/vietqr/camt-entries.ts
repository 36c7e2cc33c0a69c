/**
 * A camt Ntry (entry) as the XML walk collected it, and what it becomes: booked credits and
 * debits, one per transaction, checked (VND only, whole dong, a bank reference, transactions
 * adding up to the entry). Every refusal is a StatementError naming the entry.
 */
import type { BankCredit, StatementItem } from '../types.ts';

/** Why a statement is refused: the first problem, with its line or entry. */
export class StatementError extends Error {}

export interface Tx {
  amount?: string;
  currency?: string;
  acctSvcrRef?: string;
  txId?: string;
  endToEndId?: string;
  ustrd: string[];
  debtorName?: string;
  addtl?: string;
}

export interface Entry {
  amount?: string;
  currency?: string;
  side?: string;
  reversal?: string;
  status?: string;
  bookedDateTime?: string;
  bookedDate?: string;
  valueDate?: string;
  acctSvcrRef?: string;
  ntryRef?: string;
  addtl?: string;
  txs: Tx[];
}

/** ISO 20022 amounts are xs:decimal; VND has no minor unit, so only a zero fraction is taken. */
function wholeDong(value: string | undefined, where: string): string {
  if (value === undefined) throw new StatementError(`${where}: no amount (Amt)`);
  const match = /^(\d{1,15})(?:\.(\d{1,5}))?$/.exec(value.trim());
  if (!match) throw new StatementError(`${where}: amount "${value}" is not a decimal number`);
  if (match[2] && !/^0+$/.test(match[2])) {
    throw new StatementError(`${where}: amount "${value}" has a fraction; VND has no minor unit`);
  }
  const digits = match[1]!.replace(/^0+(?=\d)/, '');
  if (digits === '0') throw new StatementError(`${where}: amount is zero`);
  return digits;
}

function vnd(currency: string | undefined, where: string): string {
  if (currency !== 'VND') {
    throw new StatementError(
      `${where}: currency ${currency === undefined ? 'missing (Amt@Ccy)' : `"${currency}"`}; only VND is taken`,
    );
  }
  return currency;
}

/** ISODateTime may come without an offset: the bank's local time, Asia/Ho_Chi_Minh (UTC+7). */
function bookedAt(entry: Entry, where: string): Date {
  let text: string | undefined;
  if (entry.bookedDateTime) {
    text = /(?:Z|[+-]\d{2}:\d{2})$/.test(entry.bookedDateTime)
      ? entry.bookedDateTime
      : `${entry.bookedDateTime}+07:00`;
  } else {
    const date = entry.bookedDate ?? entry.valueDate;
    if (date) text = `${date}T00:00:00+07:00`;
  }
  if (!text) throw new StatementError(`${where}: no booking date (BookgDt)`);
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new StatementError(`${where}: booking date "${text}" is not a date`);
  return at;
}

/** An entry's booked money, one item per transaction: credits (money in) and debits (fees, transfers out). */
export function itemsOf(entry: Entry, accountNo: string, where: string): StatementItem[] {
  const status = entry.status?.trim();
  if (!status) throw new StatementError(`${where}: no status (Sts)`);
  const side = entry.side?.trim();
  if (side !== 'CRDT' && side !== 'DBIT') {
    throw new StatementError(`${where}: CdtDbtInd must be CRDT or DBIT, got ${JSON.stringify(side ?? null)}`);
  }
  const total = wholeDong(entry.amount, where);
  vnd(entry.currency, where);
  // Pending and informational entries are not money on the account yet; a reversal undoes an
  // entry rather than moving money of its own.
  if (status !== 'BOOK' || entry.reversal?.trim() === 'true') return [];
  const at = bookedAt(entry, where);
  const entryRef = entry.acctSvcrRef?.trim() || entry.ntryRef?.trim();
  const txs: Tx[] = entry.txs.length ? entry.txs : [{ ustrd: [] }];
  const moves = txs.map((tx, i): BankCredit => {
    const here = txs.length > 1 ? `${where}, transaction ${i + 1}` : where;
    const amount =
      tx.amount !== undefined
        ? wholeDong(tx.amount, here)
        : txs.length === 1
          ? total
          : wholeDong(undefined, here);
    if (tx.amount !== undefined) vnd(tx.currency, here);
    const bankReference =
      tx.acctSvcrRef?.trim() ||
      (txs.length === 1 ? entryRef : entryRef && `${entryRef}/${i + 1}`) ||
      tx.txId?.trim();
    if (!bankReference) throw new StatementError(`${here}: no bank reference (AcctSvcrRef or NtryRef)`);
    const memo = (tx.ustrd.length ? tx.ustrd.join(' ') : (tx.addtl ?? entry.addtl ?? '')).trim();
    return {
      accountNo,
      amount,
      currency: 'VND',
      memo,
      bankReference,
      bookedAt: at,
      ...(side === 'CRDT' && tx.debtorName ? { payerName: tx.debtorName.trim() } : {}),
      raw: {
        entry_reference: entryRef ?? null,
        end_to_end_id: tx.endToEndId ?? null,
        tx_id: tx.txId ?? null,
      },
    };
  });
  if (txs.length > 1) {
    const sum = moves.reduce((s, c) => s + BigInt(c.amount), 0n);
    if (sum !== BigInt(total)) {
      throw new StatementError(`${where}: its transactions add up to ${sum}, the entry says ${total}`);
    }
  }
  return moves.map(
    (m): StatementItem => (side === 'CRDT' ? { type: 'credit', credit: m } : { type: 'debit', debit: m }),
  );
}
