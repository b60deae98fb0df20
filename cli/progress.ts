/**
 * Progress of a long-running command (fuzz runs, searches, benchmarks): a line on standard error, rewritten in
 * place at most five times a second, when standard error is a terminal; nothing at all when it is piped or
 * redirected, so logs and CI output stay clean and the command's own output (standard output) is untouched.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressMeter {
  /** Counts `n` more units done (default 1). */
  tick(n?: number): void;
  /** Clears the line. */
  done(): void;
}

const QUIET: ProgressMeter = { tick() {}, done() {} };

export function progressMeter(label: string, total: number, stream: ProgressStream = process.stderr, now: () => number = Date.now): ProgressMeter {
  if (!stream.isTTY) return QUIET;
  let count = 0;
  let shown = -Infinity;
  let width = 0;
  const show = (): void => {
    const line = `${label}: ${count.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${total > 0 ? Math.floor((100 * count) / total) : 100}%)`;
    stream.write(`\r${line.padEnd(width)}`);
    width = line.length;
  };
  return {
    tick(n = 1) {
      count += n;
      const t = now();
      if (t - shown >= 200 || count >= total) {
        shown = t;
        show();
      }
    },
    done() {
      if (width > 0) stream.write(`\r${' '.repeat(width)}\r`);
      width = 0;
    },
  };
}
