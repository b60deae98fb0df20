/**
 * package.json names files the build produces: `main` (the library bundle), `types` (the library's
 * declarations, emitted by `tsc -p tsconfig.types.json` in `npm run build`) and every `bin`; and the
 * declarations describe the library's public entry points.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string> };

describe('package.json entry points', () => {
  it.each([['main', pkg.main], ['types', pkg.types], ...Object.entries(pkg.bin).map(([name, file]) => [`bin ${name}`, file])])('%s (%s) is a file `npm run build` writes', (_what, file) => {
    expect(existsSync(join(root, file as string)), `${file} is missing: run npm run build`).toBe(true);
  });

  it('the declarations export the library functions', () => {
    const dts = readFileSync(join(root, pkg.types), 'utf8');
    for (const name of ['evaluate', 'explain', 'validate', 'createEvaluator']) expect(dts).toMatch(new RegExp(`\\b${name}\\b`));
  });
});
