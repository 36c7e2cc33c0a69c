import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { vietqrAdapter } from '../../adapters/vietqr/index.ts';
import { CAMT053_TAIL, camt053Head, camtEntry } from '../fakes/bank/camt.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const TARGET_BYTES = 50 * 1024 * 1024;
const LIMIT_BYTES = 64 * 1024 * 1024;

/** A ~50 MB camt.053 made on the fly, 64 kB at a time: the test never holds the file either. */
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
  yield Buffer.from(pending + CAMT053_TAIL);
}

describe('a 50 MB camt.053 statement', () => {
  it('parses in bounded memory: retained heap stays far below the file size', async () => {
    gc();
    const baseline = process.memoryUsage().heapUsed;
    const stats = { bytes: 0, entries: 0 };
    let lines = 0;
    let peak = 0;
    let total = 0n;
    for await (const line of vietqrAdapter.parseSettlement(bigStatement(stats))) {
      lines++;
      total += BigInt(line.amount);
      if (lines % 5_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
    expect(stats.bytes).toBeGreaterThanOrEqual(TARGET_BYTES);
    expect(lines).toBe(stats.entries);
    expect(total).toBeGreaterThan(0n);
    console.log(
      `camt.053 of ${(stats.bytes / 2 ** 20).toFixed(1)} MB, ${lines} credits: peak retained heap +${(peak / 2 ** 20).toFixed(1)} MB`,
    );
    expect(peak).toBeLessThan(LIMIT_BYTES);
  }, 120_000);
});
