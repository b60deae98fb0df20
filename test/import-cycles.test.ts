/**
 * No import cycles in the project's TypeScript (scripts/import-cycles.ts), and the walker itself finds
 * the cycles it is meant to find (static, re-export, side-effect, dynamic and type-only imports, multi-line
 * import lists) and ignores what is not an import (comments, packages).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCycles, findImportCycles, importSpecifiers } from '../scripts/import-cycles.js';

const root = join(import.meta.dirname, '..');

describe('import cycles', () => {
  it('the project has none', () => {
    const cycles = findImportCycles(root);
    expect(
      cycles.map((c) => c.join(' -> ')),
      'break each cycle by moving the shared declaration into a module both can import',
    ).toEqual([]);
  });
});

describe('the cycle walker', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A throwaway project: `files` maps paths under `src/` to their text. */
  function project(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'import-cycles-'));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      const file = join(dir, 'src', path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    return dir;
  }

  it('reads every kind of relative import, and nothing in comments or packages', () => {
    const text = [
      "import { a } from './a.js';",
      'import {',
      '  b,',
      '  c,',
      "} from '../b.js';",
      "import type { T } from './types.js';",
      "export { d } from './d.js';",
      "export * from './e.js';",
      "import './side-effect.js';",
      "const lazy = () => import('./lazy.js');",
      "type M = typeof import('./typed.js');",
      "import { readFileSync } from 'node:fs';",
      "// import { x } from './commented.js';",
      " * import('./jsdoc.js')",
    ].join('\n');
    expect(importSpecifiers(text).sort()).toEqual(['../b.js', './a.js', './d.js', './e.js', './lazy.js', './side-effect.js', './typed.js', './types.js'].sort());
  });

  it('finds a two-module cycle through a type-only import, a dynamic one, and a longer one', () => {
    const dir = project({
      'a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
      'b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
      'c.ts': "export const c = async () => (await import('./d.js')).d;\n",
      'd.ts': "import { c } from './c.js';\nexport const d = c;\n",
      'e.ts': "import { f } from './f.js';\nexport const e = f;\n",
      'f.ts': "export { g as f } from './g.js';\n",
      'g.ts': "import { e } from './e.js';\nexport const g = () => e;\n",
      'ok.ts': "import { a } from './leaf.js';\nexport const ok = a;\n",
      'leaf.ts': "// import { ok } from './ok.js';\nexport const a = 1;\n",
    });
    const cycles = findImportCycles(dir, ['src'])
      .map((c) => c.join(' -> '))
      .sort();
    expect(cycles).toEqual(['src/a.ts -> src/b.ts -> src/a.ts', 'src/c.ts -> src/d.ts -> src/c.ts', 'src/e.ts -> src/f.ts -> src/g.ts -> src/e.ts']);
  });

  it('a self-import is a cycle; a diamond is not', () => {
    expect(findCycles(new Map([['x', ['x']]]))).toEqual([['x', 'x']]);
    const diamond = new Map([
      ['top', ['left', 'right']],
      ['left', ['bottom']],
      ['right', ['bottom']],
      ['bottom', []],
    ]);
    expect(findCycles(diamond)).toEqual([]);
  });

  it('resolves ./dir to ./dir/index.ts', () => {
    const dir = project({
      'main.ts': "import { x } from './pkg';\nexport const main = x;\n",
      'pkg/index.ts': "import { main } from '../main.js';\nexport const x = () => main;\n",
    });
    expect(findImportCycles(dir, ['src'])).toEqual([['src/main.ts', 'src/pkg/index.ts', 'src/main.ts']]);
  });
});
