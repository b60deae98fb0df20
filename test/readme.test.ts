/**
 * The README's CLI examples run as written: every `$ npx ims-authz ...` line in a ```console block is
 * run with the built CLI, and every line shown under it must appear in the output.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface Example {
  command: string;
  expected: string[];
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const block of readme.matchAll(/```console\n([\s\S]*?)```/g)) {
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

describe('README examples', () => {
  const all = examples();
  it('has examples', () => expect(all.length).toBeGreaterThanOrEqual(5));
  for (const ex of all) {
    it(ex.command, () => {
      const args = ex.command.split(/\s+/);
      expect(args.slice(0, 2)).toEqual(['npx', 'ims-authz']);
      const run = spawnSync(process.execPath, ['dist/cli.cjs', ...args.slice(2)], { cwd: root, encoding: 'utf8' });
      expect(run.status === 0 || run.status === 1).toBe(true);
      const lines = run.stdout.split('\n');
      for (const want of ex.expected) expect(lines, `missing line: ${want}`).toContain(want);
    });
  }
});
