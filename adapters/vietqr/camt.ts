/**
 * ISO 20022 bank-to-customer messages, streamed: camt.053 (end-of-day statement) and camt.054
 * (debit/credit notification). Both carry the same Ntry (entry) structure; we read the booked
 * credits and debits (bank fees, transfers out) out of it. Parsing is SAX (saxes), so memory
 * stays flat whatever the file's size, and hostile input is refused outright: no DOCTYPE (hence no entity declarations, no billion laughs),
 * only the camt namespaces, only VND, every amount present. A file is taken whole or not at all;
 * this parser throws a StatementError naming the line and the entry at the first problem.
 *
 * This file feeds the bytes to the walk (camt-walk.ts: elements, header, entries) and hands its
 * items on; camt-entries.ts turns each entry into credits and debits.
 */
import type { StatementItem } from '../types.ts';
import { StatementError } from './camt-entries.ts';
import { camtWalk, fail, REPORT } from './camt-walk.ts';

export { StatementError };

/** Streams booked credits and debits out of a camt.053 or camt.054 document, its header first. */
export async function* parseCamt(input: AsyncIterable<Buffer | string>): AsyncIterable<StatementItem> {
  const walk = camtWalk();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (chunk: Buffer | string, stream: boolean) => {
    if (typeof chunk === 'string') return chunk;
    try {
      return decoder.decode(chunk, { stream });
    } catch {
      return fail(walk, 'the file is not valid UTF-8');
    }
  };

  for await (const chunk of input) {
    walk.parser.write(decode(chunk, true));
    if (walk.ready.length) {
      const batch = walk.ready.splice(0, walk.ready.length);
      yield* batch;
    }
  }
  walk.parser.write(decode(Buffer.alloc(0), false));
  walk.parser.close();
  if (!walk.kind) throw new StatementError('the file is empty: no camt document');
  if (!walk.headerSent) fail(walk, `no ${REPORT[walk.kind]} report in the document`);
  yield* walk.ready.splice(0, walk.ready.length);
}
