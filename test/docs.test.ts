/**
 * The examples of the docs pages run as written (as test/readme.test.ts does for the README):
 *  - every ```yaml block of docs/deployment.md is made of lines of serverless.yml (the lines it quotes);
 *  - every `$ npx sls print ...` line of a ```console block runs (serverless, no network) and every line
 *    shown under it appears in the output.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const PAGES = ['docs/deployment.md'];
const yml = readFileSync(join(root, 'serverless.yml'), 'utf8').split('\n');

function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);
}

function serverlessBin(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('serverless/package.json');
  return join(dirname(pkg), (require(pkg) as { bin: Record<string, string> }).bin.serverless as string);
}

describe.each(PAGES)('%s', (page) => {
  const text = readFileSync(join(root, page), 'utf8');

  it('quotes serverless.yml as it is', () => {
    for (const block of blocks(text, 'yaml')) {
      for (const line of block.split('\n').filter((l) => l.trim() !== ''))
        expect(
          yml.map((l) => l.trim()),
          `not in serverless.yml: ${line}`,
        ).toContain(line.trim());
    }
  });

  const examples = blocks(text, 'console').flatMap((block) => {
    const out: Array<{ command: string; expected: string[] }> = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('$ ')) out.push({ command: line.slice(2), expected: [] });
      else if (line.trim() !== '') out.at(-1)?.expected.push(line);
    }
    return out;
  });
  it.each(examples.map((e) => [e.command, e] as const))(
    '%s',
    (_c, ex) => {
      const args = ex.command.split(/\s+/);
      expect(args.slice(0, 3)).toEqual(['npx', 'sls', 'print']);
      const env = { ...process.env };
      delete env.AUTH_OFFLINE_JWT_SECRET;
      const run = spawnSync(process.execPath, [serverlessBin(), ...args.slice(2)], { cwd: root, encoding: 'utf8', env, timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      const lines = run.stdout.split('\n');
      for (const want of ex.expected) expect(lines, `missing line: ${want}`).toContain(want);
    },
    60_000,
  );
});

/** The packaging table of docs/deployment.md names one zip per function of the route table, and no other. */
describe('docs/deployment.md packaging table', () => {
  it('lists every function zip that `npm run package` writes (one per function, and the layer)', async () => {
    const { FUNCTIONS } = await import('../functions/shared/routes.js');
    const text = readFileSync(join(root, 'docs/deployment.md'), 'utf8');
    const listed = new Set([...text.matchAll(/`([A-Za-z]+)\.zip`/g)].map((m) => m[1] as string));
    const camel = (name: string): string => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const expected = new Set([...FUNCTIONS.map((f) => camel(f.name)), 'imsCatalog']);
    expect([...listed].sort()).toEqual([...expected].sort());
    expect(expected.size).toBe(FUNCTIONS.length + 1);
  });
});
