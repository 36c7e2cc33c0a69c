/**
 * The SAX walk over a camt.053/camt.054 document: which element we are in, the header (message
 * id, account) and the entry being collected. Each handler refuses hostile or foreign input at
 * once (DOCTYPE, other namespaces, deep nesting, huge text); a finished entry becomes items in
 * `ready`, its header first.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { StatementItem } from '../types.ts';
import { type Entry, itemsOf, StatementError } from './camt-entries.ts';

type Kind = 'camt.053' | 'camt.054';

const NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.\d{2}$/;
/** The report element of each message: a statement, or a notification. */
export const REPORT: Record<Kind, string> = { 'camt.053': 'Stmt', 'camt.054': 'Ntfctn' };
const MESSAGE: Record<Kind, string> = {
  'camt.053': 'BkToCstmrStmt',
  'camt.054': 'BkToCstmrDbtCdtNtfctn',
};
/** Longer than any camt text element (Ustrd is 140, AddtlNtryInf 500): a bound, not a limit. */
const MAX_TEXT = 4_096;
const MAX_DEPTH = 64;

export interface CamtWalk {
  parser: SaxesParser<{ xmlns: true }>;
  /** Items read and not yet handed on. */
  ready: StatementItem[];
  kind?: Kind;
  namespace: string;
  path: string[];
  /** Depth at which a foreign-namespace element (SplmtryData envelopes) began; its content is skipped. */
  foreignFrom: number;
  text: string;
  messageId?: string;
  accountNo?: string;
  headerSent: boolean;
  entry?: Entry;
  entryDepth: number;
  entries: number;
}

/** Refuses the document at the parser's current line. */
export function fail(walk: CamtWalk, message: string): never {
  throw new StatementError(`line ${walk.parser.line}: ${message}`);
}

/** A parser with the walk's handlers on it, ready to be written to. */
export function camtWalk(): CamtWalk {
  const walk: CamtWalk = {
    parser: new SaxesParser({ xmlns: true }),
    ready: [],
    namespace: '',
    path: [],
    foreignFrom: -1,
    text: '',
    headerSent: false,
    entryDepth: -1,
    entries: 0,
  };
  const { parser } = walk;
  parser.on('doctype', () => fail(walk, 'DOCTYPE declarations are not accepted (no DTDs, no entities)'));
  parser.on('xmldecl', (decl) => {
    if (decl.encoding && !/^utf-?8$/i.test(decl.encoding))
      fail(walk, `encoding ${decl.encoding}: only UTF-8 is taken`);
  });
  parser.on('processinginstruction', () => {});
  parser.on('error', (error) => {
    throw error instanceof StatementError
      ? error
      : new StatementError(`not well-formed XML: ${error.message}`);
  });
  parser.on('opentag', (tag: SaxesTagNS) => openTag(walk, tag));
  parser.on('text', (chunk) => {
    if (walk.foreignFrom >= 0 || walk.path.length === 0) return;
    addText(walk, chunk);
  });
  parser.on('cdata', (chunk) => {
    if (walk.foreignFrom >= 0) return;
    addText(walk, chunk);
  });
  parser.on('closetag', (tag: SaxesTagNS) => closeTag(walk, tag));
  return walk;
}

/** The header goes out once, before the first entry (or at the report's end if it has none). */
export function sendHeader(walk: CamtWalk): void {
  if (walk.headerSent) return;
  if (!walk.messageId) fail(walk, 'no message id (GrpHdr/MsgId) before the first entry');
  if (!walk.accountNo) fail(walk, `no account (${REPORT[walk.kind!]}/Acct/Id) before the first entry`);
  walk.ready.push({
    type: 'statement',
    kind: walk.kind!,
    messageId: walk.messageId!,
    accountNo: walk.accountNo!,
  });
  walk.headerSent = true;
}

function addText(walk: CamtWalk, chunk: string): void {
  walk.text += chunk;
  if (walk.text.length > MAX_TEXT) fail(walk, `<${walk.path.at(-1)}> holds more than ${MAX_TEXT} characters`);
}

function openTag(walk: CamtWalk, tag: SaxesTagNS): void {
  const { path } = walk;
  const depth = path.length;
  if (depth >= MAX_DEPTH) fail(walk, `elements nested deeper than ${MAX_DEPTH}`);
  path.push(tag.local);
  walk.text = '';
  if (walk.foreignFrom >= 0) return;
  if (depth === 0) {
    const match = NAMESPACE.exec(tag.uri);
    if (tag.local !== 'Document' || !match) {
      fail(
        walk,
        `not a camt.053 or camt.054 document: root <${tag.name}> in namespace ` +
          `"${tag.uri}"; expected urn:iso:std:iso:20022:tech:xsd:camt.053.001.* or camt.054.001.*`,
      );
    }
    walk.kind = match![1] as Kind;
    walk.namespace = tag.uri;
    return;
  }
  if (tag.uri !== walk.namespace) {
    walk.foreignFrom = depth;
    return;
  }
  const kind = walk.kind!;
  if (depth === 1 && tag.local !== MESSAGE[kind]) {
    fail(walk, `expected <${MESSAGE[kind]}> in a ${kind} document, found <${tag.local}>`);
  }
  if (tag.local === 'Ntry' && depth === 3 && path[2] === REPORT[kind]) {
    sendHeader(walk);
    walk.entry = { txs: [] };
    walk.entryDepth = depth;
    walk.entries++;
  } else if (walk.entry && tag.local === 'TxDtls' && path[walk.entryDepth + 1] === 'NtryDtls') {
    walk.entry.txs.push({ ustrd: [] });
  }
}

function closeTag(walk: CamtWalk, tag: SaxesTagNS): void {
  const { path } = walk;
  const depth = path.length - 1;
  const value = walk.text.trim();
  walk.text = '';
  if (walk.foreignFrom >= 0) {
    if (depth === walk.foreignFrom) walk.foreignFrom = -1;
    path.pop();
    return;
  }
  const { entry } = walk;
  if (entry && depth > walk.entryDepth) {
    entryField(entry, path.slice(walk.entryDepth + 1).join('/'), value, tag.attributes.Ccy?.value);
  } else if (entry && depth === walk.entryDepth) {
    walk.ready.push(...itemsOf(entry, walk.accountNo!, `entry ${walk.entries}`));
    walk.entry = undefined;
    walk.entryDepth = -1;
  } else {
    headerField(walk, tag, depth, value);
  }
  path.pop();
}

/** An element inside the report but outside any entry: the message id, the account, its currency. */
function headerField(walk: CamtWalk, tag: SaxesTagNS, depth: number, value: string): void {
  const kind = walk.kind!;
  const rel = walk.path.slice(1).join('/');
  const report = `${MESSAGE[kind]}/${REPORT[kind]}`;
  if (rel === `${MESSAGE[kind]}/GrpHdr/MsgId`) walk.messageId = value;
  else if (rel === `${report}/Acct/Id/IBAN` || rel === `${report}/Acct/Id/Othr/Id`) {
    if (walk.accountNo !== undefined && walk.accountNo !== value) {
      fail(walk, `the file covers two accounts (${walk.accountNo} and ${value}); send one account per file`);
    }
    walk.accountNo = value;
  } else if (rel === `${report}/Acct/Ccy` && value !== 'VND') {
    fail(walk, `account currency "${value}"; only VND accounts are taken`);
  } else if (depth === 2 && tag.local === REPORT[kind]) {
    sendHeader(walk);
  }
}

/** An element of an entry, by its path below Ntry: what the entry and its last transaction say. */
function entryField(entry: Entry, rel: string, value: string, currency: string | undefined): void {
  const tx = entry.txs.at(-1);
  switch (rel) {
    case 'Amt':
      entry.amount = value;
      entry.currency = currency;
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
      tx!.currency = currency;
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
}
