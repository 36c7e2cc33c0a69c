import { describe, expect, it } from 'vitest';
import { batcher } from '../../src/db/batcher.ts';

/** A statement the test finishes by hand, recording the batches it was given. */
function manualRun() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(items);
      finish.push(() =>
        items.includes(-1) ? reject(new Error('refused')) : resolve(items.map((i) => `r${i}`)),
      );
    });
  return { batches, finish, run };
}

describe('batcher', () => {
  it('sends a lone call at once, and gathers calls made while batches are out', async () => {
    const { batches, finish, run } = manualRun();
    const call = batcher(run, { maxBatch: 3, concurrency: 1 });
    const first = call(1);
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map(call);
    expect(batches).toHaveLength(1);
    finish[0]!();
    expect(await first).toBe('r1');
    await Promise.resolve();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finish[1]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    finish[2]!();
    expect(await Promise.all(rest)).toEqual(['r2', 'r3', 'r4', 'r5']);
  });

  it('keeps up to `concurrency` batches out at once', () => {
    const { batches, run } = manualRun();
    const call = batcher(run, { maxBatch: 10, concurrency: 2 });
    for (const i of [1, 2, 3, 4]) void call(i);
    expect(batches).toEqual([[1], [2]]);
  });

  it('rejects every call of a failed batch, and goes on with the next', async () => {
    const { finish, run } = manualRun();
    const call = batcher(run, { maxBatch: 10, concurrency: 1 });
    const lone = call(0);
    const failing = [call(7), call(-1)];
    finish[0]!();
    await lone;
    await Promise.resolve();
    finish[1]!();
    await expect(failing[0]).rejects.toThrow('refused');
    await expect(failing[1]).rejects.toThrow('refused');
    const after = call(8);
    await Promise.resolve();
    finish[2]!();
    expect(await after).toBe('r8');
  });
});
