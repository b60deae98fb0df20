/**
 * The examples of the README and of the docs/ pages run as written (test/support/doc-examples.ts): every
 * `$ npx ims-authz ...` and `$ curl ...` line of a ```console block, in order, page by page; the lines shown
 * under a command must appear in its output, or be the whole output in a ```console exact block. The README's
 * walkthrough thereby runs end to end, from a template written to a file to the same explanation over HTTP.
 * A line `(exit N)` under a command is its exit code (otherwise 0 or 1, or 2 where the error is shown).
 * (test/docs.test.ts runs the pages' other examples, e.g. `npx sls print`.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { startLocalApi } from './support/api.js';
import { type DocExample, docExamples, DocRunner, sameLine } from './support/doc-examples.js';

const pages = [
  { page: 'README.md', text: readFileSync(new URL('../README.md', import.meta.url), 'utf8') },
  ...readdirSync(new URL('../docs/', import.meta.url))
    .filter((f) => f.endsWith('.md'))
    .map((f) => ({ page: `docs/${f}`, text: readFileSync(new URL(`../docs/${f}`, import.meta.url), 'utf8') })),
];

const ours = (ex: DocExample): boolean => ex.command.startsWith('npx ims-authz ') || ex.command.startsWith('curl ');

function check(ex: DocExample, stdout: string): void {
  const lines = stdout.split('\n');
  if (ex.exact) {
    while (lines.at(-1) === '') lines.pop();
    expect(lines.length, `${ex.command}: the whole output is shown\n${stdout}`).toBe(ex.expected.length);
    ex.expected.forEach((want, i) => expect(sameLine(want, lines[i] as string), `line ${i + 1} of ${ex.command}:\n  shown:  ${want}\n  actual: ${lines[i]}`).toBe(true));
  } else
    for (const want of ex.expected)
      expect(
        lines.some((l) => sameLine(want, l)),
        `missing line: ${want}`,
      ).toBe(true);
}

let stop: (() => Promise<void>) | undefined;
let token = '';
beforeAll(async () => {
  token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
  if (pages.some(({ text }) => docExamples(text).some((ex) => ex.command.startsWith('curl ')))) ({ stop } = await startLocalApi('readme'));
}, 60_000);
afterAll(async () => stop?.());

it('the README has examples, and a walkthrough that ends over HTTP', () => {
  const readme = docExamples(pages[0]?.text ?? '');
  expect(readme.length).toBeGreaterThanOrEqual(5);
  expect(readme.some((ex) => ex.command.startsWith('curl '))).toBe(true);
  for (const ex of readme) expect(ours(ex), `the README's examples are all run: ${ex.command}`).toBe(true);
});

it('docs/limits.md has its two examples (a family decided in bounded work, a request refused before the work)', () => {
  const limits = pages.find((p) => p.page === 'docs/limits.md');
  expect(docExamples(limits?.text ?? '').filter(ours).length).toBeGreaterThanOrEqual(2);
});

for (const { page, text } of pages) {
  const all = docExamples(text).filter(ours);
  if (all.length === 0) continue;
  describe.sequential(page, () => {
    let runner: DocRunner;
    beforeAll(() => {
      runner = new DocRunner(token);
    });
    afterAll(() => runner.close());
    for (const ex of all) {
      it(ex.command, async () => {
        const r = await runner.run(ex.command);
        const exitLine = ex.expected.find((l) => /^\(exit \d\)$/.test(l.trim()));
        const shown = { ...ex, expected: ex.expected.filter((l) => l !== exitLine) };
        // 0 or 1; 2 (unusable input) only where the example shows the error it prints; or the `(exit N)` shown.
        const showsError = ex.expected.some((l) => l.trim().startsWith('"code":'));
        const allowed = exitLine ? [Number(/\d/.exec(exitLine)?.[0])] : [0, 1, ...(showsError ? [2] : [])];
        expect(allowed, `${ex.command} exited ${r.status}: ${r.stdout.slice(0, 500)}`).toContain(r.status);
        check(shown, r.stdout);
      });
    }
  });
}
