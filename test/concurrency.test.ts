/**
 * The worker pool (lib/util/concurrency.ts) the store and the workers share: at most `limit` calls at a
 * time, results in input order whatever order the calls finish in, and the first failure stops the pool
 * (no call starts after it) and rejects once the running calls have settled.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../lib/util/concurrency.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A call recorder: how many calls run at once, at most, and which items were started. */
function tracker() {
  const state = { active: 0, peak: 0, started: [] as number[], finished: [] as number[] };
  const run = async <R>(index: number, work: () => Promise<R>): Promise<R> => {
    state.started.push(index);
    state.active++;
    state.peak = Math.max(state.peak, state.active);
    try {
      return await work();
    } finally {
      state.active--;
      state.finished.push(index);
    }
  };
  return { state, run };
}

describe('mapLimit', () => {
  it('runs at most `limit` calls at a time, and uses the limit when there is enough work', async () => {
    const t = tracker();
    const items = Array.from({ length: 20 }, (_x, i) => i);
    await mapLimit(items, 3, (item, i) => t.run(i, () => tick(item % 4)));
    expect(t.state.peak).toBe(3);
    expect(t.state.started).toHaveLength(20);
  });

  it('never starts more workers than items', async () => {
    const t = tracker();
    await mapLimit([1, 2], 8, (item, i) => t.run(i, () => tick(item)));
    expect(t.state.peak).toBeLessThanOrEqual(2);
  });

  it('returns the results in input order, whatever order the calls finish in', async () => {
    const delays = [9, 1, 7, 0, 5, 3, 8, 2];
    const t = tracker();
    const out = await mapLimit(delays, 4, (ms, i) => t.run(i, async () => (await tick(ms), `r${i}:${ms}`)));
    expect(out).toEqual(delays.map((ms, i) => `r${i}:${ms}`));
    expect(t.state.finished).not.toEqual(delays.map((_d, i) => i)); // they did finish out of order
  });

  it('passes each item with its index', async () => {
    const seen: Array<[string, number]> = [];
    await mapLimit(['a', 'b', 'c'], 2, async (item, i) => void seen.push([item, i]));
    expect(seen.sort()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('returns [] for no items without calling fn', async () => {
    let calls = 0;
    expect(await mapLimit([], 4, async () => ++calls)).toEqual([]);
    expect(calls).toBe(0);
  });

  it('rejects with the first error, starts nothing after it, and settles the running calls first', async () => {
    const t = tracker();
    const items = Array.from({ length: 50 }, (_x, i) => i);
    const boom = new Error('item 5 failed');
    const settledBeforeReject: number[] = [];
    const result = mapLimit(items, 4, (item, i) =>
      t.run(i, async () => {
        if (item === 5) {
          await tick(1);
          throw boom;
        }
        if (item === 6) {
          await tick(3);
          throw new Error('a later failure of a running call is not the one reported');
        }
        await tick(5);
        return item;
      }),
    ).catch((err: unknown) => {
      settledBeforeReject.push(...t.state.finished);
      throw err;
    });
    await expect(result).rejects.toBe(boom);
    // Only the calls running when item 5 failed (and those started before) ran; nothing was started after.
    expect(t.state.started.length).toBeLessThan(items.length);
    expect(Math.max(...t.state.started)).toBeLessThan(5 + 4);
    expect(t.state.active).toBe(0);
    expect(settledBeforeReject.sort((a, b) => a - b)).toEqual([...t.state.started].sort((a, b) => a - b));
  });

  it('refuses a limit that is not a positive integer (it would never run anything)', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) await expect(mapLimit([1], limit, async (x) => x)).rejects.toBeInstanceOf(RangeError);
  });

  it('property: the result is items.map(f) and the peak stays within the limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 }), fc.integer({ min: 1, max: 6 }), async (delays, limit) => {
        const t = tracker();
        const out = await mapLimit(delays, limit, (ms, i) => t.run(i, async () => (await tick(ms), ms * 10 + i)));
        expect(out).toEqual(delays.map((ms, i) => ms * 10 + i));
        expect(t.state.peak).toBeLessThanOrEqual(Math.min(limit, delays.length));
      }),
      { numRuns: 40 },
    );
  });
});
