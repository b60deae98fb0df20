/**
 * parseJson (JSON.parse plus the strictness checks) reads exactly what parseJsonWithSource reads: the same
 * values (own `__proto__` keys, the last of duplicate keys, key order) and, for refused input, the same
 * message and position. Checked on generated JSON, on mutations of it, and on the edge cases of the rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJson, parseJsonWithSource } from '../lib/json/source.js';

function agree(text: string): void {
  const fast = parseJson(text);
  const slow = parseJsonWithSource(text);
  expect(fast.ok, text.slice(0, 200)).toBe(slow.ok);
  if (fast.ok && slow.ok) {
    // Own keys and their order, `__proto__` included, and the prototype of every object.
    expect(JSON.stringify(fast.value)).toBe(JSON.stringify(slow.value));
    if (typeof fast.value === 'object' && fast.value !== null) expect(Object.getPrototypeOf(fast.value)).toBe(Object.getPrototypeOf(slow.value));
    expect(fast.value).toStrictEqual(slow.value);
  } else if (!fast.ok && !slow.ok) {
    expect(fast.message).toBe(slow.message);
    expect(fast.position).toEqual(slow.position);
  }
}

const nested = (depth: number, open: string, close: string): string => open.repeat(depth) + close.repeat(depth);

describe('parseJson reads as parseJsonWithSource', () => {
  it('on the rules: nesting, I-JSON numbers and strings, BOM, __proto__, duplicates, whitespace', () => {
    const cases = [
      nested(MAX_JSON_DEPTH, '[', ']'),
      nested(MAX_JSON_DEPTH + 1, '[', ']'),
      `${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}`,
      `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`,
      '1e999',
      '[-1e999]',
      '{"x": 1e308}',
      '1e-400',
      '-0',
      '"\\ud800"',
      '"\\udc00x"',
      '"\\ud83d\\ude00"',
      '{"\\ud800": 1}',
      '\ufeff{"a": 1}',
      '\ufeff',
      '{"__proto__": {"polluted": true}}',
      '{"a": 1, "a": 2, "b": 3}',
      '{"b": 1, "a": 2, "b": 3}',
      ' \t\r\n{"a":[1,2,{"b":null}]}\n',
      '\u00a0{}',
      '{"a": 01}',
      '{"a": 1.}',
      '{"a": .5}',
      '{"a": +1}',
      '[1,]',
      '{"a":1,}',
      "{'a':1}",
      '{"a":"\u0001"}',
      '"\\x41"',
      'NaN',
      'true false',
      '',
      ' ',
      'nul',
      '[',
      '{"a"',
    ];
    for (const c of cases) agree(c);
  });

  it('on generated JSON texts, compact and pretty', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (v, pretty) => agree(JSON.stringify(v, null, pretty ? 2 : undefined))),
      { numRuns: 500, seed: 7 },
    );
  });

  it('on mutated texts: characters inserted, deleted or replaced', () => {
    const alphabet = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'e', '-', '.', '0', '9', ' ', 'u', 'n', 't', 'f', '\ud800', '\ufeff', '_');
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(2), alphabet), { maxLength: 3 }), (v, edits) => {
        let text = JSON.stringify(v);
        for (const [at, kind, ch] of edits) {
          const i = text.length === 0 ? 0 : at % (text.length + 1);
          text = kind === 0 ? text.slice(0, i) + ch + text.slice(i) : kind === 1 ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + ch + text.slice(i + 1);
        }
        agree(text);
      }),
      { numRuns: 3000, seed: 11 },
    );
  });
});
