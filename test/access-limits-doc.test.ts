/**
 * docs/limits.md states the bounds of the access analysis over stored data exactly as lib/access/limits.ts
 * sets them: one row per limit, with its value, and no row for a limit that does not exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCESS_LIMITS } from '../lib/access/limits.js';

const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'limits.md'), 'utf8');
const section = doc.slice(doc.indexOf('### Access analysis over stored data'), doc.indexOf('### Bounds per routine'));
const rows = new Map([...section.matchAll(/^\| `(\w+)` \| ([0-9,]+) \|/gm)].map((m) => [m[1] as string, Number((m[2] as string).replaceAll(',', ''))]));

describe('docs/limits.md: ACCESS_LIMITS', () => {
  it('has the section, before the bounds per routine', () => {
    expect(section.length).toBeGreaterThan(100);
  });

  it.each(Object.entries(ACCESS_LIMITS))('states %s as %d', (name, value) => {
    expect(rows.get(name), `docs/limits.md has no row for ${name}`).toBe(value);
  });

  it('states no limit the code does not have', () => {
    expect([...rows.keys()].filter((k) => !(k in ACCESS_LIMITS))).toEqual([]);
  });
});
