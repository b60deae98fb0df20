/**
 * The CLI examples of the README and of the docs/ pages run as written: every `$ npx ims-authz ...` line
 * in a ```console block is run with the built CLI, and every line shown under it must appear in the output;
 * a line `(exit N)` under it is its exit code instead (otherwise 0 or 1 is expected).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const docs = readdirSync(new URL('../docs/', import.meta.url))
  .filter((f) => f.endsWith('.md'))
  .map((f) => ({ page: `docs/${f}`, text: readFileSync(new URL(`../docs/${f}`, import.meta.url), 'utf8') }));

interface Example {
  command: string;
  expected: string[];
  exit?: number;
}

function examples(text: string): Example[] {
  const out: Example[] = [];
  for (const block of text.matchAll(/```console\n([\s\S]*?)```/g)) {
    let current: Example | null = null;
    for (const line of (block[1] as string).split('\n')) {
      if (line.startsWith('$ ')) {
        current = { command: line.slice(2), expected: [] };
        out.push(current);
      } else if (current && /^\(exit \d\)$/.test(line)) current.exit = Number(line.slice(6, 7));
      else if (current && line.trim() !== '') current.expected.push(line);
    }
  }
  return out;
}

function run(ex: Example): void {
  const args = ex.command.split(/\s+/);
  expect(args.slice(0, 2)).toEqual(['npx', 'ims-authz']);
  const cli = spawnSync(process.execPath, ['dist/cli.cjs', ...args.slice(2)], { cwd: root, encoding: 'utf8' });
  if (ex.exit !== undefined) expect(cli.status, cli.stdout).toBe(ex.exit);
  else expect(cli.status === 0 || cli.status === 1).toBe(true);
  const lines = cli.stdout.split('\n');
  for (const want of ex.expected) expect(lines, `missing line: ${want}`).toContain(want);
}

describe('README examples', () => {
  const all = examples(readme);
  it('has examples', () => expect(all.length).toBeGreaterThanOrEqual(5));
  for (const ex of all) it(ex.command, () => run(ex));
});

/** The CLI examples of the docs pages (test/docs.test.ts runs their other examples, e.g. `npx sls print`). */
describe('docs/ examples', () => {
  const all = docs.flatMap(({ page, text }) => examples(text).filter((ex) => ex.command.startsWith('npx ims-authz ')).map((ex) => ({ page, ex })));
  it('has examples', () => expect(all.length).toBeGreaterThanOrEqual(1));
  for (const { page, ex } of all) it(`${page}: ${ex.command}`, () => run(ex));
});
