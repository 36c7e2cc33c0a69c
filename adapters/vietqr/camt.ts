/**
 * ISO 20022 bank-to-customer messages, streamed: camt.053 (end-of-day statement) and camt.054
 * (debit/credit notification). Both carry the same Ntry (entry) structure; we read the booked
 * credits and debits (bank fees, transfers out) out of it. Parsing is SAX (saxes), so memory
 * stays flat whatever the file's size, and hostile input is refused outright: no DOCTYPE (hence no entity declarations, no billion laughs),
 * only the camt namespaces, only VND, every amount present. A file is taken whole or not at all;
 * this parser throws a StatementError naming the line and the entry at the first problem.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { BankCredit, StatementItem } from '../types.ts';

export class StatementError extends Error {}

const NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.\d{2}$/;
/** The report element of each message: a statement, or a notification. */
const REPORT: Record<'camt.053' | 'camt.054', string> = { 'camt.053': 'Stmt', 'camt.054': 'Ntfctn' };
const MESSAGE: Record<'camt.053' | 'camt.054', string> = {
  'camt.053': 'BkToCstmrStmt',
  'camt.054': 'BkToCstmrDbtCdtNtfctn',
};
/** Longer than any camt text element (Ustrd is 140, AddtlNtryInf 500): a bound, not a limit. */
const MAX_TEXT = 4_096;
const MAX_DEPTH = 64;

interface Tx {
  amount?: string;
  currency?: string;
  acctSvcrRef?: string;
  txId?: string;
  endToEndId?: string;
  ustrd: string[];
  debtorName?: string;
  addtl?: string;
}

interface Entry {
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
function itemsOf(entry: Entry, accountNo: string, where: string): StatementItem[] {
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

/** Streams booked credits and debits out of a camt.053 or camt.054 document, its header first. */
export async function* parseCamt(input: AsyncIterable<Buffer | string>): AsyncIterable<StatementItem> {
  const ready: StatementItem[] = [];
  const parser = new SaxesParser({ xmlns: true });
  const fail = (message: string): never => {
    throw new StatementError(`line ${parser.line}: ${message}`);
  };

  let kind: 'camt.053' | 'camt.054' | undefined;
  let namespace = '';
  const path: string[] = [];
  /** Depth at which a foreign-namespace element (SplmtryData envelopes) began; its content is skipped. */
  let foreignFrom = -1;
  let text = '';
  let messageId: string | undefined;
  let accountNo: string | undefined;
  let headerSent = false;
  let entry: Entry | undefined;
  let entryDepth = -1;
  let entries = 0;

  const sendHeader = () => {
    if (headerSent) return;
    if (!messageId) fail('no message id (GrpHdr/MsgId) before the first entry');
    if (!accountNo) fail(`no account (${REPORT[kind!]}/Acct/Id) before the first entry`);
    ready.push({ type: 'statement', kind: kind!, messageId: messageId!, accountNo: accountNo! });
    headerSent = true;
  };

  parser.on('doctype', () => fail('DOCTYPE declarations are not accepted (no DTDs, no entities)'));
  parser.on('xmldecl', (decl) => {
    if (decl.encoding && !/^utf-?8$/i.test(decl.encoding))
      fail(`encoding ${decl.encoding}: only UTF-8 is taken`);
  });
  parser.on('processinginstruction', () => {});
  parser.on('error', (error) => {
    throw error instanceof StatementError
      ? error
      : new StatementError(`not well-formed XML: ${error.message}`);
  });

  parser.on('opentag', (tag: SaxesTagNS) => {
    const depth = path.length;
    if (depth >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`);
    path.push(tag.local);
    text = '';
    if (foreignFrom >= 0) return;
    if (depth === 0) {
      const match = NAMESPACE.exec(tag.uri);
      if (tag.local !== 'Document' || !match) {
        fail(
          `not a camt.053 or camt.054 document: root <${tag.name}> in namespace ` +
            `"${tag.uri}"; expected urn:iso:std:iso:20022:tech:xsd:camt.053.001.* or camt.054.001.*`,
        );
      }
      kind = match![1] as 'camt.053' | 'camt.054';
      namespace = tag.uri;
      return;
    }
    if (tag.uri !== namespace) {
      foreignFrom = depth;
      return;
    }
    if (depth === 1 && tag.local !== MESSAGE[kind!]) {
      fail(`expected <${MESSAGE[kind!]}> in a ${kind} document, found <${tag.local}>`);
    }
    if (tag.local === 'Ntry' && depth === 3 && path[2] === REPORT[kind!]) {
      sendHeader();
      entry = { txs: [] };
      entryDepth = depth;
      entries++;
    } else if (entry && tag.local === 'TxDtls' && path[entryDepth + 1] === 'NtryDtls') {
      entry.txs.push({ ustrd: [] });
    }
  });

  parser.on('text', (chunk) => {
    if (foreignFrom >= 0 || path.length === 0) return;
    text += chunk;
    if (text.length > MAX_TEXT) fail(`<${path.at(-1)}> holds more than ${MAX_TEXT} characters`);
  });
  parser.on('cdata', (chunk) => {
    if (foreignFrom >= 0) return;
    text += chunk;
    if (text.length > MAX_TEXT) fail(`<${path.at(-1)}> holds more than ${MAX_TEXT} characters`);
  });

  parser.on('closetag', (tag: SaxesTagNS) => {
    const depth = path.length - 1;
    const value = text.trim();
    text = '';
    if (foreignFrom >= 0) {
      if (depth === foreignFrom) foreignFrom = -1;
      path.pop();
      return;
    }
    const where = `entry ${entries}`;
    if (entry && depth > entryDepth) {
      const rel = path.slice(entryDepth + 1).join('/');
      const tx = entry.txs.at(-1);
      const currency = () => tag.attributes.Ccy?.value;
      switch (rel) {
        case 'Amt':
          entry.amount = value;
          entry.currency = currency();
          break;
        case 'CdtDbtInd':
          entry.side = value;
          break;
        case 'RvslInd':
          entry.reversal = value;
          break;
        case 'Sts':
        case 'Sts/Cd':
          entry.status = value || entry.status;
          break;
        case 'BookgDt/DtTm':
          entry.bookedDateTime = value;
          break;
        case 'BookgDt/Dt':
          entry.bookedDate = value;
          break;
        case 'ValDt/Dt':
          entry.valueDate = value;
          break;
        case 'AcctSvcrRef':
          entry.acctSvcrRef = value;
          break;
        case 'NtryRef':
          entry.ntryRef = value;
          break;
        case 'AddtlNtryInf':
          entry.addtl = value;
          break;
        case 'NtryDtls/TxDtls/Amt':
          tx!.amount = value;
          tx!.currency = currency();
          break;
        case 'NtryDtls/TxDtls/Refs/AcctSvcrRef':
          tx!.acctSvcrRef = value;
          break;
        case 'NtryDtls/TxDtls/Refs/TxId':
          tx!.txId = value;
          break;
        case 'NtryDtls/TxDtls/Refs/EndToEndId':
          tx!.endToEndId = value;
          break;
        case 'NtryDtls/TxDtls/RmtInf/Ustrd':
          if (value) tx!.ustrd.push(value);
          break;
        case 'NtryDtls/TxDtls/RltdPties/Dbtr/Nm':
        case 'NtryDtls/TxDtls/RltdPties/Dbtr/Pty/Nm':
          tx!.debtorName = value;
          break;
        case 'NtryDtls/TxDtls/AddtlTxInf':
          tx!.addtl = value;
          break;
      }
    } else if (entry && depth === entryDepth) {
      ready.push(...itemsOf(entry, accountNo!, where));
      entry = undefined;
      entryDepth = -1;
    } else {
      const rel = path.slice(1).join('/');
      const report = `${MESSAGE[kind!]}/${REPORT[kind!]}`;
      if (rel === `${MESSAGE[kind!]}/GrpHdr/MsgId`) messageId = value;
      else if (rel === `${report}/Acct/Id/IBAN` || rel === `${report}/Acct/Id/Othr/Id`) {
        if (accountNo !== undefined && accountNo !== value) {
          fail(`the file covers two accounts (${accountNo} and ${value}); send one account per file`);
        }
        accountNo = value;
      } else if (rel === `${report}/Acct/Ccy` && value !== 'VND') {
        fail(`account currency "${value}"; only VND accounts are taken`);
      } else if (depth === 2 && tag.local === REPORT[kind!]) {
        sendHeader();
      }
    }
    path.pop();
  });

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (chunk: Buffer | string, stream: boolean) => {
    if (typeof chunk === 'string') return chunk;
    try {
      return decoder.decode(chunk, { stream });
    } catch {
      return fail('the file is not valid UTF-8');
    }
  };

  for await (const chunk of input) {
    parser.write(decode(chunk, true));
    if (ready.length) {
      const batch = ready.splice(0, ready.length);
      yield* batch;
    }
  }
  parser.write(decode(Buffer.alloc(0), false));
  parser.close();
  if (!kind) throw new StatementError('the file is empty: no camt document');
  if (!headerSent) fail(`no ${REPORT[kind]} report in the document`);
  yield* ready.splice(0, ready.length);
}
