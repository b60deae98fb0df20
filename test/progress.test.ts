/** cli/progress.ts: a progress line on a terminal, rewritten in place and throttled; nothing when piped. */
import { describe, expect, it } from 'vitest';
import { progressMeter } from '../cli/progress.js';

function stream(isTTY: boolean): { isTTY: boolean; out: string[]; write(s: string): boolean } {
  const out: string[] = [];
  return { isTTY, out, write: (s: string) => out.push(s) > 0 };
}

describe('progressMeter', () => {
  it('writes nothing when standard error is not a terminal (piped or redirected)', () => {
    const s = stream(false);
    const p = progressMeter('runs', 10, s, () => 0);
    for (let i = 0; i < 10; i++) p.tick();
    p.done();
    expect(s.out).toEqual([]);
  });

  it('on a terminal: rewrites one line in place, at most every 200 ms, always at the end, and clears it', () => {
    const s = stream(true);
    let t = 0;
    const p = progressMeter('runs', 1000, s, () => t);
    p.tick();
    for (let i = 0; i < 998; i++) {
      t += 1;
      p.tick();
    }
    t += 1;
    p.tick();
    expect(s.out).toEqual(['\rruns: 1/1,000 (0%)', '\rruns: 201/1,000 (20%)', '\rruns: 401/1,000 (40%)', '\rruns: 601/1,000 (60%)', '\rruns: 801/1,000 (80%)', '\rruns: 1,000/1,000 (100%)']);
    p.done();
    expect(s.out.at(-1)).toBe(`\r${' '.repeat('runs: 1,000/1,000 (100%)'.length)}\r`);
  });

  it('counts a tick of several units at once', () => {
    const s = stream(true);
    let t = 0;
    const p = progressMeter('x', 10, s, () => (t += 1000));
    p.tick(10);
    expect(s.out).toEqual(['\rx: 10/10 (100%)']);
  });
});
