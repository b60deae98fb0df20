/**
 * The README's CLI examples run as written, and so do those of the docs pages: every `$ npx ims-authz ...`
 * line in a ```console block is run with the built CLI, and every line shown under it must appear in the
 * output.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Pages whose examples run, and how many examples each has at least. */
const PAGES: ReadonlyArray<[string, number]> = [
  ['README.md', 5],
  ['docs/limits.md', 2],
];

interface Example {
  command: string;
  expected: string[];
}

function examples(page: string): Example[] {
  const out: Example[] = [];
  const text = readFileSync(new URL(`../${page}`, import.meta.url), 'utf8');
  for (const block of text.matchAll(/```console\n([\s\S]*?)```/g)) {
    let current: Example | null = null;
    for (const line of (block[1] as string).split('\n')) {
      if (line.startsWith('$ ')) {
        current = { command: line.slice(2), expected: [] };
        out.push(current);
      } else if (current && line.trim() !== '') current.expected.push(line);
    }
  }
  return out;
}

describe.each(PAGES)('%s examples', (page, least) => {
  const all = examples(page);
  it('has examples', () => expect(all.length).toBeGreaterThanOrEqual(least));
  for (const ex of all) {
    it(ex.command, () => {
      const args = ex.command.split(/\s+/);
      expect(args.slice(0, 2)).toEqual(['npx', 'ims-authz']);
      const run = spawnSync(process.execPath, ['dist/cli.cjs', ...args.slice(2)], { cwd: root, encoding: 'utf8' });
      // 0 or 1; 2 (unusable input) only where the example shows the error it prints.
      const showsError = ex.expected.some((l) => l.trim().startsWith('"code":'));
      expect(run.status === 0 || run.status === 1 || (showsError && run.status === 2)).toBe(true);
      const lines = run.stdout.split('\n');
      for (const want of ex.expected) expect(lines, `missing line: ${want}`).toContain(want);
    });
  }
});
