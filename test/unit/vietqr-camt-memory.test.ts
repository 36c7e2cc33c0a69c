import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * What README's "Bank transfers" section promises: a 50 MB statement parses in under 2 MB
 * retained (measured 0.4 to 1 MB: the chunk in flight, and code V8 optimises along the way).
 */
const CLAIM_BYTES = 2 * 1024 * 1024;
const MEASURE = fileURLToPath(new URL('../helpers/camt-heap.ts', import.meta.url));

describe('a 50 MB camt.053 statement', () => {
  it('parses in under 2 MB: retained heap and buffers, measured in a process of its own', async () => {
    // Its own process with --expose-gc: nothing of vitest's shares the heap being measured.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', MEASURE],
      { maxBuffer: 1024 * 1024 },
    );
    const measured = JSON.parse(stdout) as { bytes: number; entries: number; lines: number; peak: number };
    expect(measured.bytes).toBeGreaterThanOrEqual(50 * 1024 * 1024);
    // Every entry came out as a line (credits and the bank's debits alike): the file was really read.
    expect(measured.lines).toBe(measured.entries);
    console.log(
      `camt.053 of ${(measured.bytes / 2 ** 20).toFixed(1)} MB, ${measured.lines} entries: ` +
        `peak retained heap and buffers +${(measured.peak / 2 ** 20).toFixed(2)} MB`,
    );
    expect(measured.peak).toBeLessThan(CLAIM_BYTES);
  }, 240_000);
});
