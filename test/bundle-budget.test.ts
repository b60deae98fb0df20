/**
 * Size budgets of the function bundles (bench/budgets.json, KiB): every dist/functions/<name>.cjs that
 * `npm run build` writes must stay within its budget, and every bundle there must have one. Nothing is
 * skipped: a missing bundle fails, asking for the build.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist', 'functions');
const { budgets_kib: budgets } = JSON.parse(readFileSync(join(root, 'bench', 'budgets.json'), 'utf8')) as { budgets_kib: Record<string, number> };

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes)`;

describe('function bundle sizes (bench/budgets.json)', () => {
  it('has budgets', () => {
    expect(Object.keys(budgets).length).toBeGreaterThan(0);
    for (const [name, budget] of Object.entries(budgets)) expect(typeof budget === 'number' && budget > 0, `the budget of ${name} is not a positive number of KiB`).toBe(true);
  });

  it.each(Object.entries(budgets))('dist/functions/%s.cjs is within its budget', (name, budget) => {
    const file = join(dist, `${name}.cjs`);
    if (!existsSync(file)) throw new Error(`dist/functions/${name}.cjs is missing: run npm run build first (the bundle budgets check the built bundles).`);
    const size = statSync(file).size;
    if (size > budget * 1024) {
      throw new Error(`dist/functions/${name}.cjs is ${kib(size)}, over its budget of ${budget.toFixed(1)} KiB in bench/budgets.json (by ${kib(size - Math.floor(budget * 1024))}).`);
    }
  });

  it('every built function bundle has a budget', () => {
    if (!existsSync(dist)) throw new Error('dist/functions is missing: run npm run build first (the bundle budgets check the built bundles).');
    const unbudgeted = readdirSync(dist)
      .filter((f) => f.endsWith('.cjs'))
      .map((f) => f.slice(0, -'.cjs'.length))
      .filter((name) => budgets[name] === undefined);
    expect(unbudgeted, `bundles without a budget in bench/budgets.json: ${unbudgeted.join(', ')}`).toEqual([]);
  });
});
