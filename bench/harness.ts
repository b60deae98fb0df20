/** Timing helpers for the benchmarks: per-call latency distribution over a request list, medians. */

export interface Latency {
  p50_us: number;
  p99_us: number;
  mean_us: number;
  per_second: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Times each call of `fn` over `inputs` (after a warm-up), in microseconds. */
export function measure<T>(fn: (x: T) => unknown, inputs: readonly T[], warmup = 2000): Latency {
  for (let i = 0; i < warmup; i++) fn(inputs[i % inputs.length] as T);
  const times = new Array<number>(inputs.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < inputs.length; i++) {
    const t0 = process.hrtime.bigint();
    fn(inputs[i] as T);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort((a, b) => a - b);
  return { p50_us: percentile(times, 0.5), p99_us: percentile(times, 0.99), mean_us: (total * 1e6) / inputs.length, per_second: inputs.length / total };
}

/** The run with the median p50 of `runs` runs. */
export function medianRun<T>(runs: number, fn: (x: T) => unknown, inputs: readonly T[]): Latency {
  const all = Array.from({ length: runs }, () => measure(fn, inputs));
  all.sort((a, b) => a.p50_us - b.p50_us);
  return all[Math.floor(all.length / 2)] as Latency;
}
