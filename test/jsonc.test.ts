/**
 * lib/json/jsonc.ts: JSON with comments read as JSON, positions kept. The oracle: a random JSON value,
 * printed with random comments and trailing commas between its tokens, must read (after blanking) as the same
 * value under JSON.parse, with the same length and the same line breaks; plain JSON comes back unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blankJsonComments } from '../lib/json/jsonc.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Strings that look like comments or carry commas and brackets, so the reader must know it is in a string. */
const tricky = fc.constantFrom('//', '/*', '*/', ',]', ',}', '"', '\\', 'a//b', '/* x */', 'http://x', '\n', '');
const str = fc.oneof(fc.string(), tricky, fc.string({ unit: 'grapheme' }));
const json: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant(null), fc.boolean(), fc.integer(), str, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(str, tie('v'), { maxKeys: 4 })),
})).v;

const comment = fc.oneof(
  fc.string().map((s) => `// ${s.replace(/[\r\n]/g, ' ')}\n`),
  fc.string().map((s) => `/* ${s.replaceAll('*/', '* /')} */`),
  fc.constantFrom(' ', '\n', '\t', '/**/', '/* // */', '// /* \n', '/* a\nb */'),
);

/** Prints a value with a comment (or nothing) drawn for every gap between tokens, and random trailing commas. */
function print(v: Json, gap: () => string, trailing: () => boolean): string {
  if (Array.isArray(v)) {
    const items = v.map((x) => gap() + print(x, gap, trailing) + gap());
    return `[${gap()}${items.join(',')}${items.length > 0 && trailing() ? `,${gap()}` : ''}]`;
  }
  if (v !== null && typeof v === 'object') {
    const items = Object.entries(v).map(([k, x]) => `${gap()}${JSON.stringify(k)}${gap()}:${gap()}${print(x, gap, trailing)}${gap()}`);
    return `{${gap()}${items.join(',')}${items.length > 0 && trailing() ? `,${gap()}` : ''}}`;
  }
  return JSON.stringify(v);
}

const lineBreaks = (s: string): number[] => [...s].flatMap((c, i) => (c === '\n' || c === '\r' ? [i] : []));

describe('blankJsonComments', () => {
  it('reads commented JSON as the value it writes, keeping length and line breaks', () => {
    fc.assert(
      fc.property(json, fc.array(comment, { minLength: 1, maxLength: 64 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), (v, comments, flags) => {
        let i = 0;
        let j = 0;
        const text = `${comments[0]}${print(
          v,
          () => comments[i++ % comments.length] as string,
          () => flags[j++ % flags.length] as boolean,
        )}`;
        const out = blankJsonComments(text);
        expect(out.length).toBe(text.length);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(v)));
        const breaks = (s: string): number[] => [...s.matchAll(/[\r\n]/g)].map((m) => m.index ?? -1);
        expect(breaks(out)).toEqual(breaks(text));
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });

  it('returns plain JSON unchanged (the same string), however it is printed', () => {
    fc.assert(
      fc.property(json, fc.constantFrom(0, 2, '\t'), (v, space) => {
        const text = JSON.stringify(v, null, space);
        expect(blankJsonComments(text)).toBe(text);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('blanks only comments and trailing commas: the characters left are the original ones, in place', () => {
    const text = '{\n  "a": "x // y", // note\n  "b": [1, 2, /* two */],\n}\n';
    const out = blankJsonComments(text);
    expect(out).toBe('{\n  "a": "x // y",        \n  "b": [1, 2           ] \n}\n');
    expect(lineBreaks(out)).toEqual(lineBreaks(text));
  });

  it('leaves an unterminated block comment as written (the JSON reader reports it where it starts)', () => {
    expect(blankJsonComments('{"a": 1 /* open')).toBe('{"a": 1 /* open');
    expect(blankJsonComments('{"a": "/* in a string"}')).toBe('{"a": "/* in a string"}');
  });

  it('keeps a comma that does not end a list, and every character of a string with escapes', () => {
    expect(blankJsonComments('[1, // x\n 2]')).toBe('[1,     \n 2]');
    expect(blankJsonComments('["a\\"//", 1,]')).toBe('["a\\"//", 1 ]');
  });

  it('is linear: a long run of commas and comments costs one pass', () => {
    const text = `[${'1,/**/ '.repeat(100_000)}1,]`;
    const out = blankJsonComments(text);
    expect(JSON.parse(out)).toHaveLength(100_001);
  });
});
