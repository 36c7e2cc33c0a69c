/**
 * ISO 20022 documents as a Vietnamese bank sends them: camt.054 (a credit notification) and
 * camt.053 (the end-of-day statement), with the elements PayHub reads and the ones around them a
 * real file carries (balances, bank transaction codes, related parties), plus the bank-feed
 * signature, so tests send exactly what the bank would.
 */
import { createHmac } from 'node:crypto';

export interface CamtEntry {
  amount: string;
  currency?: string;
  side?: 'CRDT' | 'DBIT';
  status?: string;
  memo?: string;
  bankReference?: string;
  bookedAt?: string;
  debtor?: string;
  /** Leave the Amt element out (a malformed file). */
  noAmount?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function camtEntry(e: CamtEntry, i: number): string {
  const ref = e.bankReference ?? `FT26${String(i).padStart(8, '0')}`;
  const amt = e.noAmount ? '' : `<Amt Ccy="${e.currency ?? 'VND'}">${e.amount}</Amt>`;
  return `<Ntry><NtryRef>${i}</NtryRef>${amt}<CdtDbtInd>${e.side ?? 'CRDT'}</CdtDbtInd>
<Sts><Cd>${e.status ?? 'BOOK'}</Cd></Sts><BookgDt><DtTm>${e.bookedAt ?? new Date().toISOString()}</DtTm></BookgDt>
<ValDt><Dt>${(e.bookedAt ?? new Date().toISOString()).slice(0, 10)}</Dt></ValDt><AcctSvcrRef>${esc(ref)}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>${esc(ref)}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="${e.currency ?? 'VND'}">${e.amount}</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>${esc(e.debtor ?? 'NGUYEN VAN A')}</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>${esc(e.memo ?? '')}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`;
}

export function camt054(
  account: string,
  entries: CamtEntry[],
  options: { version?: string; namespace?: string } = {},
) {
  const ns = options.namespace ?? `urn:iso:std:iso:20022:tech:xsd:camt.054.001.${options.version ?? '08'}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>NTF-${Date.now()}-${Math.random().toString(36).slice(2, 8)}</MsgId><CreDtTm>${new Date().toISOString()}</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><CreDtTm>${new Date().toISOString()}</CreDtTm><Acct><Id><Othr><Id>${account}</Id></Othr></Id><Ccy>VND</Ccy></Acct>
${entries.map(camtEntry).join('\n')}
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;
}

export function camt053Head(account: string, messageId = `STMT-${Date.now()}`): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt><GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>${new Date().toISOString()}</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>${new Date().toISOString()}</CreDtTm><Acct><Id><Othr><Id>${account}</Id></Othr></Id><Ccy>VND</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">0</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-01</Dt></Dt></Bal>
`;
}

export const CAMT053_TAIL = '</Stmt></BkToCstmrStmt></Document>\n';

export function camt053(account: string, entries: CamtEntry[]): string {
  return camt053Head(account) + entries.map(camtEntry).join('\n') + CAMT053_TAIL;
}

/** The classic entity-expansion bomb: a few hundred bytes that expand to gigabytes in a naive parser. */
export const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&lol9;</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn></Document>`;

/** The bank feed's headers for a body, signed with the agency's feed secret at `timestamp` (Unix seconds). */
export function feedHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return {
    'Content-Type': 'application/json',
    'X-Bank-Feed-Timestamp': String(timestamp),
    'X-Bank-Feed-Signature': `sha256=${signature}`,
  };
}
