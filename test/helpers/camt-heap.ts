/**
 * Run as its own process (`node --expose-gc --import tsx test/helpers/camt-heap.ts`), so only the
 * parser and this generator share the heap: streams a ~50 MB camt.053 made on the fly through
 * the VietQR settlement parser and prints, as JSON, the file's size, its entries, the lines parsed
 * and the peak retained memory (heap and buffers after a full GC) above the baseline.
 */
import { vietqrAdapter } from '../../adapters/vietqr/index.ts';
import { CAMT053_TAIL, camt053Head, camtEntry } from '../fakes/bank/camt.ts';

const TARGET_BYTES = 50 * 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** 64 kB at a time: the generator never holds the file either. */
async function* bigStatement(stats: { bytes: number; entries: number }): AsyncIterable<Buffer> {
  let pending = camt053Head('0011001932418', 'EOD-BIG');
  while (stats.bytes < TARGET_BYTES) {
    const i = stats.entries++;
    pending += camtEntry(
      {
        amount: String(10_000 + (i % 500) * 1_000),
        memo: `MBVCB.${i}.PH${String(i).padStart(11, '0')} nop le phi ho so ${i}`,
        bankReference: `FT26${String(i).padStart(10, '0')}`,
        bookedAt: '2026-01-02T10:00:00+07:00',
        ...(i % 1_000 === 999 ? { side: 'DBIT' as const, memo: 'Phi dich vu' } : {}),
      },
      i,
    );
    if (pending.length >= 64 * 1024) {
      const chunk = Buffer.from(pending);
      stats.bytes += chunk.length;
      pending = '';
      yield chunk;
    }
  }
  const last = Buffer.from(pending + CAMT053_TAIL);
  stats.bytes += last.length;
  yield last;
}

const retained = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

async function parse(stats: { bytes: number; entries: number }, sample: (lines: number) => void) {
  let lines = 0;
  for await (const _line of vietqrAdapter.parseSettlement(bigStatement(stats))) {
    if (++lines % 2_000 === 0) sample(lines);
  }
  return lines;
}

// A first, small pass compiles the parser's code, so the baseline holds it and the peak holds data.
await parse({ bytes: TARGET_BYTES - 8 * 1024 * 1024, entries: 0 }, () => {});
const baseline = retained();
let peak = 0;
const stats = { bytes: 0, entries: 0 };
const lines = await parse(stats, () => {
  peak = Math.max(peak, retained() - baseline);
});
peak = Math.max(peak, retained() - baseline);
process.stdout.write(`${JSON.stringify({ bytes: stats.bytes, entries: stats.entries, lines, peak })}\n`);
